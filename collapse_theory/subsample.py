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
proven error bound.

Linear regression with a shared design, where no closed form is known, is in
:mod:`collapse_theory.subsample_linear`.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp

from . import _validate
from .errors import InvalidParameterError, NoClosedFormError
from .regimes import SYMBOLS, Regime, _exact

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


# -- the large-population limit: B = T, T -> oo ---------------------------------------------------------------

_n = sp.Symbol("n", integer=True, positive=True)
_k = sp.Symbol("k", integer=True, positive=True)
_m = sp.Symbol("m", integer=True, positive=True)


@functools.lru_cache(maxsize=4)
def _large_T_forms():
    """``(F_n, F_oo)`` for ``B = T``, ``T -> oo``, in ``n`` and ``tau``, derived from the recursion above.

    With ``b = T``, ``N = nT``: ``T Q_n -> F_n``, ``U_n`` stays finite, ``p = T P`` and ``T D -> 0``, and the
    recursion becomes ``F_n = (1 + (n-1) tau^2)/n + (2 U_{n-1} + p_{n-1})/n^2``,
    ``U_n = (1 + 1/n) U_{n-1} + (1 + (n-1) tau^2)/n``, ``p_n = ((n+1)/n)^2 p_{n-1} + g_n``.  ``U`` solves to
    ``(1 - tau^2) n + tau^2 (n+1)(H_{n+1} - 1)`` (checked below by substitution) and ``p`` telescopes,
    ``p_{n-1}/n^2 = sum_{k<n} g_k/(k+1)^2``; the harmonic part of the summand, ``2 tau^2 H_k / (k(k+1))``, sums by
    exchanging the order of summation (``sum_{k<=m} H_k/(k(k+1)) = H_m^(2) - H_m/(m+1)``, ``zeta(2)`` in the
    limit), the rest by partial fractions.
    """
    tau = SYMBOLS["temperature"]
    t2 = tau**2

    def U(x):
        return (1 - t2) * x + t2 * (x + 1) * (sp.harmonic(x + 1) - 1)

    residual = (U(_n) - (1 + 1 / _n) * U(_n - 1) - (1 + (_n - 1) * t2) / _n).subs(
        sp.harmonic(_n + 1), sp.harmonic(_n) + 1 / (_n + 1))
    if sp.simplify(residual) != 0:  # the closed form of U must solve its recursion
        raise RuntimeError("the large-T solution of U does not satisfy its recursion")
    H = sp.Symbol("H_k")
    g = 2 * U(_k - 1) / _k + (1 + (_k - 1) * t2) / _k + 2 * U(_k - 1) / _k**2
    summand = sp.expand((g / (_k + 1) ** 2).subs(sp.harmonic(_k), H))
    c = sp.simplify(summand.coeff(H) * _k * (_k + 1))
    rest = sp.factor(sp.expand(summand - summand.coeff(H) * H))
    finite, infinite = sp.Integer(0), sp.Integer(0)
    for part in sp.Add.make_args(sp.apart(rest, _k)):
        num, den = part.as_numer_denom()
        base, power = den.args if den.is_Pow else (den, 1)
        lead, shift = sp.Poly(base, _k).all_coeffs()
        shift = shift / lead
        coef = num / lead**power
        finite += coef * (sp.harmonic(_m + shift, power) - sp.harmonic(shift, power))
        # the 1/k parts have coefficients summing to 0: sum_k [1/(k+s) - 1/k] = -H_s
        infinite += coef * (-sp.harmonic(shift) if power == 1 else sp.zeta(power) - sp.harmonic(shift, power))
    head = (1 + (_n - 1) * t2) / _n + 2 * U(_n - 1) / _n**2
    F = head + (c * (sp.harmonic(_m, 2) - sp.harmonic(_m) / (_m + 1)) + finite).subs(_m, _n - 1)
    # In H_n and H_n^(2) only (H_{n-1} = H_n - 1/n, and likewise for the shifted harmonic numbers).
    F = F.subs({sp.harmonic(_n - 1, 2): sp.harmonic(_n, 2) - 1 / _n**2, sp.harmonic(_n - 1): sp.harmonic(_n) - 1 / _n,
                sp.harmonic(_n + 1): sp.harmonic(_n) + 1 / (_n + 1)})
    F = sp.collect(sp.simplify(F), [sp.harmonic(_n), sp.harmonic(_n, 2)])
    limit = sp.simplify(t2 + c * sp.zeta(2) + infinite)
    return F, limit


