"""Numerical checks shared by the tests: an independent reference by central differences."""

import numpy as np


def central_difference(f, point, h=1e-6):
    """The gradient of a scalar function at a point, by central differences in float64."""
    point = np.array(point, dtype=np.float64)
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[index] += h
        down[index] -= h
        grad[index] = (f(up) - f(down)) / (2 * h)
    return grad


def assert_answers_match_finite_differences(kind, problem):
    """Each asked gradient of a problem against central differences of its kind's loss function."""
    for name in problem.asked:
        f, point = kind.loss_function(problem, name)
        np.testing.assert_allclose(problem.answers[name], central_difference(f, point), rtol=1e-6, atol=1e-7,
                                   err_msg=name)


def node_differences(kind, problem, name, h=1e-6):
    """The loss's gradient in one named value of a problem's graph (an input or an intermediate), by
    central differences in float64: every entry nudged up and down, all in one batched forward pass."""
    graph = kind.graph([problem.inputs])
    point = graph.nodes[name].value[0]
    size = point.size
    nudges = (np.eye(size) * h).reshape((size,) + point.shape)
    nudged = kind.graph([problem.inputs] * (2 * size), {name: np.concatenate([nudges, -nudges])})
    losses = (nudged.root.value * graph.seed).reshape(2 * size, -1).sum(axis=1)
    return ((losses[:size] - losses[size:]) / (2 * h)).reshape(point.shape)


def run(*args, **kwargs):
    """`handgrad ARGS` run in-process: the result's exit code, stdout and stderr apart. Arguments may be
    paths or numbers (made text); `input` and `env` go to typer's CliRunner."""
    from typer.testing import CliRunner

    from handgrad_cli.cli import app

    return CliRunner().invoke(app, [str(arg) for arg in args], **kwargs)
