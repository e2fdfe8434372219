"""The flashcard decks: the local derivatives and the results a learner must own.

A card is data: a stable ID (deck/slug, kept across releases because the history keys on it),
its deck, a front (the forward operation or the question) and a back (its backward pass).
"""

from __future__ import annotations

from handgrad_cli.cards import Card
from handgrad_cli.errors import UserError, shown


def _deck(name: str, *cards: tuple[str, str, str]) -> tuple[Card, ...]:
    return tuple(Card(f"{name}/{slug}", name, front, back) for slug, front, back in cards)


MICROGRAD = _deck(
    "micrograd",
    ("chain", "The chain rule, in the lesson's words", "gradient = local derivative x upstream gradient"),
    ("add", "c = a + b: da, db?", "da += dc, db += dc (add passes the gradient through)"),
    ("mul", "c = a * b: da, db?", "da += b * dc, db += a * dc (mul swaps its inputs)"),
    ("sub", "c = a - b: da, db?", "da += dc, db += -dc"),
    ("div", "c = a / b: da, db?", "da += dc / b, db += -a / b**2 * dc"),
    ("tanh", "t = tanh(x): dx?", "dx += (1 - t**2) * dt (1 - tanh squared)"),
    ("exp", "e = exp(x): dx?", "dx += e * de (exp is its own derivative)"),
    ("log", "l = log(x): dx?", "dx += (1 / x) * dl"),
    ("pow", "y = x**n (n a constant): dx?", "dx += n * x**(n - 1) * dy"),
    ("relu", "y = max(0, x): dx?", "dx += (x > 0) * dy (the gradient passes only where x was positive)"),
    ("sigmoid", "s = sigmoid(x): dx?", "dx += s * (1 - s) * ds"),
    ("reuse", "A value feeds two operations: its gradient?",
     "The sum of both paths: gradients accumulate (+=), which is why they start at zero"),
)

TENSORS = _deck(
    "tensors",
    ("broadcast", "c = a + b with b of shape [1, n] broadcast over the rows of a: db?",
     "db = dc.sum(0, keepdims=True): a broadcast in the forward pass is a sum in the backward pass"),
    ("keepdims", "You summed dc over rows for a bias of shape [1, n]: what shape must db have?",
     "[1, n], the variable's own shape (keepdims=True), not [n]"),
    ("sum", "s = a.sum(1, keepdims=True): da?", "da = ones_like(a) * ds (the sum copies ds to every entry)"),
    ("mean", "m = a.mean(0, keepdims=True), a has n rows: da?", "da = ones_like(a) * dm / n"),
    ("matmul", "y = x @ W: dx, dW?", "dx = dy @ W.T, dW = x.T @ dy (matmul backward is a transpose)"),
    ("linear", "y = x @ W + b: db?", "db = dy.sum(0): b was broadcast over the batch"),
    ("shapes", "How to check a matmul gradient without a derivation?",
     "Its shape must match its variable: only x.T @ dy gives W's [in, out] shape"),
    ("rowscale", "c = a * b with b of shape [n, 1]: db?", "db = (a * dc).sum(1, keepdims=True)"),
    ("max", "m = a.max(1, keepdims=True): da?",
     "da = one_hot(a.argmax(1)) * dm: the gradient goes only to the maximum of each row"),
    ("pluck", "y = a[range(n), Yb]: da?", "da = zeros_like(a); da[range(n), Yb] = dy"),
    ("view", "embcat = emb.view(n, -1): demb?", "demb = dembcat.view(emb.shape): a reshape only moves numbers"),
    ("embedding", "emb = C[Xb]: dC?",
     "dC = zeros_like(C); np.add.at(dC, Xb, demb): a scatter-add, repeated indices accumulate"),
)

