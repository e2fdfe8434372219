"""The first two hints of a gradient, in the problem's own names and shapes (the third is the answer).

Hint 1 says the rule: for each path, the expression it goes through, the rule in words, the local
derivative and the upstream gradient it multiplies, with their shapes. Hint 2 says what the answer is
made from and where each value is (an input of the problem, an earlier answer, a forward value), then
works the first entry: the learner sees how, not the whole answer.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from handgrad_cli.numbers import format_number
from handgrad_cli.problem import Problem

SMALL_SUM = 4  # a matrix product's first entry is written out term by term up to this many terms


def shape_of(value: Any) -> str:
    shape = np.shape(value)
    return "[" + ", ".join(map(str, shape)) + "]" if shape else "(a number)"


def rule_hint(problem: Problem, gradient: str) -> str:
    """Hint 1: the rule of each path into the gradient, in the problem's names, with the shapes."""
    step = _step(problem, gradient)
    name = gradient[1:]
    paths = []
    for term in step.terms:
        words = f"{term.via}: {term.rule}"
        if term.formula == term.local:  # the loss's own gradient: nothing from above
            words += f"; {gradient} = {term.local}"
        elif term.local in ("1", "-1"):
            words += f"; {gradient} takes {'-' if term.local == '-1' else ''}{term.upstream} {shape_of(term.upstream_value)}"
        else:
            words += (f"; the local derivative in {name} is {term.local} {shape_of(term.local_value)}, "
                      f"with the upstream {term.upstream} {shape_of(term.upstream_value)}")
        if term.summed:
            words += f" ({term.summed})"
        paths.append(words)
    joined = "; then add the paths. ".join(paths) if len(paths) > 1 else paths[0]
    shape = f"has {name}'s shape {shape_of(step.result)}" if np.ndim(step.result) else "is a number"
    return f"{gradient} {shape}. {joined}."


def values_hint(problem: Problem, gradient: str, decimals: int = 3, named: dict[str, Any] | None = None) -> str:
    """Hint 2: the values the step reads, where each is, and its first entry worked (of a matrix: a
    scalar's one entry would be the answer). `named`: values the kind names besides (a count n)."""
    step = _step(problem, gradient)
    needed = [f"{name} = {value}" if isinstance(value, int) else f"{name} {shape_of(value)} ({_where(problem, name)})"
              for name, value in (named or {}).items()]
    for term in step.terms:
        if term.formula != term.local and term.local not in ("1", "-1"):
            needed.append(f"{term.local} {shape_of(term.local_value)} ({_where(problem, term.local)})")
        if term.formula != term.local:
            needed.append(f"{term.upstream} {shape_of(term.upstream_value)} ({_where(problem, term.upstream)})")
    made = f"{step.formula}. It reads " + ", ".join(dict.fromkeys(needed)) + "." if needed else f"{step.formula}."
    return made + (" " + first_entry(step, decimals) if np.size(step.result) > 1 else "")


def _where(problem: Problem, name: str) -> str:
    if name in problem.inputs:
        return "given in the problem"
    if name in problem.asked:
        return "your answer above"
    if name in problem.forward:
        return "a forward value: above, or type values"
    if name.startswith("d"):
        return "a gradient not asked: work it out on the way"
    made = [word for word in re.findall(r"[A-Za-z_]\w*", name) if word in problem.forward or word in problem.inputs]
    return f"from {', '.join(dict.fromkeys(made))}: above, or type values" if made else "type values to see it"


def first_entry(step: Any, decimals: int = 3) -> str:
    """The first entry of the gradient that is not 0 (a 0 teaches nothing), worked from its terms where
    each is a product entry by entry."""
    result = np.asarray(step.result)
    nonzero = np.argwhere(np.abs(result) > 1e-12)
    index = tuple(int(i) for i in nonzero[0]) if len(nonzero) else (0,) * result.ndim
    label = step.quantity + "".join(f"[{i}]" for i in index)
    parts = [_term_entry(term, index, decimals) for term in step.terms]
    if any(part is None for part in parts):
        return f"Its first entry not 0: {label} = {format_number(result[index], decimals)}."
    worked = " + ".join(parts) if len(parts) > 1 else parts[0]
    return f"Its first entry not 0: {label} = {worked} = {format_number(result[index], decimals)}."


def _term_entry(term: Any, index: tuple, decimals: int) -> str | None:
    """One path's share of the first entry as arithmetic, or None when it is not a plain entrywise product."""
    value, local, up = (np.asarray(x, dtype=float) for x in (term.value, term.local_value, term.upstream_value))
    shown = lambda x: format_number(x, decimals)  # noqa: E731
    if term.formula == term.local or term.summed:
        return None
    if " @ " in term.formula:
        return _product_entry(term, index, shown)
    try:
        local_entry = np.broadcast_to(local, value.shape)[index]
        up_entry = np.broadcast_to(up, value.shape)[index]
    except ValueError:
        return None
    if term.local in ("1", "-1"):
        return f"{'-' if term.local == '-1' else ''}{shown(up_entry)}"
    return f"{shown(local_entry)} * {shown(up_entry)}"


def _product_entry(term: Any, index: tuple, shown) -> str | None:
    """A matrix product's first entry: row 0 times column 0, written out when short."""
    local, up = np.asarray(term.local_value, dtype=float), np.asarray(term.upstream_value, dtype=float)
    left, right = (up, local) if term.formula.startswith(term.upstream) else (local, up)
    if left.ndim != 2 or right.ndim != 2 or left.shape[1] > SMALL_SUM:
        return None
    return " + ".join(f"{shown(a)} * {shown(b)}" for a, b in zip(left[index[0]], right[:, index[1]]))


def _step(problem: Problem, gradient: str) -> Any:
    return next(step for step in problem.steps if step.quantity == gradient)
