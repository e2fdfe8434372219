"""Several handgrad processes opening one history at the same instant: a new file, and an older one being
migrated while others read it. However the openers interleave, a healthy file is never called damaged."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from handgrad_cli.history import SCHEMA_VERSION, HistoryError, open_history, read_history
from history_files import V2_SCRIPT, make_file

# 50 rounds of each race in `make test-deep`; a few in the default run keep it to a few seconds
ROUNDS = 50 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 4
_fork = multiprocessing.get_context("fork")


def _open_and_close(path: str, start) -> str | None:
    start.wait()
    try:
        open_history(Path(path)).close()
    except HistoryError as error:
        return str(error)
    return None


def _read(path: str, start) -> str | None:
    start.wait()
    try:
        read_history(Path(path), warn=lambda line: None)
    except HistoryError as error:
        return str(error)
    return None


def _race(jobs: list[tuple], processes: int) -> list[str]:
    """Every job started at the same instant (a barrier), each in its own process; the errors they met."""
    with _fork.Manager() as manager:
        start = manager.Barrier(len(jobs))
        with _fork.Pool(processes) as pool:
            results = [pool.apply_async(job, (*args, start)) for job, *args in jobs]
            return [error for result in results if (error := result.get(timeout=60))]


def _version(path: Path) -> int:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA user_version").fetchone()[0]
    finally:
        connection.close()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_eight_first_opens_at_once_never_call_the_new_file_damaged(tmp_path, round_):
    db = tmp_path / "history.sqlite3"
    errors = _race([(_open_and_close, str(db))] * 8, 8)
    assert errors == []
    assert _version(db) == SCHEMA_VERSION


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_six_migrations_and_two_readers_of_an_older_file_never_call_it_damaged(tmp_path, round_):
    db = make_file(tmp_path / "history.sqlite3", V2_SCRIPT)
    errors = _race([(_open_and_close, str(db))] * 6 + [(_read, str(db))] * 2, 8)
    assert errors == []
    assert _version(db) == SCHEMA_VERSION
    attempts, reviews = read_history(db)
    assert len(attempts) == 4 and len(reviews) == 1


def test_a_file_is_called_damaged_only_after_a_second_look(tmp_path, monkeypatch):
    """A reader that takes no locks can catch another opener's half-written page: one more look, a moment
    later, decides (and a file still damaged then is said to be)."""
    from handgrad_cli import history

    monkeypatch.setattr(history, "SECOND_LOOK_SECONDS", 0)
    looks = []

    def damaged_once() -> str:
        looks.append(1)
        if len(looks) == 1:
            raise history.unreadable(tmp_path / "history.sqlite3")
        return "read"

    assert history._looked_at_twice(damaged_once) == "read" and len(looks) == 2
    with pytest.raises(history.DamagedHistory):
        history._looked_at_twice(lambda: (_ for _ in ()).throw(history.unreadable(tmp_path / "h.sqlite3")))
