"""A problem's parts by name: its gradients, its groups (mlp's `loss`, `layer2` … `embedding`), and
the chain-rule steps to show for them. Pure: `explain ID GRADIENT|GROUP`, the drill's feedback and its
`steps NAME` word all read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handgrad_cli.errors import UserError, shown
from handgrad_cli.problem import Problem


def groups(problem: Problem) -> dict[str, tuple[str, ...]]:
    """The problem's groups by short name, each with its asked gradients in order (none for a short kind)."""
    from handgrad_cli.kinds import get_kind

    kind = get_kind(problem.kind)
    every = kind.gradients or problem.asked  # a group runs to the next one in the kind's whole list
    starts = sorted((every.index(first), word) for first, word in kind.group_words.items())
    bounds = [start for start, _ in starts] + [len(every)]
    found = {word: tuple(name for name in every[start:stop] if name in problem.asked)
             for (start, word), stop in zip(starts, bounds[1:])}
    return {word: names for word, names in found.items() if names}


def chosen(problem: Problem, words: Sequence[str]) -> tuple[str, ...]:
    """The gradients that gradient names and group names stand for, in the order asked; an unknown
    word is refused with what may be asked."""
    named = groups(problem)
    picked: set[str] = set()
    for word in words:
        if word in named:
            picked.update(named[word])
        elif word in problem.asked:
            picked.add(word)
        elif f"d{word}" in problem.asked:  # "bnraw" for dbnraw
            picked.add(f"d{word}")
        else:
            raise UserError(f"{problem.label} has no gradient or group {shown(word)}: {choices(problem)}")
    return tuple(name for name in problem.asked if name in picked)


def choices(problem: Problem) -> str:
    """What may be named, in a line: the groups first, then the gradients."""
    named = groups(problem)
    listed = f"groups {', '.join(named)}; " if named else ""
    return f"{listed}gradients {', '.join(problem.asked)}"


def steps_for(problem: Problem, gradients: Sequence[str]) -> list[Any]:
    """The steps of these gradients, each with the steps not asked that lie between it and the asked
    step before it (the intermediates a learner works through on the way), in the backward order."""
    wanted = set(gradients)
    found, between = [], []
    for step in problem.path_steps:
        if not step.asked:
            between.append(step)
            continue
        if step.quantity in wanted:
            found += between + [step]
        between = []
    return found


def indices_read(problem: Problem, gradients: Sequence[str]) -> dict[str, Any]:
    """The index inputs (Yb, Xb) these gradients' steps read: the local derivatives give them no number,
    so they are found by name in the steps as written."""
    import re

    from handgrad_cli.kinds import get_kind

    kind = get_kind(problem.kind)
    written = " ".join(f"{step.formula} {term.local} {term.via}" for step in problem.steps
                       if step.quantity in gradients for term in step.terms)
    words = set(re.findall(r"[A-Za-z_]\w*", written))
    return {spec.name: problem.inputs[spec.name] for spec in kind.inputs if spec.index and spec.name in words}


def upstream_read(problem: Problem, gradients: Sequence[str]) -> list[str]:
    """The gradients asked before these that their steps multiply by (their upstream), in order."""
    before = problem.asked[:problem.asked.index(gradients[0])] if gradients else ()
    names = [term.upstream for step in problem.steps if step.quantity in gradients for term in step.terms]
    return [name for name in dict.fromkeys(names) if name in before]


def split_words(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """`explain`'s words: the inputs (NAME=VALUES, --NAME VALUES, --NAME=VALUES) and the parts named
    (a gradient or a group: a bare word)."""
    inputs, named = [], []
    rest = iter(words)
    for word in rest:
        if word.startswith("--"):
            following = [] if "=" in word else [value for value in [next(rest, None)] if value is not None]
            inputs += [word, *following]  # a flag's values, whatever they look like
        elif "=" in word:
            inputs.append(word)
        else:
            named.append(word)
    return inputs, named
