"""Explicit floating-point precision for the simulators: a config field, never a global switch.

Every simulator takes ``dtype`` (``"float64"`` by default, ``"float32"`` on request) and runs its JAX code inside
:func:`scope`, JAX's scoped ``enable_x64``: the caller's global configuration is left as it was, and the result's
config records the precision that actually ran.
"""

from __future__ import annotations

import jax

from collapse_theory.errors import InvalidParameterError

__all__ = ["DTYPES", "check", "scope"]

DTYPES = ("float64", "float32")


def check(dtype) -> str:
    """``dtype`` as one of :data:`DTYPES` (numpy dtypes and their names accepted)."""
    name = getattr(dtype, "__name__", None) or str(dtype)
    if name not in DTYPES:
        raise InvalidParameterError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return name


def scope(dtype: str):
    """Context manager in which JAX computes in ``dtype``."""
    return jax.enable_x64(check(dtype) == "float64")
