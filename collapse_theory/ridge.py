"""Fixed design, ridge and the over-parameterised regime: bias and variance per iteration, exact given X.

Setting: one design ``X`` (``T x d``) reused at every iteration, ``G = X^T X = V diag(l_k) V^T``, rows' covariance
``Sigma = I`` (the test error is ``||w_n - w*||^2``).  Iteration ``n`` fits ridge regression on the regime's
generations with the weights of :meth:`Regime.iter_weights`::

    w_n = argmin_w  sum_j alpha_{nj} ||Y_j - X w||^2 + lam ||w||^2 = (G + lam I)^{-1} X^T sum_j alpha_{nj} Y_j,

so ``lam`` is the penalty per generation of ``T`` points (it does not shrink as data accumulate).  With
``Y_j = X w_{p(j)} + E_j`` (``w_truth = w*``, ``E_j`` of variance ``v_j sigma^2``), each eigen-direction ``k`` of
``G`` evolves on its own: with shrinkage ``s_k = l_k / (l_k + lam)`` and ``theta = V^T w``,

    theta_{n,k} = sum_j alpha_{nj} (s_k theta_{p(j),k} + eta_{j,k}),   eta_{j,k} ~ N(0, sigma^2 v_j l_k/(l_k + lam)^2).

Hence, exactly given ``X`` and ``w*``, the mean is ``b_{n}(s_k) theta*_k`` and the noise coefficients are
``c_{ni}(s_k)`` from

    b_n = s sum_j alpha_{nj} b_{p(j)}   (b_truth = 1),      c_{ni} = alpha_{ni} + s sum_j alpha_{nj} c_{p(j), i},

(at ``s = 1`` the recursion of :mod:`collapse_theory.coefficients`), and

    E[||w_n - w*||^2 | X] = sum_k (1 - b_n(s_k))^2 theta*_k^2                                 (bias^2)
                          + sigma^2 sum_k l_k/(l_k + lam)^2 sum_i c_{ni}(s_k)^2 v_i.            (variance)

``lam = 0`` with ``T >= d`` gives zero bias and ``sigma^2 F_n tr(G^{-1})`` (the paper's fixed-design error);
``lam = 0`` with ``T < d`` is the minimum-norm interpolator (``s_k = 1`` on the row space, ``0`` on the null
space): bias ``||P_null w*||^2`` at every iteration, variance ``sigma^2 F_n tr(G^+)``.  Over Gaussian designs
(``Sigma = I``) the latter has the known expectation (:func:`overparameterised_error`)

    E_test(n) = (1 - T/d) ||w*||^2 + sigma^2 F_n T/(d - T - 1),        d >= T + 2;

it is infinite for ``d in {T, T+1}``, and for ``lam > 0`` the expectation over ``X`` has no closed form at
finite ``d, T`` (only asymptotic Marchenko-Pastur limits): the conditional formula is exact, averaging it
over ``X`` is left to Monte Carlo.

How ridge changes collapse: under replace ``b_n = s^n`` and ``c_{ni} = s^{n-i}``, so for ``lam > 0`` the model
shrinks geometrically to zero and the error converges, no longer growing like ``n``
(:func:`replace_ridge_limit`): ``||w*||^2 + sigma^2 sum_k l_k / ((l_k + lam)^2 (1 - s_k^2))``.  Ridge trades
replace's unbounded variance for a bias that forgets ``w*``.

Not covered: accumulate-subsample (random subsets); fresh designs are in :mod:`collapse_theory.fresh_design`.
"""

from __future__ import annotations


import numpy as np

from . import _validate
from .coefficients import error_factors
from .errors import InvalidParameterError, NoClosedFormError
from .regimes import Regime
from .schedule import schedule

__all__ = ["spectral_error", "fixed_design_error", "overparameterised_error", "replace_ridge_limit"]


def fixed_design_schedule(regime: Regime, n: int):
    """The regime's :func:`~collapse_theory.schedule.schedule`, refused outside the fixed-design algebra."""
    if not regime.has_closed_form:
        raise NoClosedFormError(f"regime {regime.kind} fits random subsets; the fixed-design algebra does not apply")
    return schedule(regime, n)


