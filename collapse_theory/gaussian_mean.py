"""The Gaussian-mean model: a Gaussian with known covariance whose mean is refit to its own samples.

Setting (docs/theory/formalism.md §3): truth ``N(mu, sigma^2 I_d)``; generation ``j`` is ``T`` points drawn from
``N(mu_{p(j)}, tau_j^2 sigma^2 I_d)`` (``mu_truth = mu``); the fit of iteration ``n`` is the regime's weighted mean
of its training set.  The metric is ``mean_error = E ||mu_n - mu||^2``.

* **Fixed-pool regimes** (every kind of the fixed-design algebra): a generation's mean noise is
  ``N(0, tau^2 sigma^2 / (m T) I_d)``, the same linear recursion as linear regression's ``Z = X^+ E`` with
  ``kappa`` replaced by ``1/T``, so ``mean_error = sigma^2 d F_n / T`` exactly, ``F_n`` the regime's error factor
  (closed forms of :mod:`collapse_theory.derivation`).
* **accumulate-subsample**: the exact recursion of :mod:`collapse_theory.subsample` for finite ``T`` and ``B``;
  as ``T -> oo`` with ``B = T`` the closed form :func:`~collapse_theory.subsample.large_population_factor`, whose
  limit is ``6 - 8 tau^2 + (tau^2 - 1/2) pi^2`` (``pi^2/2 - 2`` at ``tau = 1``); with ``B = beta T`` its
  ``beta`` keyword (:mod:`collapse_theory.subsample_large`).  ``formulas`` prints the ``B = T`` case: the budget
  is a number of points, and the formula has no ``T`` to measure it against.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from . import _validate, subsample, subsample_limit
from .derivation import error_factor, limit_factor
from .regimes import Regime
from .symbolic import T, d, sigma2

__all__ = ["formulas", "errors", "limits", "limit_bounds", "mean_error"]


def _check(d_, T_, sigma2_):
    return _validate.integer("d", d_), _validate.integer("T", T_), _validate.positive("sigma2", sigma2_)


def formulas(regime: Regime, *, symbolic: bool = False) -> dict:
    """``{"mean_error": (closed form in n, limit)}``; for accumulate-subsample the ``B = T``, ``T -> oo`` form."""
    if not regime.has_closed_form:  # the closed form exists for B = T as T -> oo: printed for that case
        return {"mean_error": subsample.large_population_mean_error(sigma2 * d / T, temperature=regime.temperature,
                                                                    symbolic=symbolic)}
    scale = sigma2 * d / T
    lim = limit_factor(regime, symbolic=symbolic)
    return {"mean_error": (sp.Mul(scale, error_factor(regime, symbolic=symbolic), evaluate=False),
                           sp.oo if lim == sp.oo else sp.Mul(scale, lim, evaluate=False))}


def mean_error(regime: Regime, n_max: int, *, d: int = 10, T: int = 100, sigma2: float = 1.0) -> np.ndarray:
    """``E ||mu_n - mu||^2`` at iterations ``1..n_max`` (exact)."""
    d_, T_, s = _check(d, T, sigma2)
    if not regime.has_closed_form:
        return subsample.gaussian_mean_error(regime, n_max, d=d_, T=T_, sigma2=s)
    from .linear_regression import test_error

    # F_n through linear regression's closed form at kappa = 1 (d = 1, T = 3): the same coefficient algebra.
    return s * d_ / T_ * test_error(regime, n_max, d=1, T=3, sigma2=1.0)


def errors(regime: Regime, n: int, *, d: int = 10, T: int = 100, sigma2: float = 1.0) -> dict:
    return {"mean_error": mean_error(regime, n, d=d, T=T, sigma2=sigma2)}


def limit_bounds(regime: Regime, *, d: int = 10, T: int = 100, sigma2: float = 1.0) -> dict:
    """``{"mean_error": (value, bound, proven)}``: exact for the fixed-pool regimes (one ulp, proven).
    accumulate-subsample at finite ``T``: the recursion's limit with a proven error bound
    (:func:`collapse_theory.subsample_limit.limit_factor_bounds`)."""
    d_, T_, s = _check(d, T, sigma2)
    if regime.has_closed_form:
        factor = limit_factor(regime)
        if factor == sp.oo:
            return {"mean_error": (math.inf, 0.0, True)}
        value = float(sp.N(sp.Rational(s) * d_ / T_ * factor, 40))
        return {"mean_error": (value, math.ulp(value), True)}
    return {"mean_error": subsample_limit.limit_factor_bounds(regime, T=T_, scale=s * d_ / T_)}


def limits(regime: Regime, *, d: int = 10, T: int = 100, sigma2: float = 1.0) -> dict:
    return {m: v[0] for m, v in limit_bounds(regime, d=d, T=T, sigma2=sigma2).items()}
