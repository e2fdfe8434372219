"""The Typer app: parses flags, calls the core, maps errors to exit statuses.

numpy and Rich are imported inside the commands that need them, so `handgrad --help` loads neither.
No `from __future__ import annotations` here: Typer would evaluate each string annotation three times
as it builds the commands, which costs start-up more than evaluating them all once at import.
"""

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from handgrad_cli import __version__
from handgrad_cli.console import (
    AtolOption,
    DecimalsOption,
    Difficulty,
    DifficultyOption,
    JsonFlag,
    NoHistoryOption,
    NoPagerOption,
    OneLineUsageErrors,
    RtolOption,
    fail,
    finite,
    open_lines,
    print_json,
    read_file,
    reader_for,
    stdout_console,
    TextFormatOption,
    user_errors,
    wants_json,
)
from handgrad_cli.errors import UserError, shown_path
from handgrad_cli.status import ExitStatus

HELP_FLAGS = ("-h", "--help")
app = typer.Typer(
    cls=OneLineUsageErrors,
    name="handgrad",
    help="Practise backpropagation by hand: problems, hints and grading against a numpy reference.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": list(HELP_FLAGS)},  # inherited by every command
)


class SetFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    latex = "latex"
    gift = "gift"
    moodle_xml = "moodle-xml"
    qti = "qti"
    ipynb = "ipynb"


class CarryForward(str, Enum):
    full = "full"
    half = "half"
    none = "none"


class TableFormat(str, Enum):
    table = "table"
    json = "json"


class Points(str, Enum):
    per_problem = "per-problem"
    per_entry = "per-entry"


class AnswersMode(str, Enum):
    none = "none"
    inline = "inline"
    end = "end"
    only = "only"


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
def kinds_command(output_format: TextFormatOption = None) -> None:
    """List the problem kinds: name, what it drills, the gradients it asks."""
    from handgrad_cli.kinds import KINDS

    if wants_json(output_format):
        from handgrad_cli.render.records import kind_record

        print_json([kind_record(kind) for kind in KINDS.values()])
        return
    from handgrad_cli.kinds.catalogue import listing

    typer.echo("\n".join(listing()))


def fresh_seed() -> int:
    return int.from_bytes(os.urandom(4), "big") % 1_000_000  # os, not secrets: cheaper to import


# A kind's inputs may also be given as flags (--logits 2,1,0): Click hands them to NAME=VALUES unparsed.
@app.command("explain", context_settings={"ignore_unknown_options": True})
@user_errors
def explain_command(
    subject: Annotated[str, typer.Argument(help="A kind (see `handgrad kinds`) or a problem ID such as softmax-ce-m42.")],
    values: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="[NAME=VALUES|GRADIENT|GROUP]...",
                       help="A kind's inputs, e.g. logits=2,1,0 target=0 (rows by ';'); gradients or groups "
                            "(mlp: loss, layer2, tanh, batchnorm, layer1, embedding) to show only their steps."),
    ] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, help="Seed of a random problem (default: a fresh one).")] = None,
    difficulty: Annotated[
        Optional[Difficulty], typer.Option("--difficulty", "-d", help="Of a random problem: easy, medium (default) or hard.")
    ] = None,
    lr: Annotated[float, typer.Option(callback=finite, help="softmax-ce: learning rate of the gradient step shown.")] = 1.0,
    decimals: DecimalsOption = 3,
    output_format: TextFormatOption = None,
    json_output: JsonFlag = False,
    no_pager: NoPagerOption = False,
) -> None:
    """Show a derivation step by step: each gradient as local derivative × upstream gradient, one term per path.

    Give a problem ID, a kind with its inputs (`handgrad explain tanh-neuron x=2,0 w=-3,1 b=6.88 dout=1`),
    or a kind alone for a random problem; then gradients or groups (`handgrad explain mlp-m5 batchnorm`)
    for only their steps. Long output goes through $HANDGRAD_PAGER, $PAGER or `less -FRX` on a terminal.
    """
    as_json = wants_json(output_format, json_output)
    from handgrad_cli.kinds import get_kind, problem_for
    from handgrad_cli.answers import read_named_inputs

    from handgrad_cli.parts import split_words

    inputs, named = split_words(values or [])
    typed = read_named_inputs(inputs)
    problem = problem_for(subject, typed, seed, difficulty.value if difficulty else None, fresh_seed)
    from handgrad_cli.parts import chosen

    only = chosen(problem, named)
    if as_json:
        from handgrad_cli.render.records import problem_record

        print_json(problem_record(problem))
        return
    from handgrad_cli.pager import Pager
    from handgrad_cli.render.terminal import explain_summary, explanation, explanation_of

    console = stdout_console()
    shown = explanation_of(problem, only, decimals) if only else explanation(
        problem, get_kind(problem.kind).extras(problem, lr), decimals)
    paged, height = Pager(console, not no_pager).show_counted(shown)
    if not paged and not only and height > 2 * console.height:  # a long derivation: its parts, in a screen
        console.print(explain_summary(problem))
    warn_if_unsound(problem)


