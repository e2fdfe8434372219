"""A kind's closed forms computed as written, to check them against the engine's answers.

A closed form is the notebook's own code, PyTorch-style: ``dC = zeros_like(C); np.add.at(dC, Xb, demb)``,
``dbnbias = dhpreact.sum(0, keepdim=True)``. Its names are the problem's: inputs, named forward values
(and an op's extras such as ``probs``), the gradients of the other named values, the dimensions of the
inputs' shapes (``n``, ``V``; a single row is a batch of ``n = 1``), and ``onehot``, ``softmax``,
``tanh``, ``zeros_like``, ``ones_like``, ``np``. A form may go on with ``= another`` equal form
(``dlogit_maxes = -dnorm_logits.sum(1, keepdim=True) = 0``): each is computed. Test code only: the
forms are handgrad's own text, never a user's.
"""

from __future__ import annotations

import numpy as np

from handgrad_cli import engine


class Tensor(np.ndarray):
    """An array read the way PyTorch code reads it: ``x.sum(0, keepdim=True)``, ``x.view(N, -1)``, ``x.exp()``."""

    def sum(self, dim=None, keepdim=False, **numpy_style):
        return np.ndarray.sum(self, axis=numpy_style.pop("axis", dim),
                              keepdims=numpy_style.pop("keepdims", keepdim), **numpy_style)

    def max(self, dim=None, keepdim=False, **numpy_style):
        return np.ndarray.max(self, axis=numpy_style.pop("axis", dim),
                              keepdims=numpy_style.pop("keepdims", keepdim), **numpy_style)

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple):
            shape = shape[0]
        if shape and all(isinstance(size, (int, np.integer)) for size in shape):
            return self.reshape(shape)
        return np.ndarray.view(self, *shape)  # numpy's own use: a dtype or an array type

    def exp(self):
        return np.exp(self)

    def log(self):
        return np.log(self)


def _tensor(value) -> Tensor:
    return np.array(value, dtype=float).view(Tensor)


def names(kind, problem) -> dict[str, object]:
    """What a closed form of this problem may read, one problem's values (no problem axis)."""
    graph = kind.graph([problem.inputs])
    back = kind.backward(graph, words=False)
    found: dict[str, object] = {"n": 1} | _dimensions(kind, problem.inputs)
    for name, value in graph.t.items():
        if isinstance(value, engine.Node):
            found[name] = _tensor(value.value[0])
        elif isinstance(value, np.ndarray):
            found[name] = np.asarray(value)[0]  # indices stay whole numbers
    for name, node in graph.nodes.items():
        found[name] = _tensor(node.value[0])
        found.update({extra: _tensor(value[0]) for extra, value in node.aux.items()})
        if node in back.grads:
            found[f"d{name}"] = _tensor(back.grads[node][0])
    if graph.seed_name:
        found[graph.seed_name] = _tensor(graph.seed[0])
    classes = np.shape(found["logits"])[-1] if "logits" in found else None

    def onehot(index):
        return _tensor(np.eye(classes)[np.asarray(index, dtype=int)])

    def softmax(x):
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    return found | {"onehot": onehot, "softmax": softmax, "tanh": np.tanh, "zeros_like": np.zeros_like,
                    "ones_like": np.ones_like, "np": np}


def _dimensions(kind, inputs) -> dict[str, int]:
    """The sizes the inputs' shapes name (``N``, ``V``), from the values themselves."""
    sizes: dict[str, int] = {}
    for spec in kind.inputs:
        actual = np.shape(inputs.get(spec.name))
        for shape in spec.shapes:
            if len(shape) == len(actual):
                sizes.update({dim: size for dim, size in zip(shape, actual) if dim.isidentifier()})
                break
    return sizes


def computed(formula: str, gradient: str, namespace: dict[str, object]) -> list[np.ndarray]:
    """The values a closed form gives for `gradient`: one per equal form it writes."""
    scope = {name: value for name, value in namespace.items() if name != gradient}  # no reading the answer
    *before, last = [statement.strip() for statement in formula.split("; ")]
    for statement in before:
        exec(statement, {}, scope)
    target, *forms = [part.strip() for part in last.split(" = ")]
    if not forms:  # a statement that fills the gradient in place: np.add.at(dC, Xb, demb)
        exec(last, {}, scope)
        return [np.asarray(scope[gradient])]
    if target != gradient:  # an assignment into it: dlogprobs[range(n), Yb] = -1.0/n
        exec(last, {}, scope)
        return [np.asarray(scope[gradient])]
    return [np.asarray(eval(form, {}, scope)) for form in forms]
