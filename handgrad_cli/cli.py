"""The Typer app: parses flags, calls the core, maps errors to exit statuses.

numpy and Rich are imported inside the commands that need them, so `handgrad --help`
starts as fast as a bare Typer app. No `from __future__ import annotations` here: Typer
would have to evaluate every string annotation at start-up, which costs more than all the rest.
"""

import contextlib
import functools
import math
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from handgrad_cli import __version__
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


app = typer.Typer(
    cls=OneLineUsageErrors,
    name="handgrad",
    help="Practise backpropagation by hand: problems, hints and grading against a numpy reference.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


class Difficulty(str, Enum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


class SetFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    latex = "latex"
    gift = "gift"
    moodle_xml = "moodle-xml"


class AnswersMode(str, Enum):
    none = "none"
    inline = "inline"
    end = "end"
    only = "only"


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


@contextlib.contextmanager
def open_lines(path: Path):
    """A text file's lines, read one at a time (a set of a million lines is never held whole)."""
    try:
        with path.open(encoding="utf-8-sig") as file:
            yield decoded_lines(file, path)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a directory: give a file") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None


def decoded_lines(file, path: Path):
    line = 0
    try:
        for line, text in enumerate(file, 1):
            yield text
    except UnicodeDecodeError:
        raise UserError(f"{path} line {line + 1} is not UTF-8 text: save the file as UTF-8") from None


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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"handgrad {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = None,
) -> None:
    """Practise backpropagation by hand: problems, hints and grading against a numpy reference."""


@app.command("kinds")
@user_errors
def kinds_command() -> None:
    """List the problem kinds: name, what it drills, the gradients it asks."""
    from handgrad_cli.kinds import KINDS

    width = max(len(name) for name in KINDS)
    for kind in KINDS.values():
        typer.echo(f"{kind.name:<{width}}  {kind.summary}")


def fresh_seed() -> int:
    return int.from_bytes(os.urandom(4), "big") % 1_000_000  # os, not secrets: cheaper to import


def _hidden(help_text: str):
    return typer.Option(hidden=True, help=help_text)


@app.command("explain")
@user_errors
def explain_command(
    subject: Annotated[str, typer.Argument(help="A kind (see `handgrad kinds`) or a problem ID such as softmax-ce-m42.")],
    values: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="[NAME=VALUES]...", help="A kind's inputs, e.g. logits=2,1,0 target=0 (rows by ';')."),
    ] = None,
    logits: Annotated[Optional[str], _hidden("softmax-ce: logits=...")] = None,
    target: Annotated[Optional[str], _hidden("softmax-ce: target=...")] = None,
    x: Annotated[Optional[str], _hidden("tanh-neuron: x=...")] = None,
    w: Annotated[Optional[str], _hidden("tanh-neuron: w=...")] = None,
    b: Annotated[Optional[str], _hidden("tanh-neuron: b=...")] = None,
    dout: Annotated[Optional[str], _hidden("tanh-neuron: dout=...")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, help="Seed of a random problem (default: a fresh one).")] = None,
    difficulty: Annotated[
        Optional[Difficulty], typer.Option("--difficulty", "-d", help="Of a random problem: easy, medium (default) or hard.")
    ] = None,
    lr: Annotated[float, typer.Option(callback=finite, help="softmax-ce: learning rate of the gradient step shown.")] = 1.0,
    decimals: DecimalsOption = 3,
    json_output: Annotated[bool, typer.Option("--json", help="The problem, answers and steps as JSON.")] = False,
) -> None:
    """Show a derivation step by step: each gradient as local derivative × upstream gradient, one term per path.

    Give a problem ID, a kind with its inputs (`handgrad explain tanh-neuron x=2,0 w=-3,1 b=6.88 dout=1`),
    or a kind alone for a random problem.
    """
    from handgrad_cli.kinds import get_kind, problem_for
    from handgrad_cli.answers import read_named_inputs

    flags = {"logits": logits, "target": target, "x": x, "w": w, "b": b, "dout": dout}
    typed = read_named_inputs(values or []) | {name: text for name, text in flags.items() if text is not None}
    problem = problem_for(subject, typed, seed, difficulty.value if difficulty else None, fresh_seed)
    if json_output:
        from handgrad_cli.render.records import problem_record

        print_json(problem_record(problem))
        return
    from handgrad_cli.render.terminal import explanation

    extras = get_kind(problem.kind).extras(problem, lr)
    stdout_console().print(explanation(problem, extras, decimals))


