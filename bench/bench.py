"""handgrad's performance figures, printed (no test asserts a time).

- start-up: `handgrad --help` against a bare Typer app on the same interpreter and packages;
- drill: the time to `handgrad drill`'s first prompt against a bare Typer app that imports numpy and
  Rich and prompts, both in a pty;
- generate: problems per second for `generate --format jsonl` at N = 20,000, start-up subtracted,
  against `json.dumps` of its own output, parsed (the floor);
- memory: peak resident memory of `handgrad generate --format jsonl` from 1,000 to 100,000 problems;
- history at scale: `stats` and `drill --review` over a learner's 500,000 answers (time and memory).

Where valgrind is installed, the two start-up figures are also given in instructions executed,
which do not move with the machine's load: this shared host's wall and CPU times swing by a third
from run to run, so a few per cent are read from the instructions.

Run it with `make bench`. Pass `--quick` for smaller counts.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_TYPER_APP = '''
import sys
import typer
app = typer.Typer(rich_markup_mode=None if "--plain" in sys.argv else "rich")
sys.argv = [arg for arg in sys.argv if arg != "--plain"]

@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    typer.echo(name)

@app.command()
def bye() -> None:
    """Say goodbye."""

app()
'''


def child_cpu() -> float:
    """CPU seconds of the children this process has waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_to_end(command: list[str]) -> None:
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def interleaved(commands: dict[str, list[str]], runs: int, run=run_to_end) -> dict[str, tuple[float, float]]:
    """Each command's median wall time and median CPU time (the steadier figure on a shared machine),
    the runs taken in turn so a busy moment hits all alike."""
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            started, used = time.perf_counter(), child_cpu()
            run(command)
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(child_cpu() - used)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in commands}


def compared(median: dict[str, tuple[float, float]], name: str, base: str) -> str:
    (wall, cpu), (base_wall, base_cpu) = median[name], median[base]
    return (f"{wall * 1000:.1f} ms, {wall / base_wall:.2f}x (CPU {cpu * 1000:.1f} ms against {base_cpu * 1000:.1f}, "
            f"{cpu / base_cpu:.2f}x)")


