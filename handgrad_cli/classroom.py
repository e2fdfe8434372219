"""A class: its roster, a set of its own for each student, and grading the answers collected.

Pure: text in, values out. The CLI reads the files and prints what this returns.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import io
import itertools
import json
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from handgrad_cli.answer_store import AnswerStore
from handgrad_cli.errors import UserError, shown
from handgrad_cli.grading import Grade, Tolerance, grade_all
from handgrad_cli.kinds import build, build_many, get_kind
from handgrad_cli.problem import DIFFICULTIES, Problem, ProblemId
from handgrad_cli.render.sheets import Sheet

MAX_NAME_CHARS = 200
DELIMITERS = (",", ";", "\t")  # what spreadsheets write: the one the header holds most of is the separator


def check_name(student: str, where: str) -> None:
    """A student's name as a roster or a set may give it: plain text, not empty, not too long."""
    if not student.strip():
        raise UserError(f"{where}: a student's name is empty")
    if any(unicodedata.category(char) == "Cc" for char in student):
        raise UserError(f"{where}: a name holds a control character; write plain text")
    if len(student) > MAX_NAME_CHARS:
        raise UserError(f"{where}: a name is longer than {MAX_NAME_CHARS} characters")


class Student(NamedTuple):
    """A roster's student: the `key` their set is drawn from (the id, or the name on a plain list), the name
    printed (display only) and an e-mail for the gradebook."""

    key: str
    name: str
    email: str = ""


ROSTER_COLUMNS = ("id", "name")  # a roster CSV's header names these (and may name email)


def read_roster(text: str, source: str = "the students file") -> list[Student]:
    """A CSV with a header ``id,name[,email]`` (separated by commas, semicolons or tabs), or one name a
    line, the name then being the key; blank lines are skipped, a key given twice is refused."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(DELIMITERS, key=first.count)
    header = [cell.strip().lower() for cell in next(csv.reader([first], delimiter=delimiter), [])]
    if all(column in header for column in ROSTER_COLUMNS):
        return _roster_csv(text, delimiter, source)
    return [Student(name, name) for name in _roster_names(text, source)]


def _roster_csv(text: str, delimiter: str, source: str) -> list[Student]:
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    students: list[Student] = []
    seen: set[str] = set()
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            continue
        where = f"{source} line {rows.line_num}"
        cells = {column: row[index].strip() if index < len(row) else "" for index, column in enumerate(header)}
        key, name, email = cells["id"], cells["name"], cells.get("email", "")
        if not key:
            raise UserError(f"{where}: the id is empty; every student needs one")
        check_name(key, where)
        check_name(name, where)
        if email:
            check_name(email, where)
        composed = unicodedata.normalize("NFC", key)
        if composed in seen:
            raise UserError(f"{where}: the id {shown(key)} is listed twice; ids must be unique")
        seen.add(composed)
        students.append(Student(key, name, email))
    if not students:
        raise UserError(f"{source} lists no students: write a row id,name[,email] a student under the header")
    return students


def _roster_names(text: str, source: str) -> list[str]:
    """Student names, one a line; blank lines are skipped, a name given twice is refused."""
    names: list[str] = []
    seen: set[str] = set()  # composed (NFC): "José" typed either way is one name
    for line_number, line in enumerate(text.splitlines(), 1):
        student = line.strip()
        if not student:
            continue
        check_name(student, f"{source} line {line_number}")
        composed = unicodedata.normalize("NFC", student)
        if composed in seen:
            raise UserError(f"{source} line {line_number}: {shown(student)} is listed twice; names must be unique")
        seen.add(composed)
        names.append(student)
    if not names:
        raise UserError(f"{source} lists no students: write one name a line")
    return names


APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def folded(name: str) -> str:
    """A name as matching sees it: case, accents, apostrophe style and spacing ignored (``zoë`` is ``Zoe``)."""
    bare = "".join(char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char))
    return " ".join(bare.translate(APOSTROPHES).casefold().split())


SET_CODE_LETTERS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread


def set_code(kinds: list[str], count: int, seed: int, difficulty: str) -> str:
    """A short code for a set (``K7Q2MD``), from what makes it: printed on students' sheets instead of IDs,
    so a sheet can be matched to its key without giving away the problems' solutions."""
    number = int.from_bytes(hashlib.sha256(repr((tuple(kinds), count, seed, difficulty)).encode()).digest()[:4], "big")
    return "".join(SET_CODE_LETTERS[(number >> (5 * i)) % 32] for i in range(6))


