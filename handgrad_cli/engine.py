"""A small autodiff engine over numpy tensors: micrograd's idea, with a leading problem axis.

Each op builds its output `Node` and, right beside it, one `Link` per input: the local derivative
as a learner writes it, how to compute it from the forward values, how it meets the upstream
gradient (``*``, ``@``, a sum over a broadcast axis...) and the rule in words. One generic
`backward` walks the graph and gives every node's gradient and its chain-rule step, one term per
path into the node, so a variable used twice shows both terms and their sum.

Every value carries a leading problem axis: a batch of same-shape problems is solved in one
numpy pass (axis 0 is the problem, never the batch of a problem). Ops take axes as a learner
counts them, without the problem axis. No terminal here: a notebook can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

Values = Callable[["Node"], np.ndarray]  # a node's forward value (exact, or as shown: rounded)


class Node:
    """A forward value with its expression, its lesson name (if any) and the links to its inputs."""

    __slots__ = ("value", "expr", "name", "links", "aux", "fixed", "nudges")

    def __init__(self, value: np.ndarray, expr: str, links: tuple[Link, ...] = (), name: str | None = None,
                 nudges: dict[str, np.ndarray] | None = None):
        self.value = value
        self.expr = expr  # as a learner writes it: "bndiff * bnvar_inv"
        self.name = name  # as the lesson names it: "bnraw"; None for an unnamed intermediate
        self.links = links
        self.aux: dict[str, np.ndarray] = {}  # further forward values an op shows (softmax's probs)
        self.fixed = False  # a number written into an expression: it gets no gradient
        self.nudges = nudges  # the forward pass's nudges by name, given to its inputs (None: ask the inputs)

    def named(self, name: str) -> Node:
        """Names the node; a forward pass given a nudge for this name (finite differences) adds it here."""
        self.name = name
        nudge = self.forward_nudges().get(name)
        if nudge is not None:
            self.value = self.value + nudge
        return self

    def forward_nudges(self) -> dict[str, np.ndarray]:
        """The nudges of the forward pass that made this node: its inputs', found once and kept."""
        if self.nudges is None:
            self.nudges = next((found for link in self.links if (found := link.parent.forward_nudges())), {})
        return self.nudges

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one problem's value (without the problem axis)."""
        return self.value.shape[1:]

    @property
    def label(self) -> str:
        """How other expressions refer to it: its name, else its expression in parentheses."""
        return self.name or f"({self.expr})"

    def __repr__(self) -> str:
        return f"Node({self.label}, shape={self.shape})"

    # the arithmetic a kind's forward pass is written in
    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(constant(other, self), self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(constant(other, self), self)
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(constant(other, self), self)
    def __truediv__(self, other): return div(self, other)
    def __rtruediv__(self, other): return div(constant(other, self), self)
    def __neg__(self): return neg(self)
    def __pow__(self, n: float): return power(self, n)
    def __matmul__(self, other): return matmul(self, other)
    def __getitem__(self, index): return pick(self, index)

    def exp(self): return exp(self)
    def log(self): return log(self)
    def tanh(self): return tanh(self)
    def sigmoid(self): return sigmoid(self)
    def relu(self): return relu(self)
    def sum(self, axis: int, keepdim: bool = False): return total(self, axis, keepdim)
    def mean(self, axis: int, keepdim: bool = False): return mean(self, axis, keepdim)
    def max(self, axis: int, keepdim: bool = False): return maximum(self, axis, keepdim)
    def view(self, *shape: int): return view(self, shape)
    def dot(self, other): return dot(self, other)


class Link(NamedTuple):
    """One input of an op, seen from the backward pass."""

    parent: Node
    local: str  # the local derivative as written, e.g. "1 - a**2", "h.T"
    local_value: Callable[[Values], np.ndarray]  # it, from forward values
    combine: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (local, upstream) -> this path's term
    template: str  # how the term is written: "{local} * {up}", "{local} @ {up}"
    rule: str  # the rule in words
    summed: str = ""  # "summed over the batch": set where a broadcast forward becomes a sum backward
    passes: bool = False  # the upstream passes through unchanged (add of same shapes)


class Term(NamedTuple):
    """One path's contribution to a gradient: local derivative, upstream gradient, their product."""

    via: str  # the expression the path goes through
    formula: str  # e.g. "counts_sum_inv * dprobs"
    local: str
    local_value: np.ndarray
    upstream: str
    upstream_value: np.ndarray
    value: np.ndarray
    rule: str
    summed: str


class Slip(NamedTuple):
    """A named mistake, as a change the backward pass can make at one gradient.

    `term` changes each path into `at` (through `via` only, if given): it gets the link, the local
    derivative and the upstream and returns the wrong term, or None to drop the path. `whole`
    changes the gradient once summed: it gets the gradient and the forward values.
    """

    slug: str
    at: str  # the gradient (node name) where the slip is made
    words: str  # the slip, in a sentence a learner reads
    term: Callable[[Link, np.ndarray, np.ndarray, Values], np.ndarray | None] | None = None
    whole: Callable[[np.ndarray, Values], np.ndarray] | None = None
    via: str | None = None


# --- slips every kind can name --------------------------------------------------------------


def flipped(at: str, words: str) -> Slip:
    return Slip("sign-flipped", at, words, whole=lambda g, val: -g)


def scaled(at: str, slug: str, words: str, factor: Callable[[Values], Any]) -> Slip:
    return Slip(slug, at, words, whole=lambda g, val: g * factor(val))


def path_dropped(at: str, via: str, slug: str, words: str) -> Slip:
    return Slip(slug, at, words, term=lambda link, local, up, val: None, via=via)


def upstream_dropped(at: str, words: str, slug: str = "upstream-dropped") -> Slip:
    return Slip(slug, at, words, term=lambda link, local, up, val: link.combine(local, np.ones_like(up)))


def local_swapped(at: str, slug: str, words: str, wrong: Callable[[Values], np.ndarray],
                  via: str | None = None) -> Slip:
    """The wrong local derivative: `wrong` computes it from the forward values."""
    return Slip(slug, at, words, term=lambda link, local, up, val: link.combine(wrong(val), up), via=via)


# --- building nodes -------------------------------------------------------------------------


def leaf(value: Any, name: str, nudges: dict[str, np.ndarray] | None = None) -> Node:
    """An input: `value` has the problem axis first. `nudges` (finite differences) adds to named values
    as the forward pass from this input makes them, each by name: ``{"z": delta}``."""
    return Node(np.asarray(value, dtype=float), name, nudges=nudges or {}).named(name)


def given(value: Any, name: str) -> Node:
    """An input that gets no gradient (a label y): read by the forward pass, never differentiated."""
    node = Node(np.asarray(value, dtype=float), name, name=name)
    node.fixed = True
    return node


def constant(value: Any, like: Node) -> Node:
    """A number written into an expression; it gets no gradient of its own."""
    number = float(value)
    node = Node(np.full(like.value.shape[:1], number), f"{number:g}", name=f"{number:g}")
    node.fixed = True
    return node


def _node(value: Node | float, like: Node) -> Node:
    return value if isinstance(value, Node) else constant(value, like)


def _problem_axis(node: Node, axis: int) -> int:
    """A learner's axis (negative counts from the end) as an axis of the batched value."""
    return axis + 1 if axis >= 0 else node.value.ndim + axis


def _aligned(a: Node, b: Node) -> tuple[np.ndarray, np.ndarray]:
    """Both values with their per-problem shapes right-aligned, as numpy broadcasts one problem."""
    width = max(len(a.shape), len(b.shape))
    return _widened(a.value, width), _widened(b.value, width)


def _widened(value: np.ndarray, width: int) -> np.ndarray:
    missing = width - (value.ndim - 1)
    return value.reshape(value.shape[:1] + (1,) * missing + value.shape[1:]) if missing else value


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A gradient summed back to an input's shape: what a broadcast spread, the backward pass sums."""
    extra = grad.ndim - 1 - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(1, 1 + extra)))
    axes = tuple(i + 1 for i, size in enumerate(shape) if size == 1 and grad.shape[i + 1] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(grad.shape[:1] + shape)


def _spread_axes(shape: tuple[int, ...], out: tuple[int, ...]) -> tuple[int, list[int]]:
    """How a broadcast spread an input of `shape` over `out`: the leading axes it lacked, and its size-1
    axes that were stretched (kept, as keepdim keeps them)."""
    missing = len(out) - len(shape)
    return missing, [missing + i for i, size in enumerate(shape) if size == 1 and out[missing + i] != 1]


def _summed_words(shape: tuple[int, ...], out: tuple[int, ...]) -> str:
    """Where an input was broadcast, the words for the sum the backward pass makes."""
    missing, kept = _spread_axes(shape, out)
    axes = list(range(missing)) + kept
    if not axes:
        return ""
    if axes == [0] and len(out) == 2:
        return "summed over the batch (axis 0): a broadcast forward is a sum backward"
    return f"summed over axis {', '.join(map(str, axes))}: a broadcast forward is a sum backward"


def _elementwise(parent: Node, out_shape: tuple[int, ...], local: str, local_value, rule: str,
                 template: str = "{local} * {up}", passes: bool = False) -> Link:
    shape = parent.shape
    summed = _summed_words(shape, out_shape)

    def combine(local_: np.ndarray, up: np.ndarray) -> np.ndarray:
        return unbroadcast(_times(local_, up), shape)

    return Link(parent, local, local_value, combine, _summed_template(template, shape, out_shape), rule, summed,
                passes and not summed)


def _summed_template(template: str, shape: tuple[int, ...], out: tuple[int, ...]) -> str:
    """A term as written when the input was broadcast: the sum in it, ``dY.sum(0)``,
    ``(bnraw * dhpreact).sum(0, keepdim=True)``, as the notebook writes it."""
    missing, kept = _spread_axes(shape, out)
    if not missing and not kept:
        return template
    text = template if template == "{up}" else f"({template})"
    if kept:
        text += f".sum({_axes_text(kept)}, keepdim=True)"
    if missing:
        text += f".sum({_axes_text(list(range(missing)))})"
    return text


def _axes_text(axes: list[int]) -> str:
    return str(axes[0]) if len(axes) == 1 else "(" + ", ".join(map(str, axes)) + ")"


def _times(local: np.ndarray, up: np.ndarray) -> np.ndarray:
    """local * upstream, with per-problem shapes right-aligned."""
    width = max(np.ndim(local), np.ndim(up)) - 1
    return _widened(np.asarray(local), width) * _widened(np.asarray(up), width)


def _operand(node: Node, right: bool = False) -> str:
    """A node written inside a sum: an unnamed sum on the right of + or - needs parentheses."""
    if node.name or (right and any(op in node.expr for op in (" + ", " - "))):
        return node.label
    return node.expr


def add(a: Node, b: Node | float) -> Node:
    b = _node(b, a)
    x, y = _aligned(a, b)
    out = Node(x + y, f"{_operand(a)} + {_operand(b, right=True)}")
    rule = "add passes the gradient through"
    one = lambda val: np.ones(1)  # noqa: E731  (the local derivative of a + b is 1 for both)
    out.links = (_elementwise(a, out.shape, "1", one, rule, "{up}", passes=True),
                 _elementwise(b, out.shape, "1", one, rule, "{up}", passes=True))
    return out


def sub(a: Node, b: Node | float) -> Node:
    b = _node(b, a)
    x, y = _aligned(a, b)
    out = Node(x - y, f"{_operand(a)} - {_operand(b, right=True)}")
    out.links = (
        _elementwise(a, out.shape, "1", lambda val: np.ones(1), "subtraction passes the gradient to its left",
                     "{up}", passes=True),
        _elementwise(b, out.shape, "-1", lambda val: -np.ones(1), "subtraction negates the gradient to its right",
                     "-{up}"),
    )
    return out


def mul(a: Node, b: Node | float) -> Node:
    b = _node(b, a)
    x, y = _aligned(a, b)
    out = Node(x * y, f"{_factor(a)} * {_factor(b)}")
    rule = "mul swaps its inputs"
    out.links = (_elementwise(a, out.shape, b.label, lambda val: val(b), rule),
                 _elementwise(b, out.shape, a.label, lambda val: val(a), rule))
    return out


def _factor(node: Node) -> str:
    """A node inside a product: a sum needs parentheses."""
    if node.name:
        return node.label
    return f"({node.expr})" if any(op in node.expr for op in (" + ", " - ")) else node.expr


def div(a: Node, b: Node | float) -> Node:
    b = _node(b, a)
    x, y = _aligned(a, b)
    out = Node(x / y, f"{_factor(a)} / {_factor(b)}")
    out.links = (
        _elementwise(a, out.shape, f"1 / {b.label}", lambda val: 1 / val(b),
                     f"{a.label} / {b.label}: the local derivative in {a.label} is 1/{b.label}"),
        _elementwise(b, out.shape, f"-{a.label} / {b.label}**2", lambda val: -_times(val(a), val(b) ** -2.0),
                     f"{a.label} / {b.label}: the local derivative in {b.label} is -{a.label} / {b.label}**2"),
    )
    return out


def power(a: Node, n: float, plus: float = 0.0) -> Node:
    """``a**n``, or ``(a + plus)**n`` as one step: batchnorm's ``(bnvar + 1e-5)**-0.5``, whose
    derivative reads ``-0.5 * (bnvar + 1e-05)**-1.5`` rather than through an unnamed sum."""
    n, plus = float(n), float(plus)
    text = f"{n:g}"
    base = f"({a.label} + {plus:g})" if plus else a.label
    out = Node((a.value + plus) ** n, f"{base}**{text}")
    local = f"{text} * {base}**{n - 1:g}" if n != 2 else f"2 * {base}"
    def slope(val: Values) -> np.ndarray:  # a**0 is 1 everywhere: its slope is 0, even at a = 0 (as torch's)
        return np.zeros(np.shape(val(a))) if n == 0 else n * (val(a) + plus) ** (n - 1)

    out.links = (_elementwise(a, out.shape, local, slope,
                              "pow by a constant n: n times the input to the n - 1"),)
    return out


def exp(a: Node) -> Node:
    out = Node(np.exp(a.value), f"{a.label}.exp()")
    out.links = (_elementwise(a, out.shape, "{out}", lambda val: val(out), "exp is its own derivative"),)
    return out


def log(a: Node) -> Node:
    out = Node(np.log(a.value), f"{a.label}.log()")
    out.links = (_elementwise(a, out.shape, f"1 / {a.label}", lambda val: 1 / val(a), "log's derivative is 1/x"),)
    return out


def tanh(a: Node) -> Node:
    out = Node(np.tanh(a.value), f"{a.label}.tanh()")
    out.links = (_elementwise(a, out.shape, "1 - {out}**2", lambda val: 1 - val(out) ** 2,
                              "tanh's derivative is 1 - tanh**2"),)
    return out


def sigmoid(a: Node) -> Node:
    """``1 / (1 + exp(-a))``, computed as ``(1 + tanh(a/2)) / 2``: the same number, finite for any input."""
    out = Node(0.5 * (1 + np.tanh(0.5 * a.value)), f"{a.label}.sigmoid()")
    out.links = (_elementwise(a, out.shape, "{out} * (1 - {out})", lambda val: val(out) * (1 - val(out)),
                              "sigmoid's derivative is sigmoid * (1 - sigmoid)"),)
    return out


def relu(a: Node) -> Node:
    out = Node(np.maximum(a.value, 0.0), f"{a.label}.relu()")
    out.links = (_elementwise(a, out.shape, f"({a.label} > 0)", lambda val: (val(a) > 0).astype(float),
                              "relu passes the gradient where its input is positive, else 0"),)
    return out


def total(a: Node, axis: int, keepdim: bool = False, divisor: float = 1, expr: str | None = None,
          rule: str | None = None) -> Node:
    """``a.sum(axis)``, or ``1/divisor * a.sum(axis)`` as one step (a mean; Bessel's variance), as the
    notebook writes it: its gradient reads ``1/divisor * dout``, copied to every entry summed."""
    batched = _problem_axis(a, axis)
    summed = f"{a.label}.sum({axis}{', keepdim=True' if keepdim else ''})"
    out = Node(a.value.sum(axis=batched, keepdims=keepdim) / divisor,
               expr or (summed if divisor == 1 else f"1/{divisor:g} * {summed}"))
    shape = a.shape

    def combine(local: np.ndarray, up: np.ndarray) -> np.ndarray:
        spread = up if keepdim else np.expand_dims(up, batched)
        return np.broadcast_to(spread, (up.shape[0],) + shape) * local

    copies = f"sum copies the gradient to every entry it added (along axis {axis})"
    if divisor == 1:
        out.links = (Link(a, "1", lambda val: np.ones(1), combine, "{up}", rule or copies),)
    else:
        out.links = (Link(a, f"1/{divisor:g}", lambda val: np.full(1, 1.0 / divisor), combine, "{local} * {up}",
                          rule or f"{copies}, each entry getting 1/{divisor:g} of it"),)
    return out


def mean(a: Node, axis: int, keepdim: bool = False, ddof: int = 0) -> Node:
    """The mean along an axis; ``ddof=1`` divides by n - 1 (Bessel's correction, batchnorm's variance)."""
    count = a.shape[axis]
    keep = ", keepdim=True" if keepdim else ""
    expr = f"{a.label}.mean({axis}{keep})" if not ddof else f"1/({count}-{ddof}) * {a.label}.sum({axis}{keep})"
    n = count - ddof
    rule = (f"mean shares the gradient equally: each entry gets 1/{n} of it" if not ddof else
            f"Bessel's correction divides the sum by n - 1 = {n}: each entry gets 1/{n} of the gradient")
    return total(a, axis, keepdim, divisor=n, expr=expr, rule=rule)


def neg(a: Node) -> Node:
    out = Node(-a.value, f"-{_factor(a)}")
    out.links = (_elementwise(a, out.shape, "-1", lambda val: -np.ones(1), "negation flips the gradient's sign", "-{up}"),)
    return out


def maximum(a: Node, axis: int, keepdim: bool = False) -> Node:
    batched = _problem_axis(a, axis)
    value = a.value.max(axis=batched, keepdims=True)
    out = Node(value if keepdim else value.squeeze(batched), f"{a.label}.max({axis}{', keepdim=True' if keepdim else ''})")

    def where_max(val: Values) -> np.ndarray:  # the first largest entry where several tie, as torch's max does
        x = val(a)
        first = np.zeros(x.shape)
        np.put_along_axis(first, np.expand_dims(x.argmax(axis=batched), batched), 1.0, axis=batched)
        return first

    def combine(local: np.ndarray, up: np.ndarray) -> np.ndarray:
        return local * (up if keepdim else np.expand_dims(up, batched))

    out.links = (Link(a, f"onehot({a.label}.argmax({axis}))", where_max, combine, "{local} * {up}",
                      "max passes the gradient to the largest entry only (the first, where entries tie, as torch does)"),)
    return out


def matmul(a: Node, b: Node) -> Node:
    """A matrix product of one problem's matrices: ``dA = dY @ B.T``, ``dB = A.T @ dY``."""
    out = Node(a.value @ b.value, f"{a.label} @ {b.label}")
    out.links = (
        Link(a, f"{b.label}.T", lambda val: np.swapaxes(val(b), -1, -2), lambda local, up: up @ local,
             "{up} @ {local}", "matmul backward is a transpose: dA = dY @ B.T"),
        Link(b, f"{a.label}.T", lambda val: np.swapaxes(val(a), -1, -2), lambda local, up: local @ up,
             "{local} @ {up}", "matmul backward is a transpose: dB = A.T @ dY"),
    )
    return out


def dot(a: Node, b: Node) -> Node:
    """The dot product of two vectors, ``w.x``: each w_i gets x_i times the upstream, and back."""
    out = Node(np.einsum("pi,pi->p", a.value, b.value), f"{a.label}.{b.label}")
    rule = "mul swaps its inputs: each entry gets the other vector's entry times the upstream"

    def combine(local: np.ndarray, up: np.ndarray) -> np.ndarray:
        return local * up[:, None]

    out.links = (Link(a, b.label, lambda val: val(b), combine, "{local} * {up}", rule),
                 Link(b, a.label, lambda val: val(a), combine, "{local} * {up}", rule))
    return out


def pick(a: Node, index: Any) -> Node:
    """One entry per row, ``logprobs[range(n), Yb]``: `index` is an integer array of the rows' shape."""
    rows = np.asarray(index[1] if isinstance(index, tuple) else index)
    take = rows[..., None].astype(np.intp)
    out = Node(np.take_along_axis(a.value, take, axis=-1)[..., 0], f"{a.label}[range(n), {_index_name(index)}]")

    def chosen(val: Values) -> np.ndarray:
        mask = np.zeros(a.value.shape)
        np.put_along_axis(mask, take, 1.0, axis=-1)
        return mask

    out.links = (Link(a, f"onehot({_index_name(index)})", chosen, lambda local, up: local * up[..., None],
                      "{local} * {up}", "indexing routes the gradient to the entries picked, 0 elsewhere"),)
    return out


def _index_name(index: Any) -> str:
    return getattr(index, "name", None) or "Yb"


class Index(np.ndarray):
    """An integer input with a name, for expressions such as ``C[Xb]``."""

    name = ""


def named_index(value: Any, name: str) -> Index:
    index = np.asarray(value, dtype=np.intp).view(Index)
    index.name = name
    return index


def embed(table: Node, index: Index) -> Node:
    """``C[Xb]``: rows of a table looked up; backward is a scatter-add (a repeated row adds up)."""
    problems = np.arange(table.value.shape[0]).reshape((-1,) + (1,) * (index.ndim - 1))
    rows = np.asarray(index)
    out = Node(table.value[problems, rows], f"{table.label}[{index.name}]")

    def scatter(local: np.ndarray, up: np.ndarray) -> np.ndarray:
        grad = np.zeros(table.value.shape[:1] + table.shape)
        np.add.at(grad, (problems, rows), up)
        return grad

    out.links = (Link(table, index.name, lambda val: rows, scatter, "scatter-add of {up} at rows {local}",
                      "an embedding's backward is a scatter-add: a row used twice gets both gradients"),)
    return out


def view(a: Node, shape: tuple[int, ...]) -> Node:
    size, known = int(np.prod(a.shape)), int(np.prod([s for s in shape if s != -1]))
    shape = tuple(size // known if s == -1 else s for s in shape)
    out = Node(a.value.reshape(a.value.shape[:1] + shape), f"{a.label}.view({', '.join(map(str, shape))})")
    back = a.shape
    out.links = (Link(a, "1", lambda val: np.ones(1),
                      lambda local, up: up.reshape(up.shape[:1] + back), f"{{up}}.view({', '.join(map(str, back))})",
                      "a view moves no numbers: the gradient is viewed back to the input's shape"),)
    return out


def concat(nodes: list[Node], axis: int) -> Node:
    batched = _problem_axis(nodes[0], axis)
    out = Node(np.concatenate([node.value for node in nodes], axis=batched),
               f"cat([{', '.join(node.label for node in nodes)}], {axis})")
    bounds = np.cumsum([0] + [node.value.shape[batched] for node in nodes])
    links = []
    for node, start, stop in zip(nodes, bounds, bounds[1:]):
        part = (slice(None),) * batched + (slice(start, stop),)
        links.append(Link(node, "1", lambda val: np.ones(1), lambda local, up, part=part: up[part],
                          f"{{up}}[{start}:{stop}]", "concatenation hands each input back its slice"))
    out.links = tuple(links)
    return out


def cross_entropy(logits: Node, target: Any) -> Node:
    """Fused, stable softmax + mean cross-entropy: its backward is the closed form (probs - onehot) / n."""
    rows = logits.value.reshape(logits.value.shape[0], -1, logits.shape[-1])
    n = rows.shape[1]
    shifted = rows - rows.max(axis=-1, keepdims=True)  # stable: logits of 1e4 stay finite
    counts = np.exp(shifted)
    counts_sum = counts.sum(axis=-1, keepdims=True)
    logprobs = shifted - np.log(counts_sum)
    probs = counts / counts_sum
    y = np.zeros_like(rows)
    np.put_along_axis(y, np.asarray(target, dtype=np.intp).reshape(rows.shape[0], n, 1), 1.0, axis=-1)
    loss = -(logprobs * y).sum(axis=(1, 2)) / n
    out = Node(loss, f"cross_entropy({logits.label}, target)")
    out.aux = {"probs": probs.reshape(logits.value.shape), "logprobs": logprobs.reshape(logits.value.shape)}
    closed = ((probs - y) / n).reshape(logits.value.shape)
    out.links = (Link(logits, "(probs - onehot(target)) / n", lambda val: closed, _times, "{local} * {up}",
                      "softmax then cross-entropy: the gradient is probs minus the one-hot label, over n"),)
    return out


# --- the backward pass ----------------------------------------------------------------------


class Step(NamedTuple):
    """A gradient and how it is made: one term per path, and their sum."""

    quantity: str  # "dcounts"
    forward: str  # the node's forward expression, "counts = norm_logits.exp()"
    forward_value: np.ndarray
    terms: tuple[Term, ...]
    result: np.ndarray
    asked: bool = True  # False for a step on the way that the problem does not ask

    @property
    def formula(self) -> str:
        return f"{self.quantity} = " + " + ".join(term.formula for term in self.terms)

    def of(self, i: int) -> Step:
        """Problem i's step, from a batch's."""
        count = self.result.shape[0]
        terms = tuple(  # built directly: NamedTuple._replace costs several times more, once per term per problem
            Term(term.via, term.formula, term.local, one_of(term.local_value, i, count), term.upstream,
                 one_of(term.upstream_value, i, count), term.value[i], term.rule, term.summed)
            for term in self.terms
        )
        return Step(self.quantity, self.forward, self.forward_value[i], terms, self.result[i], self.asked)


def is_batched(value: np.ndarray, count: int) -> bool:
    """Whether a step's value has one entry per problem of a batch of `count`, or is shared by all
    (the local 1 of add)."""
    return bool(np.ndim(value)) and np.shape(value)[0] == count


def one_of(value: np.ndarray, i: int, count: int) -> np.ndarray:
    """Problem i's part of a batched array; a local derivative shared by all (the 1 of add) as it is."""
    value = np.asarray(value)
    if is_batched(value, count):
        return value[i]
    return value[0] if value.ndim else value


class Backward(NamedTuple):
    grads: dict[Node, np.ndarray]
    terms: dict[Node, list[Term]]
    order: list[Node]  # inputs before outputs
    links: dict[Node, list[Link]]  # the link behind each term, in the same order


def topological(root: Node) -> list[Node]:
    order, seen = [], set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((link.parent, False) for link in reversed(node.links) if id(link.parent) not in seen)
    return order


def grad_name(node: Node) -> str:
    return f"d{node.name}" if node.name else f"d({node.expr})"


class Plan(NamedTuple):
    """A graph's walk, made once and reused by every backward pass over it (slips, rounding, overrides)."""

    order: list[Node]  # inputs before outputs
    consumers: dict[int, list[tuple[Node, Link]]]  # a node's id -> the ops that read it, and how


def plan(root: Node) -> Plan:
    order = topological(root)
    consumers: dict[int, list[tuple[Node, Link]]] = {}
    for node in order:
        for link in node.links:
            consumers.setdefault(id(link.parent), []).append((node, link))
    return Plan(order, consumers)


class WhatIf(NamedTuple):
    """What a backward pass supposes besides the exact maths: the forward values its local derivatives
    read (`values`: as printed, say), gradients replaced by a learner's own answers (`overrides`, by node
    name: later ones then follow from them), one named `slip` made, and each upstream gradient read as
    shown (`rounded`). The defaults are the exact maths."""

    values: Values | None = None
    overrides: dict[str, np.ndarray] = {}
    slip: Slip | None = None
    rounded: Callable[[np.ndarray], np.ndarray] | None = None


EXACT = WhatIf()


def backward(root: Node, seed: np.ndarray, *, seed_name: str | None = None, walk: Plan | None = None,
             what_if: WhatIf = EXACT, words: bool = True, wanted: Iterable[Node] | None = None) -> Backward:
    """Every node's gradient, walking back from `root` whose gradient is `seed`.

    `seed_name` is how the steps call the seed (``dout``: the upstream a problem gives); `walk` is the
    graph's `plan`, when it has one; `what_if` what the pass supposes (default: the exact maths);
    `words` False skips the steps' text (numbers only); `wanted` limits the pass to the nodes these
    nodes' gradients are made from (grading reads one gradient: a few nodes, not the whole graph).
    """
    values = what_if.values or (lambda node: node.value)
    slip, overrides = what_if.slip, what_if.overrides
    order, consumers = walk or plan(root)
    needed = None if wanted is None else _needed(wanted, consumers, overrides)
    grads: dict[Node, np.ndarray] = {root: np.asarray(seed, dtype=float)}
    terms: dict[Node, list[Term]] = {}
    links: dict[Node, list[Link]] = {}
    upstream_names: dict[int, str] = {id(root): seed_name or grad_name(root)}
    loss = root if words and seed_name is None and np.all(np.asarray(seed) == 1) else None  # its gradient is 1 (steps)
    for node in reversed(order):
        if node.fixed or (needed is not None and id(node) not in needed):
            continue
        if needed is not None and node.name in overrides:  # given: what it would be made from is not needed
            grads[node] = _given(node, overrides)
            continue
        if node is not root:
            paths = consumers.get(id(node), [])
            parts = [_term(consumer, link, grads, upstream_names, values, slip, node, what_if.rounded, loss, words)
                     for consumer, link in paths]
            terms[node] = [part for part in parts if part is not None]
            links[node] = [link for (_, link), part in zip(paths, parts) if part is not None]
            grads[node] = _total([term.value for term in terms[node]], node)
            if words:
                upstream_names[id(node)] = _upstream_name(node, consumers, upstream_names)
        if slip is not None and slip.whole is not None and node.name == slip.at:
            grads[node] = slip.whole(grads[node], values)
        if node.name in overrides:
            grads[node] = _given(node, overrides)
    return Backward(grads, terms, order, links)


def _given(node: Node, overrides: dict[str, np.ndarray]) -> np.ndarray:
    """A node's gradient as the overrides give it, in the node's shape."""
    return np.asarray(overrides[node.name], dtype=float).reshape(node.value.shape)


def _needed(wanted: Iterable[Node], consumers: dict[int, list[tuple[Node, Link]]],
            overrides: dict[str, np.ndarray]) -> set[int]:
    """The ids of the nodes the wanted gradients are made from: each on a path from them to the loss, up to
    a node whose gradient is given (an override)."""
    needed: set[int] = set()
    stack = list(wanted)
    while stack:
        node = stack.pop()
        if id(node) in needed:
            continue
        needed.add(id(node))
        if node.name not in overrides:
            stack.extend(consumer for consumer, _ in consumers.get(id(node), []))
    return needed


def _total(parts: list[np.ndarray], node: Node) -> np.ndarray:
    if not parts:
        return np.zeros_like(node.value)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _upstream_name(node: Node, consumers, names: dict[int, str]) -> str:
    """How later terms call this node's gradient: one that passes its consumer's through is called by it."""
    return names[id(consumers[id(node)][0][0])] if _passes_through(node, consumers) else grad_name(node)


def _term(consumer: Node, link: Link, grads, names, values: Values, slip: Slip | None, node: Node, rounded,
          loss: Node | None, words: bool = True) -> Term | None:
    up = grads[consumer]
    if rounded is not None:
        up = rounded(up)
    local = np.asarray(link.local_value(values))
    if not np.issubdtype(local.dtype, np.integer):  # indices (an embedding's rows) stay whole numbers
        local = local.astype(float)
    value = link.combine(local, up)
    if slip is not None and slip.term is not None and node.name == slip.at and slip.via in (None, consumer.name):
        value = slip.term(link, local, up, values)
        if value is None:
            return None
    if not words:
        return Term("", "", "", local, "", up, value, "", "")
    up_name = names[id(consumer)]
    local_text = link.local.format(out=consumer.label) if "{out}" in link.local else link.local
    if consumer is loss and link.template == "{local} * {up}":
        formula = local_text  # the loss's own gradient is 1: "dlogits = (probs - onehot(target)) / n"
    else:
        formula = link.template.format(local=_grouped(local_text), up=up_name)
    via = f"{consumer.name} = {consumer.expr}" if consumer.name else consumer.expr
    return Term(via, formula, local_text, local, up_name, up, value, link.rule, link.summed)


def _grouped(text: str) -> str:
    """A local derivative inside a product: ``(1 - a**2) * dout``, not ``1 - a**2 * dout``."""
    return f"({text})" if " " in text and not text.startswith("(") else text


def steps(back: Backward, asked: Iterable[str]) -> dict[str, Step]:
    """The chain-rule step of each named node asked, as the whole batch's arrays."""
    wanted = set(asked)
    return {grad_name(node): _step(back, node) for node in back.order
            if node.name and grad_name(node) in wanted and node in back.terms}


def path_steps(back: Backward, asked: Iterable[str], walk: Plan) -> list[Step]:
    """Every step between the loss and the asked gradients: the asked ones in the order asked, each after the
    steps on the way that make what it reads (marked not asked), so every upstream gradient has its step
    (but a node that passes its consumer's gradient through: see `_passes_through`).
    """
    wanted = set(asked)
    starts = [node for node in back.order if node.name and grad_name(node) in wanted]
    between, stack = {id(node) for node in starts}, list(starts)
    while stack:
        for consumer, _ in walk.consumers.get(id(stack.pop()), []):
            if id(consumer) not in between:
                between.add(id(consumer))
                stack.append(consumer)
    made = {grad_name(node): _step(back, node, asked=grad_name(node) in wanted) for node in reversed(back.order)
            if id(node) in between and node in back.terms and not _passes_through(node, walk.consumers)}
    ordered: dict[str, Step] = {}

    def place(name: str) -> None:  # a step after the unasked steps that make what it reads
        if name in ordered or name not in made:
            return
        for term in made[name].terms:
            if term.upstream in made and not made[term.upstream].asked:
                place(term.upstream)
        ordered[name] = made[name]

    for name in [*asked, *made]:
        place(name)
    return list(ordered.values())


def _passes_through(node: Node, consumers: dict[int, list[tuple[Node, Link]]]) -> bool:
    """An unnamed node that only passes its one consumer's gradient through (the ``X @ W`` in ``X @ W + b``):
    it is called by that consumer's gradient and has no step of its own."""
    users = consumers.get(id(node), [])
    return not node.name and len(users) == 1 and users[0][1].passes


def _step(back: Backward, node: Node, asked: bool = True) -> Step:
    forward = (f"{node.name} = {node.expr}" if node.name else node.expr) if node.links else node.label
    return Step(grad_name(node), forward, node.value, tuple(back.terms[node]), back.grads[node], asked)


