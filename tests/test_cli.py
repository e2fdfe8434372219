"""The commands as a user runs them: exit codes, stdout, and one-line messages on stderr."""

import json
import subprocess
import sys

import numpy as np
import pytest

from handgrad_cli import __version__
from handgrad_cli.kinds import KINDS, build
from handgrad_cli.numbers import as_typed
from handgrad_cli.question import ROUNDING_RULE
from tests.helpers import run



def assert_one_line_error(result, fragment):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"handgrad {__version__}"


def test_module_entry_point_works():
    out = subprocess.run([sys.executable, "-m", "handgrad_cli", "kinds"], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[0].startswith("softmax-ce")


def test_kinds_lists_each_kind_wrapped_under_its_summary():
    result = run("kinds", env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines if not line.startswith(" ")] == list(KINDS)
    assert all(len(line) <= 80 for line in lines)
    summaries = " ".join(" ".join(line.split()) for line in lines)
    assert all(kind.summary in summaries for kind in KINDS.values())  # wrapped between words, none cut


def test_explain_reproduces_the_lesson_softmax_example():
    result = run("explain", "softmax-ce", "--logits", "2,1,0", "--target", "0")
    assert result.exit_code == 0
    out = result.stdout
    assert "[0.665, 0.245, 0.090]" in out  # probs
    assert "0.408" in out  # the loss
    assert "[-0.335, 0.245, 0.090]" in out  # dlogits = p - y
    assert "row sums of dlogits (each is 0)" in out and "[0.000]" in out
    assert "local derivative" in out and "upstream" in out


def test_explain_reproduces_micrograds_neuron():
    result = run("explain", "tanh-neuron", "--x", "2,0", "--w", "-3,1", "--b", "6.8813735870195432",
                 "--dout", "1", "--decimals", "4")
    assert result.exit_code == 0
    assert "0.7071" in result.stdout and "0.5000" in result.stdout
    assert "[-1.5000, 0.5000]" in result.stdout and "[1.0000, 0.0000]" in result.stdout


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kinds_inputs_may_be_given_as_flags_or_as_name_equals_values(kind):
    problem = build(f"{kind}-m42")
    typed = {name: value if isinstance(value, str) else
             ";".join(",".join(repr(float(v)) for v in np.atleast_1d(row)) for row in np.atleast_2d(value))
             for name, value in problem.inputs.items()}
    as_flags = [part for i, (name, text) in enumerate(typed.items())
                for part in ([f"--{name}", text] if i % 2 == 0 else [f"--{name}={text}"])]
    answers = []
    for args in (as_flags, [f"{name}={text}" for name, text in typed.items()]):
        result = run("explain", kind, *args, "--json")
        assert result.exit_code == 0, result.stderr
        answers.append(json.loads(result.stdout)["answers"])
    assert answers[0] == answers[1]
    for name, value in problem.answers.items():
        np.testing.assert_allclose(answers[0][name], value, rtol=1e-12)


def test_a_flag_without_its_values_is_one_line_error():
    result = run("explain", "tanh-neuron", "--x", "2,0", "--w")
    assert result.exit_code == 2 and "'--w' needs its values after it" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_explain_json_has_full_precision():
    result = run("explain", "softmax-ce", "--logits", "2,1,0", "--target", "0", "--json")
    record = json.loads(result.stdout)
    assert record["answers"]["dlogits"] == pytest.approx([-0.33475904, 0.24472847, 0.09003057], abs=1e-8)


def test_explain_a_random_problem_prints_its_id_and_an_id_reproduces_it():
    result = run("explain", "tanh-neuron", "--seed", "5", "--difficulty", "hard")
    assert result.exit_code == 0 and "tanh-neuron-h5" in result.stdout
    again = run("explain", "tanh-neuron-h5")
    assert again.exit_code == 0 and again.stdout == result.stdout


def test_explain_a_gradient_step_lowers_the_loss():
    record = run("explain", "softmax-ce", "--logits", "2,1,0", "--target", "0", "--lr", "0.5")
    assert "logits - 0.5 * dlogits" in record.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["explain", "relu"], "unknown kind 'relu'"),
        (["explain", "softmax-ce", "--x", "1,2"], "'x' is not an input of softmax-ce: it takes logits=... target=..."),
        (["explain", "softmax-ce", "--logits", "2,1,0"], "softmax-ce needs target=..."),
        (["explain", "softmax-ce", "--logits", "2,1,0", "--target", "3"], "from 0 to 2"),
        (["explain", "softmax-ce", "--logits", "2,1,0", "--target", "0.5"], "whole numbers"),
        (["explain", "softmax-ce", "--logits", "2,1;0", "--target", "0,0"], "logits must be [V] or [n, V]; you gave 2 rows of 1/2 value(s)"),
        (["explain", "softmax-ce", "--logits", "2,x,0", "--target", "0"], "not a number"),
        (["explain", "tanh-neuron", "--x", "1,2", "--w", "1", "--b", "0", "--dout", "1"], "w must be [n=2]; you gave 1 value(s)"),
        (["explain", "softmax-ce-m1", "--logits", "1,2"], "its inputs are fixed, drop logits"),
        (["explain", "softmax-ce-m1", "--seed", "3"], "its seed and difficulty are fixed, drop --seed"),
        (["explain", "softmax-ce-m1", "-d", "hard"], "its seed and difficulty are fixed, drop --difficulty"),
        (["explain", "softmax-ce", "--logits", "2,1,0", "--target", "0", "--seed", "3"], "with your inputs, drop --seed"),
        (["check", "softmax-ce-q1", "dlogits=1"], "not a problem ID"),
        (["explain", "softmax-ce", "--logits", ",".join(["1"] * 1500), "--target", "0"], "logits takes at most 32 rows of 32 values; you gave 1500 value(s)"),
        (["explain", "softmax-ce", "--logits", ";".join(["1,2"] * 33), "--target", ",".join(["0"] * 33)],
         "logits takes at most 32 rows of 32 values; you gave 33 rows"),
    ],
)
def test_explain_and_check_refuse_bad_input_in_one_line(args, fragment):
    assert_one_line_error(run(*args), fragment)