class VariantNames(Sequence[str]):
    """``variant-01`` … ``variant-30``: names for anonymous variants, sorted as they are numbered.
    Each name is made when asked for, so a million variants cost no memory before the first is written."""

    def __init__(self, count: int) -> None:
        self.count, self.width = count, max(2, len(str(count)))

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.count))]
        if not -self.count <= index < self.count:
            raise IndexError(index)
        return f"variant-{index % self.count + 1:0{self.width}d}"


def variant_names(count: int) -> Sequence[str]:
    return VariantNames(count)


SOLVED_TOGETHER = 1024  # problems of several students' sets solved in one batch


def fingerprint(code: str, key: str) -> str:
    """A student's sheet mark (``7KQ2``): printed on the sheet, kept in the set, checked by `grade`."""
    number = int.from_bytes(hashlib.sha256(f"{code}\n{key}".encode()).digest()[:4], "big")
    return "".join(SET_CODE_LETTERS[(number >> (5 * i)) % 32] for i in range(4))


class Roster(Sequence[Sheet]):
    """The sheets of a set, one per student (None: the one the whole class shares), each made when asked for.
    A student is a `Student`, or a name that is their key too (variants)."""

    def __init__(self, students: Sequence[Student | str | None], kinds: list[str], count: int, seed: int,
                 difficulty: str, wrap=lambda source: source) -> None:
        self.students, self.parameters, self.wrap = students, (kinds, count, seed, difficulty), wrap
        self.code = set_code(kinds, count, seed, difficulty)
        self.block_size = max(1, SOLVED_TOGETHER // count)  # students whose sets are solved in one go
        self._block: tuple[int, list[list[Problem]]] = (-1, [])

    def __len__(self) -> int:
        return len(self.students)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        student = self.students[index]
        if student is None:
            return Sheet(None, self.wrap(problem_source(*self.parameters, None)))
        key, name, email = student if isinstance(student, Student) else (student, student, "")
        return Sheet(name, self.wrap(partial(self._problems, index % len(self))), key if key != name else None, email,
                     fingerprint(self.code, key))

    def _problems(self, index: int) -> Iterator[Problem]:
        """Student `index`'s problems, solved with their block of students (the one block kept: sheets are
        read in order, so memory stays flat however large the class)."""
        from handgrad_cli.kinds import member_sets

        block = index // self.block_size
        if self._block[0] != block:
            start = block * self.block_size
            keys = [self._key(i) for i in range(start, min(start + self.block_size, len(self)))]
            self._block = (block, member_sets(*self.parameters, keys))
        return iter(self._block[1][index - block * self.block_size])

    def _key(self, index: int) -> str:
        student = self.students[index]
        return student.key if isinstance(student, Student) else student


def member_problems(kinds: list[str], count: int, seed: int, difficulty: str, *member: str) -> Iterator[Problem]:
    """One member's set (no member: the set the whole class shares), built problem by problem."""
    from handgrad_cli.kinds import set_problems

    return set_problems(kinds, count, seed, difficulty, *member)


def problem_source(kinds: list[str], count: int, seed: int, difficulty: str, student: str | None):
    """A source for a sheet: called once per pass, it gives the student's problems afresh.

    `student` None gives the set the whole class shares, with the IDs `generate` always gave.
    """
    member = () if student is None else (student,)
    return partial(member_problems, kinds, count, seed, difficulty, *member)


# --- grading a class -------------------------------------------------------------------------

RESPONSE_COLUMNS = ("student", "id", "gradient", "answer")
OPTIONAL_COLUMNS = ("sheet", "timestamp")  # the sheet's fingerprint, checked when given; when it was answered
DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
MAX_NUMBER_DIGITS = 9  # a problem number longer than this names no sheet's problem (and is never made an int)
CARRY_FORWARD_CREDIT = {"full": 1.0, "half": 0.5, "none": 0.0}  # a gradient's credit when its error is carried forward
DEFAULT_CARRY_FORWARD = "half"
SHARED = -1  # the student index of a problem issued to everyone
LEVELS = {difficulty: level for level, difficulty in enumerate(DIFFICULTIES)}  # stored as a byte


@dataclass
class IssuedSet:
    """The set as issued, indexed compactly (a few bytes a problem), so a large class fits in little memory.

    Problem i is (kinds[kind_of[i]], DIFFICULTIES[level_of[i]], seed_of[i]), issued to students[student_of[i]]
    or to everyone. Only the IDs the responses name are kept as text, to find them.
    """

    kinds: list[str] = field(default_factory=list)
    kind_of: array = field(default_factory=lambda: array("B"))
    level_of: array = field(default_factory=lambda: array("B"))
    seed_of: array = field(default_factory=lambda: array("q"))
    student_of: array = field(default_factory=lambda: array("l"))  # a student index, or SHARED
    roster: list[str] = field(default_factory=list)  # the students' keys (ids, or names), in the set's order
    names: list[str] = field(default_factory=list)  # each student's name as printed (display only)
    emails: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # each student's sheet fingerprint ("" for older sets)
    own: dict[int, array] = field(default_factory=dict)  # student index -> that student's problems, in set order
    shared_problems: array = field(default_factory=lambda: array("l"))
    where: dict[str, int] = field(default_factory=dict)  # a wanted ID -> its first problem
    _students: dict[str, int] = field(default_factory=dict)  # composed (NFC) key -> student index
    _named: dict[str, int | None] = field(default_factory=dict)  # composed name or e-mail -> index (None: shared)
    _folded: dict[str, int | None] = field(default_factory=dict)  # folded name -> index (None: two share it)

    @property
    def shared(self) -> bool:
        """Whether some problems were issued to everyone (then anyone who answers is graded)."""
        return bool(self.shared_problems)

    def __len__(self) -> int:
        return len(self.seed_of)

    def problem_id(self, i: int) -> ProblemId:
        return ProblemId(self.kinds[self.kind_of[i]], DIFFICULTIES[self.level_of[i]], self.seed_of[i])

    def student_index(self, student: str) -> int | None:
        """The roster's student a response names: by their key (id) or e-mail, their name (either Unicode
        form), or the one name that reads the same with case, accents, apostrophes and spacing ignored."""
        composed = unicodedata.normalize("NFC", student)
        index = self._students.get(composed)
        if index is None:
            index = self._named.get(composed)
        return index if index is not None else self._folded.get(folded(student))

    def label(self, index: int) -> str:
        """A student as messages name them: ``'Ana'``, or ``'Ana' (s1)`` when the roster has ids."""
        key = self.roster[index]
        return shown(self.names[index]) + (f" ({shown(key)})" if key != self.names[index] else "")

    def display(self, student: str) -> str:
        """The name printed for a student (their key when the set has no name apart)."""
        index = self.student_index(student)
        return student if index is None else self.names[index]

    def did_you_mean(self, student: str) -> str:
        """`` (did you mean 'Zoë'?)`` for a name close to one of the roster's, else nothing."""
        import difflib

        names = {folded(name): name for name in self.names}
        close = difflib.get_close_matches(folded(student), list(names), n=1, cutoff=0.75)
        return f" (did you mean {shown(names[close[0]])}?)" if close else ""

    def spelling(self, student: str) -> str:
        """The set's spelling of a name typed in another Unicode form (é composed, or e + accent)."""
        index = self.student_index(student)
        return student if index is None else self.roster[index]

    def sheet(self, student: str) -> list[int]:
        """The problems issued to everyone and those issued to `student`, in set order."""
        index = self.student_index(student)
        if index is None:
            return list(self.shared_problems)
        return list(heapq.merge(self.shared_problems, self.own[index]))

    def add(self, problem_id: ProblemId, student: Student | None, wanted: set[str], sheet: str = "") -> None:
        i = len(self.seed_of)
        if problem_id.kind not in self.kinds:
            self.kinds.append(problem_id.kind)
        self.kind_of.append(self.kinds.index(problem_id.kind))
        self.level_of.append(LEVELS[problem_id.difficulty])
        self.seed_of.append(problem_id.seed)
        label = str(problem_id)
        if label in wanted:
            self.where.setdefault(label, i)
        if student is None:
            self.student_of.append(SHARED)
            self.shared_problems.append(i)
            return
        index = self._students.setdefault(unicodedata.normalize("NFC", student.key), len(self.roster))
        if index == len(self.roster):
            self._new_student(index, student, sheet)
        self.student_of.append(index)
        self.own[index].append(i)

    def assign(self, student: str, variant: str, where: str) -> None:
        """Name a variant's sheet after the student who answered it (`grade --assignments`)."""
        index = self._students.get(unicodedata.normalize("NFC", variant))
        if index is None:
            raise UserError(f"{where}: {shown(variant)} is not a variant of the set")
        if self.names[index] != self.roster[index]:
            raise UserError(f"{where}: {shown(variant)} is given to {shown(self.names[index])} already")
        composed = unicodedata.normalize("NFC", student)
        if self._named.get(composed) is not None:
            raise UserError(f"{where}: {shown(student)} is given a variant already")
        self.names[index] = student
        self._named[composed] = index
        self._folded[folded(student)] = None if folded(student) in self._folded else index

    def _new_student(self, index: int, student: Student, sheet: str) -> None:
        self.roster.append(student.key)
        self.names.append(student.name)
        self.emails.append(student.email)
        self.sheets.append(sheet)
        self.own[index] = array("l")
        for other in filter(None, {student.name, student.email}):  # a name or e-mail two share matches neither
            composed = unicodedata.normalize("NFC", other)
            self._named[composed] = None if composed in self._named else index
        key = folded(student.name)
        self._folded[key] = None if key in self._folded else index


def read_assignments(text: str, issued: IssuedSet, source: str = "the assignments") -> None:
    """A CSV ``student,variant`` (in any order and case): who answered which variant's sheet. The set's
    variants are then graded as those students, and the scores carry their names."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    rows = csv.reader(io.StringIO(text), delimiter=max(DELIMITERS, key=first.count))
    header = [cell.strip().lower() for cell in next(rows, [])]
    if "student" not in header or "variant" not in header:
        raise UserError(f"{source} has no columns student and variant: its header must name both")
    student, variant = header.index("student"), header.index("variant")
    for row in rows:
        if any(cell.strip() for cell in row):
            where = f"{source} line {rows.line_num}"
            cells = [row[k].strip() if k < len(row) else "" for k in (student, variant)]
            check_name(cells[0], where)
            issued.assign(*cells, where)


def read_set(lines: Iterable[str], source: str = "the set", wanted: Iterable[str] = ()) -> IssuedSet:
    """The set as `generate -f jsonl` wrote it (a `-f json` array is read too), read line by line.

    Each line is checked (JSON, a problem ID, a plain name); `wanted` are the IDs the responses name.
    """
    issued, wanted = IssuedSet(), set(wanted)
    for where, record in _set_records(iter(lines), source):
        problem_id, student, sheet = _assigned(record, where)
        issued.add(problem_id, student, wanted, sheet)
    if not len(issued):
        raise UserError(f"{source} holds no problems: give the jsonl that `handgrad generate -f jsonl` wrote")
    return issued


def _json(text: str, where: str) -> Any:
    """One JSON value, or one line that says why not (nesting too deep and huge integers included)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"{where} is not JSON ({error.msg}): give the jsonl of the set") from None
    except (ValueError, RecursionError):  # over 4,300 digits; nested deeper than Python recurses
        raise UserError(f"{where} is not a problem record (too deep or too large): give the jsonl of the set") from None


