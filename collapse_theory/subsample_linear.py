"""Accumulate-subsample for linear regression with a shared X: exact parts, a proven lower bound, an approximation.

The pool and the subsets are those of :mod:`collapse_theory.subsample`.  The subset's design ``X_S`` repeats
rows of ``X`` with random multiplicities ``m_j`` (how many generations' copies of design point ``j`` it holds), and the fit involves
``(X^T M X)^{-1}`` over random multisets.  No closed form is known: already one class of repeated rows needs
``E tr(W_1 + 2 W_2)^{-1}`` for two independent Wishart matrices, for which none is known either.  What is
exact and what is not (Gaussian rows ``x ~ N(0, I_d)``, ``A_n = (X_S^T X_S)^{-1}``; every subset design is
assumed to have rank ``d``, which fails only if a subset holds fewer than ``d`` distinct design points,
probability at most ``C(T, d-1) ((d-1)/T)^B``):

* exact factorisation: write ``X = U R`` with ``R = (X^T X)^{1/2}``.  Then ``delta~_n = R (w_n - w*)`` obeys the
  same recursion with design ``U`` (``U^T U = I``), and ``U`` is uniform and independent of ``R`` (the law of
  ``X`` is invariant under ``X -> H X``, ``H`` orthogonal), so with ``E (X^T X)^{-1} = I/(T-d-1)``

      E_test(n) = E ||delta~_n||^2 / (T - d - 1),

  for this and every other fixed-design regime; ``simulations.linear_regression.simulate(..., design=
  "orthonormal")`` simulates ``delta~`` directly.  Only ``E ||delta~_n||^2`` is not known in closed form.
* exact values: accumulate's ``sigma^2 kappa F_n`` while ``nT <= B`` (the subset is the whole pool), and
  ``sigma^2 d/(B - d - 1)`` at ``n = 1`` when ``B < T`` (a Wishart with ``B`` degrees of freedom).
* proven lower bound (:func:`linear_lower_bound`): for ``n >= 2`` and ``nT > B``,

      E_test(n) >= sigma^2 kappa (sum_{i<n} v_i / i^2 + v_n T / (n B)),

  which is at least accumulate's error ``sigma^2 kappa F_n``: subsampling never helps.  Proof.  ``w_n - w*`` is
  linear in the label noise, ``sum_{j,k} C_n(j, k) eps_{jk}``, with coefficients fixed by ``X`` and the subsets,
  so generation ``k`` contributes ``v_k sigma^2 E sum_j ||C_n(j, k)||^2``.  Shifting generation ``k``'s labels
  by ``X v`` moves ``w_n`` by ``J_k v`` with ``J_k = sum_j C_n(j, k) x_j^T``, so (Gauss-Markov)
  ``sum_j ||C_n(j, k)||^2 >= tr(J_k (X^T X)^{-1} J_k^T)``.  ``J_k`` obeys
  ``J_k^(n) = A_n (G_nk + sum_{l>k} G_nl J_k^(l-1))`` with ``G_nl`` the Gram matrix of the subset's
  generation-``l`` rows; the subset is uniform and independent of the past and the generations are
  exchangeable in it, so ``E[A_n G_nl | X, past] = I/n`` and ``E[J_k | X] = e_k I`` with
  ``e_k^(n) = (1 + sum_{l=k+1}^n e_k^(l-1))/n = 1/k`` (accumulate's influence; ``J_1 = I`` exactly).  Jensen
  (``J -> tr(J W J^T)`` is convex) gives ``kappa v_k / k^2`` for ``k < n``.  The newest generation enters
  only directly: it contributes ``v_n sigma^2 E tr(A_n G_nn A_n) = v_n sigma^2 E tr(A_n)/n`` (exchangeability
  again), and ``E[A_n | X] >= (X^T E[M] X)^{-1} = (T/B)(X^T X)^{-1}`` (the matrix inverse is operator convex),
  which gives ``kappa v_n T/(n B) >= kappa v_n/n^2``.  Its limit is accumulate's, ``sigma^2 kappa (1 +
  tau^2 (pi^2/6 - 1))``.
* an approximation (:func:`linear_approximation`): ``sigma^2 kappa F_n``, the Gaussian-mean recursion with
  ``1/T`` replaced by ``kappa`` (exact in the two cases above).  It ignores the extra variance of the
  repeated-row design and lies *below* the truth once ``nT > B``: at d = 10, T = B = 100 the Monte Carlo
  (8000 seeds) exceeds it by 2.6% at n = 2, 7.6% at n = 10 and 9.9% at n = 100 (z up to 16.6), so it is a
  guide, not a value within Monte Carlo error.
"""

