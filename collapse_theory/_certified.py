"""Infinite sums of positive hypergeometric terms with a proven error bound.

A series ``S = sum_{i >= i0} a_i`` whose term ratio ``rho(i) = a_{i+1} / a_i`` is a rational function of ``i``
with rational coefficients (every Gaussian mean-error series is one) is summed in two parts:

* the first ``N`` terms exactly up to fixed-point rounding: integers scaled by ``2^SCALE_BITS``, each step
  rounding down by less than one unit, the accumulated rounding tracked as an explicit bound;
* the tail ``sum_{i > N} a_i`` between two comparison series whose tails are known in closed form.  If
  ``rho(i) <= beta(i)`` for every ``i >= N + 1`` then ``a_i / b_i`` does not increase there, so
  ``tail <= a_{N+1} / b_{N+1} * sum_{i > N} b_i`` (and ``>=`` for the reverse inequality).  Geometric decay
  (``rho -> L < 1``) is compared with ``beta = q`` (``sum = a_{N+1} / (1 - q)``); algebraic decay
  (``rho = 1 - p/i + c/i^2 + ...``, ``p > 1``) with ``b_i = Gamma(i + alpha) / Gamma(i + alpha + p)``, whose
  tail telescopes: ``sum_{i > N} b_i / b_{N+1} = (N + alpha + p) / (p - 1)``.  Each inequality is a polynomial
  sign condition on ``[N + 1, oo)``, proven with Sturm sequences (``Poly.count_roots``), never sampled.

Divergence is decided by the same expansion: ``L > 1``, or ``L = 1`` with ``p <= 1`` (Gauss's test).
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from .errors import NoClosedFormError

__all__ = ["positive_series", "RELATIVE_TARGET", "RELATIVE_LIMIT"]

SCALE_BITS = 192
#: The sum stops once its bound is below this fraction of the value ...
RELATIVE_TARGET = 1e-16
#: ... and is refused (NoClosedFormError) if after MAX_TERMS terms the bound is still above this fraction.
RELATIVE_LIMIT = 1e-9
MAX_TERMS = 2**17


def _nonnegative_beyond(poly: sp.Poly, start) -> bool:
    """``poly(x) >= 0`` for every real ``x >= start`` (exact: leading sign and a Sturm root count)."""
    if poly.is_zero:
        return True
    if poly.LC() < 0:
        return False
    return poly.degree() == 0 or poly.count_roots(sp.Rational(start), None) == 0


def _int_poly(poly: sp.Poly):
    return [int(c) for c in poly.all_coeffs()]


def _horner(coeffs, x: int) -> int:
    out = 0
    for c in coeffs:
        out = out * x + c
    return out


def positive_series(ratio: sp.Expr, first, start: int, i: sp.Symbol):
    """``(value, bound)`` of ``sum_{j >= start} a_j`` with ``a_start = first`` and ``a_{j+1} = ratio(j) a_j``.

    ``ratio`` must be a rational function of ``i`` with rational coefficients, positive for ``i >= start``;
    ``first`` a positive rational.  Returns ``(math.inf, 0.0)`` for a proven divergence.  ``bound`` bounds
    ``|value - S|`` including the final rounding to float.  Raises :class:`NoClosedFormError` if the bound cannot
    be brought below ``RELATIVE_LIMIT * value`` within ``MAX_TERMS`` terms.
    """
    num, den = (sp.Poly(part, i, domain="QQ") for part in sp.fraction(sp.cancel(sp.together(ratio))))
    if den.LC() < 0:
        num, den = -num, -den
    if not (_nonnegative_beyond(den, start) and den.count_roots(start, None) == 0
            and _nonnegative_beyond(num, start) and num.count_roots(start, None) == 0):
        raise NoClosedFormError("the series' term ratio changes sign or vanishes; no certified sum")
    if num.degree() > den.degree():
        return math.inf, 0.0
    L = num.LC() / den.LC() if num.degree() == den.degree() else sp.Integer(0)
    if L > 1:
        return math.inf, 0.0
    p = alpha = None
    if L == 1:
        x = sp.Symbol("x", positive=True)
        expansion = sp.series((num.as_expr() / den.as_expr()).subs(i, 1 / x), x, 0, 3).removeO()
        p, c2 = -expansion.coeff(x, 1), expansion.coeff(x, 2)
        if p <= 1:  # Gauss's test: rho = 1 - p/i + O(1/i^2) with p <= 1 diverges
            return math.inf, 0.0
        alpha = c2 / p - p  # (i + alpha)/(i + alpha + p) matches rho to O(1/i^3)
    scale = 1 << SCALE_BITS
    (numc, numd), (denc, dend) = num.clear_denoms(convert=True), den.clear_denoms(convert=True)
    num_i, den_i = _int_poly(numd), _int_poly(dend)
    # rho(j) = (num_i(j) / numc) / (den_i(j) / denc) = num_i(j) fn / (den_i(j) fd)
    fn, fd = (int(x) for x in sp.fraction(sp.Rational(denc) / sp.Rational(numc)))
    p_first, q_first = (int(x) for x in sp.fraction(sp.Rational(first)))
    term = p_first * scale // q_first  # scaled a_j, at most `unit` units below the truth
    total, unit, summed, j, checkpoint = term, 1.0, 1.0, start, 64
    while True:
        n_j, d_j = _horner(num_i, j) * fn, _horner(den_i, j) * fd
        after = term * n_j // d_j  # scaled a_{j+1}, rounded down
        unit_after = unit * n_j / d_j * (1 + 1e-12) + 1.0
        if j - start + 1 >= checkpoint:
            lo, hi = _tail(num, den, L, p, alpha, j, Fraction(after, scale),
                           Fraction(after + int(unit_after) + 1, scale))
            value = Fraction(total, scale) + (lo + hi) / 2
            err = (hi - lo) / 2 + Fraction(int(summed) + 1, scale)
            if err <= RELATIVE_TARGET * value or checkpoint >= MAX_TERMS:
                if err > RELATIVE_LIMIT * value:
                    raise NoClosedFormError(
                        f"the series converges too slowly to certify (bound {float(err / value):.1e} relative "
                        f"after {checkpoint} terms); no number is reported")
                return float(value), float(err) + math.ulp(float(value))
            checkpoint *= 2
        term, unit, j = after, unit_after, j + 1
        total += term
        summed += unit


def _tail(num, den, L, p, alpha, N, next_lo, next_hi):
    """``(lo, hi)`` with ``lo <= sum_{m > N} a_m <= hi`` given ``next_lo <= a_{N+1} <= next_hi``."""
    i = num.gens[0]
    start = N + 1
    if L < 1:
        for k in range(12, 0, -1):  # the tightest q = L + (1 - L) 2^-k with rho <= q from N + 1 on
            q = L + (1 - L) / sp.Integer(2) ** k
            if _nonnegative_beyond(q * den - num, start):
                return next_lo, next_hi * Fraction(str(1 / (1 - q)))
        raise NoClosedFormError("no geometric bound on the series' tail was found")
    bounds = []
    for sign in (1, -1):  # upper comparison needs alpha_hi >= alpha*, lower alpha_lo <= alpha*
        found = None
        for k in range(-1, 70):  # delta = 0, then 1024, 512, ... until the inequality no longer holds
            a = alpha if k < 0 else alpha + sign * sp.Rational(2) ** (10 - k)
            # rho <= (i+a)/(i+a+p)  <=>  den (i + a) - num (i + a + p) >= 0  (upper; reversed for lower)
            poly = sign * (den * sp.Poly(i + a, i) - num * sp.Poly(i + a + p, i))
            if start + a > 0 and _nonnegative_beyond(poly, start):
                found = a
                if k < 0:
                    break
            elif found is not None:
                break
        if found is None:
            raise NoClosedFormError("no algebraic bound on the series' tail was found")
        bounds.append((next_hi if sign == 1 else next_lo) * Fraction(str((start + found + p - 1) / (p - 1))))
    hi, lo = bounds
    return max(Fraction(0), lo), hi
