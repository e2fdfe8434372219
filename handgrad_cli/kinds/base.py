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
        draw = Draw(problem_id)
        for _ in range(MAX_REDRAWS):
            problem = self.solve(self.draw(draw, problem_id.difficulty), problem_id.difficulty, problem_id)
            if self.is_clear(problem):
                return problem
        raise RuntimeError(f"no clear {self.name} problem in {MAX_REDRAWS} draws for {problem_id}")

    def from_options(self, options: dict[str, str]) -> Problem:
        """The problem for inputs a person typed, e.g. ``{"logits": "2,1,0", "target": "0"}``."""
        missing = [name for name in self.options if options.get(name) is None]
        if missing:
            flags = " ".join(f"--{name}" for name in missing)
            raise UserError(f"{self.name} needs {flags} as well (or none of its inputs, for a random problem)")
        return self.solve(self.read_inputs(options), "custom", None)

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
    def solve(self, inputs: dict[str, Any], difficulty: str, problem_id: ProblemId | None) -> Problem:
        """The forward pass, the reference backward pass and its chain-rule steps."""

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
