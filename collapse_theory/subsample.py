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
The limit ``F_oo = lim F_n`` exists, ``F_n - F_oo = O(log n / n)`` (``P_n/n^2`` converges with increments
``O(log n / n^2)``, as ``U_n`` grows like ``n log n``); :mod:`collapse_theory.subsample_limit` encloses it with a
proven error bound.  As ``T -> oo`` with ``B = beta T`` the factor has a closed form in harmonic numbers
(:mod:`collapse_theory.subsample_large`, re-exported here).

Linear regression with a shared design, where no closed form is known, is in
:mod:`collapse_theory.subsample_linear`.
"""

from __future__ import annotations

import math

import numpy as np

from . import _validate, subsample_large
from .errors import InvalidParameterError, NoClosedFormError
from .regimes import Regime
# The large-population closed forms (B = beta T, T -> oo) live in their own module; re-exported here.
from .subsample_large import (
    finite_population_correction,
    large_population_factor,
    large_population_limit,
    large_population_mean_error,
)

__all__ = [
    "factors",
    "limit_factor",
    "gaussian_mean_error",
    "gaussian_mean_limit",
    "gaussian_family",
    "gaussian_family_limit_estimate",
    "limit_factor_estimate",
    "large_population_factor",
    "large_population_limit",
    "large_population_mean_error",
    "resolved",
    "finite_population_correction",
]


_n = subsample_large._n  # the iteration symbol of the closed forms


def _budget(regime: Regime) -> int:
    if not isinstance(regime, Regime) or regime.kind != "accumulate-subsample":
        raise InvalidParameterError(f"expected an accumulate-subsample regime, got {getattr(regime, 'kind', regime)!r}")
    return regime.budget


def _recursion(n_max: int, T: int, B: int, tau2: float, refit: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(Q_n, s_n)`` for n = 1..n_max (per coordinate, units of sigma^2), the exact recursion of the docstring.

    ``refit=None``: the Gaussian-mean model, ``v_i = tau^2`` for every synthetic generation.  ``refit="ml"`` or
    ``"unbiased"``: the Gaussian family, whose fit also re-estimates the covariance, so generation ``i + 1`` has
    ``v_{i+1} = tau^2 s_i`` with ``s_i = E tr Sigma_i / tr Sigma_0`` (:func:`gaussian_family`).  ``s_n`` is that
    expected trace ratio (for ``refit=None`` it is computed the same way, for a covariance that is never used).
    """
    Q_out = np.empty(n_max, dtype=np.float64)
    s_out = np.empty(n_max, dtype=np.float64)
    U = P = D = 0.0
    W = 0.0  # sum of v_p over the pool
    second = 0.0  # sum over the pool's generations g of (Q_{g-1} + v_g): T times it is sum_p E (x_p - mu)^2
    Q_prev, v = 0.0, 1.0  # generation 1 is the real data
    for n in range(1, n_max + 1):
        N = n * T
        b = min(B, N)
        q = b / N
        W += T * v
        second += Q_prev + v
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
        # The subset's scatter about its own mean: the pool's mean square (the subset is uniform and independent
        # of the data) less the square of the subset mean's error.
        s = second / n - Q
        if refit == "unbiased":
            s *= b / (b - 1)
        Q_out[n - 1], s_out[n - 1] = Q, s
        Q_prev = Q
        v = tau2 * (s if refit is not None else 1.0)
    return Q_out, s_out


def factors(regime: Regime, n: int, *, T: int) -> np.ndarray:
    """Exact ``F_n = T Q_n`` for ``n = 1..n``: Gaussian-mean error in units of ``sigma^2 d / T``.

    ``F_n = sum_{i<=n} v_i/i^2`` while ``nT <= B``; bounded as ``n -> oo`` (see :func:`limit_factor`).
    """
    B = _budget(regime)
    n = _validate.integer("n", n)
    T = _validate.integer("T", T)
    return T * _recursion(n, T, B, regime.temperature**2)[0]


def limit_factor(regime: Regime, *, T: int) -> float:
    """``lim F_n``: the midpoint of the proven enclosure of :func:`collapse_theory.subsample_limit.certify`."""
    from .subsample_limit import limit_factor_bounds

    T = _validate.integer("T", T)
    return float(limit_factor_bounds(regime, T=T)[0])


