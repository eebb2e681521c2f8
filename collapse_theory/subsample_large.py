"""Accumulate-subsample's large-population limit: budget ``B = beta T``, ``T -> oo``, in closed form.

The exact recursion of :mod:`collapse_theory.subsample` has, with ``b_n = min(beta T, n T)``, ``m_n = min(beta, n)``
and ``w_n = 1 + (n-1) tau^2`` (the pool weight per ``T``), the limit ``T Q_n -> F_n`` with

    F_n = w_n/(n m_n) + (2 U_{n-1} + p_{n-1})/n^2,     U_n = (1 + 1/n) U_{n-1} + w_n/n,
    p_n = p_{n-1} + 2 (U_{n-1} + p_{n-1})/n + F_n,       U_0 = p_0 = 0,

(``U_n`` as there, ``p_n = lim T P_n``; ``T D_n -> 0`` and the finite-population covariances are ``O(1/T)``).
``beta`` enters only through the head ``w_n/(n m_n)``: while ``n <= beta`` the fit takes the whole pool and
``F_n = sum_{i<=n} v_i/i^2 = 1 + tau^2 (H_n^(2) - 1)`` (accumulate); past it the subset holds ``beta T`` points.
As the head enters ``p`` linearly, ``F_n(beta) - F_n(1) = h_n + sum_{k<n} h_k/(k+1)^2`` with
``h_k = (w_k/k)(1/m_k - 1)``, a rational sum that partial fractions turn into harmonic numbers of ``n`` and of
``K = ceil(beta)``.  For ``n >= beta``, with ``R_x = zeta(2) - H_x^(2) = sum_{k>x} 1/k^2``,

    F_n  = F_oo - (2 + 1/beta)(2 tau^2 - 1) R_n - 2 (1 - tau^2)/n,
    F_oo = 1 + tau^2 (zeta(2) - 1) + (3 tau^2 - 2 + (2 tau^2 - 1)/beta) R_beta + 2 (1 - tau^2)/beta   (integer beta),

accumulate's limit ``1 + tau^2 (zeta(2) - 1)`` plus an excess ``tau^2/beta + tau^2/(2 beta^2) + O(1/beta^3)``
(``R_beta = 1/beta - 1/(2 beta^2) + ...``); at ``tau = 1``, ``F_oo = zeta(2) + (1 + 1/beta) R_beta``, and
``beta = 1`` gives ``6 - 8 tau^2 + (tau^2 - 1/2) pi^2``.  A non-integer ``beta`` replaces ``R_beta`` by
``R_K`` and ``2 (1 - tau^2)/beta`` by ``tau^2/beta + (2 - 3 tau^2)/K + (1 - tau^2)(1/(K beta) - 1/K^2)``.
"""

from __future__ import annotations

import functools
import math
import numbers
from fractions import Fraction

import sympy as sp

from . import _validate
from .errors import InvalidParameterError
from .regimes import SYMBOLS, _exact

__all__ = [
    "BETA",
    "large_population_factor",
    "large_population_limit",
    "large_population_mean_error",
    "finite_population_correction",
]

#: The budget in units of ``T`` (``B = beta T``), for the forms symbolic in it.
BETA = sp.Symbol("beta", positive=True)

_n = sp.Symbol("n", integer=True, positive=True)
_k = sp.Symbol("k", integer=True, positive=True)
_m = sp.Symbol("m", integer=True, positive=True)
_K = sp.Symbol("K", integer=True, positive=True)  # ceil(beta): the first iteration whose pool exceeds the budget


def _rational_sum(r: sp.Expr, lo, hi) -> sp.Expr:
    """``sum_{k=lo}^{hi} r(k)`` for a proper rational ``r`` with poles at integers ``<= 0`` (``hi`` may be ``oo``).

    Partial fractions: ``c/(k+s)^p`` sums to ``c (H_{hi+s}^(p) - H_{lo-1+s}^(p))``; for ``hi = oo`` the ``p = 1``
    coefficients must add to 0 (the sum converges), leaving ``-c H_{lo-1+s}``, and ``H_oo^(p) = zeta(p)``.
    """
    out, divergent = sp.Integer(0), sp.Integer(0)
    for part in sp.Add.make_args(sp.apart(sp.factor(r), _k)):
        num, den = part.as_numer_denom()
        base, power = den.args if den.is_Pow else (den, 1)
        lead, shift = sp.Poly(base, _k).all_coeffs()
        shift, coef = shift / lead, num / lead**power
        if hi is sp.oo:
            divergent += coef if power == 1 else 0
            out += coef * ((0 if power == 1 else sp.zeta(power)) - sp.harmonic(lo - 1 + shift, power))
        else:
            out += coef * (sp.harmonic(hi + shift, power) - sp.harmonic(lo - 1 + shift, power))
    if sp.simplify(divergent) != 0:
        raise RuntimeError("the series diverges")
    return out


