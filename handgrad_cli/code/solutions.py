"""The reference backward pass as code, per kind and gradient: what the third hint, a revealed answer and a
notebook's `--answers inline` show. Each is in PyTorch notation, as makemore's notebook writes it, and in
numpy's; both run in handgrad's interpreter (tests run every kind's lines on every difficulty), and numpy's
in plain Python too (a notebook without torch).
"""

from __future__ import annotations

import numpy as np

from handgrad_cli.problem import Problem

# Exercise 1 of the notebook, in its order and names (some gradients need a line written at an earlier one's
# prompt, as the lecture writes them: dcounts' first path before dcounts_sum, dlogits' copy before dlogit_maxes).
CE_STEPS = {
    "dlogprobs": "dlogprobs = torch.zeros_like(logprobs)\ndlogprobs[range(n), Yb] = -1.0/n",
    "dprobs": "dprobs = (1.0 / probs) * dlogprobs",
    "dcounts_sum_inv": "dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)",
    "dcounts_sum": "dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv",
    "dcounts": "dcounts = counts_sum_inv * dprobs\ndcounts += torch.ones_like(counts) * dcounts_sum",
    "dnorm_logits": "dnorm_logits = counts * dcounts",
    "dlogit_maxes": "dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)",
    "dlogits": "dlogits = dnorm_logits.clone()\n"
               "dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes",
}
BATCHNORM_STEPS = {
    "dbngain": "dbngain = (bnraw * dhpreact).sum(0, keepdim=True)",
    "dbnbias": "dbnbias = dhpreact.sum(0, keepdim=True)",
    "dbnraw": "dbnraw = bngain * dhpreact",
    "dbnvar_inv": "dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)",
    "dbnvar": "dbnvar = (-0.5*(bnvar + 1e-5)**-1.5) * dbnvar_inv",
    "dbndiff2": "dbndiff2 = (1.0/(n-1))*torch.ones_like(bndiff2) * dbnvar",
    "dbndiff": "dbndiff = bnvar_inv * dbnraw\ndbndiff += (2*bndiff) * dbndiff2",
    "dbnmeani": "dbnmeani = (-dbndiff).sum(0, keepdim=True)",
    "dhprebn": "dhprebn = dbndiff.clone()\ndhprebn += 1.0/n * (torch.ones_like(hprebn) * dbnmeani)",
}
# Exercise 2: dlogits in one go; exercise 3: dhprebn in one expression.
FUSED = {
    "dlogits": "dlogits = F.softmax(logits, 1)\ndlogits[range(n), Yb] -= 1\ndlogits /= n",
    "dhprebn": "dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) "
               "- n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))",
}
MLP = {
    **CE_STEPS,
    "dh": "dh = dlogits @ W2.T",
    "dW2": "dW2 = h.T @ dlogits",
    "db2": "db2 = dlogits.sum(0)",
    "dhpreact": "dhpreact = (1.0 - h**2) * dh",
    **BATCHNORM_STEPS,
    "dembcat": "dembcat = dhprebn @ W1.T",
    "dW1": "dW1 = embcat.T @ dhprebn",
    "db1": "db1 = dhprebn.sum(0)",
    "demb": "demb = dembcat.view(emb.shape)",
    "dC": "dC = torch.zeros_like(C)\nfor k in range(Xb.shape[0]):\n    for j in range(Xb.shape[1]):\n"
          "        ix = Xb[k, j]\n        dC[ix] += demb[k, j]",
}
# numpy's spelling of the same lines: keepdims, .copy(), .reshape, np.add.at, a comparison for the max's one-hot
NUMPY_CE_STEPS = {
    **CE_STEPS,
    "dlogprobs": "dlogprobs = np.zeros_like(logprobs)\ndlogprobs[range(n), Yb] = -1.0/n",
    "dcounts_sum_inv": "dcounts_sum_inv = (counts * dprobs).sum(1, keepdims=True)",
    "dcounts": "dcounts = counts_sum_inv * dprobs\ndcounts += np.ones_like(counts) * dcounts_sum",
    "dlogit_maxes": "dlogit_maxes = (-dnorm_logits).sum(1, keepdims=True)",
    "dlogits": "dlogits = dnorm_logits.copy()\ndlogits += (logits == logits.max(1, keepdims=True)) * dlogit_maxes",
}
NUMPY_BATCHNORM_STEPS = {
    **BATCHNORM_STEPS,
    "dbngain": "dbngain = (bnraw * dhpreact).sum(0, keepdims=True)",
    "dbnbias": "dbnbias = dhpreact.sum(0, keepdims=True)",
    "dbnvar_inv": "dbnvar_inv = (bndiff * dbnraw).sum(0, keepdims=True)",
    "dbndiff2": "dbndiff2 = (1.0/(n-1))*np.ones_like(bndiff2) * dbnvar",
    "dbnmeani": "dbnmeani = (-dbndiff).sum(0, keepdims=True)",
    "dhprebn": "dhprebn = dbndiff.copy()\ndhprebn += 1.0/n * (np.ones_like(hprebn) * dbnmeani)",
}
NUMPY_FUSED = {
    "dlogits": "dlogits = np.exp(logits - logits.max(1, keepdims=True))\ndlogits /= dlogits.sum(1, keepdims=True)\n"
               "dlogits[range(n), Yb] -= 1\ndlogits /= n",
    "dhprebn": "dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) "
               "- n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))",
}
NUMPY_MLP = {
    **MLP, **NUMPY_CE_STEPS, **NUMPY_BATCHNORM_STEPS,
    "demb": "demb = dembcat.reshape(emb.shape)",
    "dC": "dC = np.zeros_like(C)\nnp.add.at(dC, Xb, demb)",
}