from __future__ import annotations

import numpy as np

from . import _validate, linear_regression
from .errors import InvalidParameterError
from .regimes import Regime, accumulate
from .subsample import _budget, factors, limit_factor

__all__ = ["LINEAR_NOTE", "linear_approximation", "linear_lower_bound", "linear_limit_approximation", "errors",
           "limits"]

#: What the CLI says beside the linear-regression numbers.
LINEAR_NOTE = ("accumulate-subsample has no closed form for linear regression: test_error is an approximation "
               "(the truth exceeds it by up to 10% at d=10, T=B=100), test_error_lower_bound is a proven bound")


def _linear_design(regime: Regime, d, T):
    d, T = _validate.design(d, T)
    B = _budget(regime)
    if B < d + 2:
        raise InvalidParameterError(
            f"budget must satisfy B >= d + 2 for linear regression (the fit is not determined), got B={B}, d={d}"
        )
    return d, T, B


def linear_approximation(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> np.ndarray:
    """Approximate linear-regression ``E_test(n) ~ sigma^2 kappa F_n`` (not exact; see the module docstring).

    Exact while ``nT <= B``; beyond, it omits the variance of the repeated-row design and underestimates.
    At ``n = 1`` with ``B < T`` the exact ``sigma^2 d/(B - d - 1)`` is returned.
    """
    d, T, B = _linear_design(regime, d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    out = sigma2 * d / (T - d - 1) * factors(regime, n, T=T)
    if B < T:
        out[0] = sigma2 * d / (B - d - 1)
    return out


def linear_lower_bound(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> np.ndarray:
    """Proven lower bound on linear-regression ``E_test(n)`` (module docstring), exact where the value is known.

    ``sigma^2 kappa (sum_{i<n} v_i/i^2 + v_n T/(n B))`` once ``nT > B`` (``n >= 2``), which is at least
    accumulate's ``sigma^2 kappa F_n``; the exact ``sigma^2 kappa F_n`` while ``nT <= B``; the exact
    ``sigma^2 d/(min(B, T) - d - 1)`` at ``n = 1``.  ``v_1 = 1``, ``v_i = tau^2``.
    """
    d, T, B = _linear_design(regime, d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    n = _validate.integer("n", n)
    B = min(B, n * T)  # the subset never exceeds the pool: a larger budget is the whole pool, accumulate
    accumulated = np.asarray(linear_regression.test_error(accumulate(temperature=regime.temperature), n, d=d, T=T,
                                                          sigma2=sigma2), dtype=np.float64)
    before = np.concatenate([[0.0], accumulated[:-1]])                      # accumulate's error at n - 1
    iterations = np.arange(1, n + 1)
    newest = sigma2 * d / (T - d - 1) * float(regime.temperature) ** 2 * T / (iterations * B)
    out = np.where(iterations * T <= B, accumulated, before + newest)
    out[0] = sigma2 * d / (min(B, T) - d - 1)
    return out


def linear_limit_approximation(regime: Regime, *, d: int, T: int, sigma2: float = 1.0) -> float:
    """``sigma^2 kappa F_oo``: the limit of :func:`linear_approximation` (an approximation, below the truth)."""
    d, T, _ = _linear_design(regime, d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    return sigma2 * d / (T - d - 1) * limit_factor(regime, T=T)


def errors(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> dict:
    """The linear family's metrics for accumulate-subsample: the approximation and the proven lower bound.

    ``test_error`` is :func:`linear_approximation` (exact only for ``n = 1`` and while ``nT <= B``);
    ``test_error_lower_bound`` is :func:`linear_lower_bound`.
    """
    return {"test_error": linear_approximation(regime, n, d=d, T=T, sigma2=sigma2),
            "test_error_lower_bound": linear_lower_bound(regime, n, d=d, T=T, sigma2=sigma2)}


def limits(regime: Regime, *, d: int, T: int, sigma2: float = 1.0) -> dict:
    """``{"test_error": limit of the approximation, "test_error_lower_bound": sigma^2 kappa (1 + tau^2 (pi^2/6 - 1))}``.

    The bound's limit is accumulate's: its newest-generation term ``T/(nB)`` vanishes.
    """
    d, T, _ = _linear_design(regime, d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    return {"test_error": linear_limit_approximation(regime, d=d, T=T, sigma2=sigma2),
            "test_error_lower_bound": linear_regression.limit(accumulate(temperature=regime.temperature), d=d, T=T,
                                                              sigma2=sigma2)}
