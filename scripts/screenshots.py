"""The README's pictures: real handgrad runs at 80 columns, saved as SVG under docs/ (`make screenshots`).

Each command runs as a learner would run it (a subprocess, with colour, in a temporary HANDGRAD_HOME);
its output is replayed into Rich's recording console and exported with `save_svg`. The drills read
their answers from a pipe, which echoes each answer after its prompt, so the picture reads as a session;
the mlp drill runs in a terminal of 24 rows (a pty), and its picture is the last screen, as a learner sees it.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
WIDTH = 80

LESSON_DRILL = ["drill", "softmax-ce", "-n", "1", "--seed", "7", "-d", "easy"]
LESSON_ANSWERS = [
    "-0.488, -0.024, 0.512",  # the sign flipped: named as such
    "?",
    "0.488, 0.024, -0.512",
]
SHORT_DRILL = ["drill", "softmax-ce", "tanh-neuron", "-n", "2", "--seed", "7", "-d", "easy"]
SHORT_ANSWERS = [
    "-0.488, -0.024, 0.512", "0.488, 0.024, -0.512",  # softmax-ce: the sign flipped, then right
    "0.515", "0.5, 0.5", "0.515, 0.515", "0.515", "0, 1.03",  # tanh-neuron: dw right on the second try
]

CODE_SESSION = ["code", "embedding", "-n", "1", "--seed", "7", "-d", "easy"]
CODE_LINES = [
    "demb = dembcat.view(emb.shape)", "",
    "dC = torch.zeros_like(C)", "dC[Xb] += demb", "",  # repeated indices do not accumulate: named, and why
    "dC = torch.zeros_like(C)", "np.add.at(dC, Xb, demb)", "",
]


PATH_SEED = 5
NOW = "2027-01-05T10:00:00Z"  # the path's and the debug's pictures are taken at this time: the same bytes each run


def path_answers() -> list[str]:
    """A learner through the path's first stage, right first time (its test-out too), then quitting."""
    from handgrad_cli.learn import exam_problem, step_problems
    from handgrad_cli.numbers import as_typed
    from handgrad_cli.path import STAGES

    stage = STAGES[0]
    problems = [*step_problems(stage, stage.steps[1], PATH_SEED), exam_problem(stage, PATH_SEED, 0)]
    return ["", *(as_typed(problem.answers["dlogits"], 3) for problem in problems), "quit"]


def debug_answers(args: list[str]) -> list[str]:
    """The bug found, named wrongly, then fixed."""
    from handgrad_cli.debug import plant
    from handgrad_cli.kinds import set_problems
    from handgrad_cli.numbers import as_typed

    (problem,) = set_problems(["tanh-neuron"], 1, int(args[args.index("--seed") + 1]), "easy")
    planted = plant(problem)
    wrong_name = (planted.answer + 1) % len(planted.menu) + 1
    return [planted.gradient, str(wrong_name), as_typed(problem.answers[planted.gradient], 3)]


DEBUG = ["debug", "tanh-neuron", "-n", "1", "--seed", "4", "-d", "easy"]


MLP_DRILL = ["drill", "mlp", "-n", "1", "--seed", "5", "-d", "medium"]
MLP_SLIPS = {"dcounts": "counts-sum-path-dropped", "dhpreact": "tanh-not-derivative"}  # each typed twice
ROWS = 24
CURSOR_CODES = re.compile(r"\x1b\[\??[0-9;]*[A-Za-ln-z]|\x1b[=>]|\r")  # the terminal's own codes; colours stay


def mlp_answers() -> list[str]:
    """The whole mlp problem answered, two gradients wrong twice (named slips), the rest right."""
    from handgrad_cli.kinds import build, get_kind, set_ids
    from handgrad_cli.numbers import as_typed

    problem = build(next(iter(set_ids(["mlp"], 1, 5, "medium"))))
    slips = {m.gradient: m.value for m in get_kind("mlp").mistakes(problem) if MLP_SLIPS.get(m.gradient) == m.slug}
    return [as_typed(value, 4) for name in problem.asked
            for value in ([slips[name]] * 2 if name in slips else [problem.answers[name]])]


