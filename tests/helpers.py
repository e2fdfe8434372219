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
