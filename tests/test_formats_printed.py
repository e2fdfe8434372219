"""text, markdown and latex: the sheets, and the key where --answers puts it (or nowhere)."""

import io
import json

import numpy as np

from handgrad_cli.classroom import set_code
from handgrad_cli.render.sheets import human_title
import pytest

from handgrad_cli.kinds import build
from handgrad_cli.numbers import format_number
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli.question import ROUNDING_RULE
from handgrad_cli.render.markdown import escape as markdown_escape
from tests.teach_helpers import KIND_NAMES, generate, run, the_set

PRINTED = ("text", "markdown", "latex")
ALL_FORMATS = PRINTED + ("json", "jsonl", "gift", "moodle-xml")
KEY_HEADING = {"text": "Answer key", "markdown": "# Answer key", "latex": r"\section*{Answer key}"}


def answer_numbers(problems) -> set[str]:
    """Every answer entry as the sheets print it (3 decimals); inputs never have 3 decimals."""
    return {format_number(entry) for problem in problems for value in problem.answers.values()
            for entry in np.ravel(value)}


def printed_numbers(output: str, numbers: set[str]) -> set[str]:
    return {number for number in numbers if number in output}


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_format_is_the_same_bytes_for_a_seed(fmt):
    own_sets = () if fmt == "gift" else ("--variants", "2")  # gift serves a shared set only
    args = ("-n", "4", "--seed", "9", *own_sets, "-f", fmt)
    assert generate(*args) == generate(*args)


@pytest.mark.parametrize("fmt", PRINTED)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_answers_none_leaks_no_answer(fmt, difficulty):
    args = ("-n", "4", "-d", difficulty, "--seed", "2")
    numbers = answer_numbers(the_set(*args))
    sheet = generate(*args, "-f", fmt, "--answers", "none")
    assert printed_numbers(sheet, numbers) == set()
    assert KEY_HEADING[fmt] not in sheet and "Answer" not in sheet
    assert printed_numbers(generate(*args, "-f", fmt), numbers) == numbers  # the check bites: the key has them all


@pytest.mark.parametrize("fmt", PRINTED)
def test_inline_puts_each_answer_after_its_problem(fmt):
    problems = the_set("-n", "3", "--seed", "4")
    sheet = generate("-n", "3", "--seed", "4", "-f", fmt, "--answers", "inline")
    assert KEY_HEADING[fmt] not in sheet
    positions = [sheet.index(problem.label) for problem in problems] + [len(sheet)]
    for problem, start, end in zip(problems, positions, positions[1:]):
        assert printed_numbers(sheet[start:end], answer_numbers([problem])) == answer_numbers([problem])


@pytest.mark.parametrize("fmt", PRINTED)
def test_end_puts_the_key_after_every_problem_and_only_prints_the_key_alone(fmt):
    problems = the_set("-n", "3", "--seed", "4")
    whole = generate("-n", "3", "--seed", "4", "-f", fmt)
    key_at = whole.index(KEY_HEADING[fmt])
    assert printed_numbers(whole[:key_at], answer_numbers(problems)) == set()
    assert printed_numbers(whole[key_at:], answer_numbers(problems)) == answer_numbers(problems)
    key = generate("-n", "3", "--seed", "4", "-f", fmt, "--answers", "only")
    assert KEY_HEADING[fmt] in key
    assert all(problem.question not in key and markdown_escape(problem.question) not in key for problem in problems)
    assert all(problem.label in key for problem in problems)


def test_text_default_is_the_sheet_then_the_key():
    problems = the_set("-n", "2", "--seed", "1")
    sheet = "".join(
        f"{n}. {p.label} ({p.kind}, {p.difficulty})\n   {p.question}\n\n" for n, p in enumerate(problems, 1)
    )
    assert generate("-n", "2", "--seed", "1").startswith(ROUNDING_RULE + "\n\n" + sheet + "Answer key\n\n1. ")