def _set_records(lines: Iterator[str], source: str) -> Iterator[tuple[str, Any]]:
    """(where, record) pairs: ``SET line 3`` for JSONL, ``SET record 3`` for a JSON array."""
    first = True
    for line, content in enumerate(lines, 1):
        if not content.strip():
            continue
        if first and content.lstrip().startswith("["):  # a `-f json` array: as one document
            records = _json(content + "".join(lines), f"{source} (a JSON array from line {line})")
            if not isinstance(records, list):
                raise UserError(f"{source} line {line} is not the JSON of a set: give the jsonl of the set")
            yield from ((f"{source} record {number}", record) for number, record in enumerate(records, 1))
            return
        first = False
        yield f"{source} line {line}", _json(content, f"{source} line {line}")


def _assigned(record: Any, where: str) -> tuple[ProblemId, Student | None, str]:
    """A record's problem, the student it was issued to (None: everyone) and their sheet's fingerprint."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise UserError(f"{where} has no problem \"id\": give the jsonl that `handgrad generate -f jsonl` wrote")
    fields = {name: record.get(name) for name in ("student", "student_id", "email", "sheet")}
    for name, value in fields.items():
        if value is not None:
            if not isinstance(value, str):
                raise UserError(f"{where}: \"{name}\" must be text")
            check_name(value, where)
    student = None
    if fields["student"] is not None:
        student = Student(fields["student_id"] or fields["student"], fields["student"], fields["email"] or "")
    try:
        problem_id = ProblemId.parse(record["id"])
        get_kind(problem_id.kind)
    except UserError as error:
        raise UserError(f"{where}: {error}") from None
    return problem_id, student, fields["sheet"] or ""


@dataclass
class Note:
    """A response row reported to the teacher: skipped (unreadable), or a later answer that counts.
    Rows with the same note are counted on the first (`more`), not repeated."""

    line: int
    text: str
    more: int = 0


MAX_NOTES = 1000  # distinct notes kept to show; the rows past them are counted
LONG_ROW = "\0"  # a line too long to read, as the CSV reader gives it (console.LONG_LINE)


@dataclass
class Responses:
    """What the responses gave: the answers (on disk, see AnswerStore), the names met, and the notes."""

    answers: AnswerStore = field(default_factory=lambda: AnswerStore())  # (student, problem) -> answers
    students: dict[str, None] = field(default_factory=dict)  # every name met, in order (an ordered set)
    skipped: list[Note] = field(default_factory=list)  # each reason once, the rows it stands for counted
    replaced: list[Note] = field(default_factory=list)
    skipped_rows: int = 0
    replaced_rows: int = 0
    warning: str = ""  # about the file as a whole (timestamps that cannot be read)
    _reasons: dict[str, Note] = field(default_factory=dict)

    def skip(self, line: int, text: str) -> None:
        """A row not used: said once a reason, and counted."""
        self.skipped_rows += 1
        if text in self._reasons:
            self._reasons[text].more += 1
        elif len(self._reasons) < MAX_NOTES:
            self._reasons[text] = Note(line, text)
            self.skipped.append(self._reasons[text])

    def replace(self, line: int, text: str) -> None:
        self.replaced_rows += 1
        if len(self.replaced) < MAX_NOTES:
            self.replaced.append(Note(line, text))

    @property
    def unlisted(self) -> int:
        """Rows skipped or replaced beyond the notes kept."""
        listed = sum(1 + note.more for note in self.skipped) + len(self.replaced)
        return self.skipped_rows + self.replaced_rows - listed


class ResponseFile:
    """A responses CSV, read as a stream whenever asked (`lines` opens it afresh): once for the IDs it
    names (which the set's reader looks for), once for its rows. Rows ``student,id,gradient,answer``
    (columns in any order and case), separated by commas, semicolons or tabs (the header tells which), or
    a form's row per student; where the separator is not a comma, a comma between digits is a decimal comma."""

    def __init__(self, lines: Callable[[], Iterable[str]], source: str = "the responses") -> None:
        self.lines, self.source = lines, source
        self.timed = False  # whether the rows carry a timestamp

    def rows(self) -> Iterator[tuple[int, dict[str, str] | Note]]:
        """(line, cells) for each answer; (line, Note) for a row that is not CSV or too long."""
        lines = iter(self.lines())
        first = next(lines, None)
        delimiter = max(DELIMITERS, key=(first or "").count)
        reader = csv.reader(itertools.chain([first] if first is not None else [], lines), delimiter=delimiter)
        layout = Layout.of(_first_row(reader, self.source), self.source)
        self.timed = "timestamp" in layout.columns
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield reader.line_num, Note(reader.line_num, f"not CSV ({error})")
                continue
            if row == [LONG_ROW]:  # the reader's mark of a line too long to read
                yield reader.line_num, Note(reader.line_num, "longer than a row can be")
            elif any(cell.strip() for cell in row):
                for cells in layout.rows(row):
                    if delimiter != ",":
                        cells["answer"] = DECIMAL_COMMA.sub(".", cells["answer"])
                    yield reader.line_num, cells

    def ids(self) -> set[str]:
        """The problem IDs the rows name (numbers on a sheet aside)."""
        return {cells["id"] for _, cells in self.rows()
                if isinstance(cells, dict) and not (cells["id"].isdecimal() and cells["id"].isascii())}


WIDE_COLUMN = re.compile(r"^\s*(\S+?)[.:]?\s+(d\w+)\s*$")  # "3 dlogits", "softmax-ce-m42 dz": a wide layout's answer


@dataclass(frozen=True)
class Layout:
    """Where a responses file keeps its cells: a row per answer (``student,id,gradient,answer``), or a row
    per student with a column per ``problem gradient`` (a form's export)."""

    columns: dict[str, int]  # student (and id, gradient, answer for a row per answer), optional columns
    answers: tuple[tuple[int, str, str], ...] = ()  # wide: (column, problem, gradient)

    @classmethod
    def of(cls, header: list[str] | None, source: str) -> Layout:
        if header is None:
            raise UserError(f"{source} is empty: its first line must be the header {','.join(RESPONSE_COLUMNS)}")
        names = [cell.strip().lower() for cell in header]
        wide = tuple((index, match[1], match[2]) for index, cell in enumerate(header)
                     if (match := WIDE_COLUMN.match(cell)) and names[index] not in RESPONSE_COLUMNS)
        if "student" in names and "gradient" not in names and "answer" not in names and wide:
            return cls({name: names.index(name) for name in ("student", *OPTIONAL_COLUMNS) if name in names}, wide)
        return cls(_columns(header, source))

    def rows(self, row: list[str]) -> list[dict[str, str]]:
        """A CSV row's answers as cells ``student, id, gradient, answer`` (and the optional columns)."""
        cells = {column: row[index].strip() if index < len(row) else "" for column, index in self.columns.items()}
        if not self.answers:
            return [cells]
        return [cells | {"id": problem, "gradient": gradient, "answer": row[index].strip()}
                for index, problem, gradient in self.answers if index < len(row) and row[index].strip()]


def _moment(text: str):
    """A timestamp as spreadsheets and forms write it (``2026-12-01 14:05``, ``2026/12/01 14:05:00 GMT+1``),
    as a UTC time; None when it is not one."""
    from datetime import datetime, timezone

    bare = re.sub(r"\s*(?:GMT|UTC)\s*$", "", text.strip()).replace("/", "-")
    bare = re.sub(r"\s*(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?$",
                  lambda m: f"{m[1]}{int(m[2]):02d}:{m[3] or '00'}", bare)
    try:
        moment = datetime.fromisoformat(bare)
    except ValueError:
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _first_row(reader, source: str) -> list[str] | None:
    try:
        return next(reader, None)
    except csv.Error as error:
        raise UserError(f"{source} line 1 is not CSV: {error}") from None


def _columns(header: list[str] | None, source: str) -> dict[str, int]:
    if header is None:
        raise UserError(f"{source} is empty: its first line must be the header {','.join(RESPONSE_COLUMNS)}")
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in RESPONSE_COLUMNS if column not in names]
    if missing:
        raise UserError(
            f"{source} has no column {', '.join(missing)}: its header must name {','.join(RESPONSE_COLUMNS)}"
        )
    return {column: names.index(column) for column in (*RESPONSE_COLUMNS, *OPTIONAL_COLUMNS) if column in names}


