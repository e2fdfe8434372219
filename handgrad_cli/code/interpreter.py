"""A learner's backward-pass code, run safely: parsed with `ast`, interpreted over a whitelist on numpy.

Nothing typed is ever given to eval, exec or compile. A static pass refuses every construct outside
the subset (imports, while, def, lambda, comprehensions, strings, names or attributes with
underscores at both ends, attributes not in the list) before anything runs; the interpreter then
walks the tree itself, with caps on loop iterations, the elements of each array and of all arrays
made, the size of whole numbers, the nesting depth, the source's length and the wall time.

The subset is the one makemore's backward-pass solutions use, in PyTorch or numpy notation:
assignment and `+= -= *= /=` (to names and subscripts), integer, slice, `range(n)` and index-array
subscripts, `for` over `range(...)`, `+ - * / ** @`, unary minus, comparisons, `.T`, `.shape`,
`.sum/.mean/.max(dim, keepdim=True)` (`.values`, `.indices`), `.view/.reshape`, `.clone()`,
`.exp() .log() .tanh()`, `torch.zeros_like/ones_like/exp/log/tanh`, `F.softmax`, `F.one_hot`,
`index_add_`, `np.add.at`, and numpy's `axis=`/`keepdims=` spellings. torch calls map onto numpy;
where torch and numpy differ, torch's meaning is kept (`x.max(1)` gives values and indices).
"""

from __future__ import annotations

import ast
import copy
import difflib
import math
import re
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from handgrad_cli.answers import shape_text
from handgrad_cli.errors import UserError


class Limits(NamedTuple):
    source_chars: int = 4000  # one answer, all its lines
    depth: int = 24  # nesting of the syntax tree
    iterations: int = 10_000  # loop iterations in one answer, all loops together
    elements: int = 100_000  # entries of any one array
    allocated: int = 5_000_000  # entries of all arrays one answer makes: bounds its memory and time
    held: int = 2_000_000  # entries of all the tensors bound to names after an answer (a session's memory)
    whole: int = 2**53  # the largest whole number (Python's ints grow without bound)
    seconds: float = 2.0  # wall time of one answer


class CodeError(UserError):
    """Code that handgrad will not run, or that fails; the message is one line for the learner."""


class Notes(list):
    """What the run noticed that may explain a wrong answer (a repeated index that did not accumulate)."""


# --- what may be written ---------------------------------------------------------------------

STATEMENTS = (ast.Assign, ast.AugAssign, ast.For, ast.Expr, ast.Pass)
EXPRESSIONS = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call, ast.Attribute, ast.Subscript,
               ast.Tuple, ast.Slice, ast.Compare, ast.keyword, ast.Load, ast.Store, ast.operator,
               ast.unaryop, ast.cmpop, ast.Module, ast.arguments)
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
COMPARISONS = {ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less, ast.LtE: np.less_equal,
               ast.Gt: np.greater, ast.GtE: np.greater_equal}
ATTRIBUTES = {
    # on arrays
    "T", "shape", "sum", "mean", "max", "min", "view", "reshape", "clone", "copy", "exp", "log", "tanh",
    "sqrt", "argmax", "index_add_", "float", "double", "item", "numel", "size", "ndim", "abs",
    # on a max's result
    "values", "indices",
    # on the modules
    "zeros_like", "ones_like", "zeros", "ones", "softmax", "one_hot", "index_add", "add", "at", "arange",
    "nn", "functional", "maximum", "newaxis",
}
NAMED = {
    # what a construct is called in a refusal
    ast.While: "while loops", ast.FunctionDef: "def", ast.AsyncFunctionDef: "def", ast.Lambda: "lambda",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.Import: "import", ast.ImportFrom: "import", ast.ClassDef: "class",
    ast.With: "with", ast.Try: "try", ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Delete: "del",
    ast.If: "if", ast.IfExp: "conditional expressions", ast.List: "lists", ast.Dict: "dicts", ast.Set: "sets",
    ast.JoinedStr: "f-strings", ast.Starred: "*unpacking", ast.NamedExpr: ":=", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.Return: "return", ast.Raise: "raise", ast.Assert: "assert",
    ast.BoolOp: "and/or", ast.Break: "break", ast.Continue: "continue", ast.AnnAssign: "annotations",
}


def check(source: str, limits: Limits = Limits()) -> ast.Module:
    """The program's syntax tree, once every construct in it is allowed; else CodeError (nothing runs)."""
    if len(source) > limits.source_chars:
        raise CodeError(f"the answer is {len(source):,} characters long: at most {limits.source_chars:,}")
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as error:
        raise CodeError(f"line {error.lineno or 1}: that is not Python: {error.msg}") from None
    except ValueError as error:  # a NUL character, say
        raise CodeError(f"that is not Python: {error}") from None
    except (RecursionError, MemoryError):
        raise CodeError(f"the code is nested too deeply: at most {limits.depth} levels") from None
    _check_depth(tree, limits.depth)
    for node in ast.walk(tree):
        _check_node(node)
    return tree


