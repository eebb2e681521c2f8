"""Expected KL divergence KL(truth || fit) of a Gaussian refitted to its own samples: replace and replace-multiple.

Iteration ``i`` fits ``N_i`` points drawn from ``N(mu_{i-1}, tau^2 Sigma_{i-1})`` (``N_i = T`` for replace,
``i T`` for replace-multiple; iteration 1 draws from the truth ``N(0, I)``, temperature 1) with divisor ``D_i``.
With ``Sigma_{i-1} = L L^T`` the scatter is ``tau^2 L W_i L^T``, ``W_i ~ Wishart(N_i - 1, I_d)``, and the mean
``mu_{i-1} + L e_i`` with ``e_i ~ N(0, tau^2 I / N_i)`` independent of ``W_i`` (Cochran).  Every factor is
independent of the past, so with ``a_i = D_i / (N_i - d - 2)`` (``E W^{-1} = I / (N - d - 2)``, ``N >= d + 3``)

    E tr Sigma_n^{-1}             = d tau^(-2(n-1)) prod_{i<=n} a_i,
    q_n = E mu_n^T Sigma_n^{-1} mu_n = (a_n / tau^2) q_{n-1} + a_n d / N_n       (q_0 = 0; tau = 1 at i = 1),
    E log det Sigma_n             = sum_{i<=n} l_i + (n - 1) d log tau^2,
    l_i = sum_{k=1}^d psi((N_i - k)/2) + d log(2 / D_i)                         (E log det W, Bartlett),

and ``E KL_n = (1/2) [E tr Sigma_n^{-1} + q_n - d + E log det Sigma_n]``.  Replace (all ``N_i = T``) gives the
closed form of :func:`collapse_theory.gaussian.kl_expression` with geometric sums; replace-multiple keeps the
products and sums unevaluated (they are exact; the numbers come from the running products below).
Needs ``T >= d + 3`` and ``tau > 0``; the pooled covariance of accumulate is no Wishart matrix.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.special import digamma

from .symbolic import T, d, n

__all__ = ["replace_multiple_expression", "kl_values"]

_i = sp.Symbol("i", integer=True, positive=True)
_j = sp.Symbol("j", integer=True, positive=True)
_k = sp.Symbol("k", integer=True, positive=True)
_m = sp.Symbol("m", integer=True, positive=True)


def replace_multiple_expression(tau2, unbiased: bool) -> sp.Expr:
    """``E KL_n`` under replace-multiple as a sympy expression in ``n, d, T`` (unevaluated Product and Sum)."""
    size = lambda i: i * T  # noqa: E731
    div = lambda i: size(i) - 1 if unbiased else size(i)  # noqa: E731
    a = lambda i: div(i) / (size(i) - d - 2)  # noqa: E731
    trace = d * tau2 ** (1 - n) * sp.Product(a(_i), (_i, 1, n))
    mean = sp.Sum(a(_j) * d / size(_j) * sp.Product(a(_m) / tau2, (_m, _j + 1, n)), (_j, 1, n))
    logdet = sp.Sum(sp.Sum(sp.polygamma(0, (size(_i) - _k) / 2), (_k, 1, d)) + d * sp.log(2 / div(_i)),
                    (_i, 1, n)) + (n - 1) * d * sp.log(tau2)
    return (trace + mean - d + logdet) / 2


def kl_values(kind: str, n_max: int, *, d: int, T: int, tau2: float, unbiased: bool) -> np.ndarray:
    """``E KL_n`` at ``n = 1..n_max`` from the recursion above, in float64 (``kind``: replace or replace-multiple)."""
    i = np.arange(1, n_max + 1, dtype=np.float64)
    size = np.full_like(i, float(T)) if kind == "replace" else i * T
    div = size - 1 if unbiased else size
    a = div / (size - d - 2)
    steps = np.concatenate([[0.0], np.full(n_max - 1, np.log(tau2))])  # iteration 1 samples the truth
    trace = d * np.exp(np.cumsum(np.log(a) - steps))
    q = np.empty(n_max)
    previous = 0.0
    for m in range(n_max):
        previous = a[m] / np.exp(steps[m]) * previous + a[m] * d / size[m]
        q[m] = previous
    k = np.arange(1, d + 1, dtype=np.float64)
    logdet = np.array([digamma((s - k) / 2).sum() for s in size]) + d * np.log(2 / div)
    return 0.5 * (trace + q - d + np.cumsum(logdet) + np.cumsum(steps) * d)
