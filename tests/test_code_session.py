"""`handgrad code`, `check --code` and the notebook: the lecture's exercises 1, 2 and 3 accepted in both
notations on every difficulty, named slips typed as code, piped sessions, the history's code mode."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.code.session import (CODE_TOLERANCE, FUSED_NAMES, batch_size, check_code, fused_problems,
                                       judge, judge_fused, run_lines, tensors)
from handgrad_cli.code.solutions import NOTATIONS, solution
from handgrad_cli.kinds import KINDS, build, set_ids

pytestmark = pytest.mark.usefixtures("returning_learner")

FIXTURES = Path(__file__).parent / "fixtures" / "code"
runner = CliRunner(env={"COLUMNS": "200"})
DIFFICULTIES = ("easy", "medium", "hard")


def lecture(exercise: int, notation: str) -> str:
    return (FIXTURES / f"exercise{exercise}_{notation}.py").read_text()


def statements(source: str) -> list[tuple[str, set[str]]]:
    """The lines of a program grouped by statement (a loop with its body), each with the names it assigns."""
    grouped: list[list[str]] = []
    for line in source.splitlines():
        if line.startswith((" ", "\t")):
            grouped[-1].append(line)
        else:
            grouped.append([line])
    found = []
    for lines in grouped:
        assigned = {match[1] for line in lines if (match := re.match(r"\s*(\w+)\s*(\[.*\])?\s*[-+*/]?=", line)
                                                   or re.match(r"\s*np\.add\.at\((\w+)", line))}
        found.append(("\n".join(lines), assigned))
    return found


def blocks_for(source: str, asked: tuple[str, ...]) -> list[str]:
    """What a learner types at each prompt, writing the lecture's lines in the lecture's order: at each gradient's
    prompt, the lines not typed yet up to the last one that assigns it (or just its name, when it is done)."""
    pending = statements(source)
    blocks = []
    for name in asked:
        last = max((i for i, (_, assigned) in enumerate(pending) if name in assigned), default=-1)
        typed, pending = pending[:last + 1], pending[last + 1:]
        blocks.append("\n".join(lines for lines, _ in typed) or name)
    return blocks


def session_input(blocks: list[str]) -> str:
    return "".join(block + "\n\n" for block in blocks)


def mlp(difficulty: str):
    return next(set_ids(["mlp"], 1, 11, difficulty))


# --- the lecture's exercises, accepted -----------------------------------------------------------


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_exercise_1_line_by_line_is_accepted_on_every_difficulty(notation, difficulty):
    problem = build(mlp(difficulty))
    scope, earlier = tensors(problem), {}
    for name, block in zip(problem.asked, blocks_for(lecture(1, notation), problem.asked)):
        scope, yours, notes = run_lines(block, scope, name)
        result = judge(problem, name, yours, CODE_TOLERANCE, earlier, notes)
        assert result.grade.correct and result.approximate, (name, result.maxdiff)
        earlier[name] = result.grade


@pytest.mark.parametrize("notation, difficulty", [("torch", "easy"), ("numpy", "hard")])
def test_exercise_1_typed_at_handgrad_code_is_accepted(notation, difficulty):
    problem_id = mlp(difficulty)
    blocks = blocks_for(lecture(1, notation), build(problem_id).asked)
    result = runner.invoke(app, ["code", str(problem_id), "--no-history"], input=session_input(blocks))
    assert result.exit_code == 0, result.output
    assert "Score 26/26 answered gradients (26 on the first try)" in result.output
    assert result.output.count("| approximate: True ") == 26
    rows = 4 if difficulty == "hard" else 3
    assert f"dlogprobs [{rows}, " in result.output and f"dbnmeani [1, " in result.output  # prompts name shapes
    # the lecture's (-dbndiff).sum(0) drops bnmeani's leading 1: accepted, as cmp takes it, and said
    assert ("dbnmeani is [" in result.output) == (notation == "torch")


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("exercise, kind", [(2, "ce-steps"), (3, "batchnorm")])
def test_exercises_2_and_3_are_accepted_on_several_batches(exercise, kind, notation, difficulty):
    problem = build(next(set_ids([kind], 1, 5, difficulty)))
    problems = fused_problems(problem)
    assert len(problems) == 6 and len({batch_size(one) for one in problems}) >= 2
    result = judge_fused(problems, lecture(exercise, notation), CODE_TOLERANCE)
    assert result.grade.correct and all(result.others) and len(result.others) == 5


def test_a_fused_formula_that_only_fits_n_3_is_refused_on_another_batch():
    only_for_3 = "dhprebn = bngain*bnvar_inv/3 * (3*dhpreact - dhpreact.sum(0) - 3/2*bnraw*(dhpreact*bnraw).sum(0))"
    problem = next(one for one in (build(problem_id) for problem_id in set_ids(["batchnorm"], 20, 1, "easy"))
                   if batch_size(one) == 3)
    result = judge_fused(fused_problems(problem), only_for_3, CODE_TOLERANCE)
    assert not result.grade.correct and result.grade.mistake.slug == "fits-one-batch"
    assert "n = 4" in result.grade.mistake.description and not all(result.others)


def test_a_fused_exercise_reads_only_its_names():
    problem = build(next(set_ids(["ce-steps"], 1, 5, "medium")))
    with pytest.raises(Exception, match="probs is not defined here; the names bound are: Yb, logits, n"):
        judge_fused(fused_problems(problem), "dlogits = probs", CODE_TOLERANCE)


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kinds_reference_lines_are_accepted_on_every_difficulty(kind, notation):
    for difficulty in DIFFICULTIES:
        problem = build(next(set_ids([kind], 1, 2, difficulty)))
        scope, earlier = tensors(problem), {}
        for name in problem.asked:
            scope, yours, notes = run_lines(solution(problem, name, notation=notation), scope, name)
            result = judge(problem, name, yours, CODE_TOLERANCE, earlier, notes)
            assert result.grade.correct and result.approximate, (difficulty, name, result.maxdiff)
            earlier[name] = result.grade


# --- slips, typed as code ------------------------------------------------------------------------

MLP_SLIPS = [
    ("dlogprobs", "dlogprobs = torch.zeros_like(logprobs); dlogprobs[range(n), Yb] = -1.0", "mean-forgotten"),
    ("dcounts", "dcounts = counts_sum_inv * dprobs", "counts-sum-path-dropped"),
    ("dcounts", "dcounts = torch.ones_like(counts) * dcounts_sum", "probs-path-dropped"),
    ("db2", "db2 = dlogits.mean(0)", "averaged-not-summed"),
    ("dhpreact", "dhpreact = h * dh", "tanh-not-derivative"),
    ("dhpreact", "dhpreact = (1.0 - hpreact**2) * dh", "z-squared"),
    ("dbndiff2", "dbndiff2 = (1.0/n)*torch.ones_like(bndiff2) * dbnvar", "bessel-forgotten"),
    ("dbndiff", "dbndiff = bnvar_inv * dbnraw", "variance-path-dropped"),
    ("dhprebn", "dhprebn = dbndiff.clone()", "mean-path-dropped"),
    ("dC", "dC = torch.zeros_like(C)\ndC[Xb] += demb", "scatter-assigned"),
    ("dC", "dC = torch.zeros_like(C)\nfor k in range(n):\n    for j in range(Xb.shape[1]):\n"
           "        dC[Xb[k, j]] = demb[k, j]", "scatter-assigned"),
    ("dh", "dh = -(dlogits @ W2.T)", "sign-flipped"),
]


@pytest.mark.parametrize("gradient, lines, slug", MLP_SLIPS, ids=[slug for _, _, slug in MLP_SLIPS])
def test_each_named_slip_typed_as_code_is_named(gradient, lines, slug):
    problem = build(mlp("medium"))
    result = check_code(problem, gradient, lines, CODE_TOLERANCE.atol, CODE_TOLERANCE.rtol)
    assert not result.grade.correct and result.grade.mistake is not None
    assert result.grade.mistake.slug == slug, result.grade.mistake


def test_dc_by_indexing_with_plus_equals_says_why_it_is_wrong():
    result = check_code(build(mlp("easy")), "dC", "dC = torch.zeros_like(C)\ndC[Xb] += demb", 1e-6, 1e-6)
    assert result.grade.mistake.slug == "scatter-assigned"
    assert any("neither torch nor numpy accumulates" in note for note in result.notes)


def test_a_sum_without_keepdim_is_a_wrong_shape_with_the_reason():
    result = check_code(build(mlp("easy")), "dcounts_sum_inv", "dcounts_sum_inv = (counts * dprobs).sum(1)", 1e-6, 1e-6)
    assert result.grade.mistake.slug == "keepdim-missing" and "keepdim=True" in result.grade.mistake.description


def test_a_later_gradient_from_an_earlier_wrong_one_is_carried_forward():
    lines = "dlogprobs = torch.zeros_like(logprobs)\ndlogprobs[range(n), Yb] = -1.0\ndprobs = (1.0 / probs) * dlogprobs"
    result = check_code(build(mlp("easy")), "dprobs", lines, 1e-6, 1e-6)
    assert not result.grade.correct and result.grade.carried == ("dlogprobs",) and result.grade.mistake is None


# --- the commands ---------------------------------------------------------------------------------


def test_check_code_exit_statuses_and_cmp_line():
    problem_id = str(mlp("easy"))
    right = runner.invoke(app, ["check", problem_id, "--code", "db2", "db2 = dlogits.sum(0)"])
    assert right.exit_code == 0 and "db2             | exact: True  | approximate: True  | maxdiff: 0.0" in right.output
    wrong = runner.invoke(app, ["check", problem_id, "--code", "db2", "db2 = dlogits.mean(0)"])
    assert wrong.exit_code == 1 and "db2 was averaged over the batch" in wrong.output
    refused = runner.invoke(app, ["check", problem_id, "--code", "db2", "db2 = ().__class__"])
    assert refused.exit_code == 2 and "names starting with _ are not allowed" in refused.output
    unknown = runner.invoke(app, ["check", problem_id, "--code", "dz", "dz = 1"])
    assert unknown.exit_code == 2 and "does not ask 'dz'" in unknown.output
    as_json = runner.invoke(app, ["check", problem_id, "--code", "db2", "db2 = dlogits.sum(0)", "--json"])
    assert json.loads(as_json.stdout)["cmp"] == {"exact": True, "approximate": True, "maxdiff": 0.0}


def test_a_piped_session_echoes_lines_refuses_bad_code_and_ends_with_the_summary():
    typed = "dlogits = (probs - F.one_hot(target, num_classes=logits.shape[-1])) / n\n\n"
    lines = "import os\n\n" + "x = 1\n\n" + typed  # refused, then a block that does not assign, then right
    result = runner.invoke(app, ["code", "softmax-ce", "-n", "1", "--seed", "4", "--no-history"], input=lines)
    assert result.exit_code == 0, result.output
    assert "dlogits [4, 5] >>> import os" in result.output or ">>> import os" in result.output
    assert "line 1: not allowed here: import" in result.output
    assert "the lines did not assign dlogits" in result.output
    assert "dlogits: correct." in result.output and "Score 1/1" in result.output
    assert "Replay: handgrad code softmax-ce --count 1 --seed 4 --difficulty medium" in result.output


def test_end_of_input_grades_the_open_block():
    result = runner.invoke(app, ["code", "linear", "-n", "1", "--seed", "2", "--no-history"],
                           input="dX = dY @ W.T")
    assert result.exit_code == 0 and "dX: correct." in result.output and "end of input" in result.output


def test_skip_binds_the_answer_so_later_lines_go_on():
    result = runner.invoke(app, ["code", "linear", "-n", "1", "--seed", "2", "--no-history"],
                           input="skip\ndW = X.T @ dY\n\ndb = dY.sum(0) + 0 * dX.sum()\n\n")
    assert "skipped — the answer was dX = dY @ W.T" in result.output
    assert "Score 2/2 answered gradients" in result.output and "1 skipped" in result.output


def test_fused_is_refused_for_other_kinds():
    result = runner.invoke(app, ["code", "linear", "--fused", "--no-history"])
    assert result.exit_code == 2 and "--fused takes ce-steps (exercise 2) or batchnorm (exercise 3)" in result.output


def test_code_answers_are_kept_with_their_mode_and_stats_show_them(tmp_path):
    from handgrad_cli.history import read_attempts
    from handgrad_cli.paths import history_path

    runner.invoke(app, ["code", "linear", "-n", "1", "--seed", "2"], input="dX = -(dY @ W.T)\n\ndX = dY @ W.T\n\n")
    runner.invoke(app, ["drill", "linear", "-n", "1", "--seed", "2"], input="quit\n")
    attempts = read_attempts(history_path())
    assert [attempt.mode for attempt in attempts] == ["code"]
    assert attempts[0].status == "right after a miss"
    stats = json.loads(runner.invoke(app, ["stats", "--format", "json"]).stdout)
    modes = {mode["mode"]: mode for mode in stats["modes"]}
    assert modes["code"]["answered"] == 1 and modes["drill"]["answered"] == 0
    assert [level["kind"] for level in modes["code"]["review"]] == ["linear"] and modes["code"]["review"][0]["due_now"]
    assert all(level["new"] for level in stats["review"] if level["kind"] == "linear")  # code's miss is not the drill's
    review = runner.invoke(app, ["code", "linear", "--review", "-n", "1"], input="quit\n")
    assert "linear medium; review" in review.output
    assert "Written as code: 1 gradient answered" in runner.invoke(app, ["stats"]).output


# --- the notebook -----------------------------------------------------------------------------------


def notebook(*args: str) -> dict:
    result = runner.invoke(app, ["generate", *args, "-f", "ipynb"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_cells(book: dict, capsys) -> str:
    """Each code cell, in order, in one namespace, as a kernel runs them (the notebook handgrad wrote)."""
    namespace: dict = {}
    for cell in book["cells"]:
        if cell["cell_type"] == "code":
            exec(compile(cell["source"], cell["id"], "exec"), namespace)  # noqa: S102 (our own generated cells)
    return capsys.readouterr().out


def test_a_notebook_validates_and_holds_no_answers(capsys):
    nbformat = pytest.importorskip("nbformat")
    book = notebook("mlp", "ce-steps", "-n", "2", "-d", "easy")
    nbformat.validate(nbformat.from_dict(book))
    problem_id = next(set_ids(["mlp"], 1, 0, "easy"))
    cells = {cell["id"]: cell["source"] for cell in book["cells"]}
    assert cells["p1-dlogprobs"] == "# dlogprobs [3, 3]\n" and f'check("{problem_id}", globals())' in cells["p1-check"]
    output = run_cells(book, capsys)
    assert output.count("not computed yet") == 26 + 8 and "correct" not in output


def test_a_notebook_with_inline_answers_checks_right(capsys):
    nbformat = pytest.importorskip("nbformat")
    book = notebook("mlp", "softmax-ce", "batchnorm", "-n", "3", "--answers", "inline")
    nbformat.validate(nbformat.from_dict(book))
    output = run_cells(book, capsys)
    assert output.count("| correct") == 26 + 1 + 3 and "incorrect" not in output


def test_a_notebook_runs_in_a_jupyter_kernel():
    """What `jupyter nbconvert --execute` does, with nbclient: only in `make test-deep`, which installs a kernel."""
    if os.environ.get("HYPOTHESIS_PROFILE") != "deep":
        pytest.skip("make test-deep runs the notebook in a Jupyter kernel")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    book = nbformat.from_dict(notebook("mlp", "ce-steps", "-n", "2", "-d", "easy", "--answers", "inline"))
    nbclient.NotebookClient(book, timeout=120, kernel_name="python3").execute()
    printed = "".join(output.get("text", "") for cell in book.cells if cell.cell_type == "code"
                      for output in cell.outputs)
    assert printed.count("| correct") == 26 + 8 and "incorrect" not in printed


def test_a_notebook_takes_only_none_or_inline_answers():
    result = runner.invoke(app, ["generate", "mlp", "-f", "ipynb", "--answers", "end"])
    assert result.exit_code == 2 and "a notebook takes --answers none" in result.output


def test_the_api_grades_a_notebooks_values_and_names_the_slip(capsys):
    from handgrad_cli.api import check, tensors as problem_tensors

    problem_id = str(mlp("easy"))
    values = problem_tensors(problem_id)
    values["dlogprobs"] = np.zeros_like(values["logprobs"])
    values["dlogprobs"][range(values["n"]), values["Yb"]] = -1.0
    results = check(problem_id, values)
    out = capsys.readouterr().out
    assert results["dlogprobs"].grade.mistake.slug == "mean-forgotten"
    assert out.splitlines()[0].startswith("dlogprobs       | exact: False | approximate: False | maxdiff: ")
    assert "incorrect: the 1/n of the mean was forgotten" in out and "dprobs          | not computed yet" in out


def test_a_wrong_shape_left_as_the_last_try_is_replaced_by_the_answer():
    wrong = "dX = dY @ W.T\n\ndW = (X.T @ dY).T\n\ndW = (X.T @ dY).T\n\ndb = dY.sum(0) + 0 * dW.sum(0)\n\n"
    result = runner.invoke(app, ["code", "linear", "-n", "1", "--seed", "2", "-d", "hard", "--no-history"], input=wrong)
    assert "the shape is [3, 2], the transpose of [2, 3]" in " ".join(result.output.split())
    assert "db: correct." in result.output  # dW's wrong shape was not carried on: the answer was bound
