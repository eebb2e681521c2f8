"""Linear regression fit again and again on its own labels: exact test error for every regime.

Setting (paper §3, docs/theory/formalism.md §1): rows ``x ~ N(0, Sigma)`` in ``R^d``, ``y = x^T w* + eps``,
``eps ~ N(0, sigma^2)``; one design ``X`` (``T x d``, full column rank) reused at every iteration; ordinary least
squares, no ridge; iteration 1 fits real labels.  For a regime with coefficient recursion ``c_{n s}``
(:mod:`collapse_theory.coefficients`),

    E_test(n) = E ||w_n - w*||^2_Sigma = sigma^2 kappa F_n,    kappa = E tr(Sigma (X^T X)^{-1}) = d / (T - d - 1),

valid for Gaussian rows with ``T >= d + 2`` (otherwise the expectation is infinite) and any ``Sigma``.  The
paper's results are special cases: replace ``F_n = n`` (Eq. 4), accumulate ``F_n = sum_{i<=n} 1/i^2``
(Thm. 2, Eq. 3; limit ``pi^2/6``), replace-multiple ``F_n = H_n`` (App. E).  :func:`expression` returns the
sympy form, :func:`test_error` evaluates it with a lambdified function.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from . import _validate
from .coefficients import error_factors
from .derivation import MAX_WINDOW, error_factor, limit_factor
from .errors import InvalidParameterError
from .regimes import Regime
from .symbolic import T, d, n, numeric, sigma2

__all__ = [
    "NAME",
    "METRICS",
    "KAPPA",
    "kappa",
    "kappa_given_design",
    "expression",
    "limit_expression",
    "function",
    "test_error",
    "limit",
    "errors",
    "limits",
    "formulas",
]

NAME = "linear"
METRICS = ("test_error",)
#: kappa = E tr((X^T X)^{-1}) for standard Gaussian rows (inverse-Wishart mean), finite for T >= d + 2.
KAPPA = d / (T - d - 1)


def kappa(*, d: int, T: int) -> float:
    """``kappa = d / (T - d - 1)``: E tr(Sigma (X^T X)^{-1}) for Gaussian rows; requires ``T >= d + 2``."""
    d, T = _validate.design(d, T)
    return d / (T - d - 1)


def kappa_given_design(X, Sigma=None) -> float:
    """``kappa = tr(Sigma (X^T X)^{-1})`` for a given design ``X`` (T x d, full column rank).

    Conditional on ``X``, the test error of every regime is exactly ``sigma^2 kappa_X F_n``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < X.shape[1] or not np.all(np.isfinite(X)):
        raise InvalidParameterError(f"X must be a finite T x d array with T >= d, got shape {X.shape}")
    gram = X.T @ X
    if np.linalg.matrix_rank(gram) < X.shape[1]:
        raise InvalidParameterError("X must have full column rank (X^T X is singular)")
    Sigma = np.eye(X.shape[1]) if Sigma is None else np.asarray(Sigma, dtype=np.float64)
    if Sigma.shape != gram.shape:
        raise InvalidParameterError(f"Sigma must be {gram.shape}, got {Sigma.shape}")
    return float(np.trace(Sigma @ np.linalg.inv(gram)))


def expression(regime: Regime, *, symbolic: bool = False) -> sp.Expr:
    """Closed form of ``E_test(n) = sigma^2 d/(T-d-1) F_n`` as a sympy expression in ``n, d, T, sigma^2``.

    ``symbolic=True`` keeps the regime parameters (tau, lambda, w, k) as symbols.
    """
    return _scaled(error_factor(regime, symbolic=symbolic))


def _scaled(factor: sp.Expr) -> sp.Expr:
    # Kept as the product sigma^2 kappa * F so that printing shows the paper's structure (e.g. ... pi^2/6).
    return sigma2 * KAPPA if factor == 1 else sp.Mul(sigma2 * KAPPA, factor, evaluate=False)


def limit_expression(regime: Regime, *, symbolic: bool = False) -> sp.Expr:
    """``lim_{n -> oo} E_test(n)``: ``sigma^2 kappa pi^2/6`` for accumulate, ``oo`` for replace."""
    factor = limit_factor(regime, symbolic=symbolic)
    return sp.oo if factor == sp.oo else _scaled(factor)


@functools.lru_cache(maxsize=256)
def function(regime: Regime, *, backend: str = "numpy"):
    """Numeric ``f(n, d, T, sigma2)`` of :func:`expression` made with ``sympy.lambdify`` (numpy or JAX)."""
    return numeric(expression(regime), (n, d, T, sigma2), backend=backend)


def _iterations(value) -> int:
    return _validate.integer("n", value)


def test_error(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> np.ndarray:
    """``E_test`` at iterations ``1..n`` as a float64 array of length ``n``."""
    n = _iterations(n)
    d, T = _validate.design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    if regime.kind == "window" and regime.window > MAX_WINDOW:
        # No closed form is derived for wide windows; the coefficient recursion gives the same exact expectation.
        return sigma2 * d / (T - d - 1) * error_factors(regime, n, exact=False)
    values = function(regime)(np.arange(1, n + 1, dtype=np.float64), d, T, sigma2)
    values = np.real(np.broadcast_to(np.asarray(values, dtype=np.complex128), (n,))).astype(np.float64)
    if not np.all(np.isfinite(values)):  # never hand back a silent nan
        raise InvalidParameterError(f"the closed form of {regime.label} is not finite for these parameters")
    return values


def limit(regime: Regime, *, d: int, T: int, sigma2: float = 1.0) -> float:
    """``lim_{n -> oo} E_test(n)`` as a float (``inf`` where the error grows without bound)."""
    d, T = _validate.design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    factor = limit_factor(regime)
    if factor == sp.oo:
        return float("inf")
    return float(sigma2 * d / (T - d - 1) * sp.N(factor, 17))


# -- the family interface used by the CLI (one metric here; gaussian and kde report several) -------------------

PARAMETERS = ("d", "T", "sigma2")


def formulas(regime: Regime, *, symbolic: bool = False) -> dict:
    """``{metric: (closed form, limit)}`` as sympy expressions."""
    return {"test_error": (expression(regime, symbolic=symbolic), limit_expression(regime, symbolic=symbolic))}


def errors(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> dict:
    """``{metric: values at iterations 1..n}``."""
    return {"test_error": test_error(regime, n, d=d, T=T, sigma2=sigma2)}


def limits(regime: Regime, *, d: int, T: int, sigma2: float = 1.0) -> dict:
    """``{metric: limit}`` (``inf`` allowed)."""
    return {"test_error": limit(regime, d=d, T=T, sigma2=sigma2)}
