"""The drill, driven without a terminal: the loop with scripted lines, and the command with CliRunner."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.console import piped_reader
from handgrad_cli.drill import DrillSettings, replay_command, run_drill
from handgrad_cli.grading import Tolerance
from handgrad_cli.answers import shape_words
from handgrad_cli.kinds import build, set_ids, set_problems
from handgrad_cli.numbers import as_typed
from handgrad_cli.problem import ProblemId

pytestmark = pytest.mark.usefixtures("returning_learner")  # drills of a learner with a history

runner = CliRunner(env={"COLUMNS": "200"})  # wide, so messages stay on one line
SOFTMAX_FROM_SEED_3 = next(set_ids(["softmax-ce"], 1, 3, "medium"))  # 5 classes
SGR = re.compile(r"\x1b\[[0-9;]*m")  # a colour or style code
NEURON = ProblemId.parse("tanh-neuron-m5")
SOFTMAX = ProblemId.parse("softmax-ce-m3")


def typed(value) -> str:
    """The reference as a careful learner types it."""
    return as_typed(value, 6)


def right(problem_id: ProblemId) -> list[str]:
    return [typed(value) for value in build(problem_id).answers.values()]


def sign_flipped(problem_id: ProblemId) -> str:
    return typed(-build(problem_id).answers["dlogits"])


def prompt(problem_id: ProblemId, name: str = "dlogits") -> str:
    return f"{name} ({shape_words(build(problem_id).answers[name].shape)}) > "


def drill(args: list[str], lines: list[str]):
    return runner.invoke(app, ["drill", *args], input="".join(line + "\n" for line in lines))


class Script:
    """read_line for the loop: hands out lines, remembers the prompts, then ends the input."""

    def __init__(self, lines: list[str], interrupt: bool = False):
        self.lines, self.prompts, self.interrupt = list(lines), [], interrupt

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if self.lines:
            return self.lines.pop(0)
        raise KeyboardInterrupt if self.interrupt else EOFError


class Ticks:
    """A clock that moves 2 seconds each time it is read."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 2.0
        return self.now


def loop(ids, lines, interrupt=False, recorded=None, **settings):
    """Run the loop; the attempts are the settled gradients as recorded (`recorded` gets every call)."""
    out, script = io.StringIO(), Script(lines, interrupt)
    recorded = [] if recorded is None else recorded
    console = Console(file=out, width=120)
    summary = run_drill(
        [build(problem_id) for problem_id in ids], script, console, settings=DrillSettings(**settings), recorder=recorded.append, session="s1",
        clock=Ticks(), now=lambda: datetime(2026, 11, 25, 17, 0, 5, tzinfo=timezone.utc),
    )
    return summary, [attempt for attempt in recorded if attempt.status], script, out.getvalue()


# --- the loop -----------------------------------------------------------------------------


def test_prompts_name_each_gradient_and_its_shape():
    _, _, script, _ = loop([NEURON], right(NEURON))
    sizes = len(build(NEURON).inputs["x"])
    assert script.prompts[:4] == ["dz (1 value) > ", f"dw ({sizes} values) > ", "db (1 value) > ",
                                  f"dx ({sizes} values) > "]


def test_right_answers_score_every_gradient_and_record_each_once():
    summary, attempts, _, out = loop([NEURON, SOFTMAX], right(NEURON) + right(SOFTMAX))
    assert (summary.score, summary.total, summary.ended) == (5, 5, "finished")
    assert summary.by_kind() == {"tanh-neuron": (4, 4), "softmax-ce": (1, 1)}
    assert [a.gradient for a in attempts] == ["dz", "dw", "db", "dx", "dlogits"]
    first = attempts[0]
    assert (first.correct, first.mistake, first.hints_used, first.session) == (True, None, 0, "s1")
    assert (first.problem_id, first.kind, first.difficulty) == ("tanh-neuron-m5", "tanh-neuron", "medium")
    assert first.answered_at == "2026-11-25T17:00:05Z"
    assert first.seconds == 2.0  # one clock tick from the prompt to the grade
    assert out.count("correct.") == 5


def test_record_is_made_as_soon_as_a_gradient_is_graded():
    seen = []

    def read_line(prompt):
        seen.append(len(attempts))
        return right(NEURON)[len(seen) - 1] if len(seen) <= 4 else "quit"

    attempts = []
    run_drill([build(NEURON), build(SOFTMAX)], read_line, Console(file=io.StringIO()), recorder=attempts.append)
    assert seen == [0, 1, 2, 3, 4]  # each prompt comes after the previous gradient was recorded