def _kinds(ce_steps: dict[str, str], batchnorm_steps: dict[str, str], mlp: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each kind's lines, in one notation: the kinds that drill a part of the MLP take that part's lines."""
    return {
        "softmax-ce": {"dlogits": "dlogits = (probs - F.one_hot(target, num_classes=logits.shape[-1])) / n"},
        "tanh-neuron": {"dz": "dz = (1 - a**2) * dout", "dw": "dw = dz * x", "db": "db = dz", "dx": "dx = dz * w"},
        "linear": {"dX": "dX = dY @ W.T", "dW": "dW = X.T @ dY", "db": "db = dY.sum(0)"},
        "broadcast-hpreact": {name: batchnorm_steps[name] for name in ("dbngain", "dbnbias", "dbnraw")},
        "broadcast-probs": {"dcounts_sum_inv": ce_steps["dcounts_sum_inv"], "dcounts": "dcounts = counts_sum_inv * dprobs"},
        "broadcast-norm-logits": {name: ce_steps[name] for name in ("dlogit_maxes", "dlogits")},
        "embedding": {name: mlp[name] for name in ("demb", "dC")},
        "ce-steps": ce_steps,
        "batchnorm": batchnorm_steps,
        "mlp": mlp,
    }


KINDS = _kinds(CE_STEPS, BATCHNORM_STEPS, MLP)
NUMPY_KINDS = _kinds(NUMPY_CE_STEPS, NUMPY_BATCHNORM_STEPS, NUMPY_MLP)
NOTATIONS = ("torch", "numpy")


def solution(problem: Problem, gradient: str, fused: bool = False, notation: str = "torch") -> str:
    """The lines that compute `gradient` for this problem, given the gradients asked before it."""
    numpy = notation == "numpy"
    if fused:
        return (NUMPY_FUSED if numpy else FUSED)[gradient]
    if problem.kind == "scalar-graph":  # each program has its own: its closed form is a line of arithmetic
        return problem.closed_form[gradient]
    if problem.kind == "softmax-ce" and numpy:
        picked = "dlogits[target] -= 1" if np.ndim(problem.inputs["target"]) == 0 else "dlogits[range(n), target] -= 1"
        return f"dlogits = probs.copy()\n{picked}\ndlogits /= n"
    if problem.kind == "batchnorm" and gradient == "dhprebn" and "dbndiff" not in problem.asked:
        return (NUMPY_FUSED if numpy else FUSED)["dhprebn"]  # easy and medium ask dhprebn straight from dhpreact
    written = (NUMPY_KINDS if numpy else KINDS).get(problem.kind)
    return written[gradient] if written else problem.closed_form[gradient]  # a kind's closed form is code
