"""Small validators shared by the theory, the simulators and the CLI.

Each returns the cleaned value or raises :class:`~collapse_theory.errors.InvalidParameterError` with a message
that names the parameter, the condition, and the value received.
"""

from __future__ import annotations

import math
import numbers

from .errors import InvalidParameterError

__all__ = ["integer", "positive", "nonnegative", "unit_interval", "design"]


def integer(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, requiring an integral value >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    else:
        if not math.isfinite(float(value)) or float(value) != int(value):
            raise InvalidParameterError(f"{name} must be an integer >= {minimum}, got {value!r}")
        out = int(value)
    if out < minimum:
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}, got {out}")
    return out


def _real(name: str, value, condition: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name} must be a real number {condition}, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise InvalidParameterError(f"{name} must be a finite number {condition}, got {value!r}")
    return out


def positive(name: str, value) -> float:
    """Return ``value`` as a float, requiring a finite value > 0."""
    out = _real(name, value, "> 0")
    if out <= 0:
        raise InvalidParameterError(f"{name} must be > 0, got {value!r}")
    return out


def nonnegative(name: str, value) -> float:
    """Return ``value`` as a float, requiring a finite value >= 0."""
    out = _real(name, value, ">= 0")
    if out < 0:
        raise InvalidParameterError(f"{name} must be >= 0, got {value!r}")
    return out


def unit_interval(name: str, value) -> float:
    """Return ``value`` as a float, requiring 0 <= value <= 1."""
    out = _real(name, value, "in [0, 1]")
    if not 0.0 <= out <= 1.0:
        raise InvalidParameterError(f"{name} must lie in [0, 1], got {value!r}")
    return out


def design(d, T) -> tuple[int, int]:
    """Validate a Gaussian design: integers d >= 1 and T >= d + 2 (E tr (X^T X)^{-1} is infinite otherwise)."""
    d = integer("d", d)
    T = integer("T", T)
    if T < d + 2:
        raise InvalidParameterError(
            f"T must satisfy T >= d + 2 (the expected test error is infinite for T <= d + 1), got d={d}, T={T}"
        )
    return d, T
