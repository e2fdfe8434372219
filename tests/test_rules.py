"""Every printed local derivative is the one used: each link's text, read as the expression it is and
evaluated on the forward values, equals the value the backward pass multiplies by, for every op of every kind.

The text is read with `ast` and walked through the few forms the engine prints (names, numbers, + - * / **,
`.T`, `.argmax(k)`, `onehot(...)`, `.log()` and the like): nothing is evaluated by Python itself.
"""

import ast
import operator

import numpy as np
import pytest

from handgrad_cli.engine import Index
from handgrad_cli.kinds import KINDS, get_kind, set_problems
from handgrad_cli.problem import DIFFICULTIES

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
          ast.Pow: operator.pow}
ELEMENTWISE = {"log": np.log, "exp": np.exp, "tanh": np.tanh, "sigmoid": lambda x: 0.5 * (1 + np.tanh(0.5 * x))}


class OneHot:
    """``onehot(index)``: its width is the width of the value it routes the gradient into."""

    def __init__(self, index):
        self.index = np.asarray(index)

    def shaped(self, shape):
        mask = np.zeros(shape)
        np.put_along_axis(mask, self.index.reshape(shape[:-1] + (1,)), 1.0, axis=-1)
        return mask


def evaluate(text, names, shape):
    """The printed local derivative `text` on one problem's values `names`; `shape` is its input's shape."""

    def walk(node):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return names[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            left, right = (part.shaped(shape) if isinstance(part, OneHot) else part for part in (left, right))
            return BINARY[type(node.op)](left, right)
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return np.swapaxes(walk(node.value), -1, -2)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "onehot":
            return OneHot(walk(node.args[0]))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "argmax":
            return walk(node.func.value).argmax(axis=node.args[0].value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ELEMENTWISE:
            return ELEMENTWISE[node.func.attr](walk(node.func.value))  # an unnamed value's label: (p.log())
        raise AssertionError(f"a form the engine does not print: {ast.dump(node)}")

    value = walk(ast.parse(text, mode="eval").body)
    return value.shaped(shape) if isinstance(value, OneHot) else value


def one_problem_names(graph):
    """Every value a printed rule can name, for the one problem of `graph`: named nodes, their extras, indices."""
    names = {}
    for node in graph.walk.order:
        names.update({name: value[0] for name, value in node.aux.items()})
        if node.name and (not node.fixed or node.name in graph.t):  # a given input (a label y) too
            names[node.name] = node.value[0]
    names.update({name: np.asarray(value)[0] for name, value in graph.t.items() if isinstance(value, Index)})
    return names


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_printed_local_derivative_is_the_value_used(kind):
    k = get_kind(kind)
    checked = 0
    for difficulty in DIFFICULTIES:
        for problem in set_problems([kind], 3, 11, difficulty):
            graph = k.one_graph(problem)
            names = one_problem_names(graph)
            for consumer in graph.walk.order:
                for link in consumer.links:
                    text = link.local.format(out=consumer.label)
                    shape = link.parent.value.shape[1:]
                    names["n"] = shape[0] if len(shape) == 2 else 1  # rows of a batch; a single row is 1
                    used = np.asarray(link.local_value(lambda node: node.value))
                    used = used[0] if np.ndim(used) and used.shape[0] == 1 and used.ndim > 1 else used
                    printed = evaluate(text, names, shape)
                    np.testing.assert_allclose(np.broadcast_to(printed, np.broadcast_shapes(np.shape(printed),
                                                                                           np.shape(used))),
                                               np.broadcast_to(used, np.broadcast_shapes(np.shape(printed),
                                                                                         np.shape(used))),
                                               rtol=1e-9, atol=1e-12, err_msg=f"{kind}: {text} ({link.rule})")
                    checked += 1
    assert checked >= 3


def test_a_wrong_rule_text_is_caught():
    """The check is not vacuous: the tanh rule printed as 1 - a (not 1 - a**2) differs from the value used."""
    names = {"a": np.array([0.5, -0.25])}
    assert not np.allclose(evaluate("1 - a", names, (2,)), 1 - names["a"] ** 2)
    np.testing.assert_allclose(evaluate("1 - a**2", names, (2,)), 1 - names["a"] ** 2)
