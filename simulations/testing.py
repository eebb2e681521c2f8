"""The one Monte Carlo agreement check: ``|mean - theory| <= 4 SE`` at every iteration.

The tolerance comes from the standard error of the estimate, never from a hand-tuned constant; on failure the
message lists, for the worst iterations, the expected value, the Monte Carlo mean, its SE and the z-score.
"""

from __future__ import annotations

import numpy as np

__all__ = ["assert_agrees", "z_scores"]


def z_scores(mean, se, theory) -> np.ndarray:
    """``(mean - theory) / se`` elementwise (an exact match with zero SE counts as z = 0)."""
    mean, se, theory = (np.asarray(x, dtype=np.float64) for x in (mean, se, theory))
    diff = mean - theory
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf))


def assert_agrees(mean, se, theory, *, what: str = "", sigmas: float = 4.0) -> float:
    """Assert ``|mean - theory| <= sigmas * se`` everywhere; return the largest ``|z|``."""
    mean, se, theory = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (mean, se, theory)))
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(theory))):
        raise AssertionError(f"{what}: non-finite values (mean {mean}, theory {theory})")
    z = z_scores(mean, se, theory)
    worst = float(np.max(np.abs(z))) if z.size else 0.0
    if worst > sigmas:
        bad = np.argsort(-np.abs(z).ravel())[:5]
        rows = "; ".join(f"[{i}] expected {theory.ravel()[i]:.6g}, actual {mean.ravel()[i]:.6g}, "
                         f"SE {se.ravel()[i]:.3g}, z {z.ravel()[i]:+.2f}" for i in bad if abs(z.ravel()[i]) > sigmas)
        raise AssertionError(f"{what}: Monte Carlo disagrees with theory beyond {sigmas} SE: {rows}")
    return worst