def warn_if_unsound(problem) -> None:
    """An ID from before sets skipped such problems still works, with a word that grading is weaker on it."""
    if problem.id is not None and not problem.sound:
        typer.echo(f"handgrad: note: on {problem.id} some slips give answers close to the right one "
                   "(sets and drills no longer ask such problems)", err=True)


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
        SetFormat, typer.Option("--format", "-f", help="text, json, jsonl, markdown, latex, gift, moodle-xml, qti (a zip) "
                                                      "or ipynb (a Jupyter notebook).")
    ] = SetFormat.text,
    answers: Annotated[
        Optional[AnswersMode],
        typer.Option(help="text, markdown, latex: none (students' sheet), inline, end (default) or only (the key); "
                          "ipynb: none (default) or inline."),
    ] = None,
    students: Annotated[
        Optional[Path],
        typer.Option(help="A roster: a CSV id,name[,email], or one name a line; each gets a set of their own."),
    ] = None,
    variants: Annotated[
        Optional[int], typer.Option(min=1, help="N sets of their own, named variant-01 ... (instead of --students).")
    ] = None,
    points: Annotated[
        Points, typer.Option(help="moodle-xml, qti: each problem worth 1 (its blanks share it), or each blank 1.")
    ] = Points.per_problem,
    per_student: Annotated[
        bool, typer.Option("--per-student", help="qti with --students/--variants: a quiz per student in the zip, instead of one quiz "
                                         "with a question group per problem.")
    ] = False,
) -> None:
    """Print a reproducible problem set on stdout: sheets and keys, learning-platform imports, a set per student."""
    from handgrad_cli.classroom import Roster, read_roster, set_code, variant_names
    from handgrad_cli.kinds import chosen_kinds
    from handgrad_cli.render.sets import BINARY_FORMATS, FORMATS, PRINTED_FORMATS, ProblemSet

    if output_format.value in BINARY_FORMATS and sys.stdout.isatty():
        raise UserError(f"a {output_format.value} package is a zip file, not text for a terminal: "
                        f"redirect it to a file: handgrad generate -f {output_format.value} > quiz.zip")
    if output_format is SetFormat.ipynb:
        from handgrad_cli.render.ipynb import NOTEBOOK_ANSWERS

        if answers is not None and answers.value not in NOTEBOOK_ANSWERS:
            raise UserError("a notebook takes --answers none (the default: empty cells) or inline (the reference lines)")
        answers = answers or AnswersMode.none
    elif answers is not None and output_format.value not in PRINTED_FORMATS:
        raise UserError(f"--answers shapes text, markdown and latex; {output_format.value} always carries its answers")
    if students is not None and variants is not None:
        raise UserError("give --students or --variants, not both")
    has_variants = students is not None or variants is not None
    check_platform_options(output_format.value, has_variants, per_student, points)
    names = chosen_kinds(kinds)
    roster: list[str | None] = [None]  # one sheet the whole class shares
    if students is not None:
        roster = list(read_roster(read_file(students), shown_path(students)))
    elif variants is not None:
        roster = variant_names(variants)  # built name by name as the sheets are written
    if output_format.value == "latex" and students is not None:
        say_which_names_need_lualatex([student.name for student in roster])
    sheets = Roster(roster, names, count, seed, difficulty.value, lambda source: with_progress_if_long(source, count))
    code = set_code(names, count, seed, difficulty.value)
    problem_set = ProblemSet(sheets, answers.value if answers else "end", code, points.value, per_student)
    FORMATS[output_format.value](problem_set, sys.stdout)


def check_platform_options(fmt: str, has_variants: bool, per_student: bool, points: Points) -> None:
    """Refuse, in one line, a platform set that would import as something other than it seems."""
    if per_student and not (fmt == "qti" and has_variants):
        raise UserError("--per-student makes a qti package of one quiz a student: give it with -f qti and "
                        "--students or --variants")
    if fmt == "gift" and has_variants:
        raise UserError("GIFT makes a question of each entry, so a Moodle quiz cannot give a student one variant "
                        "of a problem: for students' own sets use -f moodle-xml (a question a problem)")
    random_slots = {"qti": "a Canvas question group", "moodle-xml": "a Moodle random question"}
    if fmt in random_slots and has_variants and not per_student and points is Points.per_entry:
        raise UserError(f"{random_slots[fmt]} is worth the same points whichever variant it draws, and variants "
                        "have different numbers of entries: --points per-entry needs a shared set"
                        + (" or --per-student" if fmt == "qti" else ""))