def _check_depth(tree: ast.AST, limit: int) -> None:
    """Iteratively (a deep tree must not exhaust Python's own stack here)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise CodeError(f"line {getattr(node, 'lineno', 1)}: nested too deeply: at most {limit} levels")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


CMP = "handgrad compares for you (exact, approximate, maxdiff): leave out the cmp(...) lines"


def _check_node(node: ast.AST) -> None:
    line = f"line {getattr(node, 'lineno', 1)}: "
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "cmp":
        raise CodeError(line + CMP)  # before its string argument is refused
    if isinstance(node, (ast.Name, ast.Attribute, ast.keyword, ast.arg)):
        name = {ast.Name: "id", ast.Attribute: "attr", ast.keyword: "arg", ast.arg: "arg"}[type(node)]
        text = getattr(node, name) or ""
        if text.startswith("_"):
            raise CodeError(f"{line}names starting with _ are not allowed ({text})")
        if isinstance(node, ast.Attribute) and text not in ATTRIBUTES:
            raise CodeError(f"{line}{_dotted(node)} is not in handgrad's subset{_instead(text)}")
    if isinstance(node, ast.Constant) and type(node.value) not in (int, float, bool, type(None)):
        raise CodeError(f"{line}only numbers, True, False and None are allowed as constants, "
                        f"not {type(node.value).__name__}")
    if isinstance(node, ast.BinOp) and type(node.op) not in OPERATORS:
        raise CodeError(f"{line}the operator is not in handgrad's subset: use + - * / ** @")
    if isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.USub, ast.UAdd)):
        raise CodeError(f"{line}only unary minus and plus are allowed")
    if isinstance(node, ast.Compare) and not all(type(op) in COMPARISONS for op in node.ops):
        raise CodeError(f"{line}only == != < <= > >= compare")
    if isinstance(node, ast.AugAssign) and type(node.op) not in (ast.Add, ast.Sub, ast.Mult, ast.Div):
        raise CodeError(f"{line}only += -= *= /= are allowed")
    if isinstance(node, ast.For) and node.orelse:
        raise CodeError(f"{line}for ... else is not allowed")
    if type(node) in NAMED:
        raise CodeError(f"{line}not allowed here: {NAMED[type(node)]} (handgrad runs assignments, for loops over "
                        "range(...) and expressions)")
    if not isinstance(node, (*STATEMENTS, *EXPRESSIONS)):
        raise CodeError(f"{line}{type(node).__name__} is not in handgrad's subset")


def _dotted(node: ast.Attribute) -> str:
    """`torch.matmul` as written, or `.matmul` after anything longer."""
    owner = node.value
    while isinstance(owner, ast.Attribute):
        owner = owner.value
    written = ast.unparse(node)
    return written if isinstance(owner, ast.Name) and len(written) <= 40 else f".{node.attr}"


INSTEAD = {
    "matmul": "use @", "mm": "use @", "dot": "use @", "transpose": "use .T", "t": "use .T", "permute": "use .T",
    "cross_entropy": "write the softmax and the loss out", "log_softmax": "use F.softmax(x, 1).log()",
    "repeat": "let broadcasting do it", "expand": "let broadcasting do it", "expand_as": "let broadcasting do it",
    "unsqueeze": "use .view(...) or [:, None]", "squeeze": "use .view(...)", "flatten": "use .view(-1)",
    "prod": "multiply the values out", "pow": "use **", "mul": "use *", "div": "use /", "sub": "use -",
    "sigmoid": "use 1 / (1 + (-x).exp())", "relu": "use x * (x > 0)", "tensor": "use the tensors given",
    "array": "use the tensors given", "scatter_add_": "use np.add.at(dC, Xb, demb) or dC.index_add_(0, ...)",
    "add_": "use +=", "sub_": "use -=", "mul_": "use *=", "div_": "use /=", "zero_": "use torch.zeros_like(x)",
    "fill_": "use torch.ones_like(x) * value", "numpy": "the tensors are numpy arrays already",
    "detach": "the tensors carry no graph here", "grad": "compute the gradient yourself: that is the exercise",
    "backward": "compute the gradient yourself: that is the exercise", "keepdims": "pass keepdims=True to .sum",
}


def _instead(name: str) -> str:
    tip = INSTEAD.get(name)
    return f": {tip}" if tip else ""


# --- values ----------------------------------------------------------------------------------


class Module(NamedTuple):
    """torch, torch.nn.functional (F) or numpy: a namespace of the functions handgrad maps."""

    name: str
    members: dict[str, Any]


class MaxResult(NamedTuple):
    """torch's `x.max(dim)`: its values and where they are. Used as a number it is its values (numpy's meaning)."""

    values: np.ndarray
    indices: np.ndarray


class Method(NamedTuple):
    """An array's method, bound to the array."""

    name: str
    owner: Any


