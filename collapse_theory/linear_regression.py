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
import inspect
import math

import numpy as np
import sympy as sp

from . import _validate
from .coefficients import error_factors
from .derivation import MAX_WINDOW, error_factor, limit_factor, window_growth_rate, window_recurrence
from .errors import InvalidParameterError, NoClosedFormError
from .regimes import SYMBOLS, Regime
from .symbolic import T, d, identifier, n, numeric, sigma2

__all__ = [
    "NAME",
    "METRICS",
    "KAPPA",
    "kappa",
    "kappa_given_design",
    "expression",
    "limit_expression",
    "function",
    "numeric_function",
    "test_error",
    "limit",
    "limit_bounds",
    "growth_rate",
    "recurrence",
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
    """Numeric ``f(n, d, T, sigma2)`` of :func:`expression` made with ``sympy.lambdify`` (numpy or JAX).

    Arguments are named (positional or keyword); the numpy function broadcasts and takes integer arrays.
    """
    return numeric(expression(regime), (n, d, T, sigma2), backend=backend)


#: Argument names of the regime parameters in :func:`numeric_function`.
PARAMETER_NAMES = {field: identifier(symbol.name) for field, symbol in SYMBOLS.items()}


@functools.lru_cache(maxsize=256)
def numeric_function(regime: Regime, *, backend: str = "numpy"):
    """``f(n, *, d, T, sigma2=1.0, tau=..., lambda_=..., w=..., k=...)``: :func:`expression` with the regime's
    parameters as keyword arguments (defaults: the regime's values), for ``jax.grad`` and ``jax.vmap`` in any of them.

    The regime parameters taken are those of the regime (``tau`` always; ``lambda_`` for mix; ``w`` and ``k`` for
    fresh-real; window's ``k`` is structural and fixed).  The formula is the generic branch
    (``0 < lambda, w <= 1``, derived symbolically); at a degenerate value (``lambda = 0``) it is 0/0: use
    :func:`function` of that regime, which is derived with the value substituted.
    """
    expr = expression(regime, symbolic=True)
    fields = [f for f in ("temperature", "real_fraction", "real_weight", "ratio")
              if getattr(regime, f) is not None]
    symbols = [SYMBOLS[f] for f in fields]
    names = [PARAMETER_NAMES[f] for f in fields]
    defaults = {name: float(getattr(regime, f)) for name, f in zip(names, fields)}
    f = numeric(expr, (n, d, T, sigma2, *symbols), backend=backend)

    def evaluate(n, *, d, T, sigma2=1.0, **parameters):
        unknown = set(parameters) - set(names)
        if unknown:
            raise TypeError(f"{regime.kind} takes parameters {', '.join(names)}, got {', '.join(sorted(unknown))}")
        values = {**defaults, **parameters}
        return f(n, d, T, sigma2, *(values[name] for name in names))

    keyword = inspect.Parameter.KEYWORD_ONLY
    evaluate.__signature__ = inspect.Signature(
        [inspect.Parameter("n", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter("d", keyword), inspect.Parameter("T", keyword),
           inspect.Parameter("sigma2", keyword, default=1.0)]
        + [inspect.Parameter(name, keyword, default=defaults[name]) for name in names])
    evaluate.__doc__ = f"E_test(n) of {regime.label}: {sp.sstr(expr)}"
    return evaluate


def _iterations(value) -> int:
    return _validate.integer("n", value)


def _grid(d, T, sigma2):
    """Validated ``(d, T, sigma2, shape)``: scalars as before, or arrays broadcast together (each element checked)."""
    if all(np.ndim(x) == 0 for x in (d, T, sigma2)):
        d, T = _validate.design(d, T)
        return d, T, _validate.positive("sigma2", sigma2), ()
    d, T, sigma2 = np.broadcast_arrays(np.asarray(d), np.asarray(T), np.asarray(sigma2))
    for d_, T_, s_ in zip(d.flat, T.flat, sigma2.flat):
        _validate.design(d_.item(), T_.item())
        _validate.positive("sigma2", s_.item())
    return d.astype(np.float64), T.astype(np.float64), sigma2.astype(np.float64), d.shape


def test_error(regime: Regime, n: int, *, d, T, sigma2=1.0) -> np.ndarray:
    """``E_test`` at iterations ``1..n`` as a float64 array: shape ``(n,)``, or ``shape + (n,)`` when ``d``, ``T``,
    ``sigma2`` are arrays (broadcast together)."""
    n = _iterations(n)
    d, T, sigma2, shape = _grid(d, T, sigma2)
    col = (lambda x: np.asarray(x)[..., None]) if shape else (lambda x: x)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, as one clear error
            if regime.kind == "window" and regime.window > MAX_WINDOW:
                # No closed form is derived for wide windows; the coefficient recursion gives the same exact value.
                values = col(sigma2 * d / (T - d - 1)) * error_factors(regime, n, exact=False)
            else:
                values = function(regime)(np.arange(1, n + 1, dtype=np.float64), col(d), col(T), col(sigma2))
            values = np.array(np.broadcast_to(np.asarray(values, dtype=np.float64), shape + (n,)))
    except OverflowError:  # an exact regime parameter (a huge temperature) too large for float64
        values = np.full(shape + (n,), np.inf)
    if not np.all(np.isfinite(values)):  # never hand back a silent nan or an overflow
        raise InvalidParameterError(f"the expected error of {regime.label} leaves the float64 range for these "
                                    f"parameters (sigma2={np.max(sigma2):g}, n={n}); it is sigma2 times a factor "
                                    "that grows with n and the temperature")
    return values


def limit(regime: Regime, *, d, T, sigma2=1.0):
    """``lim_{n -> oo} E_test(n)`` as a float (``inf`` where the error grows without bound); an array when ``d``,
    ``T``, ``sigma2`` are."""
    return limit_bounds(regime, d=d, T=T, sigma2=sigma2)["test_error"][0]


def limit_bounds(regime: Regime, *, d, T, sigma2=1.0) -> dict:
    """``{"test_error": (value, bound)}``: the limit computed exactly in sympy (``sigma^2`` taken as the exact
    binary rational it is), so ``bound`` is the final rounding (one ulp; 0 for ``inf``)."""
    d, T, sigma2, shape = _grid(d, T, sigma2)
    factor = limit_factor(regime)

    def one(d_, T_, s_):
        if factor == sp.oo:
            return math.inf, 0.0
        value = float(sp.N(sp.Rational(float(s_)) * sp.Integer(int(d_)) / (int(T_) - int(d_) - 1) * factor, 40))
        return value, math.ulp(value)

    if not shape:
        return {"test_error": one(d, T, sigma2)}
    pairs = [one(*x) for x in zip(d.flat, T.flat, sigma2.flat)]
    return {"test_error": (np.array([p[0] for p in pairs]).reshape(shape),
                           np.array([p[1] for p in pairs]).reshape(shape))}


def growth_rate(regime: Regime, *, symbolic: bool = False) -> sp.Expr:
    """``lim (E_test(n+1) - E_test(n))`` of ``window(k)``: ``sigma^2 kappa tau^2 (2/(k+1))^2`` (sympy).

    See :func:`collapse_theory.derivation.window_growth_rate` for the derivation from the coefficient recursion.
    """
    return _scaled(window_growth_rate(regime, symbolic=symbolic))


def recurrence(regime: Regime) -> sp.Eq:
    """``F(n) = sum_j c_j F(n-1-j)``: the exact linear recurrence of ``F_n = E_test / (sigma^2 kappa)`` of a wide
    window, valid from ``n = k + order`` on (initial values: :func:`collapse_theory.derivation.window_recurrence`)."""
    coeffs, _ = window_recurrence(regime)
    F = sp.Function("F")
    return sp.Eq(F(n), sp.Add(*[c * F(n - 1 - j) for j, c in enumerate(coeffs)]))


# -- the family interface used by the CLI (one metric here; gaussian and kde report several) -------------------

PARAMETERS = ("d", "T", "sigma2")


def formulas(regime: Regime, *, symbolic: bool = False) -> dict:
    """``{metric: (closed form, limit)}`` as sympy expressions.

    A window wider than ``MAX_WINDOW`` has no closed form: its entry is the exact recurrence of
    :func:`recurrence` (``F`` in units of ``sigma^2 kappa``) with the limit; :func:`growth_rate` gives its slope.
    """
    if regime.kind == "window" and regime.window > MAX_WINDOW:
        try:
            return {"test_error": (recurrence(regime), limit_expression(regime, symbolic=symbolic))}
        except NoClosedFormError as error:
            raise NoClosedFormError(f"window(k={regime.window}) has no closed form: E_test grows by "
                                    f"{sp.sstr(growth_rate(regime, symbolic=symbolic))} per iteration (limit oo "
                                    f"for tau > 0, sigma^2 kappa for tau = 0); {error}") from None
    return {"test_error": (expression(regime, symbolic=symbolic), limit_expression(regime, symbolic=symbolic))}


def errors(regime: Regime, n: int, *, d, T, sigma2=1.0) -> dict:
    """``{metric: values at iterations 1..n}``."""
    return {"test_error": test_error(regime, n, d=d, T=T, sigma2=sigma2)}


def limits(regime: Regime, *, d, T, sigma2=1.0) -> dict:
    """``{metric: limit}`` (``inf`` allowed)."""
    return {"test_error": limit(regime, d=d, T=T, sigma2=sigma2)}
