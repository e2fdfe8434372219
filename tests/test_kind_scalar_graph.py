"""scalar-graph: micrograd's lecture graph, programs read with a whitelist, gradients that accumulate, the slips."""

import json

import numpy as np
import pytest

from handgrad_cli.errors import UserError
from handgrad_cli.grading import grade
from handgrad_cli.kinds import build, get_kind, set_ids, set_problems
from handgrad_cli.kinds.solving import _batch_key
from handgrad_cli.kinds.scalar_graph import TEMPLATES, parse
from handgrad_cli.problem import ProblemId
from tests.autodiff import Value
from tests.helpers import run

KIND = get_kind("scalar-graph")
LECTURE = "e = a * b; d = e + c; L = d * f"


def typed(expr, **values):
    return KIND.solve(KIND.read_inputs({"expr": expr, **{name: str(value) for name, value in values.items()}}))


def test_the_lectures_graph_comes_out_exactly():
    problem = typed(LECTURE, a=2, b=-3, c=10, f=-2)
    assert problem.forward["L"] == -8
    assert problem.asked == ("dd", "de", "da", "db", "dc", "df")  # typed: every node, backward, then the inputs
    assert {name: float(value) for name, value in problem.answers.items()} == {
        "dd": -2, "de": -2, "da": 6, "db": -4, "dc": -2, "df": 4}
    assert [step.formula for step in problem.steps] == ["dd = f", "de = dd", "da = b * de", "db = a * de",
                                                        "dc = dd", "df = d"]


def test_closed_forms_multiply_the_local_derivatives_along_each_path():
    assert typed(LECTURE, a=2, b=-3, c=10, f=-2).closed_form["da"] == "da = b * f"
    reused = typed("e = a - b; q = e**3; d = q / c; L = d * e + c", a=0.2, b=-0.3, c=1.5).closed_form
    assert reused["db"] == "db = -(3 * e**2) * (1 / c) * e - d" and reused["dc"] == "dc = (-q / c**2) * e + 1"


def test_a_node_used_twice_adds_both_paths():
    problem = typed("e = a * b; d = e + c; L = d * e", a=1, b=4, c=-1)  # e = 4, d = 3
    step = next(step for step in problem.steps if step.quantity == "de")
    assert [term.formula for term in step.terms] == ["dd", "d"] and step.result == 7  # e + d
    assert (problem.answers["da"], problem.answers["db"], problem.answers["dc"]) == (28, 7, 4)


def test_a_leaf_used_twice_in_one_op_counts_twice():
    problem = typed("L = a * a + b", a=3, b=1)  # micrograd's `a + a` bug, as a product
    assert problem.answers["da"] == 6 and len(problem.steps[0].terms) == 2


def test_easy_starts_from_the_lecture_and_every_other_template_reuses_a_node():
    assert TEMPLATES["easy"][0] == LECTURE
    for difficulty, templates in TEMPLATES.items():
        for text in templates:
            program = parse(text)
            assert 2 <= len(program.leaves) <= 4
            assert program.reused or text == LECTURE, text


def test_hard_asks_the_node_used_twice_before_the_inputs():
    for problem in set_problems(["scalar-graph"], 20, 3, "hard"):
        program = parse(problem.inputs["expr"])
        first = problem.asked[0][1:]
        assert first in program.intermediates and first in program.reused
        assert problem.asked[1:] == tuple(f"d{leaf}" for leaf in program.leaves)