def read_responses(response_file: ResponseFile, issued: IssuedSet) -> Responses:
    """Each row's answer read against the set, as the file streams by (in time order when the rows carry a
    timestamp); a row that cannot be used is noted with its line and skipped (rows skipped for the same
    reason, such as a student the set does not know, are counted on one note)."""
    responses = Responses()
    rows = response_file.rows()
    first = next(rows, None)  # the header is read: `timed` says whether the rows carry a timestamp
    rows = itertools.chain([first] if first is not None else [], rows)
    if response_file.timed:
        rows = responses.answers.in_time_order(_timed(rows, responses))
    built = Built()
    while chunk := list(itertools.islice(rows, SOLVED_TOGETHER)):
        built.prime(_answered(chunk, issued))  # the chunk's problems built in one batch
        for line, cells in chunk:
            if isinstance(cells, Note):
                responses.skip(line, cells.text)
            else:
                _take(line, cells, issued, responses, built)
    return responses


def _answered(rows: list[tuple[int, dict[str, str] | Note]], issued: IssuedSet) -> Iterator[ProblemId]:
    """The problems rows answer, where they name one of the set."""
    for _, cells in rows:
        if isinstance(cells, dict):
            try:
                yield issued.problem_id(_problem(issued.spelling(unicodedata.normalize("NFC", cells["student"])),
                                                 cells["id"], issued))
            except UserError:
                continue


