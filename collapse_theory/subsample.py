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

**Linear regression with a shared X.**  The subset's design ``X_S`` repeats rows of ``X`` with random
multiplicities ``m_j`` (how many generations' copies of design point ``j`` it holds), and the fit involves
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

import math

import numpy as np

from . import _validate, linear_regression
from .errors import InvalidParameterError
from .regimes import Regime, accumulate

__all__ = [
    "factors",
    "limit_factor",
    "gaussian_mean_error",
    "gaussian_mean_limit",
    "linear_approximation",
    "linear_lower_bound",
    "linear_limit_approximation",
    "errors",
    "limits",
]


#: What the CLI says beside the linear-regression numbers.
LINEAR_NOTE = ("accumulate-subsample has no closed form for linear regression: test_error is an approximation "
               "(the truth exceeds it by up to 10% at d=10, T=B=100), test_error_lower_bound is a proven bound")


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
