"""handgrad's classroom figures, printed (no test asserts a time): `make bench` runs it after bench.py.

- grade: CPU seconds to grade 2,000 students x 6 problems with half the answers wrong (the sign flipped,
  or off by 0.5), for a shared set and for a set per student of the lesson's kinds, and for a set per
  student of a week's kinds with the mlp (26 gradients a problem), and the peak memory;
- formats: the CPU of each set format against jsonl for the same set (start-up subtracted), for the lesson's
  two kinds and for every kind (the mlp among them), and for students' own sets of every kind;
- students: the CPU per problem of `--variants` and `--students` sets against `--count`;
- grade memory: the peak resident memory of grading 200 MB of responses (a shared set, a tenth of the
  answers wrong), which stays flat: the answers wait on disk, not in memory.

Pass `--quick` for smaller counts.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HANDGRAD = [sys.executable, "-m", "handgrad_cli"]
WEEK = ("linear", "batchnorm", "embedding", "mlp", "softmax-ce", "tanh-neuron")  # a week's kinds, the mlp among them
FORMATS = ("jsonl", "text", "markdown", "latex", "gift", "moodle-xml", "qti")


def measured(args: list[str], stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """(CPU seconds, peak resident MB) of one handgrad run."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([*HANDGRAD, *args], stdout=stdout, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            said = errors.read().decode(errors="replace").strip().splitlines()[-3:]
            raise SystemExit(f"handgrad {' '.join(args)} failed ({os.waitstatus_to_exitcode(status)}): "
                             + " / ".join(said))
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def responses(set_path: Path, out: Path, students: int | None) -> int:
    """A class's answers to the set: each gradient right, or half the time wrong. `students` names that many
    students of a shared set; None answers each student's own problems. Returns the number of rows."""
    import numpy as np

    from handgrad_cli.numbers import as_typed

    chance = random.Random(7)
    rows = 0
    with set_path.open() as issued, out.open("w") as file:
        file.write("student,id,gradient,answer\n")
        # A set per student is streamed: a child's peak memory counts this process's too (at the fork), so the
        # bench holds no large set in memory. A shared set's few problems are answered by every student.
        records = [json.loads(line) for line in issued] if students else map(json.loads, issued)
        who = [f"student-{k}" for k in range(students)] if students else [None]
        for name in who:
            for record in records:
                for gradient, value in record["answers"].items():
                    value = np.asarray(value)
                    if chance.random() < 0.5:  # wrong: mostly the sign flipped (a named slip), else off by 0.5
                        value = -value if chance.random() < 0.7 else value + 0.5
                    typed = as_typed(value)
                    file.write(f'{name or record["student"]},{record["id"]},{gradient},"{typed}"\n')
                    rows += 1
    return rows


def grade_figures(folder: Path, students: int) -> None:
    per_student = ["--variants", str(students)]
    for kinds, label, args, named in (("the lesson's kinds", "a shared set", [], students),
                                      ("the lesson's kinds", "a set per student", per_student, None),
                                      ("with mlp", "a set per student", [*WEEK, *per_student], None)):
        set_path, answers = folder / "set.jsonl", folder / "responses.csv"
        with set_path.open("w") as file:
            subprocess.run([*HANDGRAD, "generate", *args, "-n", "6", "-f", "jsonl"], stdout=file, check=True)
        rows = responses(set_path, answers, named)
        cpu, peak = measured(["grade", str(set_path), str(answers)])
        size = answers.stat().st_size / 2**20
        print(f"grade, {students:,} students x 6 problems ({kinds}), {label}, half the answers wrong: "
              f"{cpu:.1f} CPU-s, {rows:,} rows ({size:.1f} MB), peak {peak:.0f} MB")


def format_figures(kinds: list[str], count: int, own_sets: bool = False) -> None:
    """Each format's CPU against jsonl for the same set: a shared one, or `own_sets` (a set of 3 problems for
    each of count / 3 students, which GIFT does not serve and QTI makes into a question group per slot)."""
    base, _ = measured(["generate", "-n", "1", "-f", "jsonl"])  # start-up and imports
    size = ["-n", "12", "--variants", str(count // 12)] if own_sets else ["-n", str(count)]
    formats = [fmt for fmt in FORMATS if not (own_sets and fmt == "gift")]
    cpu = {fmt: measured(["generate", *kinds, *size, "-f", fmt])[0] - base for fmt in formats}
    ratios = ", ".join(f"{fmt} {cpu[fmt] / cpu['jsonl']:.2f}x" for fmt in formats[1:])
    sets = f"{count // 12:,} students' own sets of 12" if own_sets else f"{count:,} problems"
    print(f"generate {' '.join(kinds)}, {sets}, CPU against jsonl ({cpu['jsonl']:.2f} s, start-up "
          f"subtracted): {ratios}")


def student_figures(folder: Path, students: int) -> None:
    base, _ = measured(["generate", "-n", "1", "-f", "jsonl"])
    roster = folder / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"s{k},Student {k}\n" for k in range(students)), encoding="utf-8")
    count = measured(["generate", "-n", str(3 * students), "-f", "jsonl"])[0] - base
    variants = measured(["generate", "-n", "3", "--variants", str(students), "-f", "jsonl"])[0] - base
    named = measured(["generate", "-n", "3", "--students", str(roster), "-f", "jsonl"])[0] - base
    print(f"generate, {3 * students:,} problems: --count {count:.2f} s; --variants {students:,} x 3 "
          f"{variants / count:.2f}x; --students {students:,} x 3 {named / count:.2f}x (CPU, start-up subtracted)")


def memory_figure(folder: Path, megabytes: int) -> None:
    import numpy as np

    from handgrad_cli.numbers import as_typed

    set_path, answers = folder / "shared.jsonl", folder / "large.csv"
    with set_path.open("w") as file:
        subprocess.run([*HANDGRAD, "generate", "-n", "6", "-f", "jsonl"], stdout=file, check=True)
    records = [json.loads(line) for line in set_path.read_text().splitlines()]
    rows = [(record["id"], gradient, np.asarray(value)) for record in records
            for gradient, value in record["answers"].items()]
    right = [(problem, gradient, as_typed(value)) for problem, gradient, value in rows]
    wrong = [(problem, gradient, as_typed(-value)) for problem, gradient, value in rows]
    chance, student = random.Random(5), 0
    with answers.open("w") as file:
        file.write("student,id,gradient,answer\n")
        while file.tell() < megabytes * 2**20:
            student += 1
            file.writelines(f'student-{student},{problem},{gradient},"{typed}"\n'
                            for problem, gradient, typed in (wrong if chance.random() < 0.1 else right))
    cpu, peak = measured(["grade", str(set_path), str(answers)])
    print(f"grade, {megabytes} MB of responses ({student:,} students x 6 problems): peak {peak:.0f} MB, "
          f"{cpu:.0f} CPU-s")


def main() -> None:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        grade_figures(Path(folder), 200 if quick else 2000)
        format_figures(["softmax-ce", "tanh-neuron"], 2000 if quick else 20000)
        format_figures(["all"], 500 if quick else 4000)  # every kind, the mlp's large problems among them
        format_figures(["all"], 600 if quick else 3000, own_sets=True)
        student_figures(Path(folder), 1000 if quick else 10000)
        memory_figure(Path(folder), 20 if quick else 200)


if __name__ == "__main__":
    main()
