"""Reads what a person typed into numbers, safely.

A value is a number or arithmetic on numbers: ``+ - * / **``, parentheses, ``exp log tanh sigmoid sqrt``
and the constants ``e`` and ``pi``. The text is parsed with ``ast`` and walked through a whitelist;
nothing is ever evaluated by Python itself. Length, nesting and magnitude are capped so hostile
input is refused at once. Values are separated by commas, matrix rows by ``;``.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Callable

from handgrad_cli.errors import UserError, visible
from handgrad_cli.errors import shown as _shown

MAX_ANSWER_CHARS = 4000  # a whole answer, all rows
MAX_VALUE_CHARS = 200  # one value
MAX_DEPTH = 16  # nesting of operations in one value
MAX_MAGNITUDE = 1e12  # any number met along the way
MAX_EXPONENT = 64

ALLOWED = "numbers, + - * / **, parentheses, exp log tanh sigmoid sqrt, e and pi"

_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "exp": math.exp,
    "log": math.log,
    "ln": math.log,
    "tanh": math.tanh,
    "sigmoid": lambda x: 0.5 * (1 + math.tanh(0.5 * x)),  # 1 / (1 + exp(-x)), finite for any x
    "sqrt": math.sqrt,
}
_CONSTANTS = {"e": math.e, "pi": math.pi}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
# Symbols people paste from papers and slides, read as the operators they mean.
_SPELLINGS = str.maketrans({"−": "-", "–": "-", "×": "*", "·": "*", "÷": "/", "^": "**"})


# A plain decimal such as -0.335 or 2: read by float() as Python would read it, without a syntax tree (a class's
# responses are tens of thousands of them).
_PLAIN = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d*)?(?:[eE][-+]?\d+)?|-?\.\d+(?:[eE][-+]?\d+)?")


def read_number(text: str) -> float:
    """One value: a number or whitelisted arithmetic."""
    source = text.strip().translate(_SPELLINGS)
    if not source:
        raise UserError("a value is empty: type a number such as 0.25")
    if len(source) > MAX_VALUE_CHARS:
        raise UserError(f"a value is longer than {MAX_VALUE_CHARS} characters: shorten it")
    if _PLAIN.fullmatch(source):
        return _checked(float(source), text)
    try:
        with warnings.catch_warnings():  # "1if 2" would print Python's SyntaxWarning to the learner
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        if re.search(r"[\d.]\s+[\d.]", source):  # numpy prints [ 0.165  0.15 ], without commas
            raise UserError(f"{_shown(text)} is not one number: separate values with commas") from None
        raise UserError(f"{_shown(text)} is not a number or arithmetic (allowed: {ALLOWED})") from None
    value = _evaluate(tree.body, depth=0, text=text)
    return _checked(value, text)


def read_rows(text: str, what: str = "the answer") -> list[list[float]]:
    """Rows of values: commas between values, ``;`` between rows, brackets optional. `what` names the text
    in a message (an answer, or an input of `explain`)."""
    if len(text) > MAX_ANSWER_CHARS:
        raise UserError(f"{what} is longer than {MAX_ANSWER_CHARS} characters: shorten it")
    rows = _row_texts(text)
    if rows and not rows[-1]:
        rows.pop()  # a trailing ';' is harmless
    if not any(rows):
        raise UserError("no values given: type numbers separated by commas, rows by ';'")
    return [[read_number(cell) for cell in _split_values(row)] for row in rows]


def read_values(text: str, shape: tuple[int, ...], name: str = "the answer"):
    """Values for an answer of the given shape (``()``, ``(n,)``, ``(rows, n)`` or ``(blocks, rows, n)``), as numpy.

    The right count of numbers laid out in another shape (a transpose, a row where a column belongs) is
    returned in the shape typed: grading counts it as a wrong try and names the shape. Another count of
    numbers is refused (a typo). A lone ``0`` is the all-zero gradient of any shape.
    """
    import numpy as np

    text = unwrapped(text)
    if len(shape) == 3 and (";;" in text or _BLOCKS.search(text)):
        return np.array([read_values(block, shape[1:], f"block {i} of {name}")
                         for i, block in enumerate(_block_texts(text, shape, name))], dtype=float)
    rows = read_rows(text)
    counts = [len(row) for row in rows]
    size = math.prod(shape)
    if rows == [[0.0]]:
        return np.zeros(shape)
    if len(shape) >= 2 and len(rows) == math.prod(shape[:-1]) and set(counts) == {shape[-1]}:
        return np.array(rows, dtype=float).reshape(shape)  # a 3-D answer is typed as its rows, in order
    if sum(counts) != size or len(set(counts)) != 1:
        _refuse_missing_commas(text, sum(counts))
        raise UserError(f"{name} expects {describe_shape(shape)}; you gave {_shape_of(rows)}")
    if len(rows) == 1:
        return np.array(rows[0][0] if not shape else rows[0], dtype=float)
    return np.array(rows, dtype=float)


def _shape_of(rows: list[list[float]]) -> str:
    counts = {len(row) for row in rows}
    if len(counts) > 1:
        return f"{len(rows)} rows of " + "/".join(str(count) for count in sorted(counts)) + " values"
    if len(rows) == 1:
        return _count(len(rows[0]))
    return f"{len(rows)} rows of {_count(counts.pop())}"


_PASTED = re.compile(r"^\s*(?:torch\.|np\.|numpy\.)?(?:tensor|array)\(\s*(\[.*\])\s*(?:,[^\[\]]*)?\)\s*$", re.S)


def unwrapped(text: str) -> str:
    """A value pasted as numpy or PyTorch print it, ``tensor([[0.1, 0.2], [0.3, 0.4]])``, as its nested list."""
    match = _PASTED.match(text)
    return match.group(1) if match else text


# a number, spaces, then a signed number: `0.549 -0.865`, which Python would read as a subtraction
_SIGNED_AFTER_SPACE = re.compile(r"[\d.)]\s+[-+](?=[\d.(])")


def _refuse_missing_commas(text: str, count: int) -> None:
    """When the count is wrong and a space stands between two numbers with a sign, ask rather than subtract."""
    missing = len(_SIGNED_AFTER_SPACE.findall(text))
    if missing:
        raise UserError(f"did you mean {count + missing} values? separate them with a comma")


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as handgrad writes it: ``[2, 3]``."""
    return "[" + ", ".join(map(str, shape)) + "]"