def say_which_names_need_lualatex(roster) -> None:
    """One line naming every student whose name pdflatex cannot set: the document also compiles with LuaLaTeX."""
    from handgrad_cli.errors import shown
    from handgrad_cli.render.latex import pdflatex_cannot_set

    names = pdflatex_cannot_set(roster)
    if names:
        listed = ", ".join(map(shown, names))
        typer.echo(f"handgrad: pdflatex cannot set {len(names)} name{'s' if len(names) > 1 else ''} ({listed}): "
                   "compile with lualatex (the document works with both)", err=True)


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
    output_format: TextFormatOption = None,
    json_output: JsonFlag = False,
    code: Annotated[
        Optional[str], typer.Option("--code", metavar="NAME", help="Grade NAME as computed by code: the arguments "
                                                                   "are its lines (see `handgrad code`).")
    ] = None,
) -> None:
    """Grade answers to a problem: exit 0 if all correct, 1 if any is wrong or missing, 2 if unreadable.

    Type each answer to 3 decimals (more where asked); you may compute later gradients from your own
    typed answers. An entry is correct when |yours - reference| <= atol + rtol * |reference|, or when it follows
    within that tolerance from your own earlier answers (see the README's "How grading works").
    """
    as_json = wants_json(output_format, json_output)
    from handgrad_cli.answers import read_named_answers
    from handgrad_cli.grading import Tolerance, grade_all
    from handgrad_cli.kinds import build

    problem = build(problem_id)
    if code is not None:
        _check_code(problem, code, answers or [], atol, rtol, as_json)
        return
    shapes = {name: value.shape for name, value in problem.answers.items()}
    grades = grade_all(problem, read_named_answers(answers or [], shapes), Tolerance(atol, rtol))
    wrong = not all(grade.correct for grade in grades)
    if as_json:
        from handgrad_cli.render.records import grades_record

        print_json(grades_record(problem, grades))
    else:
        from rich.console import Group

        from handgrad_cli.answers import negative_power_note
        from handgrad_cli.render.terminal import check_summary, diagnosis_lines, grades_table

        notes = [note for item in answers or [] if (note := negative_power_note(item))]
        stdout_console().print(Group(grades_table(grades, decimals), *diagnosis_lines(grades),
                                     *(notes if wrong else []), check_summary(problem, grades)))
    warn_if_unsound(problem)
    if wrong:
        raise typer.Exit(int(ExitStatus.WRONG))


