"""The code interpreter: the notebook's subset in both notations, torch's meaning where numpy differs, errors a
learner reads, and hostile programs refused within bounded time and memory."""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import handgrad_cli.code.interpreter as interpreter
from handgrad_cli.code.interpreter import CodeError, run_code

LOGITS = np.array([[1.0, 3.0, 2.0], [0.5, -1.0, 4.0]])
NAMES = {"logits": LOGITS, "Yb": np.array([1, 2]), "n": 2, "W": np.ones((3, 3)), "X": np.ones((3, 4))}


def run(source: str, **names):
    return run_code(source, {**NAMES, **names})


def test_both_notations_compute_the_same_softmax_gradient():
    torch_style, _ = run("d = F.softmax(logits, 1)\nd[range(n), Yb] -= 1\nd /= n")
    numpy_style, _ = run("d = np.exp(logits - logits.max(axis=1, keepdims=True))\n"
                         "d = d / np.sum(d, axis=1, keepdims=True)\nd[range(n), Yb] -= 1\nd /= n")
    assert np.allclose(torch_style["d"], numpy_style["d"])
    assert np.allclose(torch_style["d"].sum(axis=1), 0)


def test_a_max_over_a_dimension_is_torchs_values_and_indices():
    names, _ = run("m = logits.max(1, keepdim=True)\nv = m.values\ni = logits.max(1).indices\na, b = logits.max(1)\n"
                   "oh = F.one_hot(i, num_classes=logits.shape[1])\nw = logits.max(axis=1)\nt = logits.max(1) * 2")
    assert names["v"].tolist() == [[3.0], [4.0]] and names["i"].tolist() == [1, 2]
    assert names["a"].tolist() == [3.0, 4.0] and names["b"].tolist() == [1, 2]
    assert names["oh"].tolist() == [[0, 1, 0], [0, 0, 1]]
    assert names["w"].tolist() == [3.0, 4.0]  # numpy's spelling gives the values
    assert names["t"].tolist() == [6.0, 8.0]  # used as a number, a max is its values


def test_keepdim_and_keepdims_and_positional_dimensions():
    names, _ = run("a = logits.sum(0)\nb = logits.sum(1, keepdim=True)\nc = logits.sum(axis=1, keepdims=True)\n"
                   "d = logits.mean(0, keepdim=True)\ne = logits.sum()")
    assert names["a"].shape == (3,) and names["b"].shape == (2, 1) and names["c"].shape == (2, 1)
    assert names["d"].shape == (1, 3) and float(names["e"]) == pytest.approx(LOGITS.sum())


def test_in_place_updates_reach_every_name_of_a_tensor_as_in_torch():
    names, _ = run("a = logits\na += 1\nb = logits.clone()\nb += 1")
    assert names["logits"][0, 0] == 2.0  # `a` is `logits`: += changed both
    assert names["b"][0, 0] == 3.0 and names["a"] is names["logits"]
    assert NAMES["logits"][0, 0] == 1.0  # the caller's tensors are never touched


def test_repeated_indices_do_not_accumulate_and_the_run_says_so():
    names, notes = run("dC = torch.zeros_like(W)\ndC[Yb2] += 1", Yb2=np.array([0, 0, 1]))
    assert names["dC"][0].tolist() == [1.0, 1.0, 1.0]  # not 2: neither torch nor numpy accumulates
    assert len(notes) == 1 and "np.add.at" in notes[0] and "line 2" in notes[0]
    summed, notes = run("dC = np.zeros_like(W)\nnp.add.at(dC, Yb2, 1)\nE = torch.zeros_like(W)\n"
                        "E.index_add_(0, Yb2, torch.ones_like(X[:, :3]))", Yb2=np.array([0, 0, 1]))
    assert summed["dC"][0].tolist() == [2.0, 2.0, 2.0] and summed["E"][0].tolist() == [2.0, 2.0, 2.0] and not notes


def test_loops_over_ranges_and_tensors():
    names, _ = run("t = 0\nfor i in range(len(Yb)):\n    for j in range(logits.shape[1]):\n        t += logits[i, j]\n"
                   "r = 0\nfor row in logits:\n    r += row.sum()")
    assert names["t"] == pytest.approx(LOGITS.sum()) and names["r"] == pytest.approx(LOGITS.sum())