Function = Callable[..., Any]


def _floats(value: Any) -> Any:
    return value.values if isinstance(value, MaxResult) else value


def shape_of(value: Any) -> str:
    """A tensor's shape as handgrad writes it: ``[2, 3]``."""
    return shape_text(np.shape(value))


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"a tensor {shape_of(value)}"
    if isinstance(value, (int, float, np.number, bool, np.bool_)):
        return "a number"
    return {Module: "a module", Method: "a method", range: "a range", tuple: "a tuple", MaxResult: "a max's result",
            slice: "a slice"}.get(type(value), "a function" if callable(value) else type(value).__name__)


# --- running ---------------------------------------------------------------------------------


class Interpreter:
    """Runs checked code over `names` (the problem's tensors, the learner's values), updating them."""

    def __init__(self, names: dict[str, Any], limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic):
        self.names = names
        self.limits = limits
        self.clock = clock
        self.deadline = 0.0
        self.iterations = 0
        self.allocated = 0
        self.line = 1
        self.notes = Notes()
        self.source = ""

    def run(self, source: str) -> Notes:
        tree = check(source, self.limits)
        self.source = source
        self.deadline = self.clock() + self.limits.seconds
        with np.errstate(all="ignore"):  # inf and nan are values a learner sees graded, not warnings
            try:
                for statement in tree.body:
                    self.statement(statement)
            except CodeError as error:
                if str(error).startswith("line "):
                    raise
                raise CodeError(f"line {self.line}: {error}") from None
            except RecursionError:
                raise CodeError(f"line {self.line}: nested too deeply") from None
            except MemoryError:
                raise CodeError(f"line {self.line}: too large to compute") from None
            except (OverflowError, ZeroDivisionError) as error:
                raise CodeError(f"line {self.line}: {'a number too large' if isinstance(error, OverflowError) else 'division by zero'}") from None
            except Exception as error:  # numpy's and Python's own refusals, as one line (never a traceback)
                raise CodeError(f"line {self.line}: {_plain(error)}") from None
        return self.notes

    # statements

    def statement(self, node: ast.stmt) -> None:
        self.line = node.lineno
        self._tick()
        if isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AugAssign):
            self.augmented(node)
        elif isinstance(node, ast.For):
            self.loop(node)
        elif isinstance(node, ast.Expr):
            self.expr(node.value)

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self._guard_name(target.id)
            self.names[target.id] = value
        elif isinstance(target, ast.Tuple):
            if not isinstance(value, (tuple, np.ndarray)):
                raise CodeError(f"line {self.line}: {_kind(value)} cannot be unpacked")
            items = tuple(value)
            if len(items) != len(target.elts):
                raise CodeError(f"line {self.line}: {len(target.elts)} names to unpack, {len(items)} values")
            for element, item in zip(target.elts, items):
                self.assign(element, item)
        elif isinstance(target, ast.Subscript):
            array = self._array_named(target.value)
            key = self.key(target.slice, array)
            array[key] = self._operand(value)
        else:
            raise CodeError(f"line {self.line}: assign to a name or to x[...]")

    def augmented(self, node: ast.AugAssign) -> None:
        symbol = OPERATORS[type(node.op)]
        value = self.expr(node.value)
        if isinstance(node.target, ast.Subscript):
            array = self._array_named(node.target.value)
            key = self.key(node.target.slice, array)
            current = array[key]
            result = self.binary(symbol, current, value)
            if symbol in "+-" and _repeats(array, key):
                self._note_repeats(node, array, key, result, symbol, value)
            array[key] = result
            return
        if not isinstance(node.target, ast.Name):
            raise CodeError(f"line {self.line}: {symbol}= needs a name or x[...] on its left")
        current = self.load(node.target.id)
        result = self.binary(symbol, current, value)
        if isinstance(current, np.ndarray) and np.shape(result) == current.shape and np.can_cast(
                np.asarray(result).dtype, current.dtype, "same_kind"):
            current[...] = result  # in place, as torch does: another name for the same tensor sees it
        else:
            self.names[node.target.id] = result

    def _note_repeats(self, node: ast.AugAssign, array: np.ndarray, key: Any, result: Any, symbol: str,
                      value: Any) -> None:
        summed = array.copy()
        np.add.at(summed, key, np.asarray(value) if symbol == "+" else -np.asarray(value))
        assigned = array.copy()
        assigned[key] = result
        if not np.allclose(summed, assigned, equal_nan=True):
            target = ast.get_source_segment(self.source, node.target) or "x[idx]"
            self.notes.append(f"line {self.line}: {target} {symbol}= ... adds once per index even where an index "
                              "repeats (neither torch nor numpy accumulates): use np.add.at(x, idx, v), "
                              "x.index_add_(0, idx, v) or a loop")

    def loop(self, node: ast.For) -> None:
        items = self.expr(node.iter)
        if isinstance(items, range):
            if len(items) > self.limits.iterations:
                raise CodeError(f"line {self.line}: a loop of {len(items):,} rounds: at most "
                                f"{self.limits.iterations:,} in one answer")
        elif isinstance(items, np.ndarray) and items.ndim:
            pass  # a tensor's rows, as torch iterates them
        elif not isinstance(items, tuple):
            raise CodeError(f"line {self.line}: loop over range(...) or a tensor, not {_kind(items)}")
        for item in items:
            self.iterations += 1
            if self.iterations > self.limits.iterations:
                raise CodeError(f"line {node.lineno}: more than {self.limits.iterations:,} loop rounds in one answer")
            self.assign(node.target, int(item) if isinstance(items, range) else item)
            for statement in node.body:
                self.statement(statement)

    # expressions

    def expr(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return self._whole(node.value) if isinstance(node.value, int) and not isinstance(node.value, bool) \
                else node.value
        if isinstance(node, ast.Name):
            return self.load(node.id)
        if isinstance(node, ast.BinOp):
            return self.binary(OPERATORS[type(node.op)], self.expr(node.left), self.expr(node.right))
        if isinstance(node, ast.UnaryOp):
            value = self._operand(self.expr(node.operand))
            return self._made(-value if isinstance(node.op, ast.USub) else +value)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Tuple):
            return tuple(self.expr(element) for element in node.elts)
        if isinstance(node, ast.Subscript):
            value = self.expr(node.value)
            if isinstance(value, tuple):  # x.shape[1]
                index = self.expr(node.slice)
                if not isinstance(index, int):
                    raise CodeError(f"line {self.line}: index a shape with a whole number")
                return value[index]
            array = self._array(value, "indexed")
            return self._made(array[self.key(node.slice, array)])
        if isinstance(node, ast.Attribute):
            return self.attribute(self.expr(node.value), node.attr)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise CodeError(f"line {self.line}: {type(node).__name__} is not allowed here")

    def load(self, name: str) -> Any:
        self._guard_name(name)
        if name in self.names:
            return self.names[name]
        if name in BUILTINS:
            return BUILTINS[name]
        if name == "cmp":
            raise CodeError(f"line {self.line}: {CMP}")
        known = sorted(key for key, value in self.names.items() if not isinstance(value, Module))
        close = difflib.get_close_matches(name, known, n=1)
        guess = f" (did you mean {close[0]}?)" if close else ""
        if name.startswith("d") and name[1:] in known:
            guess = " (no line has computed it yet)"  # a gradient asked later, or not asked
        raise CodeError(f"line {self.line}: {name} is not defined here{guess}; the names bound are: {', '.join(known)}")

    def binary(self, symbol: str, left: Any, right: Any) -> Any:
        left, right = self._operand(left), self._operand(right)
        if symbol == "@":
            return self._made(self.matmul(left, right))
        shape = self._broadcast(symbol, left, right)
        self._room(math.prod(shape))
        if symbol == "**":
            self._check_power(left, right)
        if symbol == "/" and _is_number(right) and right == 0 and _is_number(left):
            raise CodeError(f"line {self.line}: division by zero")
        operation = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "**": np.power}[symbol]
        if _is_plain(left) and _is_plain(right):
            result = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                      "/": lambda a, b: a / b, "**": lambda a, b: a ** b}[symbol](left, right)
            return self._whole(result) if isinstance(result, int) else result
        if symbol == "**" and _integer_array(left) and _integer_array(right):
            left = np.asarray(left, dtype=float)  # torch and numpy refuse negative integer powers of integers
        return self._made(operation(left, right))

    def matmul(self, left: Any, right: Any) -> np.ndarray:
        a, b = np.asarray(left), np.asarray(right)
        if a.ndim == 0 or b.ndim == 0:
            raise CodeError(f"line {self.line}: @: {shape_of(a)} @ {shape_of(b)}: @ takes tensors, not numbers")
        inner_a, inner_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
        if inner_a != inner_b:
            raise CodeError(f"line {self.line}: @: {shape_of(a)} @ {shape_of(b)}: the inner sizes {inner_a} "
                            f"and {inner_b} differ (a transpose .T missing?)")
        if a.ndim > 2 or b.ndim > 2:
            raise CodeError(f"line {self.line}: @ takes vectors and matrices here, not {shape_of(a)} @ {shape_of(b)}")
        rows = a.shape[0] if a.ndim == 2 else 1
        cols = b.shape[1] if b.ndim == 2 else 1
        self._room(rows * cols, work=rows * cols * inner_a)
        return a @ b

    def compare(self, node: ast.Compare) -> Any:
        left = self._operand(self.expr(node.left))
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            right = self._operand(self.expr(right_node))
            self._room(math.prod(self._broadcast("==", left, right)))
            step = COMPARISONS[type(op)](left, right)
            result = step if result is None else np.logical_and(result, step)
            left = right
        return self._made(result)

    def key(self, node: ast.expr, array: np.ndarray) -> Any:
        """A subscript: whole numbers, slices, None, ranges and index tensors, checked before use."""
        parts = node.elts if isinstance(node, ast.Tuple) else [node]
        key = []
        for part in parts:
            if isinstance(part, ast.Slice):
                bounds = [None if item is None else self._index_number(self.expr(item)) for item in
                          (part.lower, part.upper, part.step)]
                key.append(slice(*bounds))
                continue
            value = _floats(self.expr(part))
            if isinstance(value, range):
                if len(value) > self.limits.elements:
                    raise CodeError(f"line {self.line}: range of {len(value):,} as an index: at most "
                                    f"{self.limits.elements:,}")
                value = np.arange(value.start, value.stop, value.step)
            if value is None or isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                key.append(value)
            elif isinstance(value, np.ndarray) and (value.dtype.kind in "iub"):
                key.append(value)
            elif isinstance(value, np.ndarray) and value.dtype.kind == "f" and np.all(np.mod(value, 1) == 0):
                raise CodeError(f"line {self.line}: index with whole numbers: this index tensor holds floats")
            else:
                raise CodeError(f"line {self.line}: an index is a whole number, a slice, range(...) or a tensor of "
                                f"whole numbers, not {_kind(value)}")
        key = tuple(key)
        self._room(_indexed_size(array.shape, key))
        return key

    def attribute(self, owner: Any, name: str) -> Any:
        if isinstance(owner, Module):
            if name not in owner.members:
                raise CodeError(f"line {self.line}: {owner.name}.{name} is not in handgrad's subset"
                                f"{_instead(name) or '; it has ' + ', '.join(sorted(owner.members))}")
            return owner.members[name]
        if isinstance(owner, MaxResult):
            if name in ("values", "indices"):
                return getattr(owner, name)
            owner = owner.values
        if isinstance(owner, np.ndarray) or _is_number(owner):
            array = np.asarray(owner)
            if name == "T":
                return array.T
            if name == "shape":
                return tuple(int(size) for size in array.shape)
            if name == "ndim":
                return array.ndim
            if name in METHODS:
                return Method(name, owner)
        raise CodeError(f"line {self.line}: {_kind(owner)} has no .{name} here{_instead(name)}")

    def call(self, node: ast.Call) -> Any:
        function = self.expr(node.func)
        args = [self.expr(arg) for arg in node.args]
        kwargs = {keyword.arg: self.expr(keyword.value) for keyword in node.keywords}
        if isinstance(function, Method):
            return self._made(METHODS[function.name](self, function.owner, *args, **kwargs))
        if isinstance(function, Module) or not callable(function):
            raise CodeError(f"line {self.line}: {_kind(function)} cannot be called")
        return self._made(function(self, *args, **kwargs))

    # checks

    def _tick(self) -> None:
        if self.clock() > self.deadline:
            raise CodeError(f"line {self.line}: stopped after {self.limits.seconds:g} s: at most that per answer")

    def _room(self, elements: int, work: int = 0) -> None:
        """Refuse before making an array of more than the allowed entries, or past the answer's budget."""
        self._tick()
        if elements > self.limits.elements:
            raise CodeError(f"line {self.line}: a tensor of {elements:,} entries: at most {self.limits.elements:,}")
        self.allocated += max(elements, work // 64)
        if self.allocated > self.limits.allocated:
            raise CodeError(f"line {self.line}: this answer computes more than {self.limits.allocated:,} entries "
                            "in all: at most that")

    def _made(self, value: Any) -> Any:
        if isinstance(value, np.ndarray):
            self._room(value.size)
        elif isinstance(value, int) and not isinstance(value, bool):
            self._whole(value)
        return value

    def _whole(self, value: int) -> int:
        if abs(value) > self.limits.whole:
            raise CodeError(f"line {self.line}: the whole number {_short_int(value)} is too large: at most 2**53")
        return value

    def _check_power(self, base: Any, exponent: Any) -> None:
        if _is_plain(base) and _is_plain(exponent) and isinstance(exponent, int) and isinstance(base, int):
            if exponent < 0 and base == 0:
                raise CodeError(f"line {self.line}: 0 to a negative power")
            if exponent > 0 and abs(base) > 1 and exponent * math.log2(abs(base)) > 53:
                raise CodeError(f"line {self.line}: {base} ** {exponent} is too large: at most 2**53")
        if _is_plain(base) and _is_plain(exponent) and isinstance(base, float | int) and isinstance(exponent, float):
            if base < 0 and not exponent.is_integer():
                raise CodeError(f"line {self.line}: a negative number to a fractional power")

    def _broadcast(self, symbol: str, left: Any, right: Any) -> tuple[int, ...]:
        try:
            return np.broadcast_shapes(np.shape(left), np.shape(right))
        except ValueError:
            raise CodeError(f"line {self.line}: {symbol}: {shape_of(left)} {symbol} {shape_of(right)} do not "
                            "broadcast (each axis must match or be 1)") from None

    def _operand(self, value: Any) -> Any:
        value = _floats(value)
        if isinstance(value, (np.ndarray, bool, np.bool_)) or _is_number(value):
            return value
        raise CodeError(f"line {self.line}: {_kind(value)} cannot be used as a number or a tensor")

    def _array(self, value: Any, doing: str) -> np.ndarray:
        value = _floats(value)
        if isinstance(value, np.ndarray):
            return value
        raise CodeError(f"line {self.line}: only a tensor can be {doing}, not {_kind(value)}")

    def _array_named(self, node: ast.expr) -> np.ndarray:
        array = self._array(self.expr(node), "assigned into")
        if not array.flags.writeable:
            raise CodeError(f"line {self.line}: this tensor cannot be written into")
        return array

    def _index_number(self, value: Any) -> int:
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value)
        raise CodeError(f"line {self.line}: a slice's bounds are whole numbers, not {_kind(value)}")

    def _guard_name(self, name: str) -> None:
        if name.startswith("_"):
            raise CodeError(f"line {self.line}: names starting with _ are not allowed")


