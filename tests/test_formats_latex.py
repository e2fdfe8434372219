"""LaTeX: a whole document, and one that pdflatex compiles for every kind and difficulty."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from handgrad_cli.classroom import set_code
from handgrad_cli.kinds import DEFAULT_KINDS
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli.numbers import format_input, format_number
from handgrad_cli.render.latex import escape
from handgrad_cli.question import Code, Question, Value
from tests.teach_helpers import KIND_NAMES, generate, overfull, pdf_text, run, the_set

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
needs_lualatex = pytest.mark.skipif(shutil.which("lualatex") is None, reason="lualatex is not installed")


def compile_pdf(source: str, directory, engine: str = "pdflatex") -> str:
    """The engine's output; the test fails with its tail when the document does not compile."""
    (directory / "set.tex").write_text(source, encoding="utf-8")
    done = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "set.tex"],
        cwd=directory, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert (directory / "set.pdf").stat().st_size > 0
    return done.stdout


def test_a_whole_document_with_the_key_on_its_own_page():
    document = generate("-n", "2", "-f", "latex")
    assert document.startswith("\\documentclass")
    assert document.endswith("\\end{document}\n")
    assert "\\clearpage\n\\section*{Answer key}" in document
    assert document.count("\\begin{") == document.count("\\end{")


def test_escape_makes_every_special_character_printable():
    assert escape(r"50% of $x_1 & {#y} ~^\ <>") == (
        r"50\% of \$x\_1 \& \{\#y\} \textasciitilde{}\textasciicircum{}\textbackslash{} \ensuremath{<}\ensuremath{>}"
    )


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")


def entries(value) -> list[str]:
    """A value's entries as a sheet prints them, in order."""
    return [format_input(entry) for entry in np.ravel(value)]


def in_order(words: list[str], text: str) -> bool:
    """Whether each word is found in `text` after the one before it."""
    at = 0
    for word in words:
        at = text.find(word, at)
        if at < 0:
            return False
        at += len(word)
    return True


@needs_pdflatex
@needs_pdftotext
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_kind_fits_its_pages_with_every_input_and_gradient_in_the_sheet_and_the_key(difficulty, tmp_path):
    args = (*KIND_NAMES, "-n", str(len(KIND_NAMES)), "-d", difficulty, "--seed", "3")
    compile_pdf(generate(*args, "-f", "latex"), tmp_path)
    assert overfull(tmp_path / "set.log") == []
    text = pdf_text(tmp_path / "set.pdf")
    problems = the_set(*args)
    starts = [text.index(problem.label) for problem in problems]  # each problem's place on the sheet
    key_starts = [text.index(problem.label, starts[-1] + 1) for problem in problems]  # and in the key
    ends = starts[1:] + [key_starts[0]]
    key_ends = key_starts[1:] + [len(text)]
    for problem, start, end, key_start, key_end in zip(problems, starts, ends, key_starts, key_ends):
        sheet, key = text[start:end], text[key_start:key_end]
        flat = " ".join(sheet.split())
        assert " ".join(problem.question.split()) in flat  # the JSONL's sentence, word for word
        for name, value in problem.inputs.items():
            shown = value if isinstance(value, str) else entries(value)
            assert name in sheet and in_order([value] if isinstance(value, str) else shown, flat), (problem, name)
        for gradient, answer in problem.answers.items():
            assert gradient in sheet, (problem, gradient)  # its boxes
            assert gradient in key and in_order([format_number(entry) for entry in np.ravel(answer)], key), (
                problem, gradient)