@pytest.mark.parametrize("source, words", [
    ("y = X @ W", "line 1: @: [3, 4] @ [3, 3]: the inner sizes 4 and 3 differ"),
    ("a = 1\ny = logits + X", "line 2: +: [2, 3] + [3, 4] do not broadcast"),
    ("y = dlogits * 2", "line 1: dlogits is not defined here (no line has computed it yet); the names bound are: "
                        "W, X, Yb, logits, n"),
    ("y = logit * 2", "line 1: logit is not defined here (did you mean logits?); the names bound are: W, X, Yb"),
    ("cmp('logprobs', dlogprobs, logprobs)", "handgrad compares for you"),
    ("loss.backward()", "compute the gradient yourself: that is the exercise"),
    ("y = torch.matmul(X, W)", "torch.matmul is not in handgrad's subset: use @"),
    ("y = torch.transpose(X, 0, 1)", "use .T"),
    ("y = F.cross_entropy(logits, Yb)", "write the softmax and the loss out"),
    ("y = logits.view(5)", "a tensor [2, 3] (6 entries) cannot be viewed as [5]"),
    ("y = logits[5]", "line 1: index 5 is out of bounds"),
    ("y = logits[0.5]", "an index is a whole number"),
    ("y = F.softmax(logits)", "F.softmax needs its dimension"),
    ("y = (1,) * 2", "a tuple cannot be used as a number"),
    ("x = 1 +", "line 1: that is not Python"),
])
def test_errors_name_the_line_and_operands(source, words):
    with pytest.raises(CodeError) as error:
        run(source)
    assert words in str(error.value) and "\n" not in str(error.value)


HOSTILE = [
    "().__class__",
    "logits.__class__.__mro__",
    "x = logits.T.__array_interface__",
    "__import__('os')",
    "import os",
    "from os import system",
    "getattr(logits, 'T')",
    "x = 10**10**10",
    "x = 9**9**9",
    "x = 2**64",
    "x = 10.0**400",
    "x = int(1e300)",
    "for i in range(10**12):\n    x = i",
    "for i in range(5000):\n    for j in range(5000):\n        x = i",
    "x = sum(range(10**12))",
    "x = np.arange(10**10)",
    "x = torch.zeros(10**6, 10**6)",
    "x = torch.ones(10**5, 10**5) @ torch.ones(10**5, 10**5)",
    "x = logits.view(-1)[:, None] * np.arange(99_999)[None, :]",
    "x = F.one_hot(Yb, num_classes=10**9)",
    "x = logits[np.arange(99_999) * 0][:, np.arange(99_999) * 0]",
    "for i in range(10_000):\n    x = torch.ones(99_999)",
    "x = -" * 1 + "-" * 3000 + "1",
    "x = " + "(" * 300 + "1" + ")" * 300,
    "x = 1" + " + 1" * 500,
    "x = " + "[" * 100 + "]" * 100,
    "while True:\n    pass",
    "f = lambda: 1",
    "def f():\n    return 1",
    "class A:\n    pass",
    "x = [i for i in range(10**9)]",
    "x = {i: i for i in range(10**9)}",
    "x = (i for i in range(10**9))",
    "x = 'a' * 10**9",
    "x = b'a'",
    "x = f'{logits}'",
    "with open('x') as f:\n    pass",
    "try:\n    x = 1\nexcept:\n    pass",
    "global logits",
    "del logits",
    "x = [0] * 10**9",
    "x = (1,) * 10**9",
    "x = logits if n else X",
    "x = n and logits",
    "x = ...",
    "x = 1j",
    "x = " + "logits + " * 600 + "logits",
    "x = 1; " * 2000,
    "open('/etc/passwd')",
    "x = logits.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T.T",
    "x = 1\x00",
    "".join(f"a{i} = torch.zeros(99_999)\n" for i in range(25)),  # kept bound: the names' total is capped
]


@pytest.mark.parametrize("source", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_programs_are_refused_in_bounded_time_and_memory(source):
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(CodeError) as error:
            run(source)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 3.0
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert "\n" not in str(error.value) and str(error.value)


def test_a_slow_program_stops_at_the_wall_time():
    limits = interpreter.Limits(seconds=0.05)
    ticks = iter(range(10**9))
    scope = {"x": np.ones(3)}
    slow = interpreter.Interpreter(scope, limits, clock=lambda: next(ticks) * 0.01)  # every look at the clock: 10 ms
    with pytest.raises(CodeError, match="stopped after 0.05 s"):
        slow.run("for i in range(100):\n    x = x + 1")


def test_the_interpreter_never_evaluates_text():
    source = Path(interpreter.__file__).read_text()
    assert not re.search(r"\b(eval|exec|compile)\(", source)
    assert "__import__" not in source
