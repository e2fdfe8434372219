"""handgrad: practise backpropagation by hand, graded against a numpy reference."""

__version__ = "0.1.0"