def spectral_error(regime: Regime, n: int, *, eigenvalues, w_star, sigma2: float = 1.0, ridge: float = 0.0) -> dict:
    """Exact ``{"test_error", "bias", "variance"}`` (arrays over iterations 1..n) given the spectrum of ``X^T X``.

    Args:
        eigenvalues: ``l_k >= 0`` of ``X^T X`` (zeros: directions ``X`` does not see).
        w_star: the truth in the same eigenbasis, ``theta* = V^T w*`` (length ``d``).
        ridge: ``lam >= 0``; ``0`` is least squares (minimum-norm where ``X^T X`` is singular).
    """
    n = _validate.integer("n", n)
    sigma2 = _validate.positive("sigma2", sigma2)
    lam = _validate.nonnegative("ridge", ridge)
    l = np.asarray(eigenvalues, dtype=np.float64)
    theta = np.asarray(w_star, dtype=np.float64)
    if l.ndim != 1 or theta.shape != l.shape or np.any(l < 0) or not np.all(np.isfinite(l)):
        raise InvalidParameterError("eigenvalues must be finite and >= 0, and w_star must have the same length")
    seen = l > 1e-10 * l.max()  # the rank cut-off of the pseudo-inverse
    if lam > 0:
        s = l / (l + lam)
        noise = l / (l + lam) ** 2
    else:  # least squares / minimum norm: the pseudo-inverse
        s = seen.astype(np.float64)
        noise = np.where(seen, 1.0 / np.where(seen, l, 1.0), 0.0)
    sched = fixed_design_schedule(regime, n)
    created, truth, v, alphas = sched.created, sched.truth, sched.variance, sched.alpha
    S = len(created)
    c = np.zeros((n, S, l.size))  # c[m - 1, i, k]: coefficient of source i's noise in theta_m, direction k
    b = np.zeros((n, l.size))
    for m, alpha in enumerate(alphas, start=1):
        for i, a in enumerate(alpha):
            if a == 0.0:
                continue
            c[m - 1, i] += a
            if truth[i]:
                b[m - 1] += a * s
            else:  # parent: the model of iteration created[i] - 1
                parent = created[i] - 2
                b[m - 1] += a * s * b[parent]
                c[m - 1] += a * s * c[parent]
    bias = np.sum((1.0 - b) ** 2 * theta**2, axis=1)
    variance = sigma2 * np.einsum("mik,i,k->m", c**2, v, noise)
    return {"test_error": bias + variance, "bias": bias, "variance": variance}


def fixed_design_error(regime: Regime, n: int, *, X, w_star, sigma2: float = 1.0, ridge: float = 0.0) -> dict:
    """Exact ``E[||w_n - w*||^2 | X]`` split into bias and variance for a given design ``X`` (``T x d``)."""
    X = np.asarray(X, dtype=np.float64)
    w_star = np.asarray(w_star, dtype=np.float64)
    if X.ndim != 2 or not np.all(np.isfinite(X)) or w_star.shape != (X.shape[1],):
        raise InvalidParameterError(f"X must be a finite T x d array and w_star of length d, got {X.shape}, "
                                    f"{w_star.shape}")
    l, V = np.linalg.eigh(X.T @ X)
    return spectral_error(regime, n, eigenvalues=np.clip(l, 0.0, None), w_star=V.T @ w_star, sigma2=sigma2,
                          ridge=ridge)


def overparameterised_error(regime: Regime, n: int, *, d: int, T: int, w_norm2: float,
                            sigma2: float = 1.0) -> np.ndarray:
    """``E_test(n) = (1 - T/d) ||w*||^2 + sigma^2 F_n T/(d - T - 1)``: minimum norm, Gaussian X, ``d >= T + 2``."""
    T = _validate.integer("T", T)
    d = _validate.integer("d", d)
    if d < T + 2:
        raise InvalidParameterError(
            f"the over-parameterised expectation needs d >= T + 2 (E tr (X X^T)^{{-1}} is infinite for "
            f"d in {{T, T+1}}; use linear_regression for T >= d + 2), got d={d}, T={T}")
    w_norm2 = _validate.nonnegative("w_norm2", w_norm2)
    sigma2 = _validate.positive("sigma2", sigma2)
    return (1.0 - T / d) * w_norm2 + sigma2 * error_factors(regime, n, exact=False) * T / (d - T - 1)


def replace_ridge_limit(*, X, w_star, sigma2: float = 1.0, ridge: float) -> float:
    """``lim_n E[||w_n - w*||^2 | X]`` under replace with ``lam > 0``: ``||w*||^2 + sigma^2 sum_k l_k/((l_k +
    lam)^2 (1 - s_k^2))`` (the model forgets ``w*``; the noise is a convergent geometric series)."""
    lam = _validate.positive("ridge", ridge)
    sigma2 = _validate.positive("sigma2", sigma2)
    X = np.asarray(X, dtype=np.float64)
    l = np.clip(np.linalg.eigvalsh(X.T @ X), 0.0, None)
    s = l / (l + lam)
    return float(np.sum(np.asarray(w_star, dtype=np.float64) ** 2) + sigma2 * np.sum(l / ((l + lam) ** 2 * (1 - s**2))))