def _timed(rows: Iterable[tuple[int, dict[str, str] | Note]], responses: Responses):
    """(line, moment, cells) for the time-ordering store; a timestamp that cannot be read is warned of once
    (the file's order is kept then), and rows that are not CSV are noted at once."""
    for line, cells in rows:
        if isinstance(cells, Note):
            responses.skip(line, cells.text)
            continue
        moment = _moment(cells["timestamp"])
        if moment is None and not responses.warning:
            responses.warning = (f"line {line}: the timestamp {shown(cells['timestamp'][:40])} cannot be read "
                                 "(write it as 2026-12-01 14:05:00): a later row in the file counts over an "
                                 "earlier one")
        yield line, None if moment is None else moment.timestamp(), cells


def _take(line: int, cells: dict[str, str], issued: IssuedSet, responses: Responses, built: Built) -> None:
    student, gradient = issued.spelling(unicodedata.normalize("NFC", cells["student"])), cells["gradient"]
    try:
        if student:
            check_name(student, f"student {shown(student)}")  # as a set's names are: this one is shown too
            responses.students[student] = None
        _check_sheet(student, cells.get("sheet", ""), issued)
        problem, value = _answer(student, cells, issued, built)
    except UserError as error:
        responses.skip(line, str(error))
        return
    if responses.answers.put(student, problem, gradient, value):
        what = f"{shown(gradient)} of {issued.problem_id(problem)}"
        responses.replace(line, f"a second answer from {shown(issued.display(student))} to {what}: it counts")