@app.command("generate")
@user_errors
def generate_command(
    kinds: Annotated[
        Optional[list[str]], typer.Argument(help="Kinds to mix, in turn (default: the lesson's two; `all`: every kind).")
    ] = None,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many problems.")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the set: the same seed gives the same bytes.")] = 0,
    difficulty: DifficultyOption = Difficulty.medium,
    output_format: Annotated[
        SetFormat, typer.Option("--format", "-f", help="text, json, jsonl, markdown, latex, gift or moodle-xml.")
    ] = SetFormat.text,
    answers: Annotated[
        Optional[AnswersMode],
        typer.Option(help="text, markdown, latex: none (students' sheet), inline, end (default) or only (the key)."),
    ] = None,
    students: Annotated[
        Optional[Path], typer.Option(help="A file of student names, one a line: each gets a set of their own.")
    ] = None,
    variants: Annotated[
        Optional[int], typer.Option(min=1, help="N sets of their own, named variant-01 ... (instead of --students).")
    ] = None,
) -> None:
    """Print a reproducible problem set on stdout: sheets and keys, learning-platform imports, a set per student."""
    from handgrad_cli.classroom import Roster, read_roster, set_code, variant_names
    from handgrad_cli.kinds import chosen_kinds
    from handgrad_cli.render.sets import FORMATS, PRINTED_FORMATS, ProblemSet

    if answers is not None and output_format.value not in PRINTED_FORMATS:
        raise UserError(f"--answers shapes text, markdown and latex; {output_format.value} always carries its answers")
    if students is not None and variants is not None:
        raise UserError("give --students or --variants, not both")
    names = chosen_kinds(kinds)
    roster: list[str | None] = [None]  # one sheet the whole class shares
    if students is not None:
        roster = list(read_roster(read_file(students), str(students)))
    elif variants is not None:
        roster = variant_names(variants)  # built name by name as the sheets are written
    sheets = Roster(roster, names, count, seed, difficulty.value, lambda source: with_progress_if_long(source, count))
    problem_set = ProblemSet(sheets, answers.value if answers else "end", set_code(names, count, seed, difficulty.value))
    FORMATS[output_format.value](problem_set, sys.stdout)


PROGRESS_FROM = 2000  # smaller sets finish before a progress line helps


def with_progress_if_long(source, count: int):
    """A sheet's source that shows progress on stderr when the sheet is long and stderr a terminal."""
    if not (sys.stderr.isatty() and count >= PROGRESS_FROM):
        return source
    return lambda: with_progress(source(), count)


def with_progress(items, total: int):
    """Count items on stderr as they pass (only called when stderr is a terminal)."""
    for done, item in enumerate(items, 1):
        if done % 500 == 0 or done == total:
            sys.stderr.write(f"\rhandgrad: {done:,}/{total:,} problems" + ("\n" if done == total else ""))
            sys.stderr.flush()
        yield item


@app.command("check")
@user_errors
def check_command(
    problem_id: Annotated[str, typer.Argument(metavar="ID", help="The problem ID, e.g. softmax-ce-m42.")],
    answers: Annotated[
        Optional[list[str]], typer.Argument(metavar="NAME=VALUES...", help="e.g. dlogits=-0.335,0.245,0.090")
    ] = None,
    atol: AtolOption = 1e-3,
    rtol: RtolOption = 1e-3,
    decimals: DecimalsOption = 3,
    json_output: Annotated[bool, typer.Option("--json", help="The grades as JSON.")] = False,
) -> None:
    """Grade answers to a problem: exit 0 if all correct, 1 if any is wrong or missing, 2 if unreadable.

    An entry is correct when |yours - reference| <= atol + rtol * |reference|.
    """
    from handgrad_cli.answers import read_named_answers
    from handgrad_cli.grading import Tolerance, grade_all
    from handgrad_cli.kinds import build

    problem = build(problem_id)
    shapes = {name: value.shape for name, value in problem.answers.items()}
    grades = grade_all(problem, read_named_answers(answers or [], shapes), Tolerance(atol, rtol))
    if json_output:
        from handgrad_cli.render.records import grades_record

        print_json(grades_record(problem, grades))
    else:
        from rich.console import Group

        from handgrad_cli.render.terminal import check_summary, diagnosis_lines, grades_table

        stdout_console().print(Group(grades_table(grades, decimals), *diagnosis_lines(grades), check_summary(problem, grades)))
    if not all(grade.correct for grade in grades):
        raise typer.Exit(int(ExitStatus.WRONG))


