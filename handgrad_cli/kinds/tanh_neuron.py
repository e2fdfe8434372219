"""A tanh neuron with its linear step: ``z = w.x + b``, ``a = tanh(z)``, upstream ``dout = dL/da``.

Backward, with micrograd's local rules (add passes the gradient through, mul swaps its inputs,
tanh gives ``1 - tanh**2``): ``dz = (1 - a**2) * dout``, ``dw = dz * x``, ``db = dz``, ``dx = dz * w``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli.answers import read_rows
from handgrad_cli.errors import UserError
from handgrad_cli.kinds.base import Kind
from handgrad_cli.numbers import format_input, format_number
from handgrad_cli.problem import Draw, Mistake, Problem, ProblemId, Quantity, Step

# difficulty -> (inputs (low, high), spread of x and w, spread of b, decimals, dout choices or None)
LEVELS = {
    "easy": ((2, 2), 2, 1, 0, (1.0, -1.0, 2.0, 0.5)),
    "medium": ((3, 3), 2, 1, 1, None),
    "hard": ((4, 5), 1.5, 1.5, 2, None),
}
SATURATED = 0.9995  # |a| at or above this reads as 1.000 at three decimals

RULES = {
    "dz": "tanh's local derivative is 1 - tanh(z)**2 = 1 - a**2; multiply it by the upstream dout.",
    "dw": "z = w.x + b: mul swaps its inputs, so each w_i gets x_i times the upstream dz.",
    "db": "z = w.x + b: add passes the gradient through, so db is the upstream dz unchanged.",
    "dx": "z = w.x + b: mul swaps its inputs, so each x_i gets w_i times the upstream dz.",
}


class TanhNeuron(Kind):
    name = "tanh-neuron"
    title = "Tanh neuron"
    summary = "a tanh neuron z = w.x + b, a = tanh(z), given dout; asks dz, dw, db, dx"
    options = ("x", "w", "b", "dout")
    gradients = ("dz", "dw", "db", "dx")

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        (low, high), spread, b_spread, places, douts = LEVELS[difficulty]
        size = draw.integer(low, high)
        x = draw.decimals(size, -spread, spread, places)
        w = draw.decimals(size, -spread, spread, places)
        b = draw.decimal(-b_spread, b_spread, max(places, 1))
        dout = douts[draw.below(len(douts))] if douts else draw.decimal(-2, 2, places)
        return {"x": np.array(x), "w": np.array(w), "b": b, "dout": dout}

    def read_inputs(self, options: dict[str, str]) -> dict[str, Any]:
        x, w = _vector(options["x"], "--x"), _vector(options["w"], "--w")
        if len(x) != len(w):
            raise UserError(f"--x and --w need the same length: {len(x)} and {len(w)}")
        return {"x": x, "w": w, "b": _scalar(options["b"], "--b"), "dout": _scalar(options["dout"], "--dout")}

    def solve_batch(self, inputs: list[dict[str, Any]], difficulty: str,
                    problem_ids: list[ProblemId | None]) -> list[Problem]:
        x = np.array([problem["x"] for problem in inputs])  # (count, n): one row per problem
        w = np.array([problem["w"] for problem in inputs])
        b = np.array([problem["b"] for problem in inputs])
        dout = np.array([problem["dout"] for problem in inputs])
        z = np.add.reduce(w * x, axis=1) + b
        a = np.tanh(z)
        local = 1 - a**2
        dz = local * dout
        dw, dx = dz[:, None] * x, dz[:, None] * w
        return [
            self._problem(problem, difficulty, problem_id, *values)
            for problem, problem_id, values in zip(inputs, problem_ids, zip(z.tolist(), a.tolist(), local.tolist(),
                                                                              dz, dw, dx))
        ]

    def _problem(self, inputs, difficulty, problem_id, z, a, local, dz, dw, dx) -> Problem:
        x, w, b, dout = inputs["x"], inputs["w"], inputs["b"], inputs["dout"]
        db = dz
        steps = (
            Step("dz", "dz = (1 - a**2) * dout", Quantity("a = tanh(z)", a), Quantity("1 - a**2", local),
                 Quantity("dout", dout), dz),
            Step("dw", "dw = x * dz", Quantity("z = w.x + b", z), Quantity("dz/dw = x", x),
                 Quantity("dz", dz), dw),
            Step("db", "db = 1 * dz", Quantity("z = w.x + b", z), Quantity("dz/db = 1", 1.0),
                 Quantity("dz", dz), db),
            Step("dx", "dx = w * dz", Quantity("z = w.x + b", z), Quantity("dz/dx = w", w),
                 Quantity("dz", dz), dx),
        )
        return Problem(
            kind=self.name,
            difficulty=difficulty,
            id=problem_id,
            inputs=inputs,
            forward={"z": z, "a": a},
            answers={"dz": dz, "dw": dw, "db": db, "dx": dx},
            steps=steps,
            question=(
                f"x = {format_input(x)}, w = {format_input(w)}, b = {format_input(b)}; "
                f"z = w.x + b, a = tanh(z), and the upstream gradient dout = dL/da = {format_input(dout)}. "
                "Compute dz, dw, db and dx."
            ),
            closed_form={
                "dz": "dz = (1 - tanh(z)**2) * dout",
                "dw": "dw = dz * x",
                "db": "db = dz",
                "dx": "dx = dz * w",
            },
        )

    def is_clear(self, problem: Problem) -> bool:
        return abs(problem.forward["a"]) < SATURATED and super().is_clear(problem)

    def functions(self, problem: Problem):
        x, w, b, dout = (problem.inputs[name] for name in ("x", "w", "b", "dout"))

        def through(z: float) -> float:
            return float(dout * np.tanh(z))  # L = dout * a has dL/da = dout

        return {
            "dz": (lambda z: through(float(z)), np.float64(problem.forward["z"])),
            "dw": (lambda w_: through(w_ @ x + b), w),
            "db": (lambda b_: through(w @ x + float(b_)), np.float64(b)),
            "dx": (lambda x_: through(w @ x_ + b), x),
        }

    def hints(self, problem: Problem, gradient: str) -> tuple[str, str]:
        forward = problem.forward
        dz = problem.answers["dz"]
        if gradient == "dz":
            values = f"z = {format_number(forward['z'])}, a = {format_number(forward['a'])}, dout = {format_number(problem.inputs['dout'])}"
        elif gradient == "db":
            values = f"dz = {format_number(dz)}"
        else:
            other = "x" if gradient == "dw" else "w"
            values = f"{other} = {format_input(problem.inputs[other])}, dz = {format_number(dz)}"
        return RULES[gradient], values

    def mistakes(self, problem: Problem) -> list[Mistake]:
        x, w, dout = problem.inputs["x"], problem.inputs["w"], problem.inputs["dout"]
        z, a = problem.forward["z"], problem.forward["a"]
        slips = {
            "tanh-not-derivative": ("tanh(z) = a was used where 1 - a**2 belongs", a * dout),
            "z-squared": ("1 - z**2 was used: the local derivative is 1 - a**2, with a = tanh(z)", (1 - z**2) * dout),
            "dout-dropped": (_dropped(dout), 1 - a**2),
            "tanh-skipped": ("tanh's local derivative 1 - a**2 was skipped: dz is not just dout", dout),
            "sign-flipped": ("the sign is flipped: 1 - a**2 is positive, so dz has the sign of dout", -(1 - a**2) * dout),
        }
        found = []
        for slug, (words, wrong_dz) in slips.items():
            for gradient, value in (("dz", wrong_dz), ("dw", wrong_dz * x), ("db", wrong_dz), ("dx", wrong_dz * w)):
                found.append(Mistake(slug, gradient, words + (" (in dz)" if gradient != "dz" else ""), value, "dz"))
        dz = problem.answers["dz"]
        swapped = "dw and dx are swapped: dw = dz * x takes the input, dx = dz * w the weight"
        found.append(Mistake("dw-dx-swapped", "dw", swapped, dz * w, "dw"))
        found.append(Mistake("dw-dx-swapped", "dx", swapped, dz * x, "dx"))
        return found


def _dropped(dout: float) -> str:
    """Dropping dout = -1 gives the same answer as flipping the sign, so say both."""
    dropped = "dout = -1 was dropped, which flips the sign" if dout == -1 else "dout was dropped"
    return f"the upstream gradient {dropped}: multiply 1 - a**2 by dout"


def _vector(text: str, flag: str) -> np.ndarray:
    rows = read_rows(text)
    if len(rows) != 1:
        raise UserError(f"{flag} takes one row of numbers separated by commas, e.g. {flag} 2,0")
    return np.array(rows[0])


def _scalar(text: str, flag: str) -> float:
    values = _vector(text, flag)
    if len(values) != 1:
        raise UserError(f"{flag} takes one number")
    return float(values[0])