def _unshift(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """Every ``H_{x+j}^(p)`` (integer ``j``) written through ``H_x^(p)``: ``H_{x+j} = H_x + sum_{0<i<=j} 1/(x+i)``."""
    def rewrite(h):
        arg, power = (h.args[0], h.args[1]) if len(h.args) == 2 else (h.args[0], 1)
        j = arg - x
        if not j.is_Integer:
            return h
        j = int(j)
        if j >= 0:
            return sp.harmonic(x, power) + sum(1 / (x + i) ** power for i in range(1, j + 1))
        return sp.harmonic(x, power) - sum(1 / (x - i) ** power for i in range(-j))
    return expr.replace(lambda e: isinstance(e, sp.harmonic) and e.has(x), rewrite)


@functools.lru_cache(maxsize=4)
def _large_T_forms():
    """``(F_n, F_oo)`` for ``B = T``, ``T -> oo``, in ``n`` and ``tau``, derived from the recursion above.

    With ``m_n = 1``: ``U`` solves to ``(1 - tau^2) n + tau^2 (n+1)(H_{n+1} - 1)`` (checked below by
    substitution) and ``p`` telescopes, ``p_n = ((n+1)/n)^2 p_{n-1} + g_n``, so
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
    head = (1 + (_n - 1) * t2) / _n + 2 * U(_n - 1) / _n**2
    F = head + (c * (sp.harmonic(_m, 2) - sp.harmonic(_m) / (_m + 1)) + _rational_sum(rest, 1, _m)).subs(_m, _n - 1)
    F = sp.collect(sp.simplify(_unshift(F, _n)), [sp.harmonic(_n), sp.harmonic(_n, 2)])
    limit = sp.simplify(t2 + c * sp.zeta(2) + _rational_sum(rest, 1, sp.oo))
    return F, limit


@functools.lru_cache(maxsize=4)
def _budget_forms():
    """``(F_n for n < K, F_n for n >= K, F_oo)`` for ``B = beta T``, in ``n``, ``tau``, ``beta`` and ``K = ceil beta``.

    ``F_n(beta) = F_n(1) + h_n + sum_{k<n} h_k/(k+1)^2`` (module docstring), ``h_k = (w_k/k)(1/k - 1)`` for
    ``k < K`` and ``(w_k/k)(1/beta - 1)`` from ``K`` on; ``w_n/n -> tau^2`` gives the limit of the head.
    """
    t2 = SYMBOLS["temperature"] ** 2
    w = 1 + (_k - 1) * t2
    F1, L1 = _large_T_forms()
    early = w * (1 / _k - 1) / (_k * (_k + 1) ** 2)  # h_k/(k+1)^2 while the fit takes the whole pool
    late = w / (_k * (_k + 1) ** 2)  # the same over (1/beta - 1) once the budget binds
    r = 1 / BETA - 1
    whole = F1 + w.subs(_k, _n) / _n * (1 / _n - 1) + _rational_sum(early, 1, _n - 1)
    past = F1 + r * w.subs(_k, _n) / _n + _rational_sum(early, 1, _K - 1) + r * _rational_sum(late, _K, _n - 1)
    limit = L1 + r * t2 + _rational_sum(early, 1, _K - 1) + r * _rational_sum(late, _K, sp.oo)
    harmonics = [sp.harmonic(x, p) for x in (_n, _K) for p in (1, 2)]
    whole = sp.collect(sp.simplify(_unshift(whole, _n)), harmonics)
    past = sp.collect(sp.simplify(_unshift(_unshift(past, _n), _K)), harmonics)
    limit = sp.collect(sp.expand(_unshift(limit, _K)), harmonics)
    return whole, past, limit


def _beta(value) -> sp.Expr:
    """The budget ``beta = B/T`` as an exact positive rational (``2.5 -> 5/2``), or a positive sympy symbol."""
    if isinstance(value, sp.Symbol) and value.is_positive:
        return value
    if isinstance(value, Fraction):
        value = sp.Rational(value.numerator, value.denominator)
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = sp.Integer(int(value))
    elif isinstance(value, numbers.Real) and not isinstance(value, (bool, sp.Rational)) and math.isfinite(value):
        value = _exact(float(value))
    if isinstance(value, sp.Rational) and value > 0:
        return value
    raise InvalidParameterError("beta (the budget B = beta T in units of T) must be a positive number (an int, a "
                                f"fraction, a finite float) or a positive sympy symbol, got {value!r}")


def _substitute(expr: sp.Expr, beta: sp.Expr) -> sp.Expr:
    return expr.subs(BETA, beta).subs(_K, sp.ceiling(beta))


def large_population_factor(*, symbolic: bool = True, temperature: float = 1.0, beta=1) -> sp.Expr:
    """Closed form of ``F_n`` for accumulate-subsample with ``B = beta T`` as ``T -> oo`` (harmonic numbers in ``n``).

    ``F_n = lim_{T -> oo} T Q_n``: the Gaussian-mean error is ``sigma^2 d F_n / T (1 + O(1/T))``.  ``beta = 1``:
    ``F_1 = 1``, ``F_2 = (3 + 2 tau^2)/4``, ``3 H_n^(2) - 2`` at ``tau = 1``.  Otherwise a ``Piecewise``:
    accumulate's ``1 + tau^2 (H_n^(2) - 1)`` for ``n < ceil(beta)`` (the pool within the budget), then the
    subsampled form, in ``H_n^(2)``, ``1/n`` and harmonic numbers of ``ceil(beta)``.  ``beta`` is any positive
    rational (a float is read as the decimal it prints) or a positive symbol (``BETA``; one declared integer
    makes ``ceil(beta) = beta``).  The finite-``T`` recursion approaches it like ``c_n / T``
    (:func:`finite_population_correction`).  ``symbolic``: keep ``tau`` a symbol.
    """
    beta = _beta(beta)
    if beta == 1:
        F, _ = _large_T_forms()
    else:
        whole, past, _ = _budget_forms()
        past = _substitute(past, beta)
        F = past if sp.ceiling(beta) == 1 else sp.Piecewise((whole, _n < sp.ceiling(beta)), (past, True))
    return F if symbolic else F.subs(SYMBOLS["temperature"], _exact(temperature))


def large_population_limit(*, symbolic: bool = True, temperature: float = 1.0, beta=1) -> sp.Expr:
    """``lim_n F_n`` for ``B = beta T``, ``T -> oo``.

    ``beta = 1``: ``6 - 8 tau^2 + (tau^2 - 1/2) pi^2`` (``pi^2/2 - 2`` at tau = 1).  Integer ``beta``, with
    ``R = zeta(2) - H_beta^(2) = sum_{k > beta} 1/k^2``:
    ``1 + tau^2 (zeta(2) - 1) + (3 tau^2 - 2 + (2 tau^2 - 1)/beta) R + 2 (1 - tau^2)/beta`` (``zeta(2) +
    (1 + 1/beta) R`` at ``tau = 1``), which tends to accumulate's ``1 + tau^2 (zeta(2) - 1)`` as ``beta -> oo``,
    from above by ``tau^2/beta + O(1/beta^2)``.  A non-integer ``beta`` brings in harmonic numbers of ``ceil(beta)``
    (module docstring).
    """
    beta = _beta(beta)
    if beta == 1:
        limit = _large_T_forms()[1]
    else:
        limit = _substitute(_budget_forms()[2], beta)
    return limit if symbolic else limit.subs(SYMBOLS["temperature"], _exact(temperature))


def large_population_mean_error(scale, *, temperature: float = 1.0, symbolic: bool = False, beta=1) -> tuple:
    """``(scale F_n, scale F_oo)`` in ``n`` for ``B = beta T``, ``T -> oo``: the mean error ``formulas`` print
    (``scale``: the unit of the error, ``sigma^2 d / T`` for the Gaussian-mean model)."""
    from .symbolic import n

    factor = large_population_factor(symbolic=symbolic, temperature=temperature, beta=beta).subs(_n, n)
    limit = large_population_limit(symbolic=symbolic, temperature=temperature, beta=beta)
    return sp.Mul(scale, factor, evaluate=False), sp.Mul(scale, limit, evaluate=False)


def finite_population_correction(n_max: int, *, temperature: float = 1.0, beta=1) -> list:
    """Exact ``c_n = lim_{T -> oo} T (F_n(T) - F_n)`` for ``n = 1..n_max`` (``B = beta T``): the leading correction.

    In ``e = 1/T`` the exact recursion is regular at ``e = 0`` once scaled (``P = e p``, ``D = e delta``,
    ``m = min(beta, n)``):

        F = w/(m n) + 2 (m - e) U/(m n (n - e)) + p/n^2 - e (n - m) p/(m n^2 (n - e)) + e (n - m) delta/(m n (n - e)),

    with ``U`` free of ``e`` and ``p += 2 (U + p)/n + F``, ``delta += F``; carrying the first two Taylor
    coefficients of ``F``, ``p`` and the first of ``delta`` gives ``c_n = F^(1)`` exactly.  Assumes ``B = beta T``
    exactly (``T`` a multiple of ``beta``'s denominator).  O(1) work per iteration.
    """
    n_max = _validate.integer("n", n_max)
    beta = _beta(beta)
    if isinstance(beta, sp.Symbol):
        raise InvalidParameterError(f"finite_population_correction needs a numeric beta, got {beta!r}")
    tau2 = _exact(temperature) ** 2
    U = p0 = p1 = delta0 = sp.Integer(0)
    out = []
    for n in range(1, n_max + 1):
        m, w = sp.Min(beta, n), 1 + (n - 1) * tau2
        F0 = w / (m * n) + (2 * U + p0) / n**2
        # (m - e)/(n - e) = m/n + e (m - n)/n^2 + O(e^2), and 1/(n - e) = 1/n + O(e).
        F1 = p1 / n**2 + (m - n) * (2 * U + p0) / (m * n**3) + (n - m) * delta0 / (m * n**2)
        U, p0, p1, delta0 = U * (n + 1) / n + w / n, p0 + 2 * (U + p0) / n + F0, p1 + 2 * p1 / n + F1, delta0 + F0
        out.append(F1 if F1.is_Rational else sp.simplify(F1))
    return out