@pytest.mark.parametrize("columns", ["80", "100"])
def test_explain_cuts_nothing_to_an_ellipsis_at_80_columns(columns):
    result = run("explain", "softmax-ce", "--logits", "2,1;0,1", "--target", "0,1", env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert "…" not in result.stdout and "range(" in result.stdout


def test_explain_handles_extreme_logits():
    result = run("explain", "softmax-ce", "--logits", "10000,-10000,0", "--target", "1", "--json")
    assert result.exit_code == 0
    assert np.all(np.isfinite(json.loads(result.stdout)["answers"]["dlogits"]))


# generate


def test_generate_jsonl_is_reproducible_and_complete():
    args = ("generate", "--count", "6", "--seed", "11", "--format", "jsonl")
    first, second = run(*args), run(*args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    records = [json.loads(line) for line in first.stdout.splitlines()]
    assert [r["kind"] for r in records] == ["softmax-ce", "tanh-neuron"] * 3
    for record in records:
        assert set(record) == {"id", "kind", "difficulty", "seed", "question", "inputs", "answers", "steps"}
        problem = build(record["id"])
        for name, value in problem.answers.items():
            assert record["answers"][name] == np.asarray(value).tolist()  # full float precision
        assert record["steps"][0].keys() == {"quantity", "formula", "forward", "terms", "result"}
        assert {"local", "upstream", "value", "formula"} <= record["steps"][0]["terms"][0].keys()


def test_generate_json_is_one_array_of_the_same_objects():
    as_json = json.loads(run("generate", "-n", "3", "-f", "json", "--difficulty", "hard").stdout)
    as_jsonl = [json.loads(line) for line in run("generate", "-n", "3", "-f", "jsonl", "-d", "hard").stdout.splitlines()]
    assert as_json == as_jsonl and len(as_json) == 3


def test_generate_one_kind_only():
    records = [json.loads(line) for line in run("generate", "tanh-neuron", "-n", "4", "-f", "jsonl").stdout.splitlines()]
    assert {r["kind"] for r in records} == {"tanh-neuron"}


def test_generate_text_numbers_problems_then_the_key():
    out = run("generate", "-n", "2", "--seed", "3").stdout
    problems, key = out.split("Answer key")
    assert problems.startswith(f"{ROUNDING_RULE}\n\n1. softmax-ce-m") and "\n2. tanh-neuron-m" in problems
    assert "dlogits = " in key and "dw = " in key and "dlogits" not in problems.split("compute")[0]


def test_generate_refuses_unknown_kinds_and_formats():
    assert_one_line_error(run("generate", "relu"), "unknown kind 'relu'")
    assert run("generate", "--format", "pdf").exit_code == 2


# check


def typed(problem, rounding=3, sign=1):
    return [f"{name}={as_typed(sign * np.asarray(value), rounding)}" for name, value in problem.answers.items()]


@pytest.mark.parametrize("problem_id", ["softmax-ce-m42", "softmax-ce-h7", "tanh-neuron-e1", "tanh-neuron-h99"])
def test_check_accepts_the_rounded_right_answer(problem_id):
    result = run("check", problem_id, *typed(build(problem_id)))
    assert result.exit_code == 0, result.stdout
    assert "incorrect" not in result.stdout and "entries correct" in result.stdout


def test_check_refuses_a_sign_flipped_answer_and_names_the_mistake():
    result = run("check", "softmax-ce-m42", *typed(build("softmax-ce-m42"), sign=-1))
    assert result.exit_code == 1
    assert "incorrect" in result.stdout and "sign is flipped" in result.stdout
    assert "handgrad explain softmax-ce-m42" in result.stdout


def test_check_counts_a_missing_gradient_as_wrong():
    problem = build("tanh-neuron-m3")
    result = run("check", "tanh-neuron-m3", typed(problem)[0], "--json")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["correct"] is False
    assert [g["given"] for g in record["gradients"]] == [True, False, False, False]


def test_check_json_reports_every_entry():
    record = json.loads(run("check", "softmax-ce-m42", *typed(build("softmax-ce-m42")), "--json").stdout)
    assert record["correct"] is True and len(record["gradients"][0]["entries"]) == 4


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--bogus"], "No such option: --bogus (see `handgrad --help`)"),
        (["relu"], "No such command 'relu'"),
        (["check"], "Missing argument 'ID'. (see `handgrad check --help`)"),
        (["generate", "-n", "0"], "Invalid value for '--count'"),
        (["generate", "-f", "xml"], "Invalid value for '--format'"),
        (["drill", "--tries", "0"], "Invalid value for '--tries'"),
        (["explain", "softmax-ce", "--seed", "-1"], "Invalid value for '--seed'"),
        (["kinds", "extra"], "unexpected extra argument"),
    ],
)
def test_a_mistyped_flag_or_value_is_one_line_too(args, fragment):
    result = run(*args)
    assert_one_line_error(result, fragment)
    assert result.stderr.startswith("handgrad: ")