def _check_sheet(student: str, fingerprint: str, issued: IssuedSet) -> None:
    """A row that gives the sheet's fingerprint must give the student's own: a sheet answered under another
    student's name is reported, not graded."""
    index = issued.student_index(student)
    if not fingerprint or index is None or not issued.sheets[index]:
        return
    if fingerprint.upper() != issued.sheets[index]:
        owner = next((i for i, mark in enumerate(issued.sheets) if mark == fingerprint.upper()), None)
        whose = f"{issued.label(owner)}'s" if owner is not None else "no sheet of the set"
        raise UserError(f"sheet {shown(fingerprint)} is {whose}, not {issued.label(index)}'s: check who answered it")


def _problem(student: str, reference: str, issued: IssuedSet) -> int:
    """The problem a row names: its ID, or its number on the student's sheet (as students' sheets show)."""
    if not issued.shared and issued.student_index(student) is None:
        raise UserError(f"{shown(student)} is not a student of the set{issued.did_you_mean(student)}")
    if reference.isdecimal() and reference.isascii():
        sheet = issued.sheet(student)
        if len(reference) > MAX_NUMBER_DIGITS or not 1 <= int(reference) <= len(sheet):
            number = int(reference[:MAX_NUMBER_DIGITS + 1])
            raise UserError(f"{shown(issued.display(student))}'s sheet has no problem {number}"
                            f"{'…' if len(reference) > MAX_NUMBER_DIGITS else ''}: it has 1 to {len(sheet)}")
        return sheet[int(reference) - 1]
    i = issued.where.get(reference)
    if i is None:
        raise UserError(f"{shown(reference) if reference else 'an empty id'} is not a problem of the set")
    owner = issued.student_of[i]
    if owner not in (SHARED, issued.student_index(student)):
        raise UserError(f"{issued.problem_id(i)} was issued to {issued.label(owner)}, "
                        f"not to {shown(issued.display(student))}")
    return i