def _plain(error: Exception) -> str:
    """An exception's message as one line, without Python's names for handgrad's own functions."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return re.sub(r"^[\w<>.]+\(\) ", "", text)[:200]


def _short_int(value: int) -> str:
    digits = len(str(abs(value))) if abs(value) < 10**400 else 400
    return f"of {digits}+ digits" if digits > 20 else str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _is_plain(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, (bool, np.ndarray))


def _integer_array(value: Any) -> bool:
    return np.asarray(value).dtype.kind in "iub"


def _repeats(array: np.ndarray, key: tuple) -> bool:
    return any(isinstance(part, np.ndarray) and part.dtype.kind in "iu" and part.size > 1 for part in key)


def _indexed_size(shape: tuple[int, ...], key: tuple) -> int:
    """How many entries x[key] has, worked out without making it (index tensors broadcast together)."""
    size, advanced, axis = 1, [], 0
    for part in key:
        if part is None:
            continue
        if axis >= len(shape):
            raise CodeError(f"too many indices for a tensor of shape {shape_text(shape)}"
                            if math.prod(shape) < 10 else "too many indices")
        if isinstance(part, slice):
            size *= len(range(*part.indices(shape[axis])))
        elif isinstance(part, np.ndarray):
            if part.dtype.kind == "b":
                advanced.append((int(part.sum()),))
                axis += part.ndim
                continue
            advanced.append(part.shape)
        axis += 1
    size *= math.prod(shape[axis:])
    if advanced:
        try:
            size *= math.prod(np.broadcast_shapes(*advanced))
        except ValueError:
            raise CodeError("the index tensors do not broadcast together") from None
    return size


# --- the functions and methods ---------------------------------------------------------------


def _axis(dim: Any = None, keepdim: Any = False, axis: Any = None, keepdims: Any = None) -> tuple[Any, bool]:
    chosen = axis if axis is not None else dim
    if isinstance(chosen, tuple):
        chosen = tuple(int(item) for item in chosen)
    elif chosen is not None and not isinstance(chosen, (int, np.integer)):
        raise CodeError(f"a dimension is a whole number, not {_kind(chosen)}")
    return chosen, bool(keepdims if keepdims is not None else keepdim)


def _reduce(how: Callable, run: Interpreter, x: Any, dim: Any = None, keepdim: Any = False, *, axis: Any = None,
            keepdims: Any = None, dtype: Any = None) -> Any:
    chosen, keep = _axis(dim, keepdim, axis, keepdims)
    return how(run._array(np.asarray(_floats(x)), "reduced"), axis=chosen, keepdims=keep)


def _max(run: Interpreter, x: Any, dim: Any = None, keepdim: Any = False, *, axis: Any = None,
         keepdims: Any = None) -> Any:
    """torch's x.max(dim) gives values and indices; x.max(), numpy's axis= and a tensor as dim give values."""
    array = np.asarray(_floats(x))
    if isinstance(dim, np.ndarray):  # torch.max(a, b): the larger of the two, entry by entry
        return np.maximum(array, dim)
    chosen, keep = _axis(dim, keepdim, axis, keepdims)
    values = array.max(axis=chosen, keepdims=keep)
    if dim is None or axis is not None or keepdims is not None:
        return values
    indices = array.argmax(axis=chosen)
    return MaxResult(values, np.expand_dims(indices, chosen) if keep else indices)


def _min(run: Interpreter, x: Any, dim: Any = None, keepdim: Any = False, *, axis: Any = None,
         keepdims: Any = None) -> Any:
    chosen, keep = _axis(dim, keepdim, axis, keepdims)
    array = np.asarray(_floats(x))
    values = array.min(axis=chosen, keepdims=keep)
    if dim is None or axis is not None or keepdims is not None:
        return values
    indices = array.argmin(axis=chosen)
    return MaxResult(values, np.expand_dims(indices, chosen) if keep else indices)


def _shape_arguments(run: Interpreter, sizes: tuple) -> tuple[int, ...]:
    if len(sizes) == 1 and isinstance(sizes[0], tuple):
        sizes = sizes[0]
    if not all(isinstance(size, (int, np.integer)) and not isinstance(size, bool) for size in sizes):
        raise CodeError("a shape is whole numbers, e.g. .view(n, -1) or .view(emb.shape)")
    return tuple(int(size) for size in sizes)


def _view(run: Interpreter, x: Any, *sizes: Any) -> np.ndarray:
    array = run._array(x, "reshaped")
    shape = _shape_arguments(run, sizes)
    try:
        return array.reshape(shape)
    except ValueError:
        raise CodeError(f"a tensor {shape_of(array)} ({array.size} entries) cannot be viewed as "
                        f"{list(shape)}") from None


def _new(make: Callable) -> Callable:
    def creating(run: Interpreter, *sizes: Any, dtype: Any = None) -> np.ndarray:
        shape = _shape_arguments(run, sizes)
        if any(size < 0 for size in shape):
            raise CodeError("a size cannot be negative")
        run._room(math.prod(shape))
        return make(shape)
    return creating


def _like(make: Callable) -> Callable:
    def creating(run: Interpreter, x: Any, dtype: Any = None) -> np.ndarray:
        array = np.asarray(_floats(x))
        return make(array.shape, dtype=array.dtype)
    return creating


def _elementwise(how: Callable) -> Callable:
    def apply(run: Interpreter, x: Any, *rest: Any) -> Any:
        if rest:
            raise CodeError("this function takes one tensor")
        return how(run._operand(x))
    return apply


def _softmax(run: Interpreter, x: Any, dim: Any = None, *, axis: Any = None) -> np.ndarray:
    array = np.asarray(run._operand(x), dtype=float)
    chosen = axis if axis is not None else dim
    if chosen is None:
        raise CodeError("F.softmax needs its dimension: F.softmax(logits, 1)")
    shifted = np.exp(array - array.max(axis=chosen, keepdims=True))
    return shifted / shifted.sum(axis=chosen, keepdims=True)


def _one_hot(run: Interpreter, index: Any, num_classes: Any = -1) -> np.ndarray:
    labels = run._array(np.asarray(_floats(index)), "one-hot encoded")
    if labels.dtype.kind not in "iu":
        raise CodeError("F.one_hot takes whole numbers (an index tensor such as Yb)")
    classes = int(labels.max()) + 1 if num_classes == -1 else num_classes
    if not isinstance(classes, (int, np.integer)) or classes <= 0 or (labels.size and labels.max() >= classes):
        raise CodeError("F.one_hot: num_classes must be a whole number above every index")
    run._room(labels.size * int(classes))
    return (labels[..., None] == np.arange(classes)).astype(np.int64)  # integers, as torch gives them


def _index_add_(run: Interpreter, x: Any, dim: Any, index: Any, source: Any) -> np.ndarray:
    """torch's in-place scatter-add: rows of `source` added into `x` at `index` along `dim`, repeats summed."""
    array = run._array(x, "added into")
    where = run._array(np.asarray(index), "an index")
    values = np.asarray(run._operand(source))
    if dim != 0 or where.ndim != 1:
        raise CodeError("index_add_ takes dim 0 and a 1-D index here: dC.index_add_(0, Xb.view(-1), "
                        "demb.view(-1, n_embd))")
    if values.shape != (where.size, *array.shape[1:]):
        raise CodeError(f"index_add_: the source is {shape_of(values)}, it must be "
                        f"{shape_text((where.size, *array.shape[1:]))}")
    np.add.at(array, where, values)
    return array


