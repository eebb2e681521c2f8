"""The one z-score: ``(mean - theory) / SE``, shared by :class:`~simulations.result.Result`, ``collapse-theory
check`` and the tests' agreement check (``tests/conftest.py``)."""

from __future__ import annotations

import numpy as np

__all__ = ["z_scores"]


def z_scores(mean, se, theory) -> np.ndarray:
    """``(mean - theory) / se`` elementwise (an exact match with zero SE counts as z = 0)."""
    mean, se, theory = (np.asarray(x, dtype=np.float64) for x in (mean, se, theory))
    diff = mean - theory
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf))