MAKEMORE = _deck(
    "makemore",
    ("softmax-ce", "p = softmax(z), L = -log p[y]: dz?", "dz = p - onehot(y) (p minus the one-hot label)"),
    ("softmax-ce-batch", "loss = F.cross_entropy(logits, Yb), a batch of n rows: dlogits?",
     "dlogits = (softmax(logits) - onehot(Yb)) / n"),
    ("row-sum", "Why does each row of dlogits sum to 0?",
     "p sums to 1 and so does the one-hot label: pull on the right logit, push on the others as much"),
    ("dlogprobs", "loss = -logprobs[range(n), Yb].mean(): dlogprobs?",
     "zeros, with -1/n at [range(n), Yb]"),
    ("dprobs", "logprobs = probs.log(): dprobs?", "dprobs = (1 / probs) * dlogprobs"),
    ("dcounts-sum-inv", "probs = counts * counts_sum_inv ([n, 1], broadcast): dcounts_sum_inv?",
     "dcounts_sum_inv = (counts * dprobs).sum(1, keepdims=True)"),
    ("dcounts-sum", "counts_sum_inv = counts_sum**-1: dcounts_sum?", "dcounts_sum = -counts_sum**-2 * dcounts_sum_inv"),
    ("dcounts", "counts is used twice (probs and counts_sum = counts.sum(1, keepdims=True)): dcounts?",
     "dcounts = counts_sum_inv * dprobs + ones_like(counts) * dcounts_sum (both paths add)"),
    ("dlogit-maxes", "norm_logits = logits - logit_maxes: dlogit_maxes, and what should it be?",
     "-dnorm_logits.sum(1, keepdims=True): about 0, since the maxes do not change the probs"),
    ("dnorm-logits", "counts = norm_logits.exp(): dnorm_logits?",
     "dnorm_logits = counts * dcounts (exp is its own derivative: counts, not norm_logits)"),
    ("dlogits-two-paths", "logits feeds norm_logits = logits - logit_maxes and logit_maxes = logits.max(1, "
     "keepdims=True): dlogits?",
     "dlogits = dnorm_logits + one_hot(logits.argmax(1)) * dlogit_maxes (both paths add; the second is 0)"),
    ("bessel", "bnvar = 1/(n-1) * bndiff2.sum(0, keepdims=True): dbndiff2?",
     "dbndiff2 = 1/(n-1) * ones_like(bndiff2) * dbnvar (Bessel's correction: n-1, not n)"),
    ("bnvar-inv", "bnvar_inv = (bnvar + 1e-5)**-0.5: dbnvar?", "dbnvar = -0.5 * (bnvar + 1e-5)**-1.5 * dbnvar_inv"),
    ("bndiff", "bndiff feeds bnraw = bndiff * bnvar_inv and bndiff2 = bndiff**2: dbndiff?",
     "dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2 (two paths add)"),
    ("dbnmeani", "bndiff = hprebn - bnmeani ([1, n_hidden], broadcast): dbnmeani?",
     "dbnmeani = -dbndiff.sum(0, keepdims=True) (the minus, then the broadcast summed)"),
    ("dhprebn-two-paths", "hprebn feeds bndiff = hprebn - bnmeani and bnmeani = 1/n * hprebn.sum(0, keepdims=True): "
     "dhprebn?", "dhprebn = dbndiff + 1/n * dbnmeani (both paths add; each column of dhprebn sums to 0)"),
    ("bngain", "hpreact = bngain * bnraw + bnbias: dbngain, dbnbias?",
     "dbngain = (bnraw * dhpreact).sum(0, keepdims=True), dbnbias = dhpreact.sum(0, keepdims=True)"),
    ("batchnorm", "The batchnorm backward in one line: dhprebn?",
     "bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n/(n-1) * bnraw * (dhpreact * bnraw).sum(0))"),
    ("db1", "hprebn = embcat @ W1 + b1, then batchnorm: why is db1 zero?",
     "db1 = dhprebn.sum(0), and each column of dhprebn sums to 0: batchnorm subtracts each column's mean, "
     "so a bias added to a whole column changes nothing after it"),
)

DECKS: dict[str, tuple[Card, ...]] = {deck[0].deck: deck for deck in (MICROGRAD, TENSORS, MAKEMORE)}


def chosen_decks(name: str | None) -> dict[str, tuple[Card, ...]]:
    """One deck by name, or all of them."""
    if name is None:
        return DECKS
    if name not in DECKS:
        raise UserError(f"unknown deck {shown(name)}: choose from {', '.join(DECKS)} (see `handgrad cards --list`)")
    return {name: DECKS[name]}
