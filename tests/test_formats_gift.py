"""GIFT read the way Moodle's importer reads it: blocks, escapes, titles, {#value:tolerance}."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handgrad_cli.grading import Tolerance
from handgrad_cli.kinds import build
from handgrad_cli.render.gift import escape
from tests.teach_helpers import DEFAULT_KIND_NAMES, EVERY_KIND_AND_DIFFICULTY, generate, run, visible

SPECIAL = set("~=#{}:")
ESCAPED = SPECIAL | {"\\", "n"}
NUMERICAL = re.compile(r"^#(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)(?:####(.*))?$", re.S)


def tokens(text: str):
    """(character, escaped) pairs; a backslash before anything but GIFT's specials is a fault."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            assert text[i + 1] in ESCAPED, f"stray backslash in {text!r}"
            yield text[i + 1], True
            i += 2
        else:
            yield text[i], False
            i += 1


def plain(text: str) -> str:
    """Escaped text read back; an unescaped special character is a fault."""
    out = []
    for char, escaped in tokens(text):
        assert escaped or char not in SPECIAL, f"unescaped {char!r} in {text!r}"
        out.append("\n" if escaped and char == "n" else char)
    return "".join(out)


def split_unescaped(text: str, marker: str) -> tuple[str, str]:
    """`text` cut at the first unescaped `marker` (one character): before, after."""
    position = 0
    for char, escaped in tokens(text):
        width = 2 if escaped else 1
        if char == marker and not escaped:
            return text[:position], text[position + 1:]
        position += width
    raise AssertionError(f"no unescaped {marker!r} in {text!r}")


def as_shown(text: str) -> str:
    """An ``[html]`` text as Moodle shows it: its markup dropped, entities read."""
    return visible(text.removeprefix("[html]"))


def parse(gift: str):
    """Categories and questions (title, text, value, tolerance, feedback), block by block."""
    parsed = []
    for block in re.split(r"\n[ \t]*\n", gift):
        body = "\n".join(line for line in block.splitlines() if not line.strip().startswith("//")).strip()
        if not body:
            continue
        if body.startswith("$CATEGORY:"):
            parsed.append(("category", body[len("$CATEGORY:"):].strip()))
            continue
        assert body.startswith("::"), body
        title, rest = split_unescaped(body[2:], ":")
        assert rest.startswith(":"), body  # the title closes with '::'
        text, answer = split_unescaped(rest[1:], "{")
        assert answer.endswith("}") and "\n" not in body, body
        match = NUMERICAL.match(answer[:-1])
        assert match, f"not a numerical answer {{#value:tolerance}}: {answer!r}"
        value, tolerance, feedback = match.groups()
        parsed.append(("question", plain(title), as_shown(plain(text)), float(value), float(tolerance),
                       as_shown(plain(feedback or ""))))
    return parsed


def test_escape_covers_every_special_character():
    text = r"a~b=c#d{e}f:g\h"
    assert escape(text) == r"a\~b\=c\#d\{e\}f\:g\\h"
    assert plain(escape(text)) == text


@pytest.mark.parametrize("kind,difficulty", EVERY_KIND_AND_DIFFICULTY)
def test_one_numerical_question_per_entry_with_the_grading_tolerance(kind, difficulty):
    parsed = parse(generate(kind, "-n", "2", "-d", difficulty, "--seed", "3", "-f", "gift"))
    assert parsed[0] == ("category", f"$course$/handgrad/{kind}")
    questions = [item for item in parsed if item[0] == "question"]
    expected = []
    for problem_id in dict.fromkeys(title.split()[0] for _, title, *_ in questions):
        problem = build(problem_id)
        for name, value in problem.answers.items():
            reference = np.asarray(value, dtype=float)
            for index in np.ndindex(reference.shape):
                label = name + (f"[{', '.join(map(str, index))}]" if index else "")
                margin = Tolerance().margin(reference[index])
                expected.append((f"{problem_id} {label}", reference[index], margin, problem.question))
    assert len(questions) == len(expected) > 0
    for (_, title, text, value, tolerance, feedback), (want_title, reference, margin, question) in zip(
        questions, expected
    ):
        assert title == want_title
        assert text.startswith(question) and text.endswith(f"Give {want_title.split(' ', 1)[1]}.")
        assert value == pytest.approx(reference, abs=1e-9)
        assert tolerance == pytest.approx(margin, abs=1e-9)
        assert feedback.startswith("d")  # the closed form, e.g. "dz = (1 - tanh(z)**2) * dout"


def test_a_category_per_kind_for_a_mixed_set():
    parsed = parse(generate("-n", "6", "-f", "gift"))
    categories = [item[1] for item in parsed if item[0] == "category"]
    assert categories == [f"$course$/handgrad/{kind}" for kind in DEFAULT_KIND_NAMES]
    kinds_in_order = [item[1].split()[0].rsplit("-", 1)[0] for item in parsed if item[0] == "question"]
    assert kinds_in_order == sorted(kinds_in_order)  # grouped: every question sits under its kind


def test_students_sets_are_refused_for_moodle_xml_which_serves_them(tmp_path):
    """A random question from a category of entries would give a student one entry of someone's problem."""
    roster = tmp_path / "students.txt"
    roster.write_text("Ana\nBo\n", encoding="utf-8")
    for own in (["--students", roster], ["--variants", "3"]):
        result = run("generate", "-n", "1", *own, "-f", "gift")
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == ("handgrad: GIFT makes a question of each entry, so a Moodle quiz cannot give a "
                                 "student one variant of a problem: for students' own sets use -f moodle-xml (a "
                                 "question a problem)\n")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_text_escaped_reads_back_as_itself(text):
    assert plain(escape(text)) == text.replace("\r", "")