def large_population_factor(*, symbolic: bool = True, temperature: float = 1.0) -> sp.Expr:
    """Closed form of ``F_n`` for accumulate-subsample with ``B = T`` as ``T -> oo`` (harmonic numbers in ``n``).

    ``F_n = lim_{T -> oo} T Q_n``: the Gaussian-mean error is ``sigma^2 d F_n / T (1 + O(1/T))``.  ``F_1 = 1``,
    ``F_2 = (3 + 2 tau^2)/4``; the finite-``T`` recursion (:func:`factors`) approaches it like ``c_n / T``
    (:func:`finite_population_correction`).
    """
    F, _ = _large_T_forms()
    return F if symbolic else F.subs(SYMBOLS["temperature"], _exact(temperature))


def large_population_limit(*, symbolic: bool = True, temperature: float = 1.0) -> sp.Expr:
    """``lim_n F_n`` for ``B = T``, ``T -> oo``: ``6 - 8 tau^2 + (tau^2 - 1/2) pi^2`` (``pi^2/2 - 2`` at tau = 1)."""
    _, limit = _large_T_forms()
    return limit if symbolic else limit.subs(SYMBOLS["temperature"], _exact(temperature))


def large_population_mean_error(scale, *, temperature: float = 1.0, symbolic: bool = False) -> tuple:
    """``(scale F_n, scale F_oo)`` in ``n`` for ``B = T``, ``T -> oo``: the mean error ``formulas`` print
    (``scale``: the unit of the error, ``sigma^2 d / T`` for the Gaussian-mean model)."""
    from .symbolic import n

    factor = large_population_factor(symbolic=symbolic, temperature=temperature).subs(_n, n)
    limit = large_population_limit(symbolic=symbolic, temperature=temperature)
    return sp.Mul(scale, factor, evaluate=False), sp.Mul(scale, limit, evaluate=False)


def resolved(value: float, error: float, regime: Regime, *, T: int) -> tuple:
    """``(value, bound, False)`` for an extrapolated (unproven) limit, refused (:class:`NoClosedFormError`)
    unless the estimated error is within 1e-4 relative."""
    if error > 1e-4 * abs(value):
        raise NoClosedFormError(f"the accumulate-subsample limit at T={T}, B={regime.budget} is not resolved to "
                                f"1e-4 by extrapolation (estimated error {error:.2g}); use error with a large --n")
    return value, max(error, math.ulp(value)), False


def finite_population_correction(n_max: int, *, temperature: float = 1.0) -> list:
    """Exact ``c_n = lim_{T -> oo} T (F_n(T) - F_n)`` for ``n = 1..n_max`` (``B = T``): the leading correction.

    The recursion of :func:`factors` is run in sympy with ``T`` a symbol (``B = T``) and expanded at
    ``T = oo``; cost grows quickly with ``n`` (use ``n_max <= 12``).
    """
    n_max = _validate.integer("n", n_max)
    T = sp.Symbol("T", positive=True)
    tau2 = _exact(temperature) ** 2
    U = P = D = sp.Integer(0)
    closed = large_population_factor(symbolic=False, temperature=temperature)
    out = []
    for n in range(1, n_max + 1):
        N, b = n * T, T
        fpc = (N - b) / (N - 1)
        var, cov = b * sp.Rational(1, n) * (1 - sp.Rational(1, n)) * fpc, -b / n**2 * fpc
        pair = (b - 1) * T / (N - 1)
        W = T * (1 + (n - 1) * tau2)
        Q = sp.cancel((W / n + 2 * pair * U / n + ((b / n) ** 2 + cov) * P + (var - cov) * D) / b**2)
        cross = U / (n * b) + P / n
        U, P, D = sp.cancel(U + W / N + U / n), sp.cancel(P + 2 * cross + Q), sp.cancel(D + Q)
        F_T = T * Q
        out.append(sp.nsimplify(sp.limit(T * (F_T - closed.subs(_n, n)), T, sp.oo)))
    return out