# The templates written again by hand, on an independent scalar autodiff.
BY_HAND = {
    "e = a * b; d = e + c; L = d * f": lambda a, b, c, f: (a * b + c) * f,
    "e = a * b; d = e + c; L = d * e": lambda a, b, c: (a * b + c) * (a * b),
    "e = a + b; d = e * c; L = d + e": lambda a, b, c: (a + b) * c + (a + b),
    "e = a * b; d = e + a; L = d * c": lambda a, b, c: (a * b + a) * c,
    "e = a * b; t = e.tanh(); d = t * c; L = d + e": lambda a, b, c: (a * b).tanh() * c + a * b,
    "e = a + b; s = e**2; d = s * c; L = d - e": lambda a, b, c: (a + b) ** 2 * c - (a + b),
    "e = a * b; p = e.exp(); d = p + c; L = d * e": lambda a, b, c: ((a * b).exp() + c) * (a * b),
    "e = a * b; r = e.relu(); d = r + c; L = d * e": lambda a, b, c: ((a * b).relu() + c) * (a * b),
    "e = a * b; t = e.tanh(); L = t * a": lambda a, b: (a * b).tanh() * a,
    "e = a * b; d = e / c; t = d.tanh(); g = t * e; L = g * f": lambda a, b, c, f: (a * b / c).tanh() * (a * b) * f,
    "e = a * b; s = e**2; d = s + c; r = d.relu(); L = r * e": lambda a, b, c: ((a * b) ** 2 + c).relu() * (a * b),
    "e = a * b; p = e.exp(); d = p / c; g = d - e; L = g * f": lambda a, b, c, f: ((a * b).exp() / c - a * b) * f,
    "e = a + b; t = e.tanh(); s = t**2; d = s * c; L = d + t * f":
        lambda a, b, c, f: (a + b).tanh() ** 2 * c + (a + b).tanh() * f,
    "e = a - b; q = e**3; d = q / c; L = d * e + c": lambda a, b, c: (a - b) ** 3 / c * (a - b) + c,
}


def test_every_template_is_written_by_hand_below():
    assert set(BY_HAND) == {text for templates in TEMPLATES.values() for text in templates}


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_generated_answers_agree_with_an_independent_autodiff(difficulty):
    for problem_id in set_ids(["scalar-graph"], 150, 2026, difficulty):
        problem = build(problem_id)
        leaves = {name: Value(value) for name, value in problem.inputs.items() if name != "expr"}
        BY_HAND[problem.inputs["expr"]](**leaves).backward()
        for name, value in problem.answers.items():
            if name[1:] in leaves:
                assert value == pytest.approx(leaves[name[1:]].grad, rel=1e-12, abs=1e-15), (problem_id, name)


def test_problems_of_different_programs_are_solved_apart_in_one_batch():
    ids = [ProblemId("scalar-graph", difficulty, seed) for difficulty in ("easy", "hard") for seed in range(12)]
    together = KIND.build_many(ids)
    assert len({problem.inputs["expr"] for problem in together}) > 3
    for problem_id, problem in zip(ids, together):
        alone = KIND.build(problem_id)
        assert problem.inputs == alone.inputs and problem.answers == alone.answers
    assert _batch_key("e = a * b") != _batch_key("e = a + b") and _batch_key(2.0) == _batch_key(3.0) == ()


def named_mistake(problem, gradient, value):
    graded = grade(problem, gradient, value)
    assert not graded.correct and graded.mistake is not None
    return graded.mistake.slug


def test_assignment_instead_of_accumulation_is_named():
    problem = typed("e = a * b; d = e + c; L = d * e", a=1, b=4, c=-1)  # de = 3 + 4; one path gives 3 or 4
    assert named_mistake(problem, "da", 4 * 3) == "path-dropped"
    assert named_mistake(problem, "da", 4 * 4) == "path-dropped"


def test_local_derivative_slips_are_named():
    exp = typed("e = a * b; p = e.exp(); L = p * c + e", a=0.5, b=2, c=3)  # e = 1: exp's local taken as 1
    assert named_mistake(exp, "da", 2 * (3 * 1 + 1)) == "exp-local-is-input"
    relu = typed("e = a * b; r = e.relu(); d = r + c; L = d * e", a=1, b=-2, c=0.5)  # e = -2, de = 0.5
    assert named_mistake(relu, "da", -2 * (0.5 - 2)) == "relu-passes-negative"
    power = typed("e = a + b; s = e**2; L = s * c + e", a=1, b=2, c=0.5)  # e = 3: ds/de taken as e, not 2e
    assert named_mistake(power, "da", 3 * 0.5 + 1) == "pow-n-forgotten"
    tanh = typed("e = a * b; t = e.tanh(); L = t * c + e", a=0.5, b=1.5, c=2)
    e = 0.75
    assert named_mistake(tanh, "da", 1.5 * ((1 - e**2) * 2 + 1)) == "tanh-local-of-input"