def test_help_and_no_arguments_still_show_the_usage():
    assert "Commands:" in run().stderr and run().exit_code == 2
    assert run("check", "--help").stdout.startswith("Usage: handgrad check")


@pytest.mark.parametrize(
    "args",
    [
        ["check", "softmax-ce-m42", "dlogits=1,1,1,1", "--rtol", "inf"],
        ["check", "softmax-ce-m42", "dlogits=1,1,1,1", "--atol", "inf"],
        ["explain", "softmax-ce", "--logits", "2,1,0", "--target", "0", "--lr", "nan"],
        ["explain", "softmax-ce", "--logits", "2,1,0", "--target", "0", "--lr", "-inf"],
        ["drill", "--no-history", "--rtol", "inf"],
        ["grade", "set.jsonl", "responses.csv", "--atol", "nan"],
    ],
)
def test_tolerances_and_the_learning_rate_must_be_finite(args):
    result = run(*args, input="")
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "must be a finite number" in result.stderr


WALL = "9" * 100_000


@pytest.mark.parametrize(
    "args",
    [
        ["check", "softmax-ce-m" + WALL, "dlogits=1"],
        ["explain", "x" + WALL],
        ["generate", "x" + WALL],
        ["check", "softmax-ce-m42", "x" + WALL],
        ["check", "softmax-ce-m42", "x" + WALL + "=1"],
    ],
)
def test_a_pasted_wall_of_text_is_refused_in_one_short_line(args):
    result = run(*args)
    assert_one_line_error(result, "...")
    assert len(result.stderr) < 200