def limit_factor_estimate(regime: Regime, *, T: int) -> tuple[float, float]:
    """``(F_oo, error estimate)``: Richardson on ``(2 n1, 4 n1)``, and its distance to the ``(n1, 2 n1)`` value.

    An estimate, not a proven bound: it assumes ``F_n = F_oo + a/n + o(1/n)``, while the recursion's correction
    is ``(a log n + c)/n``.  Only the fallback where :func:`collapse_theory.subsample_limit.certify` proves nothing.
    """
    B = _budget(regime)
    T = _validate.integer("T", T)
    n1 = _horizon(B, T)
    return _extrapolate(T * _recursion(4 * n1, T, B, regime.temperature**2)[0], n1)


def _horizon(B: int, T: int) -> int:
    """The first extrapolation level ``n1``: well past the iteration ``B/T`` where the pool outgrows the budget."""
    return max(4096, 64 * math.ceil(B / T))


def _extrapolate(values: np.ndarray, n1: int) -> tuple[float, float]:
    """Richardson on ``(2 n1, 4 n1)`` and its distance to the ``(n1, 2 n1)`` value (``F_n = F_oo + a/n + ...``)."""
    coarse = 2.0 * values[2 * n1 - 1] - values[n1 - 1]
    fine = 2.0 * values[4 * n1 - 1] - values[2 * n1 - 1]
    return float(fine), float(abs(fine - coarse))


def gaussian_family(regime: Regime, n: int, *, d: int, T: int, unbiased: bool = False) -> dict:
    """Exact ``{"mean_error", "cov_trace_ratio"}`` at iterations ``1..n`` for the Gaussian family, whose fit
    re-estimates the covariance on the subset (``Sigma_0 = I_d``).

    The subset mean is still linear in the generations' noise, ``delta_n = sum_p C_n(p) eps_p``, with
    coefficients that depend on the subset draws only; the noise of generation ``i + 1`` is a martingale
    difference with ``E eps^2 = tau^2 E Sigma_i``, and ``C`` is independent of the data and of earlier fits.  So
    the mean error obeys the recursion above with ``v_{i+1} = tau^2 s_i``, where
    ``s_n = E tr Sigma_n / tr Sigma_0`` is the pool's mean square less the subset mean's error,

        s_n = (1/n) sum_{g <= n} (Q_{g-1} + v_g) - Q_n       (times b_n/(b_n - 1) for the unbiased divisor),

    both exact expectations.  With ``B >= nT`` (the whole pool) this is accumulate's closed form (tested).
    """
    B = _budget(regime)
    n = _validate.integer("n", n)
    d = _validate.integer("d", d)
    T = _validate.integer("T", T, minimum=2)
    if unbiased and B < 2:
        raise InvalidParameterError(f"the unbiased covariance needs a budget of at least 2 points, got {B}")
    Q, s = _recursion(n, T, B, regime.temperature**2, "unbiased" if unbiased else "ml")
    return {"mean_error": d * Q, "cov_trace_ratio": s}


def gaussian_family_limit_estimate(regime: Regime, *, d: int, T: int, unbiased: bool = False) -> dict:
    """``{metric: (limit, error estimate)}`` for :func:`gaussian_family` by Richardson extrapolation, as
    :func:`limit_factor_estimate` (an estimate, not a proven bound; the fallback where nothing is proven)."""
    n1 = _horizon(_budget(regime), T)
    values = gaussian_family(regime, 4 * n1, d=d, T=T, unbiased=unbiased)
    return {metric: _extrapolate(v, n1) for metric, v in values.items()}


def gaussian_mean_error(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> np.ndarray:
    """Exact ``E ||mu_n - mu||^2 = sigma^2 d F_n / T`` at iterations ``1..n`` (Gaussian mean, known covariance)."""
    d = _validate.integer("d", d)
    sigma2 = _validate.positive("sigma2", sigma2)
    return sigma2 * d / T * factors(regime, n, T=T)


def gaussian_mean_limit(regime: Regime, *, d: int, T: int, sigma2: float = 1.0) -> float:
    """``lim E ||mu_n - mu||^2 = sigma^2 d F_oo / T`` (the exact recursion's limit, :func:`limit_factor`)."""
    d = _validate.integer("d", d)
    sigma2 = _validate.positive("sigma2", sigma2)
    return sigma2 * d / T * limit_factor(regime, T=T)


def resolved(value: float, error: float, regime: Regime, *, T: int) -> tuple:
    """``(value, bound, False)`` for an extrapolated (unproven) limit, refused (:class:`NoClosedFormError`)
    unless the estimated error is within 1e-4 relative."""
    if error > 1e-4 * abs(value):
        raise NoClosedFormError(f"the accumulate-subsample limit at T={T}, B={regime.budget} is not resolved to "
                                f"1e-4 by extrapolation (estimated error {error:.2g}); use error with a large --n")
    return value, max(error, math.ulp(value)), False
