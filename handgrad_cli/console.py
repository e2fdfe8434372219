"""The command line's plumbing: one-line errors, exit statuses, stdout for data, files and terminal lines.

Typer is imported here (every command needs it); Rich only inside the functions that print, so that
`handgrad --help` starts as fast as a bare Typer app. No `from __future__ import annotations`: the option
aliases below are evaluated by Typer, and plain annotations cost nothing at start-up.
"""

import functools
import math
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from typer.core import TyperGroup

from handgrad_cli.errors import UserError
from handgrad_cli.status import ExitStatus

# Click's usage error, found through typer's public BadParameter (typer may vendor Click or not)
_UsageError = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "UsageError")


class OneLineUsageErrors(TyperGroup):
    """A mistyped flag or value is reported as every handgrad error is: one line on stderr, exit 2.

    Click would print the usage, a hint and the error on four lines; help itself is left as it is.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _UsageError as error:
            if error.ctx is None or type(error).__name__ == "NoArgsIsHelpError":
                error.show()
            else:
                typer.echo(f"handgrad: {error.format_message()} (see `{error.ctx.command_path} --help`)", err=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            typer.echo("handgrad: aborted", err=True)
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)


# --- options shared by several commands ---------------------------------------------------


class Difficulty(str, Enum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


def finite(value: float) -> float:
    """Refuse nan and infinity, which would make every answer right (or none) and every step nan."""
    if not math.isfinite(value):
        raise typer.BadParameter("must be a finite number")
    return value


AtolOption = Annotated[float, typer.Option(min=0, callback=finite, help="Absolute tolerance per entry.")]
RtolOption = Annotated[float, typer.Option(min=0, callback=finite, help="Relative tolerance per entry.")]
DifficultyOption = Annotated[Difficulty, typer.Option("--difficulty", "-d", help="easy, medium or hard.")]
NoHistoryOption = Annotated[bool, typer.Option("--no-history", help="Keep nothing: do not read or write the history.")]
DecimalsOption = Annotated[int, typer.Option(min=0, max=12, help="Decimals shown (JSON keeps full precision).")]


# --- errors and exit statuses -------------------------------------------------------------


def fail(message: str, status: ExitStatus = ExitStatus.USAGE) -> typer.Exit:
    """One line on stderr that says what was wrong; the caller raises what this returns."""
    typer.echo(f"handgrad: {message}", err=True)
    return typer.Exit(int(status))


def user_errors(command):
    """Turn a user's mistake into one line and exit 2, and Ctrl-C into exit 130, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except UserError as error:
            raise fail(str(error)) from None
        except KeyboardInterrupt:
            raise fail("interrupted", ExitStatus.INTERRUPTED) from None
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (`| head`): nothing more to say
            raise typer.Exit(int(ExitStatus.OK)) from None

    return wrapper


# --- input --------------------------------------------------------------------------------


def read_file(path: Path) -> str:
    """A text file's contents, or one line that says why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a directory: give a file") from None
    except UnicodeDecodeError as error:
        line = error.object[:error.start].count(b"\n") + 1
        raise UserError(f"{path} line {line} is not UTF-8 text: save the file as UTF-8 "
                        "('CSV UTF-8' in a spreadsheet)") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None


def terminal_reader() -> Callable[[str], str]:
    """Prompts at a terminal, with line editing where the platform has it."""
    try:
        import readline  # noqa: F401  (importing it gives input() editing and history)
    except ImportError:
        pass

    def read_line(prompt: str) -> str:
        try:
            return input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()  # Ctrl-D or Ctrl-C leave the cursor after the prompt
            raise

    return read_line


def piped_reader(stream: TextIO, console) -> Callable[[str], str]:
    """One answer a line from a pipe or file, echoed after its prompt so the transcript reads well."""
    from rich.text import Text

    def read_line(prompt: str) -> str:
        line = stream.readline()
        if not line:
            raise EOFError
        line = line.rstrip("\r\n")
        console.print(Text(prompt + line), soft_wrap=True)  # the line as typed, unwrapped
        return line

    return read_line


def reader_for(stream: TextIO, console) -> Callable[[str], str]:
    return terminal_reader() if stream.isatty() else piped_reader(stream, console)


# --- output -------------------------------------------------------------------------------


def stdout_console():
    """The console for data on stdout; a reader that goes away (`| head`) ends the command quietly, exit 0."""
    from rich.console import Console

    class StdoutConsole(Console):
        def on_broken_pipe(self) -> None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more reaches the pipe
            raise typer.Exit(int(ExitStatus.OK))

    return StdoutConsole(highlight=False)


def print_json(data) -> None:
    """Strict JSON: an infinite value (1/probs where a probability underflows) is written as null."""
    import json

    typer.echo(json.dumps(strict_json(data), indent=2, allow_nan=False))


def strict_json(data):
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {key: strict_json(value) for key, value in data.items()}
    if isinstance(data, list):
        return [strict_json(item) for item in data]
    return data