def test_a_slip_that_changes_nothing_here_does_not_unsettle_the_problem():
    relu = typed("e = a * b; r = e.relu(); d = r + c; L = d * e", a=1, b=2, c=0.5)  # relu of a positive
    slipped = [m for m in KIND.mistakes(relu) if m.slug == "relu-passes-negative" and m.gradient == "da"]
    assert slipped and np.array_equal(slipped[0].value, relu.answers["da"])
    assert grade(relu, "da", relu.answers["da"]).correct


@pytest.mark.parametrize(("expr", "fragment"), [
    ("__import__('os').system('true')", "is not allowed in expr"),
    ("L = a.__class__", "is not allowed in expr"),
    ("L = a ** b", "** takes a number as its exponent"),
    ("L = max(a, b)", "the functions are exp, tanh and relu"),
    ("L = a +", "is not a program handgrad can read"),
    ("e = a; L = e * b", "makes nothing new"),
    ("e = a * b; L = c * 2", "e is made but never used"),
    ("L = a * b; L = L * 2", "L is assigned after it is used or assigned"),
    ("L = 2 * 3 + a", "reads no input"),
    ("L = a * b if a else b", "is not allowed in expr"),
    ("L = tanh", "tanh is a function"),
    ("a, b = 1, 2", "is not a line handgrad reads"),
    ("", "expr is empty"),
])
def test_a_program_outside_the_whitelist_is_one_line_error(expr, fragment):
    with pytest.raises(UserError, match=None) as caught:
        parse(expr)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def assert_one_line_error(result, fragment):
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("handgrad: ") and fragment in lines[0], result.stderr


def test_explain_reads_a_typed_program():
    result = run("explain", "scalar-graph", f"expr={LECTURE}", "a=2", "b=-3", "c=10", "f=-2", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["inputs"] == {"expr": LECTURE, "a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}
    assert record["answers"]["da"] == 6 and record["answers"]["db"] == -4
    shown = run("explain", "scalar-graph", "expr=L = (a * b).tanh() + a", "a=0.5", "b=1")
    assert shown.exit_code == 0 and "dL/d((a * b).tanh()) = 1" in shown.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    (["expr=L = a * b", "a=1"], "expr reads a, b: give b=..."),
    (["expr=L = a * b", "a=1", "b=2", "z=3"], "'z' is not an input of expr: it reads a, b"),
    (["expr=L = a * b", "a=1", "b=1,2"], "b takes one number"),
    (["expr=L = a / b", "a=1", "b=0"], "not finite at these inputs"),
    (["expr=L = open('x')", "a=1"], "is not allowed in expr"),
    (["a=1"], "scalar-graph needs expr=..."),
])
def test_explain_refuses_bad_typed_inputs_in_one_line(args, fragment):
    assert_one_line_error(run("explain", "scalar-graph", *args), fragment)


def test_sheets_show_the_program_and_its_values():
    gift = run("generate", "scalar-graph", "-n", "2", "-d", "easy", "-f", "gift").stdout
    assert "runs with <code>a \\= " in gift and "d \\= e + " in gift  # GIFT's = escaped
    markdown = run("generate", "scalar-graph", "-n", "2", "-d", "easy", "-f", "markdown").stdout
    assert "| `expr` | `e = a" in markdown and "runs with `a = " in markdown
    latex = run("generate", "scalar-graph", "-n", "2", "-d", "easy", "-f", "latex").stdout
    assert "\\mathrm{expr} = \\texttt{e = a" in latex


def test_hints_name_the_problems_own_values_never_placeholder_letters():
    """Rules say the op as the problem writes it: in `d = e / c`, the local derivative in e is 1/c."""
    from handgrad_cli.engine import div, leaf

    e, c = leaf(np.array([[2.0]]), "e"), leaf(np.array([[4.0]]), "c")
    rules = [link.rule for link in div(e, c).links]
    assert rules == ["e / c: the local derivative in e is 1/c", "e / c: the local derivative in c is -e / c**2"]