def _check_code(problem, name: str, lines: list[str], atol: float, rtol: float, as_json: bool) -> None:
    """`check ID --code NAME LINES...`: the lines run over the problem's tensors; NAME graded, with the cmp line."""
    from handgrad_cli.code.session import CODE_TOLERANCE, check_code, cmp_line

    if (atol, rtol) == (1e-3, 1e-3):  # the defaults, for typed numbers: code is graded as `handgrad code` grades it
        atol, rtol = CODE_TOLERANCE
    result = check_code(problem, name, "\n".join(lines), atol, rtol)
    if as_json:
        from handgrad_cli.render.records import grades_record

        print_json(grades_record(problem, [result.grade]) | {"cmp": {"exact": result.exact, "approximate":
                                                                    result.approximate, "maxdiff": result.maxdiff}})
    else:
        from rich.console import Group
        from rich.text import Text

        from handgrad_cli.render.terminal import diagnosis_lines, grades_table

        notes = [Text(note, style="yellow") for note in result.notes] if not result.grade.correct else []
        stdout_console().print(Group(Text(cmp_line(name, result)), grades_table([result.grade], 3),
                                     *diagnosis_lines([result.grade]), *notes))
    if not result.grade.correct:
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
    carry_forward: Annotated[
        CarryForward,
        typer.Option(help="Credit for an answer that follows correctly from the student's own wrong earlier one."),
    ] = CarryForward.half,
    report: Annotated[
        Optional[Path], typer.Option(metavar="DIR", help="Also write a gradebook, an item analysis and feedback pages.")
    ] = None,
    summary_format: Annotated[
        TableFormat, typer.Option("--format", "-f", help="The summary on stderr: table or json.")
    ] = TableFormat.table,
    assignments: Annotated[
        Optional[Path], typer.Option(metavar="FILE", help="A CSV student,variant: who answered which --variants sheet.")
    ] = None,
) -> None:
    """Grade a class: scores per student and problem as CSV on stdout, a summary on stderr.

    Rows that cannot be read are reported with their line number and skipped; exit 0 once graded,
    2 if the set or the responses cannot be read at all.
    """
    from rich.console import Console

    from handgrad_cli.classroom import (CARRY_FORWARD_CREDIT, ResponseFile, grade_class, read_assignments,
                                        read_responses, read_set)
    from handgrad_cli.console import spreadsheet_lines
    from handgrad_cli.grading import Tolerance
    from handgrad_cli.render.classroom import summary, write_scores

    with open_lines(problem_set) as lines:  # opened first, so a missing set is named first
        response_file = ResponseFile(lambda: spreadsheet_lines(responses), shown_path(responses))
        issued = read_set(lines, shown_path(problem_set), response_file.ids())  # the responses' first pass
    if assignments is not None:
        read_assignments(read_file(assignments), issued, shown_path(assignments))
    answers = read_responses(response_file, issued)  # the second pass
    if answers.warning:
        typer.echo(f"{shown_path(responses)} {answers.warning}", err=True)
    for note in answers.skipped:
        more = f" (and {note.more} more row{'s' if note.more > 1 else ''} for the same reason)" if note.more else ""
        typer.echo(f"{shown_path(responses)} line {note.line} skipped: {note.text}{more}", err=True)
    for note in answers.replaced:
        typer.echo(f"{shown_path(responses)} line {note.line}: {note.text}", err=True)
    if answers.unlisted:
        typer.echo(f"{shown_path(responses)}: {answers.unlisted:,} more rows skipped or replaced, not listed", err=True)
    credit = CARRY_FORWARD_CREDIT[carry_forward.value]
    graded = grade_class(issued, answers, Tolerance(atol, rtol), credit)
    if report is None:
        tally = write_scores(graded, sys.stdout)
    else:
        from handgrad_cli.report_files import write_report

        tally = write_report(report, issued, graded, answers)
    if summary_format is TableFormat.json:
        import json

        from handgrad_cli.render.report import summary_record

        sys.stderr.write(json.dumps(summary_record(tally, answers), ensure_ascii=False) + "\n")
    else:
        Console(stderr=True, highlight=False).print(summary(tally, answers))


SubjectsArgument = Annotated[
    Optional[list[str]],
    typer.Argument(metavar="[KIND|ID]...",
                   help="Kinds to mix, in turn (default: the lesson's two; `all`: every kind), or problem IDs."),
]
TriesOption = Annotated[int, typer.Option(min=1, help="Answers allowed per gradient before it is shown.")]
# The options a drill and a code session share.
CountOption = Annotated[Optional[int], typer.Option("--count", "-n", min=1, help="How many problems (default 5).")]
SetSeedOption = Annotated[
    Optional[int], typer.Option(min=0, help="Seed of the set, as for `generate` (default: a fresh one, shown).")
]
FirstDifficultyOption = Annotated[
    Optional[Difficulty],
    typer.Option("--difficulty", "-d", help="easy, medium (default; easy until something is answered) or hard."),
]
FromSetOption = Annotated[
    Optional[Path], typer.Option("--from", metavar="SET.jsonl", help="Practise a set: what `generate -f jsonl` wrote.")
]


@app.command("drill")
@user_errors
def drill_command(
    subjects: SubjectsArgument = None,
    count: CountOption = None,
    seed: SetSeedOption = None,
    difficulty: FirstDifficultyOption = None,
    atol: AtolOption = 1e-3,
    rtol: RtolOption = 1e-3,
    tries: TriesOption = 2,
    decimals: DecimalsOption = 3,
    no_history: NoHistoryOption = False,
    review: Annotated[
        bool, typer.Option("--review", help="Ask what your history says is due (Leitner boxes, misses first).")
    ] = False,
    mistakes: Annotated[
        bool, typer.Option("--mistakes", help="Aim at your most frequent mistakes of the last 4 weeks, each after its card.")
    ] = False,
    from_set: FromSetOption = None,
    no_pager: NoPagerOption = False,
) -> None:
    """Practise in the terminal: each gradient prompted, graded, hinted and explained.

    Asks the same problems as `generate` with the same kinds, seed and difficulty; or the problems
    named by their IDs (`handgrad drill softmax-ce-m42 tanh-neuron-e7`); or a teacher's set (--from).
    At a prompt: ? or hint (three hints, the last is the answer), values, explain, skip, help, quit.
    After each problem on a terminal: steps, steps NAME, explain, values, or Enter. When stdin is not a
    terminal, reads one answer a line. The score counts gradients. Exit 0; 130 on Ctrl-C.
    Each graded answer is recorded in your history as it is graded (see `handgrad stats`);
    --review picks the kinds and difficulties from it (--difficulty is then not used).
    """
    from handgrad_cli.drill import DrillSettings
    from handgrad_cli.grading import Tolerance

    practise(subjects, count, seed, difficulty, DrillSettings(Tolerance(atol, rtol), tries, decimals), no_history,
             review, from_set, mistakes=mistakes, no_pager=no_pager)


