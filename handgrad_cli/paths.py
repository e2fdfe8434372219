"""Where a learner's data lives: `HANDGRAD_HOME` if set, else the platform's user data directory.

Linux and other Unixes follow XDG (`$XDG_DATA_HOME/handgrad`, else `~/.local/share/handgrad`),
macOS uses `~/Library/Application Support/handgrad`, Windows `%APPDATA%\\handgrad`.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from handgrad_cli.errors import UserError, shell_word, shown_path

APP = "handgrad"
HISTORY_FILE = "history.sqlite3"
ELSEWHERE = "set HANDGRAD_HOME to another folder, or drill with --no-history"


def data_dir(env: Mapping[str, str] | None = None, platform: str | None = None, home: Path | None = None) -> Path:
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if env.get("HANDGRAD_HOME"):
        return Path(env["HANDGRAD_HOME"]).expanduser()
    if platform == "darwin":
        return (home or _home()) / "Library" / "Application Support" / APP
    if platform.startswith("win"):
        base = env.get("APPDATA")
        return Path(base) / APP if base else (home or _home()) / "AppData" / "Roaming" / APP
    base = env.get("XDG_DATA_HOME")
    if base and Path(base).is_absolute():  # XDG: a relative path is invalid and ignored
        return Path(base) / APP
    return (home or _home()) / ".local" / "share" / APP


def _home() -> Path:
    """The user's home folder; a container's user with no HOME and no passwd entry has none."""
    try:
        return Path.home()
    except (RuntimeError, KeyError, OSError):
        raise UserError(f"cannot tell where your home folder is (HOME is not set and user id {os.getuid()} has no "
                        "entry in the passwd file): set HANDGRAD_HOME to a folder for handgrad's data") from None


def history_path(env: Mapping[str, str] | None = None) -> Path:
    path = data_dir(env) / HISTORY_FILE
    history_file_exists(path)  # a FIFO, a device, a dangling link or a folder that cannot be searched stops here
    return path


def history_file_exists(path: Path) -> bool:
    """Whether the history file is there, looked at with `stat` before anything opens it: True for a regular
    file (or a link to one), False where nothing is yet; anything else is one line that names it (opening a
    FIFO would wait forever, SQLite would make its journal beside a device)."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UserError(f"{shown_path(path)} is a link to {shown_path(os.readlink(path))}, which does not exist: "
                            f"remove the link, or {ELSEWHERE}") from None
        return False
    except NotADirectoryError:
        folder = next(parent for parent in path.parents if parent.exists() and not parent.is_dir())
        raise UserError(f"{shown_path(folder)} is a file, not a folder: point HANDGRAD_HOME at a folder, "
                        "or drill with --no-history") from None
    except PermissionError:
        raise UserError(f"no permission to look into {shown_path(path.parent)} (or a folder above it): "
                        f"check the folders' permissions, or {ELSEWHERE}") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UserError(f"{shown_path(path)} is a link that leads back to itself (a loop): remove the link, "
                            f"or {ELSEWHERE}") from None
        raise UserError(f"cannot look at {shown_path(path)}: {error.strerror or error}: {ELSEWHERE}") from None
    if stat.S_ISREG(found.st_mode):
        return True
    link = f" (a link to {shown_path(os.readlink(path))})" if os.path.islink(path) else ""
    raise UserError(f"{shown_path(path)}{link} is {_file_type(found.st_mode)}, not a file: handgrad keeps its history "
                    f"in a file of that name: move it elsewhere, or {ELSEWHERE}")


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def readable_by_others(path: Path) -> str | None:
    """A note when others may read the history (a file made before handgrad made it the learner's alone)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None
    if not mode & 0o044:
        return None
    return f"other users can read {shown_path(path)} (mode {mode:o}): `chmod 600 {shell_word(path)}` keeps it yours"
