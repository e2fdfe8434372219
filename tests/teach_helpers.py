"""Running handgrad in-process for the teachers' tests: stdout, stderr and the exit code apart."""

import html
import re

from handgrad_cli.kinds import DEFAULT_KINDS, KINDS
from handgrad_cli.problem import DIFFICULTIES
from tests.helpers import run

KIND_NAMES = sorted(KINDS)
DEFAULT_KIND_NAMES = sorted(DEFAULT_KINDS)  # what a set mixes when no kind is named
EVERY_KIND_AND_DIFFICULTY = [(kind, difficulty) for kind in KIND_NAMES for difficulty in DIFFICULTIES]


def generate(*args: str) -> str:
    """stdout of `handgrad generate ARGS`, which must succeed and say nothing on stderr."""
    result = run("generate", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def the_set(*args: str):
    """The problems `generate ARGS` issues, read back from its jsonl."""
    import json

    from handgrad_cli.kinds import build

    return [build(json.loads(line)["id"]) for line in generate(*args, "-f", "jsonl").splitlines()]


def visible(html_text: str) -> str:
    """HTML as a browser shows its words: tags dropped (a paragraph ends with a space), entities read."""
    return html.unescape(re.sub(r"<[^>]*>", "", html_text.replace("</p>", " "))).strip()


def overfull(log_path) -> list[str]:
    """TeX's complaints of a box overfull by more than 1 pt (something ran into a margin or off a page)."""
    found = re.findall(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)\)[^\n]*", log_path.read_text(errors="replace"))
    return [width for width in found if float(width) > 1.0]


def pdf_text(pdf_path) -> str:
    """The PDF's words in the order they were set (pdftotext -raw), minus signs and apostrophes as typed."""
    import subprocess

    done = subprocess.run(["pdftotext", "-raw", str(pdf_path), "-"], capture_output=True, text=True, check=True)
    return done.stdout.replace("\u2212", "-").replace("\u2019", "'")