@app.command("code")
@user_errors
def code_command(
    subjects: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="[KIND|ID]...", help="Kinds to mix, in turn (default: mlp, the notebook's exercise 1), "
                                                    "or problem IDs."),
    ] = None,
    count: CountOption = None,
    seed: SetSeedOption = None,
    difficulty: FirstDifficultyOption = None,
    atol: AtolOption = 1e-6,
    rtol: RtolOption = 1e-6,
    tries: TriesOption = 2,
    decimals: DecimalsOption = 3,
    no_history: NoHistoryOption = False,
    review: Annotated[
        bool, typer.Option("--review", help="Ask what your code history says is due (its own Leitner boxes).")
    ] = False,
    from_set: FromSetOption = None,
    fused: Annotated[
        bool, typer.Option("--fused", help="ce-steps: dlogits in one go (exercise 2); batchnorm: dhprebn in one "
                                           "expression (exercise 3), checked on several batches at once.")
    ] = False,
) -> None:
    """Write the backward pass as code: each gradient's lines in PyTorch or numpy notation, run safely, graded.

    The lines read the problem's tensors by the notebook's names (logits, probs, ..., n, Xb, Yb) and your
    earlier results; an empty line submits them. Each is graded as a typed answer and shown as the
    notebook's cmp shows it (exact, approximate, maxdiff). At a prompt: ? or hint, explain, skip, help,
    quit. When stdin is not a terminal, lines are read from it. Exit 0; 130 on Ctrl-C.
    """
    import functools

    from handgrad_cli.code.session import CODE_TOLERANCE, FUSED_NAMES, CodeDrill
    from handgrad_cli.drill import DrillSettings
    from handgrad_cli.grading import Tolerance

    if fused and (not subjects or any(subject.rsplit("-", 1)[0] not in FUSED_NAMES and subject not in FUSED_NAMES
                                      for subject in subjects)):
        raise UserError("--fused takes ce-steps (exercise 2) or batchnorm (exercise 3): "
                        "handgrad code ce-steps --fused")
    practise(subjects, count, seed, difficulty, DrillSettings(Tolerance(atol, rtol), tries, decimals), no_history,
             review, from_set, command="code", default_kinds=["mlp"], make=functools.partial(CodeDrill, fused=fused),
             default_settings=DrillSettings(CODE_TOLERANCE), flags=["--fused"] if fused else [])


def practise(subjects, count, seed, difficulty, settings, no_history: bool, review: bool, from_set, *,
             mistakes: bool = False, command: str = "drill", default_kinds=None, make=None, default_settings=None,
             flags=(), no_pager: bool = False) -> None:
    """A drill or a code session: the problems chosen, asked, recorded, then the summary and replay line."""
    from handgrad_cli.asked import Asked, given_ids, seeded_set, set_file, split_subjects
    from handgrad_cli.drill import DrillSettings, replay_command, run_drill, session_id
    from handgrad_cli.kinds import chosen_kinds
    from handgrad_cli.render.drill import drill_intro, replay_line, review_line, summary_view

    kinds, ids = split_subjects(subjects or [])
    fixed = refuse_with_fixed_problems(ids, from_set, count=count, seed=seed, difficulty=difficulty, review=review,
                                       mistakes=mistakes)
    if review and mistakes:
        raise UserError("give --review or --mistakes, not both (a review asks some problems aimed at your mistakes)")
    asked = given_ids(ids) if ids else set_file(from_set) if fixed else None  # read before the history is touched
    names, count = chosen_kinds(kinds or default_kinds), count or 5
    seed = fresh_seed() if seed is None else seed
    history = open_drill_history(no_history)  # a damaged file stops here, before anything is asked
    mode = "code" if command == "code" else "drill"
    try:
        console = stdout_console()
        first_run = history is not None and history.is_empty()  # nothing answered yet (not: no history file)
        difficulty = difficulty or (Difficulty.easy if first_run else Difficulty.medium)
        if review:
            levels, problems = review_problems_due(history, kinds and names, count, seed, console, mode)
            asked = Asked(problems, count, f"{', '.join(levels[:count])}; review, seed {seed}", [])
        elif mistakes:
            asked = mistakes_due(history, kinds, count, seed, console)
        elif asked is None:
            asked = seeded_set(names, count, seed, difficulty.value)
        read_line = reader_for(sys.stdin, console)  # a closed stdin stops here, before anything is asked
        console.print(drill_intro(asked.count, asked.about, first_run, command=command))
        from handgrad_cli.pager import Pager

        summary = run_drill(asked.problems, read_line, console, settings=settings, total=asked.count,
                            recorder=None if history is None else history.record, session=session_id(), make=make,
                            pause=sys.stdin.isatty() and command == "drill", show=Pager(console, not no_pager).show)
    finally:
        if history is not None:
            history.close()
    console.print(summary_view(summary, "Code session" if command == "code" else "Drill"))
    if review or mistakes:
        console.print(review_line(asked.problems.asked))  # wrapped between IDs, never inside one
    else:
        replay = replay_command([*asked.replay, *flags], settings, command, default_settings or DrillSettings())
        console.print(replay_line(replay, console.width), soft_wrap=True)
    if summary.interrupted:
        raise fail("interrupted", ExitStatus.INTERRUPTED)


