"""The command line's plumbing: one-line errors, exit statuses, stdout for data, files and terminal lines.

Typer is imported here (every command needs it); Rich only inside the functions that print, so that
`handgrad --help` starts as fast as a bare Typer app. No `from __future__ import annotations`: the option
aliases below are evaluated by Typer, and plain annotations cost nothing at start-up.
"""

import codecs
import contextlib
import errno
import functools
import io
import math
import os
import re
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional, TextIO

import typer
from typer.core import TyperGroup

from handgrad_cli.errors import UserError, shown_path, visible
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
NoPagerOption = Annotated[bool, typer.Option("--no-pager", help="Print long output as it is, not through a pager.")]


class TextFormat(str, Enum):
    text = "text"
    json = "json"


TextFormatOption = Annotated[Optional[TextFormat], typer.Option("--format", "-f", help="text (default) or json.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="The same as --format json.")]


def wants_json(output_format: TextFormat | None, json_flag: bool = False) -> bool:
    """`--json` is kept beside `--format json`; with `--format text` it would contradict it."""
    if json_flag and output_format is TextFormat.text:
        raise UserError("give --json or --format text, not both")
    return json_flag or output_format is TextFormat.json


# --- errors and exit statuses -------------------------------------------------------------


def fail(message: str, status: ExitStatus = ExitStatus.USAGE) -> typer.Exit:
    """One line on stderr that says what was wrong; the caller raises what this returns."""
    say_on_stderr(f"handgrad: {message}")
    return typer.Exit(int(status))


def say_on_stderr(line: str) -> None:
    """A line on stderr. Where stderr is gone too (the terminal closed under `nohup`), the error about the
    error is let be: the exit status still says what happened, and nothing is left to fail at exit."""
    try:
        typer.echo(line, err=True)
    except OSError:
        _quiet(sys.stderr)


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
        except UnicodeEncodeError as error:
            raise fail(cannot_encode(error), ExitStatus.OUTPUT) from None
        except OSError as error:
            if error.errno not in WRITE_ERRORS:
                raise
            raise output_failed(error) from None

    return wrapper


WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF, errno.EROFS}


def output_failed(error: OSError) -> typer.Exit:
    _quiet_stdout()
    return fail(f"cannot write the output: {error.strerror or error}", ExitStatus.OUTPUT)


def cannot_encode(error: UnicodeEncodeError) -> str:
    return (f"this terminal's encoding ({error.encoding}) cannot show {error.object[error.start:error.end]!r}: "
            "set PYTHONIOENCODING=utf-8, or use a UTF-8 locale")


# --- input --------------------------------------------------------------------------------


MAX_FILE_BYTES = 256 * 2**20  # a set of many thousand problems fits; /dev/zero does not fill the memory
_CHUNK = 2**20


def read_file(path: Path) -> str:
    """A text file's contents, or one line that says why it cannot be read."""
    try:
        with path.open("rb") as file:
            return _text(file, shown_path(path))
    except OSError as error:
        raise unreadable(path, error) from None


def unreadable(path: Path, error: OSError) -> UserError:
    """Why a file cannot be opened or read, in one line that names it."""
    if isinstance(error, FileNotFoundError):
        return UserError(f"{shown_path(path)}: no such file")
    if isinstance(error, IsADirectoryError):
        return UserError(f"{shown_path(path)} is a directory: give a file")
    return UserError(f"cannot read {shown_path(path)}: {error.strerror or error}")


def _text(file, name: str) -> str:
    """UTF-8 text read a chunk at a time, so a file that is not text is refused at its first bad byte;
    `name` is the file's name as messages show it. UTF-16 with its byte-order mark (a spreadsheet's
    "Unicode text") is read too."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    parts: list[str] = []
    size = lines = 0
    utf16 = False
    while chunk := file.read(_CHUNK):
        if size == 0 and chunk[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            decoder, utf16 = codecs.getincrementaldecoder("utf-16")(), True
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise UserError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB: split it")
        if b"\0" in chunk and not utf16:
            line = lines + chunk[:chunk.index(b"\0")].count(b"\n") + 1
            raise UserError(f"{name} line {line} holds a NUL byte: it is not a text file")
        try:
            parts.append(decoder.decode(chunk))
        except UnicodeDecodeError as error:
            line = lines + error.object[:error.start].count(b"\n") + 1
            raise UserError(f"{name} line {line} is not UTF-8 text: save the file as UTF-8 "
                            "('CSV UTF-8' in a spreadsheet)") from None
        if utf16 and "\0" in parts[-1]:
            raise UserError(f"{name} line {lines + parts[-1][:parts[-1].index(chr(0))].count(chr(10)) + 1} holds a "
                            "NUL character: it is not a text file")
        lines += parts[-1].count("\n")
    try:
        parts.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        raise UserError(f"{name} line {lines + 1} is not UTF-8 text: it ends mid-character") from None
    return "".join(parts)


# --- lines typed at a prompt --------------------------------------------------------------

MAX_LINE_CHARS = 100_000  # far beyond any answer (the answer reader stops at a few thousand)
ECHO_CHARS = 200  # of a piped line echoed after its prompt
NOT_TEXT = "that was not text (not UTF-8): type it again"


def text_lines(read_line: Callable[[str], str], say: Callable[[str], None]) -> Callable[[str], str]:
    """A reader that asks again, with the same prompt, when a line held bytes that were not UTF-8.

    The standard input is decoded with replacement (see `prepare_streams`), so such bytes arrive
    as U+FFFD: the learner hears why the line was not taken instead of a garbled answer.
    """

    def read_text(prompt: str) -> str:
        while "\ufffd" in (line := read_line(prompt)):
            say(NOT_TEXT)
        return line

    return read_text


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


NUL_ENDS = "that was not text (it holds a NUL byte): the input ends here"
MAX_CONTINUED = 64  # lines of one pasted answer
CONTINUED = "... "  # the prompt while a bracket is open


def pasted(read_line: Callable[[str], str]) -> Callable[[str], str]:
    """A reader that takes a multi-line paste (numpy's or torch's print of a matrix) as one answer: while a
    bracket is open it reads on, with a `...` prompt, until the brackets close or a line is empty."""

    def read_answer(prompt: str) -> str:
        lines = [read_line(prompt)]
        while _open_brackets(" ".join(lines)) > 0 and len(lines) < MAX_CONTINUED:
            more = read_line(CONTINUED)
            if not more.strip():
                break
            lines.append(more)
        if len(lines) == 1:
            return numpy_rows(lines[0])  # a line as typed: its indentation may matter (a line of code)
        return numpy_rows(" ".join(line.strip() for line in lines))

    return read_answer


def _open_brackets(text: str) -> int:
    return text.count("[") + text.count("(") - text.count("]") - text.count(")")


_BETWEEN_NUMBERS = re.compile(r"(?<=[0-9.\]])\s+(?=[-+0-9.\[])")


def numpy_rows(text: str) -> str:
    """numpy's print of an array (``[[0.1 0.2]`` `` [0.3 0.4]]``: no commas) with its commas put back;
    any other text as it is. The answer reader then reads it as it reads a nested list."""
    if not text.lstrip().startswith("[") or "," in text:
        return text
    return _BETWEEN_NUMBERS.sub(", ", text)


def piped_reader(stream: TextIO, console) -> Callable[[str], str]:
    """One answer a line from a pipe or file, echoed after its prompt so the transcript reads well.
    A NUL byte says the input is not text at all (`< /dev/zero`, a binary file): it ends there."""
    from rich.text import Text

    def read_line(prompt: str) -> str:
        line = stream.readline(MAX_LINE_CHARS)
        if not line:
            raise EOFError
        if "\0" in line:
            console.print(Text(NUL_ENDS, style="yellow"))
            raise EOFError
        if not line.endswith("\n"):
            _skip_rest_of_line(stream)
        line = line.rstrip("\r\n")
        echo = visible(line[:ECHO_CHARS]) + (f"... ({len(line):,}+ characters)" if len(line) > ECHO_CHARS else "")
        console.print(Text(prompt + echo), soft_wrap=True)  # the line as typed (escapes visible), unwrapped
        return line

    return read_line


def _skip_rest_of_line(stream: TextIO) -> None:
    """Drop what is left of an over-long line, a chunk at a time (memory stays flat)."""
    while (rest := stream.readline(MAX_LINE_CHARS)) and not rest.endswith("\n"):
        pass


def reader_for(stream: TextIO | None, console) -> Callable[[str], str]:
    """The drill's and the cards' reader: the terminal's, or a pipe's one answer a line."""
    if stream is None:
        raise UserError("standard input is closed: answers are read from it (run in a terminal, or pipe them in)")
    if stream.isatty():
        return pasted(text_lines(terminal_reader(), print))
    from rich.text import Text

    return pasted(text_lines(piped_reader(stream, console), lambda message: console.print(Text(message, style="yellow"))))


# --- output -------------------------------------------------------------------------------


def prepare_streams() -> None:
    """Make the standard streams safe before a command runs.

    - A closed stream's descriptor is held by /dev/null, so no file opened later (the history)
      takes its number and receives the output; a closed stdout ends here with one line.
    - Input is decoded with replacement: a byte that is not UTF-8 becomes U+FFFD, never a traceback.
    - Output that is not a terminal (a file, a pipe) is UTF-8 whatever the locale says, as every
      file handgrad writes is; a terminal keeps its own encoding.
    """
    closed = [fd for fd in (0, 1, 2) if not _is_open(fd)]
    for fd in closed:
        os.dup2(os.open(os.devnull, os.O_RDWR), fd)
    if 1 in closed:
        typer.echo("handgrad: standard output is closed: nothing could be shown (drop the `>&-`)", err=True)
        raise SystemExit(int(ExitStatus.OUTPUT))
    if sys.stdin is not None:
        sys.stdin.reconfigure(errors="replace", **({} if sys.stdin.isatty() else {"encoding": "utf-8"}))
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not stream.isatty():
            stream.reconfigure(encoding="utf-8")


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def finish_output(status: int) -> int:
    """Flush stdout at the end; an output that cannot be written is one line and its own status."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()  # the reader went away (`| head`): the command did its part
    except OSError as error:
        output_failed(error)
        return int(ExitStatus.OUTPUT)
    except UnicodeEncodeError as error:
        fail(cannot_encode(error), ExitStatus.OUTPUT)
        return int(ExitStatus.OUTPUT)
    return status


def _quiet_stdout() -> None:
    _quiet(sys.stdout)


def _quiet(stream: TextIO) -> None:
    """Point a stream at /dev/null, so the interpreter's last flush has nowhere to fail (exit 120)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError):
        pass


def stdout_console():
    """The console for data on stdout; a reader that goes away (`| head`) ends the command quietly, exit 0."""
    from rich.console import Console

    class StdoutConsole(Console):
        def on_broken_pipe(self) -> None:
            _quiet_stdout()  # nothing more reaches the pipe
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


@contextlib.contextmanager
def open_lines(path: Path):
    """A text file's lines, read one at a time (a set of a million lines is never held whole)."""
    try:
        with path.open(encoding="utf-8-sig") as file:
            yield decoded_lines(file, shown_path(path))
    except OSError as error:
        raise unreadable(path, error) from None


MAX_ROW_CHARS = 2**20  # a line of a responses file: a longer one is a row skipped, not the whole file
LONG_LINE = "\0\n"  # what stands for a line over MAX_ROW_CHARS: no line of text holds a NUL


def spreadsheet_lines(path: Path):
    """A spreadsheet's text file, a line at a time (memory stays flat): UTF-8 with or without a BOM, or
    UTF-16 with its BOM (Excel's "Unicode text"). A line over MAX_ROW_CHARS comes as LONG_LINE; a NUL
    byte or bytes that are not text end the reading in one line naming it."""
    name, line = shown_path(path), 0
    try:
        with path.open("rb") as raw:
            utf16 = raw.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
            raw.seek(0)
            # UTF-8 is decoded a line at a time, so a bad byte is named by its line; UTF-16 has no such lines
            file = io.TextIOWrapper(raw, encoding="utf-16", newline="") if utf16 else raw
            decode = str if utf16 else codecs.getincrementaldecoder("utf-8-sig")().decode
            while chunk := file.readline(MAX_ROW_CHARS + 1):
                line += 1
                text = decode(chunk)
                if "\0" in text:
                    raise UserError(f"{name} line {line} holds a NUL byte: it is not a text file")
                if len(chunk) > MAX_ROW_CHARS and not text.endswith("\n"):
                    while (rest := file.readline(MAX_ROW_CHARS)) and not decode(rest).endswith("\n"):
                        pass
                    text = LONG_LINE
                yield text
    except UnicodeError:
        raise UserError(f"{name} line {max(line, 1)} is not UTF-8 text: save the file as UTF-8 "
                        "('CSV UTF-8' in a spreadsheet)") from None
    except OSError as error:
        raise unreadable(path, error) from None


MAX_SET_LINE_CHARS = 2**20  # a line of a set file: a hard mlp problem with its steps is a few tens of thousands


def decoded_lines(file, name: str):
    """The lines, each read with a cap and checked for NUL, so /dev/zero or a binary file is one clear line
    instead of a line that never ends."""
    line = 0
    try:
        while text := file.readline(MAX_SET_LINE_CHARS + 1):
            line += 1
            if "\0" in text:
                raise UserError(f"{name} line {line} holds a NUL byte: it is not a text file")
            if len(text) > MAX_SET_LINE_CHARS:
                raise UserError(f"{name} line {line} is longer than {MAX_SET_LINE_CHARS:,} characters: "
                                "it is not a problem set")
            yield text
    except UnicodeDecodeError:
        raise UserError(f"{name} line {line + 1} is not UTF-8 text: save the file as UTF-8") from None