def test_a_wrong_answer_is_diagnosed_tried_again_then_shown():
    summary, attempts, script, out = loop([SOFTMAX], [sign_flipped(SOFTMAX)] * 2)
    assert "Likely mistake: the sign is flipped" in out
    assert "Try again (1 try left)" in out
    assert f"The answer: dlogits = {as_typed(build(SOFTMAX).answers['dlogits'])}" in out
    assert "<- went wrong here" in out
    assert len(script.prompts) == 2
    assert summary.outcomes[0].status == "wrong"
    assert (attempts[0].correct, attempts[0].mistake) == (False, "sign-flipped")


def test_tries_set_how_many_answers_come_before_the_reference():
    _, _, script, out = loop([SOFTMAX], [sign_flipped(SOFTMAX)] * 3, tries=3)
    assert out.count("Try again") == 2 and "Try again (2 tries left)" in out
    assert len(script.prompts) == 3


def test_a_second_try_can_still_solve_it_and_both_tries_are_kept():
    recorded = []
    summary, attempts, _, _ = loop([SOFTMAX], [sign_flipped(SOFTMAX), *right(SOFTMAX)], recorded=recorded)
    assert summary.score == 1 and summary.outcomes[0].status == "right after a miss"
    (attempt,) = attempts
    assert attempt.correct and not attempt.right_first_time and attempt.mistake is None
    assert [(t.number, t.correct, t.mistake, t.seconds) for t in attempt.tries] == [
        (1, False, "sign-flipped", 2.0), (2, True, None, 4.0)]
    assert [call.status for call in recorded] == [None, "right after a miss"]  # the miss written at once


def test_three_graded_hints_the_last_gives_the_answer_which_is_not_solved():
    summary, attempts, script, out = loop([SOFTMAX], ["?", "hint", "?", "?", *right(SOFTMAX)])
    assert "Hint 1/3: Softmax followed by cross-entropy" in out
    assert "Hint 2/3: dlogits = (probs - onehot(target)) / n. It reads probs [3] (a forward value: above, " in out
    assert "Its first entry not 0: dlogits[0] = " in out  # worked for one entry, not the whole answer
    assert f"Hint 3/3: dlogits = {as_typed(build(SOFTMAX).answers['dlogits'])}" in out
    assert "No more hints" in out
    assert "correct, but the answer was revealed" in out
    assert set(script.prompts) == {"dlogits (3 values) > "}
    assert summary.score == 0 and summary.outcomes[0].status == "revealed"
    assert (attempts[0].correct, attempts[0].hints_used) == (False, 3)


def test_unreadable_answers_keep_the_prompt_and_say_why():
    lines = ["abc", "1, 2", "1e999, 0, 0", "9" * 5000, "", *right(SOFTMAX)]
    summary, attempts, script, out = loop([SOFTMAX], lines)
    assert "'abc' is not a number or arithmetic" in out
    assert "dlogits expects 3 values separated by commas" in out
    assert "you gave 2 values" in out
    assert "is not a finite number" in out
    assert "longer than" in out
    assert len(script.prompts) == 6 and summary.score == 1  # nothing lost, no try used
    assert len(attempts) == 1


def test_skip_moves_on_unsolved():
    summary, attempts, script, _ = loop([NEURON], ["skip", *right(NEURON)[1:]])
    assert [o.status for o in summary.outcomes] == ["skipped", "right", "right", "right"]
    assert attempts[0].correct is False and summary.score == 3


def test_explain_shows_the_derivation_and_ends_the_problem():
    summary, attempts, script, out = loop([NEURON, SOFTMAX], [right(NEURON)[0], "explain", *right(SOFTMAX)])
    assert "Closed form" in out and "Forward pass" in out
    assert [o.status for o in summary.outcomes] == ["right", "explained", "explained", "explained", "right"]
    assert len(attempts) == 5
    assert script.prompts[2] == "dlogits (3 values) > "


def test_quit_ends_with_what_was_settled():
    summary, attempts, _, _ = loop([NEURON, SOFTMAX], [right(NEURON)[0], "quit"])
    assert (summary.ended, summary.score, summary.total, summary.problems_seen) == ("quit", 1, 1, 1)
    assert len(attempts) == 1