@app.command("debug")
@user_errors
def debug_command(
    subjects: SubjectsArgument = None,
    count: Annotated[Optional[int], typer.Option("--count", "-n", min=1, help="How many problems (default 3).")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, help="Seed of the set (default: a fresh one, shown).")] = None,
    difficulty: DifficultyOption = Difficulty.medium,
    atol: AtolOption = 1e-3,
    rtol: RtolOption = 1e-3,
    tries: TriesOption = 2,
    decimals: DecimalsOption = 3,
    no_history: NoHistoryOption = False,
) -> None:
    """Spot the bug: a backward pass with one gradient computed with a named slip; say which, name it, fix it.

    Takes the drill's kinds, IDs and options; reads one line a prompt when stdin is not a terminal.
    Each part is graded and kept in your history (mode debug); a miss brings the kind back in review.
    """
    from handgrad_cli.asked import given_ids, seeded_set, split_subjects
    from handgrad_cli.debug import DebugSession
    from handgrad_cli.drill import DrillSettings, session_id
    from handgrad_cli.grading import Tolerance
    from handgrad_cli.kinds import chosen_kinds
    from handgrad_cli.render.debug import debug_intro, debug_score

    kinds, ids = split_subjects(subjects or [])
    refuse_with_fixed_problems(ids, None, count=count, seed=seed)
    seed = fresh_seed() if seed is None else seed
    asked = given_ids(ids) if ids else seeded_set(chosen_kinds(kinds), count or 3, seed, difficulty.value)
    history = open_drill_history(no_history)
    try:
        console = stdout_console()
        read_line = reader_for(sys.stdin, console)
        console.print(debug_intro(asked.count, asked.about))
        settings = DrillSettings(Tolerance(atol, rtol), tries, decimals)
        session = DebugSession(read_line, console, settings, None if history is None else history.record,
                               session_id(), total=asked.count)
        summary = session.run(asked.problems)
    finally:
        if history is not None:
            history.close()
    console.print()
    console.print(debug_score(summary))
    if summary.interrupted:
        raise fail("interrupted", ExitStatus.INTERRUPTED)


def refuse_with_fixed_problems(ids, from_set: Optional[Path], **drawn) -> bool:
    """Whether the problems are fixed (IDs or a set file); flags that choose problems are refused with them."""
    if from_set is not None and ids:
        raise UserError("give problem IDs or --from SET, not both")
    if not ids and from_set is None:
        return False
    given = [f"--{flag}" for flag, value in drawn.items() if value not in (None, False)]
    if given:
        fixed_by = "problem IDs fix" if ids else "--from fixes"
        raise UserError(f"{fixed_by} the problems: drop {' and '.join(given)}")
    return True