@app.command("grade")
@user_errors
def grade_command(
    problem_set: Annotated[Path, typer.Argument(metavar="SET", help="The issued set: `generate -f jsonl` output.")],
    responses: Annotated[
        Path, typer.Argument(metavar="RESPONSES.csv", help="Columns student,id,gradient,answer (answer as for check).")
    ],
    atol: AtolOption = 1e-3,
    rtol: RtolOption = 1e-3,
) -> None:
    """Grade a class: scores per student and problem as CSV on stdout, a summary on stderr.

    Rows that cannot be read are reported with their line number and skipped; exit 0 once graded,
    2 if the set or the responses cannot be read at all.
    """
    from rich.console import Console

    from handgrad_cli.classroom import grade_class, read_response_rows, read_responses, read_set
    from handgrad_cli.grading import Tolerance
    from handgrad_cli.render.classroom import summary, write_scores

    with open_lines(problem_set) as lines:  # opened first, so a missing set is named first
        response_rows = read_response_rows(read_file(responses).splitlines(keepends=True), str(responses))
        issued = read_set(lines, str(problem_set), response_rows.ids)
    answers = read_responses(response_rows, issued)
    for note in answers.skipped:
        typer.echo(f"{responses} line {note.line} skipped: {note.text}", err=True)
    for note in answers.replaced:
        typer.echo(f"{responses} line {note.line}: {note.text}", err=True)
    tally = write_scores(grade_class(issued, answers, Tolerance(atol, rtol)), sys.stdout)
    Console(stderr=True, highlight=False).print(summary(tally, answers))


@app.command("drill")
@user_errors
def drill_command(
    kinds: Annotated[
        Optional[list[str]], typer.Argument(help="Kinds to mix, in turn (default: the lesson's two; `all`: every kind).")
    ] = None,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many problems.")] = 5,
    seed: Annotated[
        Optional[int], typer.Option(min=0, help="Seed of the set, as for `generate` (default: a fresh one, shown).")
    ] = None,
    difficulty: DifficultyOption = Difficulty.medium,
    atol: AtolOption = 1e-3,
    rtol: RtolOption = 1e-3,
    tries: Annotated[int, typer.Option(min=1, help="Answers allowed per gradient before it is shown.")] = 2,
    decimals: DecimalsOption = 3,
    no_history: NoHistoryOption = False,
    review: Annotated[
        bool, typer.Option("--review", help="Ask what your history says is due (Leitner boxes, misses first).")
    ] = False,
) -> None:
    """Practise in the terminal: each gradient prompted, graded, hinted and explained.

    Asks the same problems as `generate` with the same kinds, seed and difficulty. At a prompt:
    ? or hint (three hints, the last is the answer), explain, skip, quit. When stdin is not a
    terminal, reads one answer a line. The score counts gradients. Exit 0; 130 on Ctrl-C.
    Each graded answer is recorded in your history as it is graded (see `handgrad stats`);
    --review picks the kinds and difficulties from it (--difficulty is then not used).
    """
    from handgrad_cli.drill import DrillSettings, reader_for, replay_command, run_drill, session_id
    from handgrad_cli.grading import Tolerance
    from handgrad_cli.kinds import chosen_kinds, set_ids
    from handgrad_cli.render.drill import drill_intro, levels_named, replay_line, review_line, summary_view

    names = chosen_kinds(kinds)
    seed = fresh_seed() if seed is None else seed
    history = open_drill_history(no_history)  # a damaged file stops here, before anything is asked
    try:
        if review:
            problem_ids = review_problem_ids(history, names, count, seed)
            intro = drill_intro(count, levels_named(problem_ids), "review", seed)
        else:
            problem_ids = set_ids(names, count, seed, difficulty.value)  # exactly the IDs `generate` prints
            intro = drill_intro(count, names, difficulty.value, seed)
        console = stdout_console()
        console.print(intro)
        settings = DrillSettings(Tolerance(atol, rtol), tries, decimals)
        summary = run_drill(problem_ids, reader_for(sys.stdin, console), console, settings=settings, total=count,
                            recorder=None if history is None else history.record, session=session_id())
    finally:
        if history is not None:
            history.close()
    console.print(summary_view(summary))
    if review:
        console.print(review_line(problem_ids), soft_wrap=True)
    else:
        console.print(replay_line(replay_command(names, count, seed, difficulty.value, settings)), soft_wrap=True)
    if summary.interrupted:
        raise fail("interrupted", ExitStatus.INTERRUPTED)