def test_end_of_input_and_ctrl_c_end_the_session_cleanly():
    summary, _, _, _ = loop([NEURON], right(NEURON)[:2])
    assert (summary.ended, summary.total) == ("end of input", 2)
    summary, _, _, _ = loop([NEURON], right(NEURON)[:2], interrupt=True)
    assert summary.interrupted and summary.total == 2
    assert summary.seconds > 0


def test_the_piped_reader_echoes_each_line_after_its_prompt():
    out = io.StringIO()
    read_line = piped_reader(io.StringIO("0.5\r\n"), Console(file=out))
    assert read_line("dz (1 value) > ") == "0.5"
    assert out.getvalue() == "dz (1 value) > 0.5\n"
    with pytest.raises(EOFError):
        read_line("dz (1 value) > ")


def test_replay_names_only_the_settings_that_differ():
    assert replay_command(["softmax-ce", "--count", "3", "--seed", "7", "--difficulty", "hard"], DrillSettings()) == (
        "handgrad drill softmax-ce --count 3 --seed 7 --difficulty hard"
    )
    settings = DrillSettings(tries=3, decimals=4)
    assert replay_command(["tanh-neuron"], settings).endswith("--tries 3 --decimals 4")
    precise = DrillSettings(Tolerance(0.1234567, 1e-05))
    assert replay_command(["tanh-neuron"], precise).endswith("--atol 0.1234567 --rtol 1e-05")


# --- the command ---------------------------------------------------------------------------


def test_drill_asks_the_problems_generate_prints():
    listed = runner.invoke(app, ["generate", "--count", "4", "--seed", "9", "-d", "hard", "-f", "jsonl"])
    ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
    result = drill(["--count", "4", "--seed", "9", "-d", "hard"], ["explain"] * 4)
    assert result.exit_code == 0, result.output
    shown = re.findall(r"─ ([a-z-]+-h\d+) \(", result.stdout)
    assert shown == ids
    assert ids == [str(i) for i in set_ids(["softmax-ce", "tanh-neuron"], 4, 9, "hard")]


def test_a_right_session_scores_full_and_says_how_to_replay():
    result = drill(["softmax-ce", "--count", "1", "--seed", "3"], right(SOFTMAX_FROM_SEED_3))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert prompt(SOFTMAX_FROM_SEED_3) in result.stdout
    assert "dlogits: correct." in result.stdout
    assert "Score 1/1 answered gradients (1 on the first try)" in result.stdout
    assert re.search(r"softmax-ce\s+1/1", result.stdout)
    assert "Drill over: 1 problem, " in result.stdout
    assert "Replay: handgrad drill softmax-ce --count 1 --seed 3 --difficulty medium" in result.stdout
    assert not SGR.search(result.stdout)  # not a terminal: no colour


def test_a_sign_flipped_session_names_the_mistake_and_shows_the_steps():
    result = drill(["softmax-ce", "-n", "1", "--seed", "3"], [sign_flipped(SOFTMAX_FROM_SEED_3)] * 2)
    assert result.exit_code == 0
    out = result.stdout
    assert out.count("Likely mistake: the sign is flipped") == 2
    assert "likely mistake: the sign is flipped" in out  # under the verdict table
    assert "incorrect" in out and "Backward pass: local derivative × upstream gradient" in out
    assert "dlogits = (probs - onehot(target)) / n   <- went wrong here" in out
    assert "Score 0/1 answered gradients (0 on the first try)\n" in out


def test_garbage_then_right():
    result = drill(["softmax-ce", "-n", "1", "--seed", "3"], ["what?", *right(SOFTMAX_FROM_SEED_3)])
    assert result.exit_code == 0
    assert "'what?' is not a number or arithmetic" in result.stdout
    assert "dlogits expects 5 values separated by commas: try again." in result.stdout
    assert "Score 1/1 answered gradients (1 on the first try)" in result.stdout
    assert "Traceback" not in result.output


def test_hint_skip_and_quit_through_the_command():
    result = drill(["--seed", "3", "-n", "3"], ["?", "skip", "quit"])
    assert result.exit_code == 0
    assert "Hint 1/3:" in result.stdout
    assert "Drill over (quit) at problem 2 of 3" in result.stdout
    assert "Score 0/0 answered gradients; 1 skipped\n" in result.stdout


def test_end_of_input_prints_the_summary_and_exits_0():
    result = drill(["--seed", "3"], [])
    assert result.exit_code == 0
    assert "Drill over (end of input) at problem 1 of 5" in result.stdout
    assert "Score 0/0 answered gradients\n" in result.stdout
    assert result.stderr == ""


