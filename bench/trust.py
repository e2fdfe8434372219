"""The trust figures of grading, measured over many sound problems of every kind and difficulty.

For each problem a set would ask: every named slip typed into `check`'s grading (is any accepted?);
every asked gradient computed from the values as printed (the forward table, a step's numbers) and
rounded to 3 decimals (is any rejected?); and the two learners of the rounding rule, graded in order as
the drill grades them: one who works each gradient exactly and types it to 3 decimals, one who computes
each from their own typed answers and the printed values (is any gradient of theirs rejected?).
Slow on purpose: it is a measurement, not a test.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from handgrad_cli.engine import WhatIf
from handgrad_cli.grading import Tolerance, grade, grade_all
from handgrad_cli.kinds import KINDS, get_kind, set_problems
from handgrad_cli.problem import DIFFICULTIES


def slips_accepted(problem) -> tuple[int, int]:
    """(slips tried, slips accepted) for the slips made in each asked gradient."""
    tried = accepted = 0
    for mistake in get_kind(problem.kind).mistakes(problem):
        reference = problem.answers[mistake.gradient]
        if mistake.step != mistake.gradient or np.max(np.abs(mistake.value - reference), initial=0) <= 1e-12:
            continue
        tried += 1
        accepted += grade(problem, mistake.gradient, np.round(mistake.value, 3)).correct
    return tried, accepted


def shown_rejected(problem) -> tuple[int, int]:
    """(answers computed from printed forward values, how many were rejected)."""
    from learners import from_the_printed_text  # tests/learners.py: the same reading the tests make

    kind = get_kind(problem.kind)
    graph = kind.one_graph(problem)
    grads = kind.backward(graph, WhatIf(values=from_the_printed_text(problem))).grads
    tolerance = Tolerance()
    rejected = sum(not tolerance.accepts(np.round(grads[graph.nodes[name[1:]]][0], 3), reference).all()
                   for name, reference in problem.answers.items())
    return len(problem.answers), rejected


def rounding_rejected(problem) -> tuple[int, int, int]:
    """(gradients, rejected of the exact learner typing 3 decimals, rejected of the learner carrying their own)."""
    from learners import carrying, exact_rounded  # tests/learners.py: the same learners the tests use

    exact = sum(not graded.correct for graded in grade_all(problem, exact_rounded(problem)))
    carried = sum(not graded.correct for graded in grade_all(problem, carrying(problem)))
    return len(problem.asked), exact, carried


def main() -> None:
    per_level = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    totals = np.zeros(8, dtype=int)
    started = time.perf_counter()
    for name in KINDS:
        for difficulty in DIFFICULTIES:
            counts = np.zeros(8, dtype=int)
            for problem in set_problems([name], per_level, 2026, difficulty):
                counts += (1, *slips_accepted(problem), *shown_rejected(problem), *rounding_rejected(problem))
            totals += counts
            print(f"{name:<22} {difficulty:<6} {counts[0]:>4} problems: {counts[2]}/{counts[1]} slips accepted, "
                  f"{counts[4]}/{counts[3]} answers from printed values rejected, rounding learners "
                  f"{counts[6]} + {counts[7]}/{counts[5]} rejected (exact, carrying)", flush=True)
    print(f"all: {totals[0]:,} sound problems, {totals[2]}/{totals[1]:,} slips accepted, "
          f"{totals[4]}/{totals[3]:,} answers from printed values rejected, rounding learners {totals[6]} + "
          f"{totals[7]}/{totals[5]:,} rejected ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
