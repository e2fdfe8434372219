"""A tiny scalar reverse-mode autodiff, written apart from handgrad's kinds, to check them independently.

Each operation records its inputs and local derivatives; `backward` walks the graph in reverse
topological order, adding local derivative x upstream gradient into each input.
"""

from __future__ import annotations

import math


class Value:
    def __init__(self, data: float, parents: tuple = ()) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents  # (Value, local derivative) pairs

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other ** -1.0

    def __pow__(self, exponent: float):
        return Value(self.data**exponent, ((self, exponent * self.data ** (exponent - 1)),))

    def exp(self):
        out = math.exp(self.data)
        return Value(out, ((self, out),))

    def log(self):
        return Value(math.log(self.data), ((self, 1.0 / self.data),))

    def tanh(self):
        out = math.tanh(self.data)
        return Value(out, ((self, 1.0 - out * out),))

    def relu(self):
        return Value(max(self.data, 0.0), ((self, float(self.data > 0)),))

    def backward(self) -> None:
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent, _ in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node._parents:
                parent.grad += local * node.grad
