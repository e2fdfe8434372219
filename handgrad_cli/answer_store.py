"""A class's answers kept on disk while it is graded, so memory stays flat however large the responses.

Responses come in any order (a form's export is by time, not by student), and grading goes student by
student: the answers wait in a private temporary SQLite file (deleted when closed), read back one student
at a time. Rows that carry a timestamp wait there too, to be taken in time order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

STAGED = ("line", "student", "id", "gradient", "answer", "sheet")  # a row's cells, while it waits for its turn


class AnswerStore:
    """(student, problem) -> {gradient: values}, on disk; `get` reads a student's answers once, then serves
    their problems from memory."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "": a temporary file of SQLite's own, not held in memory
        self.db.execute("CREATE TABLE answers (student TEXT, problem INTEGER, gradient TEXT, shape TEXT, value BLOB,"
                        " PRIMARY KEY (student, problem, gradient))")
        self._student: str | None = None
        self._theirs: dict[int, dict[str, Any]] = {}

    def put(self, student: str, problem: int, gradient: str, value: Any) -> bool:
        """Keep an answer (a later one replaces the earlier); returns whether it replaced one."""
        array = np.asarray(value, dtype=float)
        row = (",".join(map(str, array.shape)), array.tobytes(), student, problem, gradient)
        replaced = self.db.execute("UPDATE answers SET shape = ?, value = ? WHERE student = ? AND problem = ? "
                                   "AND gradient = ?", row).rowcount > 0
        if not replaced:
            self.db.execute("INSERT INTO answers (shape, value, student, problem, gradient) "
                            "VALUES (?, ?, ?, ?, ?)", row)
        self._student = None  # what `get` holds may be out of date
        return replaced

    def get(self, key: tuple[str, int], default: Any = None) -> Any:
        student, problem = key
        if student != self._student:
            self._student, self._theirs = student, {}
            for number, gradient, shape, value in self.db.execute(
                    "SELECT problem, gradient, shape, value FROM answers WHERE student = ?", (student,)):
                dims = tuple(int(size) for size in shape.split(",") if size)
                self._theirs.setdefault(number, {})[gradient] = np.frombuffer(value).reshape(dims)
        return self._theirs.get(problem, default)

    def in_time_order(self, rows: Iterable[tuple[int, float | None, dict[str, str]]]
                      ) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, moment, cells) rows back as (line, cells), the earliest moment first (ties in file order);
        all in file order when a moment is None (a timestamp that could not be read)."""
        self.db.execute("CREATE TEMP TABLE staged (moment REAL, seq INTEGER, line INTEGER, student TEXT, id TEXT, "
                        "gradient TEXT, answer TEXT, sheet TEXT)")
        self.db.executemany("INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
            (moment, seq, line, *(cells.get(name, "") for name in STAGED[1:]))
            for seq, (line, moment, cells) in enumerate(rows)))
        unread = self.db.execute("SELECT count(*) FROM staged WHERE moment IS NULL").fetchone()[0]
        order = "seq" if unread else "moment, seq"
        query = f"SELECT line, student, id, gradient, answer, sheet FROM staged ORDER BY {order}"
        for line, *cells in self._rows(query):
            yield line, dict(zip(STAGED[1:], cells))

    def _rows(self, query: str) -> Iterator[tuple]:
        """A query's rows a batch at a time, on a cursor of their own (the answers go in meanwhile)."""
        cursor = self.db.cursor().execute(query)
        while batch := cursor.fetchmany(1024):
            yield from batch

    def close(self) -> None:
        self.db.close()