def _answer(student: str, cells: dict[str, str], issued: IssuedSet, built: Built) -> tuple[int, Any]:
    from handgrad_cli.answers import read_values

    if not student:
        raise UserError("no student named")
    i = _problem(student, cells["id"], issued)
    problem = built(issued.problem_id(i))
    gradient = cells["gradient"]
    if gradient not in problem.answers:
        raise UserError(f"{problem.label} does not ask {shown(gradient)}: it asks {', '.join(problem.asked)}")
    return i, read_values(cells["answer"], problem.answers[gradient].shape, gradient)


class Built:
    """The problems rows answer, built a batch at a time ahead of the rows (`prime`) and kept for the next
    rows, which usually answer the same problems; the oldest forgotten first."""

    KEPT = SOLVED_TOGETHER  # a chunk of rows answers at most this many problems

    def __init__(self) -> None:
        self.known: dict[ProblemId, Problem] = {}

    def prime(self, problem_ids: Iterable[ProblemId]) -> None:
        wanted = list(dict.fromkeys(problem_id for problem_id in problem_ids if problem_id not in self.known))
        for problem_id, problem in zip(wanted, build_many(wanted)):
            self.keep(problem_id, problem)

    def keep(self, problem_id: ProblemId, problem: Problem) -> None:
        if len(self.known) >= self.KEPT:
            del self.known[next(iter(self.known))]
        self.known[problem_id] = problem

    def __call__(self, problem_id: ProblemId) -> Problem:
        if problem_id not in self.known:
            self.keep(problem_id, build(problem_id))
        return self.known[problem_id]


@dataclass(frozen=True)
class ProblemScore:
    student: str  # the name printed
    number: int  # its place on the student's sheet, from 1
    problem: Problem
    grades: tuple[Grade, ...]
    carry_credit: float = CARRY_FORWARD_CREDIT[DEFAULT_CARRY_FORWARD]
    key: str = ""  # the student's key in the set (their id, or their name)

    @property
    def asked(self) -> int:
        return len(self.grades)

    @property
    def answered(self) -> int:
        return sum(grade.given for grade in self.grades)

    @property
    def correct(self) -> int:
        return sum(grade.correct for grade in self.grades)

    @property
    def carried(self) -> tuple[Grade, ...]:
        """The wrong answers that follow correctly from the student's own wrong earlier ones."""
        return tuple(grade for grade in self.grades if grade.carried_forward)

    @property
    def carried_points(self) -> float:
        """What the carried-forward answers add to the score, at `carry_credit` a gradient."""
        return self.carry_credit * len(self.carried) / self.asked

    @property
    def score(self) -> float:
        """The share of its gradients answered right, with carried-forward ones at their credit:
        each problem is worth one point."""
        return self.correct / self.asked + self.carried_points


