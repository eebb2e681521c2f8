"""Accumulate-subsample: keep every generation, fit on a uniform random subset of size B of the pool.

Iteration ``n`` adds ``T`` points (generation ``n``; iteration 1: real data) to a pool of ``N_n = nT`` points and
fits on ``b_n = min(B, N_n)`` of them drawn uniformly without replacement, independently of earlier draws.

**Gaussian-mean model (exact).**  Generation ``i`` holds ``T`` points ``mu_{i-1} + eps`` with
``eps ~ N(0, v_i sigma^2 I_d)``, ``v_1 = 1`` (real data), ``v_i = tau^2`` (synthetic), ``mu_0 = mu``; the fit is
the subset mean.  Per coordinate ``delta_n = mu_n - mu = (1/b_n) sum_{r in S_n} (delta_{g(r)-1} + eps_r)`` is
linear in the noise, ``delta_n = sum_p C_n(p) eps_p``, with random coefficients obeying

    C_n(p) = (1/b_n) (1{p in S_n} + sum_k N_{nk} C_{k-1}(p)),     C_0 = 0,

``N_{nk}`` the multivariate-hypergeometric number of generation-``k`` points in ``S_n``.  As ``S_n`` is
independent of everything before, the weighted sums over points (weights ``v_p``) of ``E C_n``,
``E C_n^2``, ``sum_{m<n} E C_n C_m`` close on four scalars (pool weight ``W_n``, ``U_n = sum_{m<n} sum_p v_p
E C_m(p)``, ``P_n = sum_{a,b<n} sum_p v_p E C_a C_b``, ``D_n = sum_{m<n} sum_p v_p E C_m^2``):

    Q_n = [q W_n + 2 q (b-1) T/(N-1) U_n + (mu^2 + cov) P_n + (var - cov) D_n] / b^2,
    q = b/N, mu = b/n, var = b (1/n)(1-1/n)(N-b)/(N-1), cov = -b (1/n^2)(N-b)/(N-1),

with ``b = b_n``, ``N = N_n``, ``W_n = T (1 + (n-1) tau^2)`` and updates ``U += W/N + U/n``,
``P += 2 (q U/b + P/n) + Q``, ``D += Q`` (each the exact expectation; no approximation).  Then
``E ||mu_n - mu||^2 = d sigma^2 Q_n``, which this module reports as the factor ``F_n = T Q_n`` (units of
``sigma^2 d / T``): ``F_n = sum_{i<=n} 1/i^2`` (accumulate) while ``nT <= B``.  O(1) work per iteration.
The limit ``F_oo = lim F_n`` exists (``F_n - F_oo = O(1/n)``: ``P_n/n^2`` converges with increments
``O(1/n^2)``); it is evaluated numerically by Richardson extrapolation of the recursion, not in closed form.

Linear regression with a shared design, where no closed form is known, is in
:mod:`collapse_theory.subsample_linear`.
"""

from __future__ import annotations

import math

import numpy as np

from . import _validate
from .errors import InvalidParameterError
from .regimes import Regime

__all__ = [
    "factors",
    "limit_factor",
    "gaussian_mean_error",
    "gaussian_mean_limit",
]


def _budget(regime: Regime) -> int:
    if not isinstance(regime, Regime) or regime.kind != "accumulate-subsample":
        raise InvalidParameterError(f"expected an accumulate-subsample regime, got {getattr(regime, 'kind', regime)!r}")
    return regime.budget


def _recursion(n_max: int, T: int, B: int, tau2: float) -> np.ndarray:
    """``Q_n`` for n = 1..n_max (per coordinate, units of sigma^2), the exact recursion of the module docstring."""
    out = np.empty(n_max, dtype=np.float64)
    U = P = D = 0.0
    for n in range(1, n_max + 1):
        N = n * T
        b = min(B, N)
        q = b / N
        W = T * (1.0 + (n - 1) * tau2)
        # Finite-population correction: the subset is drawn without replacement from N points.
        fpc = (N - b) / (N - 1) if N > 1 else 0.0
        var = b * (1.0 / n) * (1.0 - 1.0 / n) * fpc
        cov = -b / n**2 * fpc
        pair = (b - 1) * T / (N - 1) if N > 1 else 0.0  # E[N_k | p in S] for a generation k not p's
        Q = (q * W + 2.0 * q * pair * U + ((b / n) ** 2 + cov) * P + (var - cov) * D) / b**2
        cross = q / b * U + P / n  # sum_{m<n} E C_n C_m, weighted over points
        U += W / N + U / n
        P += 2.0 * cross + Q
        D += Q
        out[n - 1] = Q
    return out


def factors(regime: Regime, n: int, *, T: int) -> np.ndarray:
    """Exact ``F_n = T Q_n`` for ``n = 1..n``: Gaussian-mean error in units of ``sigma^2 d / T``.

    ``F_n = sum_{i<=n} v_i/i^2`` while ``nT <= B``; bounded as ``n -> oo`` (see :func:`limit_factor`).
    """
    B = _budget(regime)
    n = _validate.integer("n", n)
    T = _validate.integer("T", T)
    return T * _recursion(n, T, B, regime.temperature**2)


def limit_factor(regime: Regime, *, T: int) -> float:
    """``lim F_n`` by Richardson extrapolation (``F_n = F_oo + a/n + o(1/n)``) of the exact recursion.

    Evaluated at ``n1`` and ``2 n1`` with ``n1 >= 64 B/T``; the extrapolation error is below 1e-6 relative
    in the tests' range (checked against a third level).
    """
    B = _budget(regime)
    T = _validate.integer("T", T)
    n1 = max(4096, 64 * math.ceil(B / T))
    values = T * _recursion(2 * n1, T, B, regime.temperature**2)
    return float(2.0 * values[2 * n1 - 1] - values[n1 - 1])


def gaussian_mean_error(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> np.ndarray:
    """Exact ``E ||mu_n - mu||^2 = sigma^2 d F_n / T`` at iterations ``1..n`` (Gaussian mean, known covariance)."""
    d = _validate.integer("d", d)
    sigma2 = _validate.positive("sigma2", sigma2)
    return sigma2 * d / T * factors(regime, n, T=T)


def gaussian_mean_limit(regime: Regime, *, d: int, T: int, sigma2: float = 1.0) -> float:
    """``lim E ||mu_n - mu||^2 = sigma^2 d F_oo / T`` (numerical limit of the exact recursion)."""
    d = _validate.integer("d", d)
    sigma2 = _validate.positive("sigma2", sigma2)
    return sigma2 * d / T * limit_factor(regime, T=T)
