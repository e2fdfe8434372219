"""embedding: C[Xb] and its view worked by hand, a repeated index in every draw, assignment named, 3-D answers."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.errors import UserError
from handgrad_cli.grading import grade
from handgrad_cli.kinds import get_kind, set_problems
from handgrad_cli.numbers import as_typed

KIND = get_kind("embedding")


def worked():
    # Xb uses row 2 twice and row 0 once; row 1 never: dC[1] is 0
    return KIND.solve(KIND.read_inputs({"C": "1, 2; 3, 4; 5, 6", "Xb": "2, 0; 2, 2", "dembcat": "1, -1, 2, 0; 3, 1, -2, 4"}))


def test_worked_by_hand():
    problem = worked()
    np.testing.assert_array_equal(problem.forward["emb"], [[[5, 6], [1, 2]], [[5, 6], [5, 6]]])
    np.testing.assert_array_equal(problem.forward["embcat"], [[5, 6, 1, 2], [5, 6, 5, 6]])
    np.testing.assert_array_equal(problem.answers["demb"], [[[1, -1], [2, 0]], [[3, 1], [-2, 4]]])
    # dC[2] = [1, -1] + [3, 1] + [-2, 4]; dC[0] = [2, 0]
    np.testing.assert_array_equal(problem.answers["dC"], [[2, 0], [0, 0], [2, 4]])
    assert [step.formula for step in problem.steps] == ["demb = dembcat.view(2, 2, 2)",
                                                        "dC = scatter-add of demb at rows Xb"]


def test_assignment_instead_of_accumulation_is_named():
    problem = worked()
    last_only = [[2, 0], [0, 0], [-2, 4]]  # dC[Xb[i, j]] = demb[i, j]: the last use of row 2 wins
    graded = grade(problem, "dC", np.array(last_only, dtype=float))
    assert not graded.correct and graded.mistake.slug == "assigned-not-added"
    assert "+=" in graded.mistake.description


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_every_draw_repeats_an_index_and_agrees_with_a_loop(difficulty):
    for problem in set_problems(["embedding"], 100, 5, difficulty):
        C, Xb, up = (problem.inputs[name] for name in ("C", "Xb", "dembcat"))
        assert len(set(Xb.ravel().tolist())) < Xb.size
        demb = up.reshape(Xb.shape + (C.shape[1],))
        dC = np.zeros_like(C)
        for i in range(Xb.shape[0]):  # the notebook's loop
            for j in range(Xb.shape[1]):
                dC[Xb[i, j]] += demb[i, j]
        np.testing.assert_array_equal(problem.answers["demb"], demb)
        np.testing.assert_allclose(problem.answers["dC"], dC, atol=1e-12)


def test_an_upstream_of_the_wrong_width_is_refused_with_its_size():
    with pytest.raises(UserError, match=r"dembcat must be \[N=2, T\*d=4\]"):
        KIND.read_inputs({"C": "1, 2; 3, 4; 5, 6", "Xb": "2, 0; 2, 2", "dembcat": "1, -1, 2; 3, 1, -2"})


def test_check_reads_demb_as_blocks_or_a_pasted_nested_list():
    problem = next(set_problems(["embedding"], 1, 2, "medium"))
    demb, dC = problem.answers["demb"], problem.answers["dC"]
    for typed in (as_typed(demb), json.dumps(np.round(demb, 3).tolist())):
        result = CliRunner().invoke(app, ["check", str(problem.id), f"demb={typed}", f"dC={as_typed(dC)}"])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["check", str(problem.id), f"demb={as_typed(demb.reshape(len(demb), -1))}",
                                      f"dC={as_typed(dC)}"])
    assert result.exit_code == 1 and "dembcat.view" not in result.stdout
    assert "the shape is [2, 6], not [2, 3, 2]" in " ".join(result.stdout.split())


def test_a_drill_takes_a_3d_answer_and_shows_it():
    problem = next(set_problems(["embedding"], 1, 1, "easy"))
    typed = "\n".join([as_typed(problem.answers["demb"]), as_typed(problem.answers["dC"])]) + "\n"
    result = CliRunner().invoke(app, ["drill", "embedding", "-n", "1", "--seed", "1", "-d", "easy", "--no-history"],
                                input=typed)
    assert result.exit_code == 0, result.output
    assert "demb (2 blocks of 2 rows of 2 values)" in result.output
    assert "demb: correct" in result.output and "dC: correct" in result.output


@pytest.mark.parametrize("form", ["jsonl", "gift", "latex", "text", "markdown", "moodle-xml"])
def test_every_format_writes_a_3d_answer(form):
    result = CliRunner().invoke(app, ["generate", "embedding", "-n", "1", "--seed", "4", "-f", form])
    assert result.exit_code == 0, result.output
    if form == "jsonl":
        record = json.loads(result.stdout)
        assert np.shape(record["answers"]["demb"]) == (2, 3, 2) and np.shape(record["inputs"]["Xb"]) == (2, 3)
    if form == "latex":
        assert r"\mathrm{demb}[0] = \begin{bmatrix}" in result.stdout  # a block a line: they stack
        assert r"\mathrm{demb}[1] = \begin{bmatrix}" in result.stdout
    if form == "text":
        assert ";; " in result.stdout  # demb's blocks, as a learner types them
    if form == "gift":
        assert "demb[1, 2, 1]" in result.stdout