def shape_words(shape: tuple[int, ...]) -> str:
    """``1 value``, ``3 values``, ``2 rows of 3 values`` or ``2 blocks of 2 rows of 3 values``."""
    if not shape:
        return "1 value"
    if len(shape) == 3:
        return f"{shape[0]} blocks of {shape_words(shape[1:])}"
    if len(shape) == 1:
        return _count(shape[0])
    lines = math.prod(shape[:-1])
    return f"{lines} {'row' if lines == 1 else 'rows'} of {_count(shape[-1])}"


def describe_shape(shape: tuple[int, ...]) -> str:
    """The shape and how to type it."""
    if len(shape) == 1 and shape[0] > 1:
        return f"{shape_words(shape)} separated by commas"
    if len(shape) == 2:
        return f"{shape_words(shape)}, rows separated by ';'"
    if len(shape) == 3:
        return f"{shape_words(shape)}, rows separated by ';', blocks by ';;'"
    return shape_words(shape)


def _count(n: int) -> str:
    return f"{n} value" if n == 1 else f"{n} values"


_BLOCKS = re.compile(r"\]\s*\]\s*,\s*\[\s*\[")  # between two blocks of a nested list: ]], [[


def _block_texts(text: str, shape: tuple[int, ...], name: str) -> list[str]:
    """A 3-D answer's blocks: split on ``;;``, or on ``]], [[`` in a nested list as numpy prints one."""
    if len(text) > MAX_ANSWER_CHARS:
        raise UserError(f"the answer is longer than {MAX_ANSWER_CHARS} characters: shorten it")
    blocks = text.split(";;") if ";;" in text else _BLOCKS.split(text)
    if blocks and not blocks[-1].strip(" \t\r\n;"):
        blocks.pop()  # a trailing ';;' is harmless
    if len(blocks) != shape[0]:
        raise UserError(f"{name} expects {describe_shape(shape)}; you gave {len(blocks)} block(s)")
    return blocks


def _row_texts(text: str) -> list[str]:
    """Each row's values, brackets dropped: rows are split on ``;``, or on ``], [`` in a nested list
    as handgrad prints a matrix (``[[1, 2], [3, 4]]``)."""
    if ";" not in text:
        text = re.sub(r"\]\s*,\s*\[", ";", text)
    blank = " \t\r\n\f\v"
    return [row.lstrip(blank + "[").rstrip(blank + "]") for row in text.split(";")]


def _split_values(row: str) -> list[str]:
    """Split on commas outside parentheses, so a stray comma inside a call is reported as such."""
    if "(" not in row and ")" not in row:
        return row.split(",")  # every comma is outside parentheses
    cells, depth, start = [], 0, 0
    for i, char in enumerate(row):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            cells.append(row[start:i])
            start = i + 1
    cells.append(row[start:])
    return cells