def _index_add(run: Interpreter, x: Any, dim: Any, index: Any, source: Any) -> np.ndarray:
    return _index_add_(run, run._array(x, "added into").copy(), dim, index, source)


def _add_at(run: Interpreter, x: Any, index: Any, values: Any) -> None:
    """numpy's unbuffered scatter-add: repeated indices accumulate."""
    array = run._array(x, "added into")
    if isinstance(index, tuple):
        key = tuple(np.arange(part.start, part.stop, part.step) if isinstance(part, range) else part for part in index)
    else:
        key = (np.arange(index.start, index.stop, index.step) if isinstance(index, range) else index,)
    run._room(_indexed_size(array.shape, tuple(part for part in key)))
    np.add.at(array, key if isinstance(index, tuple) else key[0], run._operand(values))


def _arange(run: Interpreter, *bounds: Any) -> np.ndarray:
    span = range(*(run._index_number(bound) for bound in bounds))
    run._room(len(span))
    return np.arange(span.start, span.stop, span.step)


def _builtin_range(run: Interpreter, *bounds: Any) -> range:
    if not 1 <= len(bounds) <= 3:
        raise CodeError("range takes 1 to 3 whole numbers")
    return range(*(run._index_number(bound) for bound in bounds))


def _builtin_len(run: Interpreter, value: Any) -> int:
    value = _floats(value)
    if isinstance(value, (range, tuple)):
        return len(value)
    if isinstance(value, np.ndarray) and value.ndim:
        return value.shape[0]
    raise CodeError(f"len takes a tensor, a shape or a range, not {_kind(value)}")


