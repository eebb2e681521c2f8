"""JAX Monte Carlo of the processes whose exact answers :mod:`collapse_theory` derives."""

from .result import Moments, Result

__all__ = ["Moments", "Result"]
