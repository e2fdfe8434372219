"""softmax + cross-entropy on logits: ``L = -mean(log softmax(logits)[range(n), target])``.

Backward, as in makemore Part 4: ``dlogits = (probs - onehot(target)) / n``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from handgrad_cli.answers import read_rows
from handgrad_cli.errors import UserError
from handgrad_cli.kinds.base import Kind
from handgrad_cli.numbers import format_input, format_value
from handgrad_cli.problem import Draw, Mistake, Problem, ProblemId, Quantity, Step

# difficulty -> (rows, classes, logit range, decimals); rows and classes are (low, high)
LEVELS = {
    "easy": ((1, 1), (3, 3), 3, 0),
    "medium": ((1, 1), (3, 5), 3, 1),
    "hard": ((2, 4), (4, 6), 4, 1),
}
MAX_TYPED = 32  # rows and classes `explain` takes: makemore's 27 characters and batch of 32 fit


def forward(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """probs and logprobs of each row, in makemore's names; stable: the row max is subtracted first."""
    norm_logits = rows - np.maximum.reduce(rows, axis=-1, keepdims=True)
    counts = np.exp(norm_logits)
    counts_sum = np.add.reduce(counts, axis=-1, keepdims=True)
    return counts / counts_sum, norm_logits - np.log(counts_sum)


def softmax(logits: np.ndarray) -> np.ndarray:
    return forward(np.atleast_2d(logits))[0].reshape(np.shape(logits))


def loss(logits: np.ndarray, target: Any) -> float:
    rows = np.atleast_2d(logits)
    logprobs = forward(rows)[1]
    return float(-logprobs[np.arange(len(rows)), np.atleast_1d(target)].mean())


@functools.cache
def _identity(classes: int) -> np.ndarray:
    identity = np.eye(classes)
    identity.flags.writeable = False  # shared between problems
    return identity


def onehot(target: Any, classes: int) -> np.ndarray:
    """1 at the target class, 0 elsewhere: a row for one target, a matrix for a batch of them."""
    return _identity(classes)[target]


