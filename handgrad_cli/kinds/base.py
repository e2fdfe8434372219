"""What every problem kind provides. A kind is pure: numpy in, values out; no terminal."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np

from handgrad_cli.errors import UserError
from handgrad_cli.problem import Draw, Mistake, Problem, ProblemId, Quantity

CLEAR = 0.0005  # an entry rounds to a nonzero value at 3 decimals when at least this large
MAX_REDRAWS = 1000


class Kind(ABC):
    name: str  # as typed on the command line, e.g. "softmax-ce"
    summary: str  # one line for `handgrad kinds`
    options: tuple[str, ...]  # the input names `explain` takes as --flags
    gradients: tuple[str, ...]  # what every problem of the kind asks, in the order asked

    def build(self, problem_id: ProblemId) -> Problem:
        """The problem an ID names: draws until the problem is clear (see `is_clear`)."""
        return self.build_many([problem_id])[0]

    def build_many(self, problem_ids: list[ProblemId]) -> list[Problem]:
        """The problems these IDs name, solved together: one numpy pass per shape, not one per problem.

        Each problem draws from its own stream, redrawing until clear, so every problem is the
        same as when it is built alone.
        """
        draws = [Draw(problem_id) for problem_id in problem_ids]
        built: list[Problem | None] = [None] * len(problem_ids)
        pending = range(len(problem_ids))
        for _ in range(MAX_REDRAWS):
            inputs = {i: self.draw(draws[i], problem_ids[i].difficulty) for i in pending}
            groups: dict[tuple, list[int]] = {}
            for i in pending:  # problems of one shape and difficulty are solved in one pass
                key = (problem_ids[i].difficulty, *(np.shape(value) for value in inputs[i].values()))
                groups.setdefault(key, []).append(i)
            for (difficulty, *_), group in groups.items():
                solved = self.solve_batch([inputs[i] for i in group], difficulty, [problem_ids[i] for i in group])
                for i, problem in zip(group, solved):
                    built[i] = problem
            pending = [i for i in pending if not self.is_clear(built[i])]
            if not pending:
                return built
        raise RuntimeError(f"no clear {self.name} problem in {MAX_REDRAWS} draws for {problem_ids[pending[0]]}")

    def from_options(self, options: dict[str, str]) -> Problem:
        """The problem for inputs a person typed, e.g. ``{"logits": "2,1,0", "target": "0"}``."""
        missing = [name for name in self.options if options.get(name) is None]
        if missing:
            flags = " ".join(f"--{name}" for name in missing)
            raise UserError(f"{self.name} needs {flags} as well (or none of its inputs, for a random problem)")
        return self.solve(self.read_inputs(options), "custom", None)

    def solve(self, inputs: dict[str, Any], difficulty: str, problem_id: ProblemId | None) -> Problem:
        """The forward pass, the reference backward pass and its chain-rule steps, for one problem."""
        return self.solve_batch([inputs], difficulty, [problem_id])[0]

    def is_clear(self, problem: Problem) -> bool:
        """No degenerate problems: every asked gradient shows a nonzero entry at 3 decimals."""
        return all(abs(value).max() >= CLEAR for value in problem.answers.values())

    @abstractmethod
    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        """Random inputs for a difficulty."""

    @abstractmethod
    def read_inputs(self, options: dict[str, str]) -> dict[str, Any]:
        """Inputs from the text of `explain`'s flags; raises UserError."""

    @abstractmethod
    def solve_batch(self, inputs: list[dict[str, Any]], difficulty: str,
                    problem_ids: list[ProblemId | None]) -> list[Problem]:
        """`solve` for problems whose inputs share their shapes, computed in one numpy pass."""

    @abstractmethod
    def functions(self, problem: Problem) -> dict[str, tuple[Callable[[np.ndarray], float], np.ndarray]]:
        """For each asked gradient, a scalar function of one variable and the point to take it at.

        Its gradient there is the reference answer: tests check it with finite differences.
        """

    @abstractmethod
    def hints(self, problem: Problem, gradient: str) -> tuple[str, str]:
        """The rule for this gradient, then the forward values it needs (the answer is the third hint)."""

    @abstractmethod
    def mistakes(self, problem: Problem) -> list[Mistake]:
        """Known wrong answers, each computed from the problem."""

    def extras(self, problem: Problem, lr: float) -> list[Quantity]:
        """Further checks `explain` shows, such as a gradient step; none by default."""
        return []