def test_the_replay_command_wraps_between_flags_as_the_shell_reads_it_and_echoes_are_never_wrapped():
    answer = ", ".join(["0.123456789"] * 12)
    result = CliRunner(env={"COLUMNS": "40"}).invoke(
        app, ["drill", "tanh-neuron", "softmax-ce", "-n", "1", "--seed", "12", "--atol", "0.5"], input="skip\n" + answer
    )
    replay = result.stdout[result.stdout.index("Replay: "):].splitlines()
    assert replay == ["Replay: handgrad drill tanh-neuron \\", "    softmax-ce --count 1 --seed 12 \\",
                      "    --difficulty medium --atol 0.5"]
    assert all(len(line) <= 40 for line in replay)
    assert f"dw (3 values) > {answer}\n" in result.stdout


def test_default_is_the_lessons_kinds_five_problems_and_a_fresh_seed_shown():
    result = drill([], [])
    seed = re.search(r"Drill: 5 problems \(softmax-ce, tanh-neuron; medium, seed (\d+)\)", result.stdout)
    assert seed, result.stdout
    assert f"--count 5 --seed {seed[1]} --difficulty medium" in result.stdout


def test_usage_errors_exit_2_with_one_line():
    result = drill(["sigmoid"], [])
    assert result.exit_code == 2
    assert result.stderr.startswith("handgrad: unknown kind 'sigmoid'")
    assert len(result.stderr.strip().splitlines()) == 1
    assert runner.invoke(app, ["drill", "--tries", "0"]).exit_code == 2


def test_a_batch_answer_reads_rows_separated_by_semicolons():
    problem_id = next(set_ids(["softmax-ce"], 1, 0, "hard"))
    reference = build(problem_id).answers["dlogits"]
    assert reference.ndim == 2
    result = drill(["softmax-ce", "-n", "1", "--seed", "0", "-d", "hard"], [typed(reference)])
    assert f"dlogits ({reference.shape[0]} rows of {reference.shape[1]} values) > " in result.stdout
    assert "Score 1/1 answered gradients (1 on the first try)" in result.stdout
    wrong = typed(reference * reference.shape[0])  # the batch mean's 1/n forgotten
    result = drill(["softmax-ce", "-n", "1", "--seed", "0", "-d", "hard", "--tries", "1"], [wrong])
    assert "Likely mistake: the 1/n of the batch mean was forgotten" in result.stdout


def test_tolerances_are_applied():
    reference = build(SOFTMAX_FROM_SEED_3).answers["dlogits"]
    nearly = typed(reference + 0.004)
    args = ["softmax-ce", "-n", "1", "--seed", "3", "--tries", "1"]
    assert "Score 0/1" in drill(args, [nearly]).stdout
    result = drill([*args, "--atol", "0.01"], [nearly])
    assert "Score 1/1" in result.stdout and "--tries 1 --atol 0.01" not in result.stdout
    assert "--atol 0.01 --tries 1" in result.stdout


def test_numbers_read_like_check_does():
    reference = build(SOFTMAX_FROM_SEED_3).answers["dlogits"]
    as_arithmetic = ", ".join(f"({value:.6f} + 1) - 1" for value in np.ravel(reference))
    result = drill(["softmax-ce", "-n", "1", "--seed", "3"], [f"[{as_arithmetic}]"])
    assert "Score 1/1 answered gradients (1 on the first try)" in result.stdout


# --- any session ---------------------------------------------------------------------------

lines = st.lists(
    st.one_of(
        st.sampled_from(["?", "hint", "skip", "explain", "", "HINT", " skip ", "quit"]),
        st.sampled_from(right(NEURON) + right(SOFTMAX)),
        st.text(max_size=30),
    ),
    max_size=12,
)