@needs_pdflatex
def test_pdflatex_compiles_sheets_for_students_with_awkward_names(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("Zoë Ñúñez\nO'Brien & Sons_2\n100% {sure} #1 ~me^ \\o/ <x>\n", encoding="utf-8")
    compile_pdf(generate("-n", "3", "-d", "hard", "--students", roster, "-f", "latex"), tmp_path)


def test_escape_composes_accents_typed_as_combining_marks():
    assert escape("Zoe\u0308 Mu\u0308ller") == "Zo\u00eb M\u00fcller"


@needs_pdflatex
def test_pdflatex_compiles_names_whose_accents_are_combining_marks(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("Zoe\u0308 Mu\u0308ller\nJose\u0301 Nu\u0301n\u0303ez\n", encoding="utf-8")  # as a Mac pastes them
    compile_pdf(generate("-n", "2", "--students", roster, "-f", "latex"), tmp_path)


def test_a_page_break_falls_between_problems_not_inside_one():
    document = generate("-n", "4", "-d", "hard", "--variants", "2", "-f", "latex", "--answers", "end")
    assert document.count("\\subsection*{") == 2 * 4 + 2  # 2 sheets of 4 problems, a heading per variant in the key
    assert document.count("\\textbf{Your gradients}") == 2 * 4  # a box for each problem's answers
    # every problem or answer but the first under a heading is preceded by a preferred page break
    assert document.count("\\filbreak\n\\subsection*{") == 2 * 3 + 2
    assert document.count("\\filbreak\n\\textbf{") == 2 * 3  # the key's answers
    assert "}}\n\n\\filbreak\n\\subsection*{variant-01}" in document


def test_each_students_sheet_is_numbered_from_1_with_the_name_on_every_page(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("Zoë & Co\nBo\n", encoding="utf-8")
    document = generate("-n", "2", "--students", roster, "-f", "latex")
    code = set_code(list(DEFAULT_KINDS), 2, 0, "medium")
    marks = [json.loads(line)["sheet"] for line in generate("-n", "2", "--students", roster, "-f", "jsonl").splitlines()]
    heads = (f"Zoë \\& Co\\quad Set {code}\\quad Sheet {marks[0]}", f"Bo\\quad Set {code}\\quad Sheet {marks[2]}",
             f"Answer key {code}")
    for name in heads:
        assert f"\n\\setcounter{{page}}{{1}}\\markright{{\\textup{{{name}}}}}\n" in document
    assert "\\pagestyle{myheadings}" in document


NAMES_THAT_COMPILE = ("Guðrún Þórsdóttir", "Đorđe Ćosić", "Ŋgũgĩ", "José", "Zoë", "Łukasz", "Ștefan Țurcanu",
                      'Ana "Nana" O\'Brien', "Wolfeschlegelsteinhausenbergerdorff " * 5)


@needs_pdflatex
def test_latin_script_names_compile_with_t1_and_latin_modern(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("\n".join(NAMES_THAT_COMPILE) + "\n", encoding="utf-8")
    log = compile_pdf(generate("-n", "2", "-d", "hard", "--students", roster, "-f", "latex", "--answers", "none"),
                      tmp_path)
    assert "Overfull \\hbox" not in log  # a long name in the running head is cut, not run off the page


def test_names_pdflatex_cannot_set_are_listed_in_one_line_and_the_sheets_are_still_written(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("Ana\nNguyễn Thị Minh Khai\nΑλέξανδρος\nДмитрий\n李小龍\nمحمد\nZoë\n", encoding="utf-8")
    result = run("generate", "-n", "1", "--students", roster, "-f", "latex")
    assert result.exit_code == 0 and result.stdout.endswith("\\end{document}\n")
    assert result.stderr == ("handgrad: pdflatex cannot set 5 names ('Nguyễn Thị Minh Khai', 'Αλέξανδρος', 'Дмитрий', "
                             "'李小龍', 'محمد'): compile with lualatex (the document works with both)\n")


@needs_lualatex
def test_lualatex_prints_every_name_whatever_its_script(tmp_path):
    names = ["Nguyễn Văn An", "王小明", "Zoë", "O'Brien", "Αλέξανδρος", "Дмитрий", "A" * 30 + " " + "B" * 29]
    roster = tmp_path / "students.txt"
    roster.write_text("\n".join(names) + "\n", encoding="utf-8")
    log = compile_pdf(run("generate", "softmax-ce", "-n", "1", "--students", roster, "-f", "latex").stdout,
                      tmp_path, engine="lualatex")
    assert "Missing character" not in log
    assert overfull(tmp_path / "set.log") == []
    text = pdf_text(tmp_path / "set.pdf")
    for name in names:  # a long word may break across lines: compared without spaces
        assert "".join(f"for {name}".split()) in "".join(text.split())


def test_formats_set_code_as_code_from_the_question_parts():
    from handgrad_cli.render.latex import cut, question_text

    assert escape('"Q" O\'\'B') == "\\textquotedbl{}Q\\textquotedbl{} O'{}'{}B"
    assert cut("x" * 100, 10) == "xxxxxxxxx\\ldots{}"
    question = Question("With ", Code("bnvar_inv = (bnvar + 1e-5)**-0.5"), ", compute ", Value("x", [1, -2]), ".")
    assert question == "With bnvar_inv = (bnvar + 1e-5)**-0.5, compute x = [1, -2]."
    assert question_text(question) == ("With \\texttt{bnvar\\_inv = (bnvar + 1e-5)**-0.5}, compute "
                                       "\\texttt{x = [1, -2]}.")


def test_a_shared_students_sheet_has_a_name_and_date_line_and_no_ids():
    sheet = generate("-n", "2", "-f", "latex", "--answers", "none")
    assert "Name: \\rule" in sheet and "Date: \\rule" in sheet
    assert "Softmax cross-entropy, medium" in sheet and "softmax-ce, medium" not in sheet
    assert "softmax-ce-m" not in sheet and "\\fbox{" in sheet
