"""Odd places for the history: a FIFO, a device, a folder, dangling and looping links, a folder that cannot
be searched, no home at all, a file-size limit, and who may read a new history. Each is one line and exit 2
(the permissions: a quiet default and a note), and nothing is created beside a device."""

from __future__ import annotations

import os
import pwd
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.history import open_history, read_attempts
from history_files import listing
from progress_helpers import day, make_attempt

runner = CliRunner()
COMMANDS = [["stats"], ["history"], ["cards", "--list"], ["drill", "softmax-ce", "-n", "1", "--seed", "5"]]
TAIL = "set HANDGRAD_HOME to another folder, or drill with --no-history"


@pytest.fixture
def deadline():
    """A command that waits forever (opening a FIFO with no writer) fails the test instead of hanging it."""
    def expired(signum, frame):
        raise TimeoutError("still waiting after 20 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def run(command: list[str], home: Path):
    return runner.invoke(app, command, input="skip\n", env={"HANDGRAD_HOME": str(home), "COLUMNS": "200"})


def one_line(result, expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr == f"handgrad: {expected}\n"
    assert "Traceback" not in result.output


def _dangling(db: Path) -> str:
    db.symlink_to(db.parent / "gone" / db.name)
    return f"{db} is a link to {db.parent / 'gone' / db.name}, which does not exist: remove the link, or {TAIL}"


def _loop(db: Path) -> str:
    db.symlink_to(db.parent / "other")
    (db.parent / "other").symlink_to(db)
    return f"{db} is a link that leads back to itself (a loop): remove the link, or {TAIL}"


def _not_a_file(make, what: str):
    def made(db: Path) -> str:
        make(db)
        return f"{db} is {what}, not a file: handgrad keeps its history in a file of that name: move it elsewhere, or {TAIL}"

    return made


IN_ITS_PLACE = {  # what stands where the history should be, made at a path; the line that names it
    "a FIFO (opening it would wait forever)": _not_a_file(os.mkfifo, "a FIFO (named pipe)"),
    "a folder": _not_a_file(Path.mkdir, "a folder"),
    "a dangling link": _dangling,
    "a link loop": _loop,
}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("make", IN_ITS_PLACE.values(), ids=IN_ITS_PLACE.keys())
def test_what_stands_in_the_historys_place_is_named_in_one_line(tmp_path, make, command, deadline):
    expected = make(tmp_path / "history.sqlite3")
    made = listing(tmp_path)
    one_line(run(command, tmp_path), expected)
    assert listing(tmp_path) == made  # nothing created beside it


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_link_to_a_device_is_named_and_nothing_is_made_beside_the_device(tmp_path, command):
    db = tmp_path / "history.sqlite3"
    db.symlink_to(os.devnull)
    devices = listing(Path(os.devnull).parent)
    one_line(run(command, tmp_path), f"{db} (a link to {os.devnull}) is a character device, not a file: handgrad "
                                     f"keeps its history in a file of that name: move it elsewhere, or {TAIL}")
    assert listing(Path(os.devnull).parent) == devices  # no null-journal, -wal or -shm in /dev
    assert listing(tmp_path) == ["history.sqlite3"]


def test_a_link_to_a_history_elsewhere_is_used(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    with open_history(elsewhere / "history.sqlite3") as history:
        history.record(make_attempt(day(0)))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "history.sqlite3").symlink_to(elsewhere / "history.sqlite3")
    assert len(read_attempts(tmp_path / "home" / "history.sqlite3")) == 1


def _without_read_search(command: list[str], home: Path) -> subprocess.CompletedProcess:
    """handgrad run as root without the capabilities that let root search any folder (`setpriv`), so a
    folder's permissions apply to it as to anyone."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    env = {**os.environ, "HANDGRAD_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([*prefix, sys.executable, "-m", "handgrad_cli", *command], input="skip\n",
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("command", [["stats"], COMMANDS[-1]], ids=" ".join)
def test_a_data_folder_whose_parent_cannot_be_searched_is_one_line(tmp_path, command):
    locked = tmp_path / "locked"
    (locked / "handgrad").mkdir(parents=True)
    locked.chmod(0)
    try:
        done = _without_read_search(command, locked / "handgrad")
    finally:
        locked.chmod(0o700)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"handgrad: no permission to look into {locked / 'handgrad'} (or a folder above it): "
                           f"check the folders' permissions, or {TAIL}\n")
    assert listing(locked / "handgrad") == []


def _uid_without_passwd_entry() -> int:
    for uid in range(4242, 5242):
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    pytest.skip("every uid tried has a passwd entry")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_home_and_no_passwd_entry_is_one_line(monkeypatch, command):
    uid = _uid_without_passwd_entry()
    for name in ("HOME", "HANDGRAD_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "getuid", lambda: uid)  # as `docker run -u 4242` with `env -i`
    result = runner.invoke(app, command, input="skip\n", env={"COLUMNS": "200"})
    one_line(result, f"cannot tell where your home folder is (HOME is not set and user id {uid} has no entry in the "
                     "passwd file): set HANDGRAD_HOME to a folder for handgrad's data")


def test_handgrad_home_needs_no_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(os, "getuid", _uid_without_passwd_entry)
    result = runner.invoke(app, ["stats"], env={"HANDGRAD_HOME": str(tmp_path)})
    assert result.exit_code == 0 and "No practice recorded yet" in result.stdout


def test_the_file_size_limit_is_named_not_blamed_on_the_disk(tmp_path):
    db = tmp_path / "history.sqlite3"
    with open_history(db) as history:
        history.record(make_attempt(day(0)))
    limit = 8192  # the file is only read; its -wal cannot take a try's pages
    done = subprocess.run([sys.executable, "-m", "handgrad_cli", *COMMANDS[-1]], input="skip\n",
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "HANDGRAD_HOME": str(tmp_path), "COLUMNS": "200"},
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"handgrad: cannot write {db}: it would pass the file-size limit (`ulimit -f`, "
                           f"{limit:,} bytes); the history is intact: raise the limit (ulimit -f unlimited), "
                           "or drill with --no-history\n")
    assert len(read_attempts(db)) == 1


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_history_and_its_folder_are_the_learners_alone(tmp_path):
    previous = os.umask(0o022)
    try:
        db = tmp_path / "data" / "handgrad" / "history.sqlite3"
        with open_history(db) as history:
            history.record(make_attempt(day(0)))
            assert {name: _mode(db.parent / name) for name in listing(db.parent)} == {
                "history.sqlite3": 0o600, "history.sqlite3-shm": 0o600, "history.sqlite3-wal": 0o600}
        assert _mode(db.parent) == 0o700 and _mode(db) == 0o600
        assert _mode(tmp_path / "data") == 0o755  # folders above it are as the umask makes them
    finally:
        os.umask(previous)


def test_an_existing_history_others_can_read_is_left_as_it_is_with_one_note_in_stats(tmp_path):
    db = tmp_path / "history.sqlite3"
    with open_history(db) as history:
        history.record(make_attempt(day(0)))
    tmp_path.chmod(0o755)
    db.chmod(0o644)
    with open_history(db) as history:
        history.record(make_attempt(day(1)))
    assert _mode(db) == 0o644 and _mode(tmp_path) == 0o755
    result = runner.invoke(app, ["stats"], env={"HANDGRAD_HOME": str(tmp_path), "COLUMNS": "200"})
    assert result.exit_code == 0
    assert result.stderr == (f"handgrad: note: other users can read {db} (mode 644): `chmod 600 {db}` keeps it "
                             "yours\n")
    db.chmod(0o600)
    assert runner.invoke(app, ["stats"], env={"HANDGRAD_HOME": str(tmp_path)}).stderr == ""


def test_the_move_aside_command_shows_a_path_with_escape_sequences_as_escapes_a_shell_reads_back(tmp_path):
    home = tmp_path / "evil\x1b]0;pwned\x07\x1b[2J'home"
    home.mkdir()
    db = home / "history.sqlite3"
    db.write_text("not a database\n" * 300)
    result = run(["stats"], home)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    command = result.stderr.split("(mv ", 1)[1].split(") or drill", 1)[0]
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    words = subprocess.run(["bash", "-c", f"printf '%s\\0' {command}"], capture_output=True, text=True).stdout
    assert words.split("\0")[:2] == [str(db), f"{db}.bak"]