def test_markdown_has_a_heading_and_an_inputs_table_per_problem():
    problems = the_set(*KIND_NAMES, "-n", "2", "--seed", "6")
    page = generate(*KIND_NAMES, "-n", "2", "--seed", "6", "-f", "markdown", "--answers", "none")
    assert page.startswith(f"# Problem set {set_code(KIND_NAMES, 2, 6, 'medium')}\n\n")
    for number, problem in enumerate(problems, 1):
        assert f"## {number}.\n\n*{human_title(problem)}*\n" in page and problem.label not in page
        for name in problem.inputs:
            assert f"| `{name}` | `" in page


def markdown_tables(page: str) -> list[list[list]]:
    """The page's tables read by a CommonMark parser with GitHub's tables and $…$ math:
    each row a list of cells, each cell its inline tokens as (type, content)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    tokens = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin).parse(page)
    tables, row = [], None
    for token in tokens:
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            row = []
            tables[-1].append(row)
        elif token.type == "inline" and row is not None:
            row.append([(child.type, child.content) for child in token.children])
        elif token.type == "table_close":
            row = None
    return tables


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_markdown_inputs_read_back_as_code_with_the_numbers_shown(difficulty):
    args = (*KIND_NAMES, "-n", "2", "--seed", "6", "-d", difficulty)
    problems = the_set(*args)
    tables = markdown_tables(generate(*args, "-f", "markdown", "--answers", "none"))
    assert len(tables) == len(problems)
    for problem, (heading, *rows) in zip(problems, tables):
        assert heading == [[("text", "input")], [("text", "value")]]
        assert len(rows) == len(problem.inputs)
        for (name, value), (name_cell, value_cell) in zip(problem.inputs.items(), rows):
            assert name_cell == [("code_inline", name)]
            ((kind, typed),) = value_cell  # one code span: nothing around it is read as Markdown
            assert kind == "code_inline"
            if isinstance(value, str):
                assert typed == value  # a program (scalar-graph's expr), as typed
                continue
            shown = json.loads(typed)
            assert np.array_equal(shown, value)  # the very numbers drawn


def test_markdown_escapes_what_it_would_otherwise_format():
    assert markdown_escape("probs[range(n), target] * 2 <b>") == r"probs\[range(n), target\] \* 2 \<b\>"
    assert markdown_escape("A &amp; B_c `x` ~y~ $z$") == r"A \&amp; B\_c \`x\` \~y\~ \$z\$"


def test_answers_is_refused_for_formats_that_always_carry_answers():
    result = run("generate", "-f", "gift", "--answers", "none")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "handgrad: --answers shapes text, markdown and latex; gift always carries its answers\n"


def test_markdown_escapes_math_and_strikethrough_marks_in_names():
    # GitHub and pandoc read $...$ as math and ~...~ as strikethrough
    assert markdown_escape("Ana $x$ ~Bo~") == r"Ana \$x\$ \~Bo\~"


@pytest.mark.parametrize("fmt", PRINTED)
@pytest.mark.parametrize("answers", ["none", "inline", "end", "only"])
def test_each_problem_is_made_once_and_a_key_past_the_spools_memory_comes_back_whole(fmt, answers, monkeypatch):
    """The key at the end waits in a spool while the sheets are written, instead of making the set again;
    a key larger than the spool keeps in memory goes to disk and comes back the same."""
    from handgrad_cli.kinds import set_problems
    from handgrad_cli.render import sheets
    from handgrad_cli.render.sets import FORMATS

    made = []

    def problems():
        made.append(1)
        return set_problems(["softmax-ce", "tanh-neuron"], 4, 3, "medium")

    def written() -> str:
        out = io.StringIO()
        code = set_code(["softmax-ce", "tanh-neuron"], 4, 3, "medium")
        FORMATS[fmt](sheets.ProblemSet.single(problems, answers, code), out)
        return out.getvalue()

    in_memory = written()
    assert len(made) == 1
    monkeypatch.setattr(sheets, "SPOOL_BYTES", 64)
    assert written() == in_memory == generate("-n", "4", "--seed", "3", "-f", fmt, "--answers", answers)