def _checked(value: float, text: str) -> float:
    if not math.isfinite(value):
        raise UserError(f"{_shown(text)} is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise UserError(f"{_shown(text)} is too large (limit {MAX_MAGNITUDE:g})")
    return value


def _evaluate(node: ast.AST, depth: int, text: str) -> float:
    if depth > MAX_DEPTH:
        raise UserError(f"{_shown(text)} is nested too deeply (limit {MAX_DEPTH})")
    deeper = depth + 1
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _checked(float(node.value), text)
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _evaluate(node.operand, deeper, text)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and (type(node.op) in _BINARY or isinstance(node.op, ast.Pow)):
        left = _evaluate(node.left, deeper, text)
        right = _evaluate(node.right, deeper, text)
        return _checked(_apply(node.op, left, right, text), text)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        argument = _evaluate(node.args[0], deeper, text)
        return _checked(_call(node.func.id, argument, text), text)
    raise UserError(f"{_shown(text)} is not a number or arithmetic (allowed: {ALLOWED})")


def _apply(op: ast.operator, left: float, right: float, text: str) -> float:
    if isinstance(op, ast.Pow):
        if abs(right) > MAX_EXPONENT:
            raise UserError(f"{_shown(text)} has an exponent beyond {MAX_EXPONENT}")
        if left < 0 and not right.is_integer():
            raise UserError(f"{_shown(text)} takes a fractional power of a negative number")
        if left == 0 and right < 0:
            raise UserError(f"{_shown(text)} divides by zero")
        try:
            return math.pow(left, right)
        except OverflowError:
            raise UserError(f"{_shown(text)} is too large (limit {MAX_MAGNITUDE:g})") from None
    if isinstance(op, ast.Div) and right == 0:
        raise UserError(f"{_shown(text)} divides by zero")
    return _BINARY[type(op)](left, right)


def _call(name: str, argument: float, text: str) -> float:
    try:
        return _FUNCTIONS[name](argument)
    except OverflowError:
        raise UserError(f"{_shown(text)} is too large (limit {MAX_MAGNITUDE:g})") from None
    except ValueError:
        raise UserError(f"{_shown(text)} takes {name} of {argument:g}, which is undefined") from None


def read_named_answers(items: list[str], shapes: dict[str, tuple[int, ...]]) -> dict[str, object]:
    """``NAME=VALUES`` items for the gradients a problem asks, read against their shapes."""
    if not items:
        example = next(iter(shapes), "dlogits")
        raise UserError(f"no answers given: add NAME=VALUES, e.g. {example}=0.1,-0.2")
    answers = {}
    for item in items:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals:
            example = name if name in shapes else next(iter(shapes), "dw")
            raise UserError(f"{_shown(item)} is not NAME=VALUES: e.g. {example}=0.5,-1")
        if name not in shapes:
            raise UserError(f"this problem does not ask {_shown(name)}: it asks {', '.join(shapes)}")
        if name in answers:
            raise UserError(f"{name} is given twice: give each gradient once")
        answers[name] = read_values(text, shapes[name], name)
    return answers


def read_named_inputs(items: list[str]) -> dict[str, str]:
    """``NAME=VALUES`` items, or flags ``--NAME VALUES`` and ``--NAME=VALUES``, as text by name (a kind
    reads the values against its schema)."""
    named: dict[str, str] = {}
    rest = iter(items)
    for item in rest:
        if item.startswith("--"):
            flag, equals, text = item[2:].partition("=")
            if not equals and (text := next(rest, None)) is None:
                raise UserError(f"{_shown(item)} needs its values after it: e.g. --logits 2,1,0")
            item = f"{flag}={text}"
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise UserError(f"{_shown(item)} is not NAME=VALUES: e.g. logits=2,1,0")
        if name in named:
            raise UserError(f"{visible(name)} is given twice: give each input once")
        named[name] = text
    return named


_NEGATIVE_POWER = re.compile(r"(?:^|(?<=[(\[,;*/+\-]))\s*-\s*(\d+(?:\.\d*)?|\.\d+)\s*\*\*\s*(\d+(?:\.\d*)?)")


def negative_power_note(text: str) -> str | None:
    """Python reads ``-0.973**2`` as ``-(0.973**2)``: a note for an answer that was wrong and has one."""
    match = _NEGATIVE_POWER.search(text.translate(_SPELLINGS))
    if match is None:
        return None
    base, power = match.group(1), match.group(2)
    return f"note: -{base}**{power} is -({base}**{power}); write (-{base})**{power}"
