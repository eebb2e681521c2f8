"""Least squares with a fresh design per generation: the exact test error under accumulate and replace.

Setting: ``X_i`` (``T x d``, Gaussian rows, ``Sigma = I``) redrawn for every generation; labels as in
:mod:`collapse_theory.linear_regression`.  Under accumulate the stacked normal equations give ``H_n delta_n = H_n delta_{n-1} + X_n^T E_n`` with ``H_n = sum_{i<=n} X_i^T X_i``,
so ``delta_n = sum_{i<=n} H_i^{-1} X_i^T E_i`` (Theorem 1 with ``iG`` replaced by ``H_i``).  The terms are
uncorrelated and, the ``X_i^T X_i`` being exchangeable, ``E tr(H_i^{-1} X_i^T X_i H_i^{-1}) = E tr(H_i^{-1})/i``
with ``H_i ~ Wishart(iT, Sigma)``:

    E_test(n) = sigma^2 sum_{i<=n} v_i d / (i (iT - d - 1)),        T >= d + 2,

below the fixed-design ``sigma^2 kappa sum v_i/i^2`` term by term (``i(iT-d-1) >= i^2 (T-d-1)``); the limit
is ``sigma^2 [d/(T-d-1) + tau^2 (d/(d+1)) (psi(1) - psi(1-c) - 1/(1-c) + 1)]``, ``c = (d+1)/T``.  Under replace
``delta_n = delta_{n-1} + X_n^+ E_n`` and the error is ``sigma^2 kappa sum_i v_i`` as with a fixed design.

The fixed-design regimes reuse one ``X`` (:mod:`collapse_theory.linear_regression`, :mod:`collapse_theory.ridge`);
other regimes with fresh designs are left to Monte Carlo
(``simulations.linear_regression.simulate(..., fresh_design=True)``).
"""

from __future__ import annotations

import numpy as np

from . import _validate
from .errors import NoClosedFormError
from .regimes import Regime

__all__ = ["fresh_design_error", "fresh_design_limit"]


def fresh_design_error(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> np.ndarray:
    """Exact ``E_test`` at iterations ``1..n`` with a fresh Gaussian design per generation (accumulate, replace)."""
    if regime.kind not in ("accumulate", "replace"):
        raise NoClosedFormError(f"fresh-design errors are derived for accumulate and replace, not {regime.kind}")
    n = _validate.integer("n", n)
    d, T = _validate.design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    i = np.arange(1, n + 1, dtype=np.float64)
    v = np.where(i == 1, 1.0, regime.temperature**2)
    if regime.kind == "replace":
        return sigma2 * d / (T - d - 1) * np.cumsum(v)
    return sigma2 * np.cumsum(v * d / (i * (i * T - d - 1)))


def fresh_design_limit(regime: Regime, *, d: int, T: int, sigma2: float = 1.0) -> float:
    """``lim E_test`` for accumulate with fresh designs (digamma form); ``inf`` for replace unless ``tau = 0``."""
    from scipy.special import digamma

    d, T = _validate.design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    first = d / (T - d - 1)
    if regime.kind == "replace":
        return sigma2 * first if regime.temperature == 0 else float("inf")
    if regime.kind != "accumulate":
        raise NoClosedFormError(f"fresh-design limits are derived for accumulate and replace, not {regime.kind}")
    c = (d + 1) / T
    # sum_{i>=2} d/(i(iT-d-1)) = (d/T) sum_{i>=2} 1/(i(i-c)) = (d/(d+1)) [psi(1) - psi(1-c) - 1/(1-c) + 1]
    rest = d / (d + 1) * (digamma(1.0) - digamma(1.0 - c) - 1.0 / (1.0 - c) + 1.0)
    return float(sigma2 * (first + regime.temperature**2 * rest))