# Progress: the practice history, stats, and flashcards


class StatsFormat(str, Enum):
    table = "table"
    json = "json"


class HistoryFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


def history_file():
    """The history database: in HANDGRAD_HOME if set, else the platform's user data directory."""
    from handgrad_cli.paths import history_path

    return history_path()


def utc_now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def open_drill_history(no_history: bool):
    """The history a drill records into as it grades, or None with --no-history (nothing read or written)."""
    if no_history:
        return None
    from handgrad_cli.history import open_history

    return open_history(history_file())


def review_problem_ids(history, kinds: list[str], count: int, seed: int):
    """What `drill --review` asks: problems of the levels the history's Leitner boxes say are due."""
    if history is None:
        raise UserError("--review schedules from your history: drop --no-history")
    from handgrad_cli.review import review_ids

    return review_ids(history.attempts(), kinds, utc_now(), count, seed)


@app.command("stats")
@user_errors
def stats_command(
    output_format: Annotated[StatsFormat, typer.Option("--format", "-f", help="table or json.")] = StatsFormat.table,
) -> None:
    """Your progress: accuracy per kind and difficulty, its trend, common mistakes, streak, review boxes."""
    from handgrad_cli.cards import cards_record
    from handgrad_cli.decks import DECKS
    from handgrad_cli.history import read_history
    from handgrad_cli.kinds import DEFAULT_KINDS
    from handgrad_cli.stats import summary

    attempts, reviews = read_history(history_file())
    now = utc_now()
    data = summary(attempts, now, list(DEFAULT_KINDS)) | {"cards": cards_record(DECKS, reviews, now)}
    if output_format is StatsFormat.json:
        print_json(data)
        return
    from handgrad_cli.render.progress import stats_view

    stdout_console().print(stats_view(data))


@app.command("history")
@user_errors
def history_command(
    output_format: Annotated[HistoryFormat, typer.Option("--format", "-f", help="csv or jsonl.")] = HistoryFormat.csv,
) -> None:
    """Every graded answer, oldest first, for export."""
    from handgrad_cli.history import read_attempts
    from handgrad_cli.render.progress import HISTORY_FORMATS

    HISTORY_FORMATS[output_format.value](read_attempts(history_file()), sys.stdout)


@app.command("cards")
@user_errors
def cards_command(
    deck: Annotated[Optional[str], typer.Option("--deck", help="One deck (see --list); default: all.")] = None,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="At most this many cards.")] = 20,
    list_decks: Annotated[bool, typer.Option("--list", help="Show the decks and how many cards are due.")] = False,
    no_history: NoHistoryOption = False,
) -> None:
    """Flashcards of the local derivatives: the front, the back on Enter, then again, good or easy.

    Cards come back on a Leitner schedule kept in the history (1, 2, 4, 8, 16 days).
    """
    from handgrad_cli.cards import due_cards
    from handgrad_cli.decks import chosen_decks

    decks = chosen_decks(deck)
    if list_decks:
        _list_decks(decks, no_history)
        return
    from handgrad_cli.history import open_history

    cards = [card for cards in decks.values() for card in cards]
    if no_history:
        _run_cards(cards[:count], lambda review: None)
        return
    with open_history(history_file()) as history:
        due = due_cards(cards, history.card_reviews(), utc_now(), count)
        if not due:
            typer.echo("No cards are due: see `handgrad cards --list` for when the next ones are.")
            return
        _run_cards(due, history.record_review)


def _list_decks(decks, no_history: bool) -> None:
    from handgrad_cli.cards import deck_statuses
    from handgrad_cli.history import read_card_reviews
    from handgrad_cli.render.progress import decks_table

    reviews = [] if no_history else read_card_reviews(history_file())
    stdout_console().print(decks_table(deck_statuses(decks, reviews, utc_now())))


def _run_cards(cards, record) -> None:
    from handgrad_cli.cards import run_cards
    from handgrad_cli.drill import reader_for
    from handgrad_cli.render.progress import CardView, cards_done

    console = stdout_console()
    tally = run_cards(cards, reader_for(sys.stdin, console), console.print, record, utc_now, CardView)
    console.print(cards_done(tally))


def main() -> None:
    app(prog_name="handgrad")