def test_check_reads_a_batch_answer_pasted_as_explain_prints_it():
    problem = build("softmax-ce-h5")
    nested = "[" + ", ".join("[" + as_typed(row) + "]" for row in problem.answers["dlogits"]) + "]"
    assert nested.startswith("[[") and "], [" in nested
    result = run("check", "softmax-ce-h5", f"dlogits={nested}")
    assert result.exit_code == 0, result.output


def test_check_tolerance_is_adjustable():
    problem = build("softmax-ce-m42")
    rough = typed(problem, rounding=2)
    assert run("check", "softmax-ce-m42", *rough).exit_code == 1
    assert run("check", "softmax-ce-m42", *rough, "--atol", "0.01").exit_code == 0


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ([], "no answers given"),
        (["dlogits=1,2"], "expects 4 values"),
        (["dq=1,2,3,4"], "does not ask 'dq'"),
        (["dlogits=1,2,x,4"], "not a number"),
        (["dlogits=1,2,3,1e999"], "not a finite number"),
        (["dlogits=__import__('os').system('echo pwned'),1,2,3"], "not a number"),
        (["dlogits=9**9**9**9,1,2,3"], "exponent"),
        (["dlogits=" + "1," * 3000 + "1"], "longer than"),
    ],
)
def test_check_refuses_unreadable_or_hostile_answers(answers, fragment):
    assert_one_line_error(run("check", "softmax-ce-m42", *answers), fragment)


def test_help_starts_without_numpy_or_rich():
    code = "import sys; from handgrad_cli import cli; print('numpy' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("args", [["explain", "softmax-ce", "-d", "hard", "--seed", "2"],
                                  ["drill", "-n", "300", "--seed", "1", "--no-history"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(args):
    """`handgrad ... | head -1`: exit 0 and no traceback, not Rich's exit 1 (which means a wrong answer)."""
    process = subprocess.Popen([sys.executable, "-m", "handgrad_cli", *args], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()  # like `head -1`
    _, stderr = process.communicate(b"skip\n" * 600, timeout=60)
    assert process.returncode == 0 and b"Traceback" not in stderr


def test_explain_json_is_strict_at_extreme_logits():
    result = run("explain", "softmax-ce", "--logits", "10000,-10000,0", "--target", "1", "--json")
    record = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    (term,) = record["steps"][0]["terms"]  # the fused op's closed form stays finite
    assert term["local"]["value"] == pytest.approx([1.0, -1.0, 0.0])
    assert record["answers"]["dlogits"] == pytest.approx([1.0, -1.0, 0.0])


def test_check_counts_the_entries_of_gradients_not_given():
    from handgrad_cli.kinds import build
    from handgrad_cli.numbers import as_typed

    problem = build("tanh-neuron-m5")
    entries = sum(value.size for value in problem.answers.values())
    result = run("check", "tanh-neuron-m5", f"dz={as_typed(problem.answers['dz'], 6)}", env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert f"1/{entries} entries correct; not given: dw, db, dx" in result.stdout
