"""Exact second-moment recursion of "fit mean and covariance, sample, refit" under any regime.

Shared by the Gaussian family (:mod:`collapse_theory.gaussian`) and the kernel density family
(:mod:`collapse_theory.kde`): both fit a weighted first and second moment to their training set, and both only
need, of the distribution they sample from, its mean and its covariance.

Setting.  The regime's sources (:meth:`Regime.iter_weights`) are the generations; source ``s`` holds
``N_s = m_s T`` points drawn i.i.d. from its parent ``p(s)`` (the truth, or the model of iteration ``s - 1``).
Iteration ``n`` gives each point of source ``s`` the weight ``alpha_{n s} / N_s`` and fits

    mu_n = sum_s alpha_{n s} xbar_s,
    C_n  = sum_s alpha_{n s} [S_s / N_s + (xbar_s - mu_n)(xbar_s - mu_n)^T]      (weighted ML spread),

with ``xbar_s`` and ``S_s`` the source's mean and scatter.  Write ``V_p`` for the trace of the covariance the
model ``p`` samples with (in units of the truth's trace ``tr Sigma_0``; ``V_truth = 1``) and
``e_s = xbar_s - mu_{p(s)}``.  Given the past, ``E e_s e_s^T`` has trace ``q_s = V_{p(s)} / N_s`` and
``E S_s`` has trace ``(N_s - 1) V_{p(s)}``; the ``e_s`` are martingale differences, so with the coefficients
``c_{n s}`` of :func:`collapse_theory.coefficients.coefficients` (``mu_n - mu_0 = sum_s c_{n s} e_s``, the same
linear recursion as the least-squares weights)

    M_n = E ||mu_n - mu_0||^2 / tr Sigma_0 = sum_s c_{n s}^2 q_s,
    E tr C_n / tr Sigma_0 = sum_s alpha_{n s} (V_{p(s)} + M_{p(s)}) - M_n          (M_truth = 0).

The family says how the fit ``C_n`` becomes model ``n``'s covariance ``Sigma_n`` (the Gaussian: ``C_n``,
optionally divided by ``1 - sum_s alpha_{n s}^2 / N_s``; the KDE: ``C_n + h^2 I``); synthetic data are drawn
with covariance ``tau^2 Sigma_n`` (``tau``: the regime's temperature), so ``V_n = tau^2 tr Sigma_n``.  Everything is
linear in second moments, so the recursion is exact (no approximation, no assumption on the data's shape
beyond finite variance) and runs in :class:`fractions.Fraction` or float64.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import numpy as np

from .coefficients import _number, coefficients
from .regimes import Regime, _exact

__all__ = ["second_moments", "unbiased_factor"]


def unbiased_factor(alpha, sizes):
    """``1 / (1 - sum_s alpha_s^2 / N_s)``: the reliability-weights correction that makes the weighted spread
    unbiased (``N / (N - 1)`` for equal weights on ``N`` points)."""
    return 1 / (1 - sum(a * a / s for a, s in zip(alpha, sizes) if a != 0))


def second_moments(regime: Regime, n_max: int, *, T: int, model: Callable, exact: bool = False):
    """``(spread, mean_error, covariance)`` for iterations ``1..n_max``, each in units of ``tr Sigma_0``.

    Args:
        regime: any regime with a one-step or window form (not accumulate-subsample).
        T: points per generation (a source of multiplicity ``m`` holds ``m T`` points).
        model: ``(spread_n, alpha_n, sizes) -> tr Sigma_n / tr Sigma_0``, the trace of model ``n``'s covariance
            from the trace of its weighted ML spread (``sizes``: ``N_s`` of the sources ``alpha_n`` weighs).
        exact: compute in :class:`fractions.Fraction` (``T`` and the regime's values are exact rationals).

    Returns:
        ``spread[n-1] = E tr C_n / tr Sigma_0``, ``mean_error[n-1] = E ||mu_n - mu_0||^2 / tr Sigma_0`` and
        ``covariance[n-1] = E tr Sigma_n / tr Sigma_0``, as lists (exact) or float64 arrays.
    """
    sources, rows = coefficients(regime, n_max, exact=exact)
    one = Fraction(1) if exact else 1.0
    zero = 0 * one
    T = Fraction(T) if exact else float(T)
    tau2 = _number(_exact(regime.temperature), exact) ** 2
    sizes = [_number(s.multiplicity, exact) * T for s in sources]

    def parent(s):  # (V, M) of the distribution source s was drawn from
        if sources[s].parent == "truth":
            return one, zero
        m = sources[s].iteration - 2  # the model of iteration s.iteration - 1
        return tau2 * covariance[m], mean_error[m]

    spread, mean_error, covariance = [], [], []
    for k, (_, alpha) in enumerate(regime.iter_weights(n_max)):
        alpha = [_number(a, exact) for a in alpha]
        c = rows[k]
        q = [parent(s)[0] / sizes[s] for s in range(len(alpha))]
        m_n = sum((c[s] * c[s] * q[s] for s in range(len(alpha))), zero)
        total = sum((a * sum(parent(s)) for s, a in enumerate(alpha) if a != 0), zero)
        spread.append(total - m_n)
        mean_error.append(m_n)
        covariance.append(model(spread[-1], alpha, sizes[: len(alpha)]))
    if exact:
        return spread, mean_error, covariance
    return tuple(np.asarray(x, dtype=np.float64) for x in (spread, mean_error, covariance))
