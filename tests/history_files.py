"""History files of every shape for the tests: older schemas, other programs' files, mounts."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

V1_ATTEMPTS = """CREATE TABLE attempts (id INTEGER PRIMARY KEY, answered_at TEXT NOT NULL, problem_id TEXT NOT NULL,
    kind TEXT NOT NULL, difficulty TEXT NOT NULL, gradient TEXT NOT NULL, correct INTEGER NOT NULL,
    mistake TEXT, hints_used INTEGER NOT NULL, seconds REAL NOT NULL)"""

# A version-2 file as handgrad wrote it before tries were kept: right, wrong, revealed, and a skip (kept as wrong)
V2_SCRIPT = f"""
    {V1_ATTEMPTS};
    ALTER TABLE attempts ADD COLUMN session TEXT NOT NULL DEFAULT '';
    CREATE INDEX attempts_by_level ON attempts (kind, difficulty, answered_at);
    CREATE TABLE card_reviews (id INTEGER PRIMARY KEY, reviewed_at TEXT NOT NULL, card_id TEXT NOT NULL,
        deck TEXT NOT NULL, grade TEXT NOT NULL CHECK (grade IN ('again', 'good', 'easy')));
    INSERT INTO attempts VALUES (1, '2026-11-01T10:00:00Z', 'softmax-ce-m1', 'softmax-ce', 'medium', 'dlogits', 1,
        NULL, 0, 20.0, 's1');
    INSERT INTO attempts VALUES (2, '2026-11-01T10:01:00Z', 'softmax-ce-m2', 'softmax-ce', 'medium', 'dlogits', 0,
        'sign-flipped', 1, 30.5, 's1');
    INSERT INTO attempts VALUES (3, '2026-11-01T10:02:00Z', 'softmax-ce-m3', 'softmax-ce', 'medium', 'dlogits', 0,
        NULL, 3, 40.0, 's1');
    INSERT INTO attempts VALUES (4, '2026-11-01T10:03:00Z', 'softmax-ce-m4', 'softmax-ce', 'medium', 'dlogits', 0,
        NULL, 0, 1.0, 's1');
    INSERT INTO card_reviews VALUES (1, '2026-11-01T11:00:00Z', 'micrograd/tanh', 'micrograd', 'good');
    PRAGMA user_version = 2;
"""
V2_STATUSES = ["right", "wrong", "revealed", "wrong"]


def make_file(path: Path, script: str, wal: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    if wal:
        connection.execute("PRAGMA journal_mode = WAL")
    connection.executescript(script)
    connection.close()
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@contextmanager
def tmpfs(folder: Path, size: str = "64k") -> Iterator[Path]:
    """A small tmpfs at `folder`; the test is skipped, with the reason, where one cannot be mounted."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir(parents=True, exist_ok=True)
    done = _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def remount_read_only(folder: Path) -> None:
    done = _mount("-o", "remount,ro", str(folder))
    if done.returncode:
        pytest.skip(f"cannot remount the tmpfs read-only: {done.stderr.strip()}")
