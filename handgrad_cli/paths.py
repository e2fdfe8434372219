"""Where a learner's data lives: `HANDGRAD_HOME` if set, else the platform's user data directory.

Linux and other Unixes follow XDG (`$XDG_DATA_HOME/handgrad`, else `~/.local/share/handgrad`),
macOS uses `~/Library/Application Support/handgrad`, Windows `%APPDATA%\\handgrad`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from handgrad_cli.errors import UserError, shown_path

APP = "handgrad"
HISTORY_FILE = "history.sqlite3"


def data_dir(env: Mapping[str, str] | None = None, platform: str | None = None, home: Path | None = None) -> Path:
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if env.get("HANDGRAD_HOME"):
        return Path(env["HANDGRAD_HOME"]).expanduser()
    if platform == "darwin":
        return home / "Library" / "Application Support" / APP
    if platform.startswith("win"):
        base = env.get("APPDATA")
        return Path(base) / APP if base else home / "AppData" / "Roaming" / APP
    base = env.get("XDG_DATA_HOME")
    if base and Path(base).is_absolute():  # XDG: a relative path is invalid and ignored
        return Path(base) / APP
    return home / ".local" / "share" / APP


def history_path(env: Mapping[str, str] | None = None) -> Path:
    folder = data_dir(env)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{shown_path(folder)} is a file, not a folder: point HANDGRAD_HOME at a folder, or drill with --no-history")
    return folder / HISTORY_FILE