class SoftmaxCE(Kind):
    name = "softmax-ce"
    title = "Softmax cross-entropy"
    summary = "softmax + cross-entropy on logits; asks dlogits = (p - y) / n"
    options = ("logits", "target")
    gradients = ("dlogits",)

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        (rows_low, rows_high), (classes_low, classes_high), spread, places = LEVELS[difficulty]
        rows, classes = draw.integer(rows_low, rows_high), draw.integer(classes_low, classes_high)
        logits = [draw.decimals(classes, -spread, spread, places) for _ in range(rows)]
        target = [draw.below(classes) for _ in range(rows)]
        if rows == 1:
            return {"logits": np.array(logits[0]), "target": target[0]}
        return {"logits": np.array(logits), "target": np.array(target)}

    def read_inputs(self, options: dict[str, str]) -> dict[str, Any]:
        logits = read_rows(options["logits"])
        if len({len(row) for row in logits}) != 1 or len(logits[0]) < 2:
            raise UserError("--logits needs rows of equal length, at least 2 classes: e.g. --logits '2,1,0;0,1,2'")
        if len(logits) > MAX_TYPED or len(logits[0]) > MAX_TYPED:
            raise UserError(f"--logits takes at most {MAX_TYPED} rows of {MAX_TYPED} classes; you gave "
                            f"{len(logits)} row(s) of {len(logits[0])}")
        target = [value for row in read_rows(options["target"]) for value in row]
        if len(target) != len(logits):
            raise UserError(f"--target needs one class per row of logits: {len(logits)}, you gave {len(target)}")
        classes = len(logits[0])
        if any(not t.is_integer() or not 0 <= t < classes for t in target):
            raise UserError(f"--target classes are whole numbers from 0 to {classes - 1}")
        target = [int(t) for t in target]
        if len(logits) == 1:
            return {"logits": np.array(logits[0]), "target": target[0]}
        return {"logits": np.array(logits), "target": np.array(target)}

    def solve_batch(self, inputs: list[dict[str, Any]], difficulty: str,
                    problem_ids: list[ProblemId | None]) -> list[Problem]:
        shape = inputs[0]["logits"].shape  # (classes,) or (n, classes): the same for the whole batch
        count, classes = len(inputs), shape[-1]
        rows = np.array([problem["logits"] for problem in inputs]).reshape(count, -1, classes)
        n = rows.shape[1]
        probs, logprobs = forward(rows)
        y = onehot(np.array([problem["target"] for problem in inputs]), classes).reshape(rows.shape)
        losses = (-np.add.reduce(logprobs * y, axis=(1, 2)) / n).tolist()  # logprobs is finite

        dlogprobs = -y / n
        with np.errstate(divide="ignore", invalid="ignore"):
            local = 1 / probs  # infinite where a probability underflows at extreme logits
            dprobs = np.where(y > 0, local * dlogprobs, 0.0)  # 0 off the target, not inf * 0 = nan
        dlogits = (probs - y) / n  # the closed form: stable for every logit
        jacobians = probs[..., :, None] * (_identity(classes) - probs[..., None, :])  # diag(p) - p p^T per row
        each = (count, *shape)
        arrays = zip(probs.reshape(each), logprobs.reshape(each), dlogprobs.reshape(each), local.reshape(each),
                     dprobs.reshape(each), dlogits.reshape(each), jacobians.reshape(*each, classes))
        return [
            self._problem(problem, difficulty, problem_id, loss_value, *values)
            for problem, problem_id, loss_value, values in zip(inputs, problem_ids, losses, arrays)
        ]

    def _problem(self, inputs, difficulty, problem_id, loss_value, probs, logprobs, dlogprobs, local, dprobs,
                 dlogits, jacobian) -> Problem:
        steps = (
            Step(
                "dlogprobs",
                "dlogprobs = -onehot(target) / n",
                Quantity("loss = -mean(logprobs[range(n), target])", loss_value),
                Quantity("-1/n at the target, 0 elsewhere", dlogprobs),
                Quantity("dloss", 1.0),
                dlogprobs,
            ),
            Step(
                "dprobs",
                "dprobs = (1 / probs) * dlogprobs",
                Quantity("logprobs = log(probs)", logprobs),
                Quantity("1 / probs", local),
                Quantity("dlogprobs", dlogprobs),
                dprobs,
            ),
            Step(
                "dlogits",
                "dlogits = probs * (dprobs - sum(probs * dprobs)) = (probs - onehot(target)) / n",
                Quantity("probs = softmax(logits)", probs),
                Quantity("probs_i * (delta_ij - probs_j), a matrix per row", jacobian),
                Quantity("dprobs", dprobs),
                dlogits,
            ),
        )
        return Problem(
            kind=self.name,
            difficulty=difficulty,
            id=problem_id,
            inputs=inputs,
            forward={"probs": probs, "logprobs": logprobs, "loss": loss_value},
            answers={"dlogits": dlogits},
            steps=steps,
            question=_question(inputs["logits"], inputs["target"]),
            closed_form={"dlogits": "dlogits = (probs - onehot(target)) / n"},
        )

    def functions(self, problem: Problem):
        target = problem.inputs["target"]
        return {"dlogits": (lambda logits: loss(logits, target), problem.inputs["logits"])}

    def hints(self, problem: Problem, gradient: str) -> tuple[str, str]:
        n = np.atleast_2d(problem.inputs["logits"]).shape[0]
        rule = (
            "Softmax followed by cross-entropy has the simplest gradient of all: "
            "dlogits = probs - onehot(target), divided by n when the loss is a mean over n rows."
        )
        values = (
            f"probs = {format_value(problem.forward['probs'])}, "
            f"target = {format_input(problem.inputs['target'])}, n = {n}"
        )
        return rule, values

    def mistakes(self, problem: Problem) -> list[Mistake]:
        logits, target = problem.inputs["logits"], problem.inputs["target"]
        shape = logits.shape
        n, classes = logits.reshape(-1, shape[-1]).shape
        probs = problem.forward["probs"].reshape(n, classes)  # the forward pass's, not computed again
        y = onehot(target, classes)
        targets = np.atleast_1d(target)

        def mistake(slug: str, words: str, value: np.ndarray) -> Mistake:
            return Mistake(slug, "dlogits", words, value.reshape(shape), "dlogits")

        found = [
            mistake("sign-flipped", "the sign is flipped: you computed y - p; the gradient is p - y", (y - probs) / n),
            mistake("onehot-not-subtracted", "you answered p: the one-hot label y was not subtracted", probs / n),
            mistake(
                "target-only",
                "only the target logit got a gradient: every logit gets probs_i, and the target also -1",
                (probs * y - y) / n,
            ),
        ]
        if n > 1:
            found.append(mistake("mean-forgotten", f"the 1/n of the batch mean was forgotten (n = {n})", probs - y))
        # one row: every other class; a batch: only an off-by-one index is a likely slip
        shifts = range(1, classes) if n == 1 else sorted({1, classes - 1})
        for shift in shifts:
            wrong = (targets + shift) % classes
            where = f"class {int(wrong[0])}" if n == 1 else "the class next to the target in each row"
            found.append(
                mistake(
                    "wrong-class",
                    f"the one-hot is at {where}; the target is {format_input(target)}",
                    (probs - onehot(wrong, classes)) / n,
                )
            )
        return found

    def extras(self, problem: Problem, lr: float) -> list[Quantity]:
        logits, target = problem.inputs["logits"], problem.inputs["target"]
        dlogits = problem.answers["dlogits"]
        stepped = logits - lr * dlogits
        return [
            Quantity("row sums of dlogits (each is 0)", np.atleast_2d(dlogits).sum(axis=1)),
            Quantity("loss before", problem.forward["loss"]),
            Quantity(f"logits - {lr:g} * dlogits", stepped),
            Quantity("loss after that step", loss(stepped, target)),
        ]


def _question(logits: np.ndarray, target: Any) -> str:
    if logits.ndim == 1:
        return (
            f"logits = {format_input(logits)}, target = {target}. "
            "With probs = softmax(logits) and loss = -log(probs[target]), compute dlogits = dloss/dlogits."
        )
    return (
        f"logits = {format_input(logits)} ({len(logits)} rows), target = {format_input(target)}. "
        "With probs = softmax(logits) row by row and loss = -mean(log(probs[range(n), target])), "
        "compute dlogits = dloss/dlogits."
    )