def _builtin_number(cast: type) -> Callable:
    def converting(run: Interpreter, value: Any) -> Any:
        value = run._operand(value)
        if np.size(value) != 1:
            raise CodeError(f"{cast.__name__}() takes one number, not a tensor {shape_of(value)}")
        if cast is int and not math.isfinite(float(np.ravel(value)[0])):
            raise CodeError("int() of a value that is not finite")
        return run._whole(cast(np.ravel(value)[0])) if cast is int else cast(np.ravel(value)[0])
    return converting


def _builtin_reduce(how: Callable) -> Callable:
    def reducing(run: Interpreter, *values: Any) -> Any:
        items = values[0] if len(values) == 1 else values
        items = _floats(items)
        if isinstance(items, range):
            if len(items) > run.limits.iterations:
                raise CodeError(f"a range of {len(items):,}: at most {run.limits.iterations:,} values here")
            items = tuple(items)
        if isinstance(items, np.ndarray):
            return how(items) if items.ndim else items
        return how(run._operand(item) for item in items)
    return reducing


def _builtin_abs(run: Interpreter, value: Any) -> Any:
    return np.abs(run._operand(value))


BUILTINS: dict[str, Any] = {
    "range": _builtin_range, "len": _builtin_len, "float": _builtin_number(float), "int": _builtin_number(int),
    "abs": _builtin_abs, "min": _builtin_reduce(min), "max": _builtin_reduce(max), "sum": _builtin_reduce(sum),
}

