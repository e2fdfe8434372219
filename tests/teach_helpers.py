"""Running handgrad in-process for the teachers' tests: stdout, stderr and the exit code apart."""

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
