"""Long output through a pager, as git does it: `$HANDGRAD_PAGER`, else `$PAGER`, else `less -FRX`.

Only when standard output is a terminal and the output is taller than it; `--no-pager`, a pipe, or a
pager set to `cat` or to nothing print it as it is. A pager that cannot be run falls back to plain output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

DEFAULT = "less -FRX"  # -F: quit when it fits a screen; -R: colours; -X: leave it on the screen after


def command() -> str | None:
    """The pager to run, or None for none."""
    for variable in ("HANDGRAD_PAGER", "PAGER"):
        if variable in os.environ:
            chosen = os.environ[variable].strip()
            return None if chosen in ("", "cat") else chosen
    return DEFAULT


class Pager:
    """Shows a renderable on a console: through the pager when it is on and the output is tall."""

    def __init__(self, console: Any, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal and sys.stdout.isatty()

    def show(self, renderable: Any) -> bool:
        """Print it, paged if it is taller than the screen; whether a pager showed it."""
        return self.show_counted(renderable)[0]

    def show_counted(self, renderable: Any) -> tuple[bool, int]:
        """Print it, paged if it is taller than the screen; whether a pager showed it, and its height."""
        with self.console.capture() as capture:
            self.console.print(renderable)
        text = capture.get()
        pager = command() if self.enabled else None
        return page_text(text, pager, self.console.height, self.console.file), text.count("\n")


def page_text(text: str, pager: str | None, height: int, out: Any) -> bool:
    """The text through the pager when it is taller than `height` rows, else written to `out`; whether paged."""
    if pager is not None and text.count("\n") >= height and run(pager, text):
        return True
    out.write(text)
    out.flush()
    return False


def terminal_pager(enabled: bool) -> str | None:
    """The pager for text written straight to standard output: none unless it is a terminal."""
    return command() if enabled and sys.stdout.isatty() else None


def run(pager: str, text: str) -> bool:
    """Run the pager (a shell command, as git runs it) on the text; False when it could not run."""
    environment = dict(os.environ)
    environment.setdefault("LESS", "FRX")
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pager's, as in git
    try:
        process = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=environment,
                                   encoding=sys.stdout.encoding or "utf-8", errors="replace")
        try:
            process.stdin.write(text)
            process.stdin.close()
        except BrokenPipeError:
            pass  # the learner quit the pager early
        return process.wait() != 127  # 127: the shell found no such command
    except OSError:
        return False
    finally:
        signal.signal(signal.SIGINT, interrupt)