def startup(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "bare_typer_app.py"
        bare.write_text(BARE_TYPER_APP)
        commands = {
            "rich": [sys.executable, str(bare), "--help"],
            "plain": [sys.executable, str(bare), "--help", "--plain"],
            "handgrad": [str(Path(sys.executable).with_name("handgrad")), "--help"],
        }
        interleaved(commands, 2)  # warm the file cache
        median = interleaved(commands, runs)
        print(f"start-up, median of {runs} runs of --help: bare Typer app {median['rich'][0] * 1000:.1f} ms "
              f"(with its default Rich help; {median['plain'][0] * 1000:.1f} ms with plain help like handgrad's); "
              f"handgrad {compared(median, 'handgrad', 'plain')} the plain bare app")
        if shutil.which("valgrind"):
            counts = instructions({"bare app, plain help": commands["plain"], "handgrad": commands["handgrad"]},
                                  to_prompt=False)
            print(f"  in instructions executed: {counts}")


BARE_PROMPT_APP = '''
import typer
app = typer.Typer(rich_markup_mode=None)  # plain help, like handgrad's

@app.command()
def drill() -> None:
    import numpy, rich.console
    rich.console.Console().print("A problem")
    input("dlogits (3 values) > ")

app()
'''


def counted(command: list[str], to_prompt: bool) -> int:
    """Instructions `command` executes (valgrind), to its first prompt or to its end.

    The same for every run: one BLAS thread (numpy's others spin for a varying while), a fixed hash
    seed and no address randomization where `setarch` can turn it off.
    """
    import pexpect

    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    fixed = ["setarch", "-R"] if shutil.which("setarch") else []
    env = {**os.environ, "NO_COLOR": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    argv = [*fixed, *valgrind, *command]
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=300)
    if to_prompt:
        child.expect_exact(" > ")
        child.kill(signal.SIGTERM)  # waiting at the prompt, it executes nothing more
    child.expect(pexpect.EOF)
    child.close()
    return int(re.search(r"I\s+refs:\s+([\d,]+)", child.before).group(1).replace(",", ""))


def instructions(commands: dict[str, list[str]], to_prompt: bool) -> str:
    """Each command's count, and the ratio of the last to the first."""
    count = [counted(command, to_prompt) for command in commands.values()]
    listed = "; ".join(f"{name} {n / 1e6:.1f} M" for name, n in zip(commands, count))
    return f"{listed}: {count[-1] / count[0]:.3f}x"


def to_prompt(command: list[str]) -> None:
    """Start the command in a real terminal (a pty), wait for its first `... > ` prompt, then end it."""
    import pexpect

    child = pexpect.spawn(command[0], command[1:], encoding="utf-8", timeout=30, env={**os.environ, "NO_COLOR": "1"})
    child.expect_exact(" > ")
    child.terminate(force=True)  # waited for: its CPU time is counted
    child.close()


def first_prompt(runs: int) -> None:
    """The drill's first prompt against a bare Typer app that imports numpy and Rich, then prompts.

    The drill opens its history as a learner's would, in a throwaway HANDGRAD_HOME.
    """
    with tempfile.TemporaryDirectory() as folder:
        os.environ["HANDGRAD_HOME"] = folder
        bare = Path(folder) / "bare_prompt_app.py"
        bare.write_text(BARE_PROMPT_APP)
        commands = {"bare": [sys.executable, str(bare)],
                    "drill": [str(Path(sys.executable).with_name("handgrad")), "drill", "--seed", "1"]}
        interleaved(commands, 2, to_prompt)  # warm the file cache; the history is made
        median = interleaved(commands, runs, to_prompt)
        print(f"drill, median of {runs} runs to the first prompt in a pty: bare Typer app with numpy and Rich "
              f"{median['bare'][0] * 1000:.1f} ms; handgrad drill {compared(median, 'drill', 'bare')}")
        if shutil.which("valgrind"):
            counts = instructions({"bare app": commands["bare"], "handgrad drill": commands["drill"]}, to_prompt=True)
            print(f"  in instructions executed: {counts}")


def generate_throughput(count: int, repeats: int = 5) -> None:
    """As the issue measures it: `handgrad generate softmax-ce tanh-neuron --count N --format jsonl`,
    its start-up subtracted (the time of `--count 1`), against `json.dumps` of its own output, parsed.

    The runs go in turns with the dumps, after a warm-up, so a busy moment of the machine hits both
    alike; the ratio is the median of the turns'.
    """
    command = [str(Path(sys.executable).with_name("handgrad")), "generate", "softmax-ce", "tanh-neuron",
               "--format", "jsonl", "--count"]

    def run(n: int) -> float:
        started = time.perf_counter()
        subprocess.run(command + [str(n)], stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - started

    def dumps_alone(records: list[dict]) -> float:
        started = time.perf_counter()
        for record in records:
            json.dumps(record)
        return time.perf_counter() - started

    output = subprocess.run(command + [str(count)], capture_output=True, text=True, check=True).stdout
    records = [json.loads(line) for line in output.splitlines()]
    dumps_alone(records[:500])  # warm-up
    turns = []
    for _ in range(repeats):
        startup = statistics.median(run(1) for _ in range(3))
        turns.append((run(count) - startup, dumps_alone(records), startup))
    produced = statistics.median(p for p, _, _ in turns)
    floor = statistics.median(d for _, d, _ in turns)
    ratio = statistics.median(p / d for p, d, _ in turns)
    startup = statistics.median(s for _, _, s in turns)
    print(f"generate softmax-ce tanh-neuron --format jsonl, N = {count:,}, median of {repeats} turns: "
          f"{produced:.2f} s after start-up ({startup * 1000:.0f} ms; {count / produced:,.0f} problems/s); "
          f"json.dumps of its output alone {floor:.2f} s; ratio {ratio:.2f}x (the aim: at most 3x)")


def peak_memory(counts: list[int]) -> None:
    for count in counts:
        probe = (
            "import resource, subprocess, sys;"
            f"subprocess.run([sys.executable, '-m', 'handgrad_cli', 'generate', '--count', '{count}',"
            " '--format', 'jsonl'], stdout=subprocess.DEVNULL, check=True);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        kilobytes = int(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                       check=True).stdout)
        print(f"peak memory, generate --count {count:,} --format jsonl: {kilobytes / 1024:.1f} MiB")


SCALE_PROBE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(json.loads(sys.argv[1]), input=sys.argv[2], text=True, stdout=subprocess.DEVNULL, check=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024]))
"""


def history_at_scale(answers: int, runs: int = 3) -> None:
    """`stats` (and `stats all`) and `drill --review` (to its first prompt, then quit) over a history of
    `answers` gradients: median wall and CPU seconds, and peak memory. The aim: within 2 s and 100 MB."""
    sys.path.insert(0, str(Path(__file__).parent))
    from big_history import make_history

    with tempfile.TemporaryDirectory() as home:
        make_history(Path(home) / "history.sqlite3", answers)
        size = (Path(home) / "history.sqlite3").stat().st_size / 2**20
        env = {**os.environ, "HANDGRAD_HOME": home, "COLUMNS": "80"}
        for name, args, typed in (("stats", ["stats"], ""), ("stats --format json", ["stats", "--format", "json"], ""),
                                  ("stats all", ["stats", "all"], ""),
                                  ("drill --review", ["drill", "--review", "-n", "1"], "quit\n")):
            command = json.dumps([sys.executable, "-m", "handgrad_cli", *args])
            turns = [json.loads(subprocess.run([sys.executable, "-c", SCALE_PROBE, command, typed], env=env,
                                               capture_output=True, text=True, check=True).stdout)
                     for _ in range(runs)]
            wall, cpu, memory = (statistics.median(turn[i] for turn in turns) for i in range(3))
            print(f"{name} over {answers:,} answers ({size:.0f} MB file), median of {runs}: {wall:.2f} s "
                  f"(CPU {cpu:.2f} s), peak memory {memory:.0f} MiB (the aim: within 2 s and 100 MB)")
        print(f"  once, at the first drill after an upgrade: {migrated(Path(home) / 'history.sqlite3'):.2f} s to "
              "migrate it from schema 4 (its indexes made)")


def migrated(path: Path) -> float:
    """The seconds a drill's opening takes to bring the history at `path` from schema 4 (no indexes) to the
    current one."""
    import sqlite3
    from contextlib import closing

    from handgrad_cli.history import MIGRATIONS, open_history

    with closing(sqlite3.connect(path)) as connection, connection:
        for statement in MIGRATIONS[4]:
            connection.execute(f"DROP INDEX {statement.split()[2]}")
        connection.execute("PRAGMA user_version = 4")
    started = time.perf_counter()
    open_history(path).close()
    return time.perf_counter() - started


def compile_package() -> None:
    """Byte-compile handgrad as a first run would, so no start-up below pays for compiling its source
    (where PYTHONDONTWRITEBYTECODE is set, nothing else would ever write the cache)."""
    import compileall

    import handgrad_cli

    compileall.compile_dir(str(Path(handgrad_cli.__file__).parent), quiet=1)


def main() -> None:
    quick = "--quick" in sys.argv
    compile_package()
    startup(runs=5 if quick else 15)
    first_prompt(runs=5 if quick else 15)
    generate_throughput(2_000 if quick else 20_000)
    peak_memory([1_000, 10_000] if quick else [1_000, 10_000, 100_000])
    history_at_scale(50_000 if quick else 500_000)


if __name__ == "__main__":
    main()