METHODS: dict[str, Callable] = {
    "sum": lambda run, x, *a, **k: _reduce(np.sum, run, x, *a, **k),
    "mean": lambda run, x, *a, **k: _reduce(np.mean, run, x, *a, **k),
    "max": _max, "min": _min,
    "argmax": lambda run, x, dim=None, keepdim=False, axis=None: np.argmax(np.asarray(x), axis=_axis(dim, axis=axis)[0]),
    "view": _view, "reshape": _view,
    "clone": lambda run, x: np.array(x, copy=True), "copy": lambda run, x: np.array(x, copy=True),
    "exp": lambda run, x: np.exp(x), "log": lambda run, x: np.log(x), "tanh": lambda run, x: np.tanh(x),
    "sqrt": lambda run, x: np.sqrt(x), "abs": lambda run, x: np.abs(x),
    "float": lambda run, x: np.asarray(x, dtype=float), "double": lambda run, x: np.asarray(x, dtype=float),
    "item": lambda run, x: _builtin_number(float)(run, x),
    "numel": lambda run, x: int(np.size(x)),
    "size": lambda run, x, dim=None: tuple(np.shape(x)) if dim is None else np.shape(x)[dim],
    "index_add_": _index_add_,
}

_COMMON = {
    "zeros_like": _like(np.zeros), "ones_like": _like(np.ones), "exp": _elementwise(np.exp),
    "log": _elementwise(np.log), "tanh": _elementwise(np.tanh), "sqrt": _elementwise(np.sqrt),
    "zeros": _new(np.zeros), "ones": _new(np.ones), "arange": _arange,
    "sum": METHODS["sum"], "mean": METHODS["mean"], "max": _max, "min": _min,
    "maximum": lambda run, a, b: np.maximum(run._operand(a), run._operand(b)),
}
FUNCTIONAL = Module("F", {"softmax": _softmax, "one_hot": _one_hot})
TORCH = Module("torch", _COMMON | {"softmax": _softmax, "index_add": _index_add,
                                   "nn": Module("torch.nn", {"functional": FUNCTIONAL})})
NUMPY = Module("np", _COMMON | {"add": Module("np.add", {"at": _add_at}), "newaxis": None})
MODULES = {"torch": TORCH, "F": FUNCTIONAL, "np": NUMPY, "numpy": NUMPY}


def run_code(source: str, names: dict[str, Any], limits: Limits = Limits()) -> tuple[dict[str, Any], Notes]:
    """Run `source` over a copy of `names` (with torch, F and np bound); the names after it and its notes."""
    scope = {**MODULES, **copy.deepcopy(names)}  # deep: two names for one tensor stay one tensor
    notes = Interpreter(scope, limits).run(source)
    held = sum(value.size for value in scope.values() if isinstance(value, np.ndarray))
    if held > limits.held:
        raise CodeError(f"the names now hold {held:,} entries in all: at most {limits.held:,}")
    return {name: value for name, value in scope.items() if name not in MODULES or scope[name] is not MODULES[name]}, notes
