"""A whole mlp problem worked in tmux at 80x24, with two mistakes: the screen after the last answer shows
what went wrong and the pause's prompt together (nothing of it scrolled away). tmux shows the screen
itself, as a learner sees it; CI installs it (.ci/run)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from handgrad_cli.kinds import build, get_kind, set_ids
from handgrad_cli.numbers import as_typed

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
HANDGRAD = str(Path(sys.executable).with_name("handgrad"))


class Tmux:
    def __init__(self, command: str, home: Path) -> None:
        self.name = f"handgrad-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "80", "-y", "24",
                        f"env HANDGRAD_HOME={home} NO_COLOR=1 {command}; sleep 30"], check=True)

    def screen(self) -> list[str]:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout.splitlines()

    def wait_for(self, text: str, timeout: float = 20) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.screen()
            if lines and lines[-1 if lines[-1].strip() else -2].endswith(text.rstrip()):
                return lines
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} on the screen:\n" + "\n".join(self.screen()))

    def type(self, line: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", " " + line], check=True)  # " ": not a flag
        subprocess.run(["tmux", "send-keys", "-t", self.name, "Enter"], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def test_a_whole_mlp_problem_with_two_mistakes_ends_on_one_screen_of_feedback(tmp_path):
    problem = build(next(iter(set_ids(["mlp"], 1, 5, "medium"))))
    slips = {m.gradient: m.value for m in get_kind("mlp").mistakes(problem)
             if (m.gradient, m.slug) in {("dhpreact", "tanh-not-derivative"), ("dcounts", "counts-sum-path-dropped")}}
    tmux = Tmux(f"{HANDGRAD} drill mlp -n 1 --seed 5 -d medium", tmp_path)
    try:
        tmux.wait_for(") > ")
        for name in problem.asked:  # typed ahead, as a quick learner would: the terminal keeps the lines
            for answer in [slips[name]] * 2 if name in slips else [problem.answers[name]]:
                tmux.type(as_typed(answer, 6))
        screen = tmux.wait_for("Enter for the summary > ", timeout=60)
        text = "\n".join(screen)
        assert f"{problem.id}: 24 of 26 right, 2 wrong" in text  # the headline is still on the screen
        assert "dcounts" in text and "dhpreact" in text and "<- went wrong here" in text
        tmux.type("")
        assert "Score 24/26 answered gradients" in "\n".join(tmux.wait_for("--difficulty medium"))
    finally:
        tmux.close()
