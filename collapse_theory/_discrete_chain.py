"""One category of the refitted die as a Markov chain: its exact law at every iteration, in float64.

Lumping every other category together turns the K-sided die into a two-sided one, and the refit loop stays a
Markov chain on the count of the category kept (the lumped process is still multinomial / hypergeometric):

* replace: the fit's count ``X_n`` on ``0..T``, ``X_1 ~ Bin(T, p)``, ``X_{n+1} ~ Bin(T, X_n / T)`` (the
  two-allele Wright-Fisher chain);
* accumulate: the pool's count ``P_n`` on ``0..nT``, ``P_{n+1} = P_n + Bin(T, P_n / (nT))``; the fit is
  ``P_n / (nT)``;
* accumulate-subsample: the pool's count ``P_n`` and the subsample's ``Z_n ~ Hyp(nT, P_n, b_n)``
  (``b_n = min(B, nT)`` points drawn without replacement), ``P_{n+1} = P_n + Bin(T, Z_n / b_n)``; the fit is
  ``Z_n / b_n``.

Every metric that is a sum over categories of a function of that category's fitted proportion (zero mass,
all the mass, ``-p ln p``, ``p^2``) has, by linearity of expectation, an exact expectation from these laws.
The pmfs are evaluated through ``gammaln`` (relative error ~1e-13 per entry) and propagated by sums of
nonnegative terms, so the values are exact up to that rounding.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from math import comb

import numpy as np
from scipy.special import gammaln, xlogy

__all__ = ["binomial_matrix", "fit_laws", "metric_values", "fixation_weighted_time", "exact_fixation_weighted_time"]


def _log_choose(a, b):
    return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)


def binomial_matrix(probabilities, T: int) -> np.ndarray:
    """``M[j, x] = Bin(x; T, probabilities[j])``, shape ``(len(probabilities), T + 1)``."""
    q = np.asarray(probabilities, dtype=np.float64)[:, None]
    x = np.arange(T + 1, dtype=np.float64)[None, :]
    log = _log_choose(T, x) + xlogy(x, q) + xlogy(T - x, 1 - q)
    return np.exp(log)


def _hypergeometric_matrix(N: int, b: int) -> np.ndarray:
    """``H[P, z] = Hyp(z; N, P, b)``: ``z`` of the ``P`` marked among ``N`` in ``b`` draws without replacement."""
    P = np.arange(N + 1, dtype=np.float64)[:, None]
    z = np.arange(b + 1, dtype=np.float64)[None, :]
    ok = (z <= P) & (b - z <= N - P)
    with np.errstate(invalid="ignore"):
        log = _log_choose(P, z) + _log_choose(N - P, b - z) - _log_choose(N, b)
    return np.where(ok, np.exp(np.where(ok, log, 0.0)), 0.0)


def _add_shifted(dist: np.ndarray, increments: np.ndarray) -> np.ndarray:
    """Law of ``P + X`` from ``G[P, x] = P(P, X = x)``."""
    N, T = increments.shape[0] - 1, increments.shape[1] - 1
    out = np.zeros(N + T + 1)
    for x in range(T + 1):
        out[x:x + N + 1] += increments[:, x]
    return out


@functools.lru_cache(maxsize=64)
def fit_laws(kind: str, p: float, T: int, n_max: int, budget=None) -> tuple:
    """``((law_1, m_1), ..., (law_n, m_n))``: the law of the category's count in the fit of each iteration and
    the fit's total ``m`` (``law[c] = P(count = c)``, ``c = 0..m``)."""
    out = []
    first = binomial_matrix([p], T)[0]
    if kind == "replace":
        step = binomial_matrix(np.arange(T + 1) / T, T)
        law = first
        for _ in range(n_max):
            out.append((law, T))
            law = law @ step
        return tuple(out)
    pool = first
    for n in range(1, n_max + 1):
        N = n * T
        if kind == "accumulate":
            out.append((pool, N))
            if n < n_max:
                pool = _add_shifted(pool, pool[:, None] * binomial_matrix(np.arange(N + 1) / N, T))
            continue
        b = min(budget, N)
        joint = pool[:, None] * _hypergeometric_matrix(N, b)  # (P, z)
        out.append((joint.sum(axis=0), b))
        if n < n_max:
            pool = _add_shifted(pool, joint @ binomial_matrix(np.arange(b + 1) / b, T))
    return tuple(out)


def metric_values(law: np.ndarray, m: int) -> dict:
    """Per-category expectations from the law of the count ``c`` out of ``m``."""
    x = np.arange(m + 1) / m
    return {"collision": float(law @ x**2), "lost_categories": float(law[0]),
            "total_collapse": float(law[m]), "entropy": float(law @ -xlogy(x, x))}


@functools.lru_cache(maxsize=64)
def fixation_weighted_time(p: float, T: int) -> float:
    """``E[tau 1{the category fixes}]`` under replace, iterations counted from the truth (iteration 0).

    ``u(x) = E_x[tau 1{fix}]`` solves ``(I - Q) u = h`` on the transient counts ``1..T-1`` with ``h(x) = x/T``
    (the fixation probability, a martingale, so ``sum_y P(x, y) h(y) = h(x)``); iteration 1 draws
    ``X_1 ~ Bin(T, p)``, so the value is ``sum_x Bin(x; T, p) (h(x) + u(x))``.
    """
    step = binomial_matrix(np.arange(T + 1) / T, T)
    inner = slice(1, T)
    h = np.arange(T + 1) / T
    A = np.eye(T - 1) - step[inner, inner]
    u = np.zeros(T + 1)
    u[inner] = np.linalg.solve(A, h[inner])
    residual = np.max(np.abs(A @ u[inner] - h[inner])) / max(np.max(np.abs(u)), 1.0)
    if residual > 1e-10:  # the solve is well conditioned for every T tried; guard against silent loss
        raise FloatingPointError(f"collapse-time solve lost accuracy (relative residual {residual:.1e})")
    return float(binomial_matrix([p], T)[0] @ (h + u))


def exact_fixation_weighted_time(p: Fraction, T: int) -> Fraction:
    """:func:`fixation_weighted_time` in exact rationals (Gauss-Jordan on :class:`fractions.Fraction`; small T)."""
    p = Fraction(p)
    size = T - 1
    rows = []
    for j in range(1, T):
        q = Fraction(j, T)
        row = [(1 if j == k else 0) - comb(T, k) * q**k * (1 - q) ** (T - k) for k in range(1, T)]
        rows.append(row + [Fraction(j, T)])
    for c in range(size):
        pivot = next(r for r in range(c, size) if rows[r][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        lead = rows[c][c]
        rows[c] = [v / lead for v in rows[c]]
        for r in range(size):
            if r != c and rows[r][c] != 0:
                f = rows[r][c]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[c])]
    u = [Fraction(0)] + [rows[r][size] for r in range(size)] + [Fraction(0)]
    return sum(comb(T, x) * p**x * (1 - p) ** (T - x) * (Fraction(x, T) + u[x]) for x in range(T + 1))
