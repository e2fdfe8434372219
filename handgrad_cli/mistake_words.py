"""A mistake's slug (as the history keeps it) in a few words a learner reads, for tables that list them."""

from __future__ import annotations

WORDS = {
    "sign-flipped": "sign flipped",
    "upstream-dropped": "upstream gradient dropped",
    "dout-dropped": "dout dropped",
    "mean-forgotten": "the mean's 1/n forgotten",
    "sign-flipped-mean-forgotten": "sign flipped, 1/n forgotten",
    "onehot-not-subtracted": "one-hot not subtracted",
    "wrong-class": "the wrong class picked",
    "jacobian-diagonal-only": "only the Jacobian's diagonal",
    "assigned-not-added": "assigned, not added",
    "scatter-assigned": "scatter assigned, not added",
    "averaged-not-summed": "averaged, not summed",
    "db-averaged": "db averaged, not summed",
    "bessel-forgotten": "Bessel's n - 1 forgotten",
    "counts-sum-path-dropped": "path via counts_sum dropped",
    "probs-path-dropped": "path via probs dropped",
    "max-path-dropped": "path via the max dropped",
    "mean-path-dropped": "path via the mean dropped",
    "variance-path-dropped": "path via the variance dropped",
    "path-dropped": "a path dropped",
    "dw-dx-swapped": "dw and dx swapped",
    "exp-derivative-as-x": "exp's derivative as its input",
    "exp-local-is-input": "exp's derivative as its input",
    "factor-dropped": "a factor dropped",
    "gain-dropped": "the gain dropped",
    "log-derivative-as-probs": "log's derivative as probs",
    "not-swapped": "mul's inputs not swapped",
    "one-minus-a": "1 - a, not 1 - a**2",
    "pow-exponent-kept": "pow's exponent not lowered",
    "pow-n-forgotten": "pow's factor n forgotten",
    "relu-passes-negative": "relu passed a negative",
    "sigmoid-derivative": "sigmoid's derivative used",
    "tanh-local-of-input": "tanh of the input used",
    "tanh-not-derivative": "tanh, not its derivative",
    "tanh-skipped": "tanh's derivative skipped",
    "z-squared": "1 - z**2, not 1 - a**2",
}


def mistake_words(slug: str) -> str:
    """The words for a slug; one not listed (a newer kind's) reads with spaces for its hyphens."""
    return WORDS.get(slug, slug.replace("-", " "))