@app.command("learn")
@user_errors
def learn_command(
    status: Annotated[
        bool, typer.Option("--status", help="Show the map of the path (done, due, open, locked stages) and stop.")
    ] = False,
    seed: Annotated[Optional[int], typer.Option(min=0, help="Seed of the problems asked (default: a fresh one).")] = None,
    atol: AtolOption = 1e-3,
    rtol: RtolOption = 1e-3,
    tries: TriesOption = 2,
    decimals: DecimalsOption = 3,
) -> None:
    """Follow the path: the lesson's arc, from its worked example to the whole MLP, stage by stage.

    Each stage mixes explain screens, short drills and cards; the next opens when it is mastered (right
    on two separate days since the last miss, or its test-out problem right on the first try). What is
    due for review comes first. Quit at any prompt: the next `handgrad learn` goes on from there.
    """
    from handgrad_cli.history import read_history, read_path_steps
    from handgrad_cli.path import stage_states

    if status:
        from handgrad_cli.render.learn import path_map

        attempts, reviews = read_history(history_file())
        stdout_console().print(path_map(stage_states(attempts, reviews, read_path_steps(history_file()), utc_now())))
        return
    from handgrad_cli.drill import DrillSettings, session_id
    from handgrad_cli.grading import Tolerance
    from handgrad_cli.learn import LearnSession
    from handgrad_cli.render.drill import drill_intro

    history = open_drill_history(False)
    first_run = history is not None and history.is_empty()  # nothing answered yet, as for the drill
    try:
        console = stdout_console()
        settings = DrillSettings(Tolerance(atol, rtol), tries, decimals)
        session = LearnSession(history, reader_for(sys.stdin, console), console, settings, session_id(),
                               fresh_seed() if seed is None else seed, utc_now)
        console.print(drill_intro(0, "", first_run, heading="handgrad learn: the path, stage by stage "
                                                            "(the map: handgrad learn --status)."))
        session.run()
    finally:
        history.close()
    if session.interrupted:
        raise fail("interrupted", ExitStatus.INTERRUPTED)


@app.command("start", hidden=True)
@user_errors
def start_command() -> None:
    """What `make run` starts: the path for a learner with no history or one on it, else a drill."""
    from handgrad_cli.history import read_history, read_path_steps
    from handgrad_cli.path import on_the_path, stage_states

    if history_file().exists():
        attempts, reviews = read_history(history_file())
        steps = read_path_steps(history_file())
        if not on_the_path(steps, stage_states(attempts, reviews, steps, utc_now())):
            drill_command(subjects=None, count=None, seed=None, difficulty=None, atol=1e-3, rtol=1e-3, tries=2,
                          decimals=3, no_history=False, review=False, mistakes=False, from_set=None)
            return
    learn_command(status=False, seed=None, atol=1e-3, rtol=1e-3, tries=2, decimals=3)


# Progress: the practice history, stats, and flashcards


StatsFormat = TableFormat


class HistoryFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


def history_file():
    """The history database: in HANDGRAD_HOME if set, else the platform's user data directory."""
    from handgrad_cli.paths import history_path
    from handgrad_cli.zone import local_zone_or_utc

    local_zone_or_utc(lambda line: typer.echo(line, err=True))  # the history's days are the learner's days
    return history_path()


def utc_now():
    from handgrad_cli.clock import now

    return now()


def open_drill_history(no_history: bool):
    """The history a drill records into as it grades, or None with --no-history (nothing read or written)."""
    if no_history:
        return None
    from handgrad_cli.history import open_history

    return open_history(history_file())


def review_problems_due(history, kinds: list[str], count: int, seed: int, console, mode: str = "drill"):
    """What `drill --review` asks: the levels the history's Leitner boxes say are due, named in turn,
    and their problems, made as the drill takes them (remembered in `.asked` for the closing line);
    every few a problem aimed at a frequent mistake, after its card. Code has boxes of its own
    (`code --review`), kept apart from the drill's."""
    if history is None:
        raise UserError("--review schedules from your history: drop --no-history")
    from handgrad_cli.mistakes import aims, with_aimed
    from handgrad_cli.render.learn import aim_view
    from handgrad_cli.review import Taken, chosen_levels, problems_of
    from handgrad_cli.summary_sql import practised_kinds, recent_mistakes, schedule

    now = utc_now()
    kinds = kinds or remembered_kinds(practised_kinds(history, mode))  # none named: every kind practised
    chosen = chosen_levels(schedule(history, kinds, mode), now)
    levels = [f"{level.kind} {level.difficulty}" for level in chosen]
    aimed = aims(recent_mistakes(history, now, mode), now, kinds)
    return levels, Taken(with_aimed(problems_of(chosen, count, seed), aimed, seed, lambda aim: console.print(aim_view(aim))))