@settings(max_examples=max(10, settings.default.max_examples // 6))  # whole sessions: a sixth of the profile's
@given(lines, st.booleans())
def test_any_session_ends_cleanly_and_records_each_settled_gradient_once(typed_lines, interrupt):
    summary, attempts, script, out = loop([NEURON, SOFTMAX], typed_lines, interrupt=interrupt)
    assert summary.ended in ("finished", "quit", "end of input", "interrupted")
    assert len(attempts) == summary.total <= 5
    assert [a.gradient for a in attempts] == [o.gradient for o in summary.outcomes]
    assert [a.correct for a in attempts] == [o.solved for o in summary.outcomes]
    assert 0 <= summary.score <= summary.total
    assert len(script.prompts) <= len(typed_lines) + 1


def test_a_long_set_is_read_lazily():
    result = drill(["-n", "1000000000", "--seed", "2"], ["quit"])
    assert result.exit_code == 0
    assert "Drill over (quit) at problem 1 of 1000000000" in result.stdout


@pytest.mark.parametrize(("atol", "decimals"), [(1e-3, 3), (1e-5, 5), (0.01, 2), (0.5, 0)])
def test_the_revealed_answer_has_the_decimals_its_tolerance_needs(atol, decimals):
    from handgrad_cli.grading import Tolerance

    assert Tolerance(atol, 0).decimals() == decimals


def test_a_revealed_answer_typed_back_is_accepted_even_at_few_decimals():
    args = ["drill", "softmax-ce", "-n", "1", "--seed", "0", "--decimals", "1", "--atol", "1e-5", "--no-history"]
    shown = CliRunner().invoke(app, args, input="?\n?\n?\n").stdout
    revealed = next(line for line in shown.splitlines() if line.startswith("Hint 3/3"))
    values = revealed.split("=", 1)[1].split("(now")[0].strip()
    typed_back = CliRunner().invoke(app, args, input=f"?\n?\n?\n{values}\n").stdout
    assert "correct, but the answer was revealed" in typed_back


def test_each_try_is_written_before_its_verdict_is_shown():
    out = io.StringIO()
    shown_when_written = []

    def recorder(attempt):
        shown_when_written.append((attempt.status, out.getvalue().count("correct")))

    lines = iter([sign_flipped(SOFTMAX), *right(SOFTMAX)])
    run_drill([build(SOFTMAX)], lambda prompt: next(lines), Console(file=out, width=120), recorder=recorder)
    assert shown_when_written == [(None, 0), ("right after a miss", 1)]  # "incorrect" came after the first write
    assert "dlogits: correct." in out.getvalue()  # and "correct" after the second


@pytest.mark.parametrize(("lines", "status"), [
    (["?", "?", "?", "skip"], "revealed"),
    (["SIGN", "skip"], "wrong"),  # a miss before the skip is not hidden
    (["SIGN", "?", "?", "?", "RIGHT"], "wrong"),  # nor by the answer shown after it
    (["?", "?", "?", "SIGN", "SIGN"], "revealed"),
    (["SIGN", "explain"], "wrong"),
    (["explain"], "explained"),
])
def test_the_status_of_a_gradient_never_hides_a_miss(lines, status):
    typed_lines = [{"SIGN": sign_flipped(SOFTMAX), "RIGHT": right(SOFTMAX)[0]}.get(line, line) for line in lines]
    summary, attempts, _, _ = loop([SOFTMAX], typed_lines)
    assert [outcome.status for outcome in summary.outcomes] == [attempt.status for attempt in attempts] == [status]
    assert summary.answered == (status == "wrong") and summary.score == 0


def test_the_prompt_words_help_exit_and_skip():
    out = io.StringIO()
    problem_id = next(iter(set_ids(["softmax-ce"], 1, 1, "medium")))
    answer_text = as_typed(build(problem_id).answers["dlogits"], 3)
    lines = iter(["help", "skip", "exit"])
    summary = run_drill([build(problem_id)], lambda prompt: next(lines), Console(file=out, width=100))
    text = out.getvalue()
    assert "skip        show the answer" in text
    assert f"skipped — the answer was dlogits = {answer_text}" in text
    assert summary.ended == "finished" and [o.status for o in summary.outcomes] == ["skipped"]


def test_exit_ends_the_session():
    problems = list(set_problems(["softmax-ce"], 2, 1, "medium"))
    summary = run_drill(problems, lambda prompt: "exit", Console(file=io.StringIO()))
    assert summary.ended == "quit" and summary.outcomes == []


def test_a_gradient_typed_back_after_its_reveal_reads_revealed():
    out = io.StringIO()
    problem_id = next(iter(set_ids(["softmax-ce"], 1, 1, "medium")))
    answer_text = as_typed(build(problem_id).answers["dlogits"], 6)
    lines = iter(["?", "?", "?", answer_text])
    run_drill([build(problem_id)], lambda prompt: next(lines), Console(file=out, width=120))
    feedback = out.getvalue().split(f"{problem_id}: ")[1]
    assert feedback.startswith("not right\n") and re.search(r"^  dlogits  revealed$", feedback, re.M)