def last_screen(args: list[str], home: Path, answers: list[str], until: str) -> str:
    """The screen of a terminal 24 rows high once `until` is shown, the answers typed ahead."""
    import fcntl
    import pty
    import struct
    import termios

    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "PAGER", "HANDGRAD_PAGER")}
    env.update(HANDGRAD_HOME=str(home), TERM="xterm-256color", COLORTERM="truecolor")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, WIDTH, 0, 0))
    child = subprocess.Popen([sys.executable, "-m", "handgrad_cli", *args], stdin=follower, stdout=follower,
                             stderr=follower, env=env, cwd=ROOT, start_new_session=True)
    os.close(follower)
    os.write(leader, "".join(line + "\n" for line in answers).encode())
    shown = b""
    while until.encode() not in shown:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            raise SystemExit(f"handgrad {shlex.join(args)}: no {until!r} on the screen")
        shown += os.read(leader, 65536)
    child.kill()
    child.wait()
    os.close(leader)
    rows = []  # the terminal wraps a long line (an answer typed) at its last column
    for line in Text.from_ansi(CURSOR_CODES.sub("", shown.decode("utf-8", "replace"))).split("\n"):
        rows += line.divide(range(WIDTH, len(line), WIDTH)) if len(line) > WIDTH else [line]
    return Text("\n").join(rows[-ROWS:])


def handgrad(args: list[str], home: Path, answers: list[str] | None = None, **extra: str) -> str:
    """The command's output as a terminal 80 columns wide would show it, colours included."""
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env.update(HANDGRAD_HOME=str(home), COLUMNS=str(WIDTH), FORCE_COLOR="1", TERM="xterm-256color", **extra)
    typed = "".join(line + "\n" for line in answers) if answers is not None else None
    done = subprocess.run([sys.executable, "-m", "handgrad_cli", *args], input=typed, capture_output=True,
                          text=True, env=env, cwd=ROOT)
    if done.returncode not in (0, 1):
        raise SystemExit(f"handgrad {shlex.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def save(name: str, args: list[str], output: str | Text) -> Path:
    """The prompt line and the output, recorded at 80 columns and saved as docs/NAME.svg."""
    console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor",
                      file=open(os.devnull, "w"))
    console.print(Text("$ ", style="bold green") + Text("handgrad " + shlex.join(args), style="bold"))
    console.print(output if isinstance(output, Text) else Text.from_ansi(output.rstrip("\n")), soft_wrap=True)
    path = DOCS / f"{name}.svg"
    console.save_svg(str(path), title="handgrad " + shlex.join(args))
    return path


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        (home / "drill").mkdir()
        (home / "stats").mkdir()
        saved = [
            save("drill", LESSON_DRILL, handgrad(LESSON_DRILL, home / "drill", LESSON_ANSWERS)),
            save("explain", explain := ["explain", "softmax-ce", "logits=2,1,0", "target=0"],
                 handgrad(explain, home)),
        ]
        (home / "code").mkdir()
        saved.append(save("code", CODE_SESSION, handgrad(CODE_SESSION, home / "code", CODE_LINES)))
        handgrad(SHORT_DRILL, home / "stats", SHORT_ANSWERS)
        saved.append(save("stats", ["stats"], handgrad(["stats"], home / "stats")))
        handgrad(["learn", "--seed", str(PATH_SEED)], home / "path", path_answers(), HANDGRAD_NOW=NOW)
        saved.append(save("learn-status", ["learn", "--status"],
                          handgrad(["learn", "--status"], home / "path", HANDGRAD_NOW=NOW)))
        saved.append(save("debug", DEBUG, handgrad(DEBUG, home / "debug", debug_answers(DEBUG), HANDGRAD_NOW=NOW)))
        (home / "mlp").mkdir()
        saved.append(save("feedback", MLP_DRILL, last_screen(MLP_DRILL, home / "mlp", mlp_answers(),
                                                              "Enter for the summary > ")))
    for path in saved:
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
