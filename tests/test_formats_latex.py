"""LaTeX: a whole document, and one that pdflatex compiles for every kind and difficulty."""

import shutil
import subprocess

import pytest

from handgrad_cli.classroom import set_code
from handgrad_cli.kinds import DEFAULT_KINDS
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli.render.latex import escape
from tests.teach_helpers import KIND_NAMES, generate, run

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")


def compile_pdf(source: str, directory) -> str:
    """pdflatex's log; the test fails with the log's tail when the document does not compile."""
    (directory / "set.tex").write_text(source, encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "set.tex"],
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


@needs_pdflatex
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_pdflatex_compiles_every_kind_with_inline_answers(difficulty, tmp_path):
    source = generate(*KIND_NAMES, "-n", str(2 * len(KIND_NAMES)), "-d", difficulty, "-f", "latex",
                      "--answers", "inline")
    compile_pdf(source, tmp_path)


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
    for name in (f"Zoë \\& Co\\quad Set {code}", f"Bo\\quad Set {code}", f"Answer key {code}"):
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


@pytest.mark.parametrize("student,char", [
    ("Nguyễn Thị Minh Khai", "ễ"), ("Αλέξανδρος", "Α"), ("Дмитрий", "Д"), ("李小龍", "李"), ("محمد", "م"),
])
def test_a_name_pdflatex_cannot_typeset_is_refused_before_anything_is_written(tmp_path, student, char):
    roster = tmp_path / "students.txt"
    roster.write_text(f"Ana\n{student}\n", encoding="utf-8")
    result = run("generate", "--students", roster, "-f", "latex")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"handgrad: {student!r}: pdflatex cannot typeset {char!r} (U+{ord(char):04X})")


def test_quotes_cut_heads_and_formulas_in_math():
    from handgrad_cli.render.latex import cut, question_text

    assert escape('"Q" O\'\'B') == "\\textquotedbl{}Q\\textquotedbl{} O'{}'{}B"
    assert cut("x" * 100, 10) == "xxxxxxxxx\\ldots{}"
    assert "$\\mathrm{loss}=-\\mathrm{log}(\\mathrm{probs}[\\mathrm{target}])$," in question_text(
        "With loss = -log(probs[target]), compute dlogits.")


def test_a_shared_students_sheet_has_a_name_and_date_line_and_no_ids():
    sheet = generate("-n", "2", "-f", "latex", "--answers", "none")
    assert "Name: \\rule" in sheet and "Date: \\rule" in sheet
    assert "Softmax cross-entropy, medium" in sheet and "softmax-ce, medium" not in sheet
    assert "softmax-ce-m" not in sheet and "\\fbox{" in sheet