def mistakes_due(history, kinds: list[str], count: int, seed: int, console):
    """What `drill --mistakes` asks: problems where the learner's frequent mistakes of late are discriminating,
    the mistakes in turn, each after the card that teaches its rule."""
    if history is None:
        raise UserError("--mistakes chooses from your history: drop --no-history")
    from handgrad_cli.asked import Asked
    from handgrad_cli.mistakes import aimed_problems, aims
    from handgrad_cli.render.learn import aim_view
    from handgrad_cli.review import Taken
    from handgrad_cli.summary_sql import recent_mistakes

    now = utc_now()
    chosen = aims(recent_mistakes(history, now), now, kinds or None)
    if not chosen:
        typer.echo("No named mistakes in your history of the last 4 weeks: nothing to aim at. "
                   "`handgrad drill --review` asks what is due.", err=True)
        raise typer.Exit(int(ExitStatus.OK))

    def shown_first():
        for aim, problem in aimed_problems(chosen, count, seed):
            console.print(aim_view(aim))
            yield problem

    about = "; ".join(f"{aim.slug} in {aim.kind}" for aim in chosen)
    return Asked(Taken(shown_first()), count, f"your mistakes: {about}; seed {seed}", [])


@app.command("stats")
@user_errors
def stats_command(
    kinds: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="[KIND]...", help="Kinds to show, as for drill (`all`: every kind; default: every "
                                                 "kind practised and the lesson's two)."),
    ] = None,
    output_format: Annotated[StatsFormat, typer.Option("--format", "-f", help="table or json.")] = StatsFormat.table,
    no_pager: NoPagerOption = False,
) -> None:
    """Your progress: accuracy per kind and difficulty, its trend, common mistakes, streak, review boxes."""
    from handgrad_cli.cards import cards_record
    from handgrad_cli.decks import DECKS
    from handgrad_cli import summary_sql
    from handgrad_cli.history import read_with
    from handgrad_cli.kinds import chosen_kinds
    from handgrad_cli.mistakes import aims_record
    from handgrad_cli.stats import summary

    names = chosen_kinds(kinds) if kinds else None  # checked before the history is read
    path, now = history_file(), utc_now()

    def read(history):
        if names is not None:  # some kinds only: their gradients
            history.of_kinds(names)
        return (summary_sql.summary(history, now, names or remembered_kinds),
                aims_record(summary_sql.recent_mistakes(history, now), now), history.card_reviews())

    data, top_mistakes, reviews = read_with(path, read, (summary([], now, names or remembered_kinds([])), [], []))
    note_if_others_can_read(path)
    data |= {"cards": cards_record(DECKS, reviews, now), "top_mistakes": top_mistakes}
    if output_format is StatsFormat.json:
        print_json(data)
        return
    from rich.console import Group

    from handgrad_cli.pager import Pager
    from handgrad_cli.render.learn import aims_table
    from handgrad_cli.render.progress import stats_view

    console = stdout_console()
    shown = [stats_view(data), *([aims_table(data["top_mistakes"])] if data["top_mistakes"] else [])]
    Pager(console, not no_pager).show(Group(*shown))


def remembered_kinds(practised) -> list[str]:
    """The kinds review and stats schedule: the lesson's two and every other kind practised."""
    from handgrad_cli.kinds import DEFAULT_KINDS, KINDS

    return list(dict.fromkeys([*DEFAULT_KINDS, *(kind for kind in practised if kind in KINDS)]))


def note_if_others_can_read(path) -> None:
    from handgrad_cli.paths import readable_by_others

    if note := readable_by_others(path):
        typer.echo(f"handgrad: note: {note}", err=True)


@app.command("history")
@user_errors
def history_command(
    output_format: Annotated[HistoryFormat, typer.Option("--format", "-f", help="csv or jsonl.")] = HistoryFormat.csv,
    no_pager: NoPagerOption = False,
) -> None:
    """Every graded try with its gradient's status, oldest first, for export (paged on a terminal)."""
    from handgrad_cli.history import read_attempts
    from handgrad_cli.pager import page_text, terminal_pager
    from handgrad_cli.render.progress import HISTORY_FORMATS

    attempts = read_attempts(history_file(), unsettled=True)
    pager = terminal_pager(not no_pager)
    if pager is None:
        HISTORY_FORMATS[output_format.value](attempts, sys.stdout)
        return
    import io
    import shutil

    text = io.StringIO()
    HISTORY_FORMATS[output_format.value](attempts, text)
    page_text(text.getvalue(), pager, shutil.get_terminal_size().lines, sys.stdout)


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
    from handgrad_cli.render.progress import CardView, cards_done

    console = stdout_console()
    tally = run_cards(cards, reader_for(sys.stdin, console), console.print, record, utc_now, CardView)
    console.print(cards_done(tally))