def graded_students(issued: IssuedSet, responses: Responses) -> list[str]:
    """Every student of the set; with a shared set, everyone who answered too."""
    if not issued.shared:
        return list(issued.roster)
    return list(dict.fromkeys([*issued.roster, *responses.students]))


def grade_class(issued: IssuedSet, responses: Responses, tolerance: Tolerance = Tolerance(),
                carry_credit: float = CARRY_FORWARD_CREDIT[DEFAULT_CARRY_FORWARD]) -> Iterator[list[ProblemScore]]:
    """Each student's sheet graded, student by student (nothing of a student kept after it is yielded);
    a problem or gradient without an answer scores nothing, and one carried forward `carry_credit`.
    The problems issued to everyone are built once, not once a student."""
    shared = dict(zip(issued.shared_problems, build_many(map(issued.problem_id, issued.shared_problems))))
    graded = GradedAnswers(tolerance)
    for block in _blocks(issued, graded_students(issued, responses), set(shared)):
        built_now = dict(zip(block.own, build_many(map(issued.problem_id, block.own))))
        for student, sheet in block.sheets:
            problems = shared | {i: built_now[i] for i in sheet if i in built_now}
            yield [
                ProblemScore(issued.display(student), number, problems[i],
                             graded(i, problems[i], responses.answers.get((student, i), {})), carry_credit, student)
                for number, i in enumerate(sheet, 1)
            ]


class _Block(NamedTuple):
    sheets: list[tuple[str, list[int]]]  # (student, their sheet's problems)
    own: list[int]  # the problems issued to them alone, built together


def _blocks(issued: IssuedSet, students: Iterable[str], shared: set[int]) -> Iterator[_Block]:
    """Students in blocks whose own problems are built in one batch (SOLVED_TOGETHER), not a few at a time."""
    block = _Block([], [])
    for student in students:
        sheet = issued.sheet(student)
        block.sheets.append((student, sheet))
        block.own.extend(i for i in sheet if i not in shared)
        if len(block.own) >= SOLVED_TOGETHER:
            yield block
            block = _Block([], [])
    if block.sheets:
        yield block


class GradedAnswers:
    """Grades of a problem's answers, worked out once for each distinct set of answers: in a class sharing
    a set, the same slips come back from many students, and diagnosing one costs dozens of backward passes."""

    KEPT = 512  # distinct answer sets remembered, the oldest forgotten first (each keeps its problem's batch)

    def __init__(self, tolerance: Tolerance) -> None:
        self.tolerance, self.known = tolerance, {}

    def __call__(self, i: int, problem: Problem, answers: dict[str, Any]) -> tuple[Grade, ...]:
        import numpy as np

        key = (i, tuple((name, np.shape(value), np.asarray(value, dtype=float).tobytes())
                        for name, value in sorted(answers.items())))
        grades = self.known.get(key)
        if grades is None:
            if len(self.known) >= self.KEPT:
                del self.known[next(iter(self.known))]
            grades = self.known[key] = tuple(grade_all(problem, answers, self.tolerance))
        return grades


@dataclass
class ProblemTally:
    """One problem number across the class: how many missed it, out of how many, their mean score."""

    label: str
    kinds: set[str]
    missed: int = 0
    total: int = 0
    points: float = 0.0


@dataclass
class ClassTally:
    """What the summary needs, counted as the scores pass: memory grows with the sheet, not the class."""

    students: int = 0
    problems: int = 0
    shares: list[float] = field(default_factory=list)  # each student's share of their points, in [0, 1]
    by_number: dict[int, ProblemTally] = field(default_factory=dict)
    mistakes: Counter = field(default_factory=Counter)
    described: dict[str, str] = field(default_factory=dict)

    def add(self, scores: list[ProblemScore]) -> None:
        self.students += 1
        self.problems += len(scores)
        self.shares.append(sum(score.score for score in scores) / len(scores) if scores else 0.0)
        for score in scores:
            tally = self.by_number.setdefault(score.number, ProblemTally(score.problem.label, set()))
            if tally.label != score.problem.label:
                tally.label = ""  # students had different problems under this number: name their kinds
            tally.kinds.add(score.problem.kind)
            tally.missed += score.score < 1
            tally.total += 1
            tally.points += score.score
            for grade in score.grades:
                if grade.mistake:
                    name = f"{score.problem.kind} {grade.gradient}:{grade.mistake.slug}"
                    self.mistakes[name] += 1
                    self.described.setdefault(name, grade.mistake.description)
