"""Running handgrad in-process for the teachers' tests: stdout, stderr and the exit code apart."""

from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.kinds import DEFAULT_KINDS, KINDS
from handgrad_cli.problem import DIFFICULTIES

KIND_NAMES = sorted(KINDS)
DEFAULT_KIND_NAMES = sorted(DEFAULT_KINDS)  # what a set mixes when no kind is named
EVERY_KIND_AND_DIFFICULTY = [(kind, difficulty) for kind in KIND_NAMES for difficulty in DIFFICULTIES]


def run(*args: str):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def generate(*args: str) -> str:
    """stdout of `handgrad generate ARGS`, which must succeed and say nothing on stderr."""
    result = run("generate", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout
