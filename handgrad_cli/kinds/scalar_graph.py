"""micrograd's scalar graphs: a few lines such as ``e = a * b; d = e + c; L = d * f``, backpropagated by hand.

The program is Python syntax read with `ast` against a whitelist (names, numbers, ``+ - * /``, ``**``
by a number, unary minus, ``exp``/``tanh``/``relu`` as ``x.tanh()`` or ``tanh(x)``), never evaluated:
each line becomes engine ops and its target names the node, so ``de`` is a gradient a learner can be
asked. A node used twice gets both paths' terms added (micrograd's ``+=``): the point of the drill.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Link, Node, Slip
from handgrad_cli.errors import UserError, shown
from handgrad_cli.kinds.base import Batch, Graph, Input, Kind, Tensors, largest
from handgrad_cli.problem import Draw, Problem, ProblemId, Quantity
from handgrad_cli.question import Code, Question, Value

# Every template uses some node twice, except the lecture's own graph (the first of easy).
TEMPLATES = {
    "easy": (
        "e = a * b; d = e + c; L = d * f",
        "e = a * b; d = e + c; L = d * e",
        "e = a + b; d = e * c; L = d + e",
        "e = a * b; d = e + a; L = d * c",
    ),
    "medium": (
        "e = a * b; t = e.tanh(); d = t * c; L = d + e",
        "e = a + b; s = e**2; d = s * c; L = d - e",
        "e = a * b; p = e.exp(); d = p + c; L = d * e",
        "e = a * b; r = e.relu(); d = r + c; L = d * e",
        "e = a * b; t = e.tanh(); L = t * a",
    ),
    "hard": (
        "e = a * b; d = e / c; t = d.tanh(); g = t * e; L = g * f",
        "e = a * b; s = e**2; d = s + c; r = d.relu(); L = r * e",
        "e = a * b; p = e.exp(); d = p / c; g = d - e; L = g * f",
        "e = a + b; t = e.tanh(); s = t**2; d = s * c; L = d + t * f",
        "e = a - b; q = e**3; d = q / c; L = d * e + c",
    ),
}
# difficulty -> a leaf's size (low, high) and decimals; its sign is drawn apart, so no leaf is 0
VALUES = {"easy": ((1, 4), 0), "medium": ((0.5, 2.0), 1), "hard": ((0.3, 2.5), 1)}

MAX_TEXT = 200  # characters of a typed program
MAX_LINES = 8
MAX_LEAVES = 6
KINK = 0.05  # relu's input and a denominator stay this far from 0 (where the derivative jumps or blows up)
WORTH_DOING = {"tanh": (0.2, 2.0), "exp": (0.0, 2.0)}  # |input| here: tanh' and exp stay hand-sized
LARGEST = 50.0  # any value or gradient beyond this is not pencil-and-paper work
DENOMINATOR = 0.5  # |b| of a / b at least this

OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
FUNCTIONS = ("exp", "tanh", "relu")
ALLOWED = "names, numbers, + - * /, ** by a number, exp, tanh and relu"


class Program(NamedTuple):
    """A parsed program: each line's target and expression tree, its inputs (leaves) in order of use."""

    text: str
    lines: tuple[tuple[str, tuple], ...]  # (target, tree); trees are nested tuples, see `_tree`
    leaves: tuple[str, ...]
    uses: dict[str, int]  # how many times each name is read

    @property
    def output(self) -> str:
        return self.lines[-1][0]

    @property
    def intermediates(self) -> tuple[str, ...]:
        return tuple(target for target, _ in self.lines[:-1])

    @property
    def reused(self) -> tuple[str, ...]:
        """The names read more than once, in order of first use: their gradients accumulate."""
        return tuple(name for name, count in self.uses.items() if count > 1)


class Made(NamedTuple):
    """One op of the forward pass: which, on what, giving what (its links carry the local derivatives)."""

    op: str  # "+", "*", "**", "exp", ...
    inputs: tuple[Node, ...]
    out: Node
    n: float = 1.0  # the exponent of **


@lru_cache(maxsize=256)
def parse(text: str) -> Program:
    """A program from text, checked line by line; every fault is one line a learner can act on."""
    if len(text) > MAX_TEXT:
        raise UserError(f"expr is too long: at most {MAX_TEXT} characters")
    try:
        module = ast.parse(text.strip(), mode="exec")
    except SyntaxError as error:
        raise UserError(f"expr is not a program handgrad can read: {error.msg} (column {error.offset})") from None
    if not module.body:
        raise UserError("expr is empty: give a program such as expr='e = a * b; L = e * c'")
    if len(module.body) > MAX_LINES:
        raise UserError(f"expr has {len(module.body)} lines: at most {MAX_LINES}")
    made: list[str] = []
    uses: dict[str, int] = {}
    lines = []
    for number, statement in enumerate(module.body, 1):
        last = number == len(module.body)
        target, value = _statement(statement, last)
        if target in uses or target in made:
            raise UserError(f"{target} is assigned after it is used or assigned: give each line a new name")
        if target in FUNCTIONS:
            raise UserError(f"{target} is a function: name the line otherwise")
        tree = _tree(value)
        if tree[0] in ("name", "number"):
            raise UserError(f"{target} = {ast.unparse(value)} makes nothing new: each line is an operation")
        for name in _names(tree):
            uses[name] = uses.get(name, 0) + 1
        made.append(target)
        lines.append((target, tree))
    unused = [target for target in made[:-1] if target not in uses]
    if unused:
        raise UserError(f"{unused[0]} is made but never used: every line must lead to the last one")
    leaves = tuple(name for name in uses if name not in made)
    if not leaves:
        raise UserError("expr reads no input: use names such as a and b")
    if len(leaves) > MAX_LEAVES:
        raise UserError(f"expr reads {len(leaves)} inputs: at most {MAX_LEAVES}")
    return Program(text, tuple(lines), leaves, uses)


def _statement(statement: ast.stmt, last: bool) -> tuple[str, ast.expr]:
    """A line: ``name = expression``; the last may be a bare expression, whose value is L."""
    if isinstance(statement, ast.Expr) and last:
        return "L", statement.value
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value
    raise UserError(f"{shown(ast.unparse(statement))} is not a line handgrad reads: write name = expression")


def _tree(node: ast.expr) -> tuple:
    """An expression as nested tuples: ("name", n), ("number", x), ("op", sign, l, r), ("**", base, n),
    ("neg", x), ("call", function, x). Anything else is refused."""
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise UserError(f"{node.id} is a function: call it, {node.id}(x) or x.{node.id}()")
        return ("name", node.id)
    number = _number(node)
    if number is not None:
        return ("number", number)
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        return _operation(("op", OPERATORS[type(node.op)], _tree(node.left), _tree(node.right)), node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = _number(node.right)
        if exponent is None:
            raise UserError(f"{shown(ast.unparse(node))}: ** takes a number as its exponent")
        return _operation(("**", _tree(node.left), exponent), node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _operation(("neg", _tree(node.operand)), node)
    if isinstance(node, ast.Call):
        return _operation(("call", *_call(node)), node)
    raise UserError(f"{shown(ast.unparse(node))} is not allowed in expr: it takes {ALLOWED}")


def _number(node: ast.expr) -> float | None:
    """A number written in the program (``2``, ``-0.5``), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if not np.isfinite(node.value) or abs(node.value) > 1e6:
            raise UserError(f"{node.value} is too large a number for expr")
        return float(node.value)
    return None


def _call(node: ast.Call) -> tuple[str, tuple]:
    """``tanh(x)`` or micrograd's ``x.tanh()``."""
    if node.keywords:
        raise UserError(f"{shown(ast.unparse(node))}: exp, tanh and relu take no keywords")
    func = node.func
    if isinstance(func, ast.Name) and func.id in FUNCTIONS and len(node.args) == 1:
        return func.id, _tree(node.args[0])
    if isinstance(func, ast.Attribute) and func.attr in FUNCTIONS and not node.args:
        return func.attr, _tree(func.value)
    raise UserError(f"{shown(ast.unparse(node))} is not allowed in expr: the functions are exp, tanh and relu, "
                    "as tanh(x) or x.tanh()")


def _operation(tree: tuple, node: ast.expr) -> tuple:
    """An operation must read some input: ``2 * 3`` is a number, write it as one."""
    if not _names(tree):
        raise UserError(f"{shown(ast.unparse(node))} reads no input: write the number it makes")
    return tree


def _names(tree: tuple) -> list[str]:
    if tree[0] == "name":
        return [tree[1]]
    return [name for part in tree[1:] if isinstance(part, tuple) for name in _names(part)]


def run(program: Program, leaves: dict[str, Node]) -> tuple[Node, list[Made]]:
    """The program's forward pass in engine ops: each line's node named after its target."""
    known = dict(leaves)
    made: list[Made] = []
    for target, tree in program.lines:
        known[target] = _build(tree, known, made).named(target)
    return known[program.output], made


def _build(tree: tuple, known: dict[str, Node], made: list[Made]) -> Node | float:
    what = tree[0]
    if what == "name":
        return known[tree[1]]
    if what == "number":
        return tree[1]
    if what == "op":
        left, right = _build(tree[2], known, made), _build(tree[3], known, made)
        if not isinstance(left, Node):  # a number on the left: 2 * a
            left = engine.constant(left, right)
        out = {"+": engine.add, "-": engine.sub, "*": engine.mul, "/": engine.div}[tree[1]](left, right)
        inputs = (left, right) if isinstance(right, Node) else (left,)
        made.append(Made(tree[1], inputs, out))
        return out
    if what == "call":
        out = {"exp": engine.exp, "tanh": engine.tanh, "relu": engine.relu}[tree[1]](_build(tree[2], known, made))
        made.append(Made(tree[1], (out.links[0].parent,), out))
    elif what == "**":
        operand = _build(tree[1], known, made)
        out = engine.power(operand, tree[2])
        made.append(Made("**", (operand,), out, tree[2]))
    else:
        operand = _build(tree[1], known, made)
        out = engine.neg(operand)
        made.append(Made("neg", (operand,), out))
    return out


class ScalarGraph(Kind):
    name = "scalar-graph"
    title = "A scalar graph"
    summary = "a micrograd program of a few lines with a node used twice; asks d<leaf> for every input"
    lesson = ("micrograd's `e = a*b; d = e + c; L = d*f`, then `+ - * / **`, `exp`, `tanh`, `relu`: "
              "each op's local derivative, and `+=` where a node is used twice")
    asks = "`d<input>` for every input; hard also the node used twice"
    slip_names = (
        "exp-local-is-input", "path-dropped", "pow-n-forgotten", "relu-passes-negative", "tanh-local-of-input",
    )
    inputs = (Input("expr", ((),), "the program, e.g. 'e = a * b; d = e + c; L = d * f'"),)
    gradients = ()  # they depend on the program: see `asked_for`

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        templates = TEMPLATES[difficulty]
        program = parse(templates[draw.below(len(templates))])
        (low, high), places = VALUES[difficulty]
        values: dict[str, Any] = {"expr": program.text}
        for leaf in program.leaves:
            size = draw.decimal(low, high, places)
            values[leaf] = -size if draw.below(2) else size
        return values

    def tensors(self, inputs, nudges=None) -> tuple[Tensors, np.ndarray, None]:
        """Problems of one program: its text, and each input it reads stacked on the problem axis."""
        program = parse(inputs[0]["expr"])
        t = Tensors(expr=program.text)
        for leaf in program.leaves:
            t[leaf] = engine.leaf(np.array([problem[leaf] for problem in inputs], dtype=float), leaf, nudges)
        return t, np.ones(len(inputs)), None

    def forward(self, t: Tensors) -> Node:
        program = parse(t.expr)
        root, t["made"] = run(program, {leaf: t[leaf] for leaf in program.leaves})
        return root  # `made` stays in t: the slips and the checks read each op from it

    def asked_of(self, problem_id: ProblemId) -> tuple[str, ...]:
        return self.build(problem_id).asked  # the program the ID draws decides

    def asked_for(self, inputs: dict[str, Any], difficulty: str) -> tuple[str, ...]:
        """Every input's gradient; hard first asks a node used twice; typed programs ask every node."""
        program = parse(inputs["expr"])
        leaves = tuple(f"d{leaf}" for leaf in program.leaves)
        if difficulty in ("easy", "medium"):
            return leaves
        if difficulty == "hard":
            reused = [name for name in program.reused if name in program.intermediates]
            return (f"d{(reused or program.intermediates[-1:])[0]}",) + leaves if program.intermediates else leaves
        return tuple(f"d{name}" for name in reversed(program.intermediates)) + leaves

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        found = [_path_dropped(link, paths) for link, paths in _links_into_reused(nodes)]
        for made in t.made:
            x, out = made.inputs[0], made.out
            if made.op not in _WRONG_LOCALS or not x.name:
                continue  # a slip is made at a named gradient
            slug, words, local = _WRONG_LOCALS[made.op]
            wrong = lambda val, x=x, out=out, n=made.n, local=local: local(val(x), val(out), n)  # noqa: E731
            found.append(_local_wrong(out.links[0], slug, words.format(x=x.label, out=out.label), wrong))
        return found

    def closed_forms(self, graph: Graph, asked) -> dict[str, str]:
        """Each gradient as a sum over its paths to the output of the local derivatives met on the way."""
        into = graph.walk.consumers
        return {name: f"{name} = {_written(_paths(graph.nodes[name[1:]], graph.root, into))}" for name in asked}

    def question(self, inputs: dict[str, Any]) -> str:
        program = parse(inputs["expr"])
        values = [part for leaf in program.leaves for part in (", ", Value(leaf, inputs[leaf]))][1:]
        out = program.output
        return Question("The forward pass ", Code(program.text.strip()), " runs with ", *values,
                        f". Backpropagate from {out}: each dx asked is d{out}/dx (and d{out} = 1).")

    def clear(self, batch: Batch) -> np.ndarray:
        """Finite values, no relu input or denominator at 0 (a kink, a pole), and every answer nonzero."""
        clear = np.ones(batch.count, dtype=bool)
        for made in batch.graph.t.made:
            clear &= np.isfinite(made.out.value)
            if made.op == "relu":
                clear &= np.abs(made.inputs[0].value) >= KINK
            if made.op == "/" and len(made.inputs) == 2:
                clear &= np.abs(made.inputs[1].value) >= KINK
        return clear & super().clear(batch)

    def worth_doing(self, batch: Batch) -> np.ndarray:
        """tanh and exp where their derivatives are hand-sized, no tiny denominator, no huge value."""
        worth = np.ones(batch.count, dtype=bool)
        for made in batch.graph.t.made:
            x = np.abs(made.inputs[0].value)
            low, high = WORTH_DOING.get(made.op, (0.0, np.inf))
            worth &= (low <= x) & (x <= high) & (np.abs(made.out.value) <= LARGEST)
            if made.op == "/" and len(made.inputs) == 2:
                worth &= np.abs(made.inputs[1].value) >= DENOMINATOR
        for value in batch.answers.values():
            worth &= largest(np.abs(value)) <= LARGEST
        return worth

    def extras(self, problem: Problem, lr: float) -> list[Quantity]:
        """The graph in topological order: each op's local derivatives, d(out)/d(input), at this problem."""
        graph = self.graph([problem.inputs])
        rows = []
        for made in graph.t.made:
            for link in made.out.links:
                if link.parent.fixed:
                    continue
                local = link.local.format(out=made.out.label)
                value = np.broadcast_to(link.local_value(lambda node: node.value), (1,))[0]
                rows.append(Quantity(f"d{made.out.label}/d{link.parent.label} = {local}", float(value)))
        return rows

    def read_inputs(self, typed: dict[str, str]) -> dict[str, Any]:
        """``expr='e = a * b; L = e * c'`` and one number per input it reads."""
        from handgrad_cli.answers import read_rows

        if "expr" not in typed:
            raise UserError(f"{self.name} needs expr=... and its inputs: {self.input_names()}")
        program = parse(typed["expr"])
        foreign = [name for name in typed if name != "expr" and name not in program.leaves]
        if foreign:
            raise UserError(f"{shown(foreign[0])} is not an input of expr: it reads {', '.join(program.leaves)}")
        missing = [leaf for leaf in program.leaves if leaf not in typed]
        if missing:
            raise UserError(f"expr reads {', '.join(program.leaves)}: give {' '.join(f'{m}=...' for m in missing)}")
        values: dict[str, Any] = {"expr": program.text}
        for leaf in program.leaves:
            rows = read_rows(typed[leaf])
            if len(rows) != 1 or len(rows[0]) != 1:
                raise UserError(f"{leaf} takes one number")
            values[leaf] = float(rows[0][0])
        with np.errstate(all="ignore"):  # a division by 0 is reported below, in words
            outputs = self.graph([values]).t.made
        if not all(np.all(np.isfinite(made.out.value)) for made in outputs):
            raise UserError("expr is not finite at these inputs (a division by 0, or a power of a negative number?)")
        return values

    def takes_input(self, name: str) -> bool:
        return name.isidentifier()  # expr, or any input the program reads: read_inputs checks which

    def input_names(self) -> str:
        return "expr='e = a * b; L = e * c' and a number for each input it reads (a=2 b=-3 c=1)"


# op -> (slug, words, the wrong local derivative from (input, output, n))
_WRONG_LOCALS = {
    "exp": ("exp-local-is-input", "exp's local derivative was taken as its input {x}: it is exp({x}) = {out} itself",
            lambda x, out, n: x),
    "tanh": ("tanh-local-of-input", "1 - {x}**2 was used: tanh's local derivative is 1 - {out}**2, its output",
             lambda x, out, n: 1 - x**2),
    "relu": ("relu-passes-negative", "relu passed the gradient of a negative input {x}: its local derivative is 0 "
             "where the input is below 0", lambda x, out, n: np.ones_like(x)),
    "**": ("pow-n-forgotten", "the n of {x}**n was forgotten: the local derivative is n * {x}**(n - 1)",
           lambda x, out, n: x ** (n - 1)),
}


def _paths(node: Node, root: Node, into) -> list[tuple[bool, tuple[str, ...]]]:
    """Each path from `node` to the output: its sign and the local derivatives met on the way."""
    if node is root:
        return [(False, ())]
    found = []
    for consumer, link in into.get(id(node), []):
        local = link.local.format(out=consumer.label)
        for negative, factors in _paths(consumer, root, into):
            if local == "-1":
                found.append((not negative, factors))
            else:
                found.append((negative, factors if local == "1" else (local, *factors)))
    return found


def _written(paths: list[tuple[bool, tuple[str, ...]]]) -> str:
    """A sum of products as a learner writes it: ``b * f - d``."""
    text = ""
    for negative, factors in paths:
        product = " * ".join(f"({f})" if " " in f and not f.startswith("(") else f for f in factors) or "1"
        text += (" - " if negative else " + ") if text else ("-" if negative else "")
        text += product
    return text


def _links_into_reused(nodes: dict[str, Node]) -> list[tuple[Link, int]]:
    """Every link into a named node that feeds more than one path (each can be the one forgotten),
    with how many paths that node feeds."""
    root = list(nodes.values())[-1]  # the output is made last
    into = {key: [link for _, link in pairs] for key, pairs in engine.plan(root).consumers.items()}
    return [(link, len(into[id(node)])) for node in nodes.values() if not node.fixed
            for link in into.get(id(node), []) if len(into[id(node)]) > 1]


def _path_dropped(link: Link, paths: int) -> Slip:
    """``=`` for ``+=``: one of a reused node's paths is lost (the last write wins)."""
    name = link.parent.name
    used = "twice" if paths == 2 else f"{paths} times"
    words = (f"a path into {name} was left out: {name} is used {used}, so d{name} is the sum of every path's "
             "term (+=, not =)")
    return Slip("path-dropped", name, words,
                term=lambda this, local, up, val: None if this is link else this.combine(local, up))


def _local_wrong(link: Link, slug: str, words: str, wrong) -> Slip:
    """The wrong local derivative on one op's link; the node's other paths stay right."""
    return Slip(slug, link.parent.name, words,
                term=lambda this, local, up, val: this.combine(wrong(val) if this is link else local, up))
