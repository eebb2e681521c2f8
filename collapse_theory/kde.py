"""A Gaussian kernel density estimate fitted again and again to its own samples: the exact variance.

Setting (docs/theory/formalism.md §3): the fit of iteration ``n`` is the KDE ``sum_p w_p N(x_p, h^2 I)`` on its training set
(point weights ``w_p = alpha_{n s} / N_s`` from the regime); sampling it is a stored point plus ``h N(0, I)``.
Its covariance is the training set's weighted ML covariance plus ``h^2 I``, so with
``eta = dim h^2 / tr Sigma_0 = h^2 / sigma_0^2`` (``sigma_0^2``: the truth's variance per coordinate) the metric

    variance_ratio_n = tr Cov(fit_n) / tr Sigma_0 = E tr C_n / tr Sigma_0 + eta

obeys the exact second-moment recursion of :mod:`collapse_theory._gaussian_moments` (any regime, any data set
with finite variance, fixed ``h``).  Derived in sympy:

* **replace**, closed form: ``v_{n+1} = ((T-1)/T) v_n + eta`` (the new points have variance ``v_n``), so
  ``v_n = c^n + eta (1 - c^n)/(1 - c)`` with ``c = (T-1)/T``, a geometric approach to ``T eta``: the fit spreads
  out when ``T h^2 > sigma_0^2`` and shrinks otherwise.
* **accumulate**, exact recursion: the pool's scatter ``U_n`` gains ``v_n (T - 1/(n+1))`` per generation (the
  ``n/(n+1)`` is the drift of the pool mean), ``v_n = U_n/(nT) + eta``; sympy solves it as a product of rising
  factorials times a ``Sum`` that does not close, evaluated numerically.  It grows like ``eta ln n``, without
  bound, however slowly.

The held-out negative log-likelihood has no such recursion (it depends on the whole configuration of points):
Monte Carlo only, as is every re-estimated bandwidth (Scott's or Silverman's rule).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp

from . import _validate
from ._gaussian_moments import second_moments
from ._kde_data import DATASETS, dataset
from .errors import InvalidParameterError, NoClosedFormError
from .gaussian import _limit
from .regimes import Regime
from . import symbolic as _sym
from .symbolic import T, n, numeric

__all__ = ["NAME", "METRICS", "PARAMETERS", "DATASETS", "RULES", "h", "sigma0_2", "variance_expression",
           "variance_ratio", "errors", "limits", "limit_bounds", "formulas", "check"]

NAME = "kde"
METRICS = ("variance_ratio", "nll")
PARAMETERS = ("T", "bandwidth", "dataset", "bandwidth_rule")
RULES = ("scott", "silverman")
CLOSED_FORMS = ("replace", "accumulate")

#: Bandwidth and the truth's variance per coordinate (``tr Sigma_0 / dim``).
h = sp.Symbol("h", positive=True)
sigma0_2 = sp.Symbol("sigma_0^2", positive=True)
_k = sp.Symbol("k", integer=True, positive=True)


def check(regime: Regime, *, T, bandwidth, dataset_name, bandwidth_rule=None):
    """Validate the KDE parameters; returns ``(T, h, Dataset, rule)``."""
    if not isinstance(regime, Regime):
        raise InvalidParameterError(f"regime must be a collapse_theory.Regime, got {type(regime).__name__}")
    if regime.temperature != 1.0:
        raise InvalidParameterError("the kde family samples at temperature 1 only (a KDE sample is a stored "
                                    "point plus h N(0, I)); drop --temperature")
    T = _validate.integer("T", T, minimum=2)
    bandwidth = _validate.positive("bandwidth", bandwidth)
    if not 1e-100 <= bandwidth <= 1e100:
        # h^2 and the kernel sums of the likelihood leave the float64 range beyond these (the data have unit scale)
        raise InvalidParameterError(f"bandwidth must lie in [1e-100, 1e100] (the data have unit scale), got "
                                    f"{bandwidth!r}")
    if bandwidth_rule is not None and bandwidth_rule not in RULES:
        raise InvalidParameterError(f"bandwidth rule must be one of {', '.join(RULES)}, got {bandwidth_rule!r}")
    return T, bandwidth, dataset(dataset_name), bandwidth_rule


@functools.lru_cache(maxsize=32)
def variance_expression(regime: Regime) -> sp.Expr:
    """``variance_ratio_n`` as a sympy expression in ``n, T, h, sigma_0^2`` (replace and accumulate)."""
    eta = h**2 / sigma0_2
    if regime.kind == "replace":
        f = sp.Function("v")
        c = (T - 1) / T
        solution = sp.rsolve(f(n + 1) - c * f(n) - eta, f(n), {f(1): c + eta})
        return sp.collect(sp.expand(solution), eta)
    if regime.kind == "accumulate":
        growth = 1 + (T - 1 / (_k + 1)) / (_k * T)  # U_{k+1} = growth_k U_k + eta (T - 1/(k+1))
        P = lambda m: sp.product(sp.factor(growth), (_k, 1, m - 1))  # noqa: E731
        U = P(n) * ((T - 1) + sp.Sum(eta * (T - 1 / (_k + 1)) / P(_k + 1), (_k, 1, n - 1)))
        return U / (n * T) + eta
    raise NoClosedFormError(f"the kde family has sympy forms for {', '.join(CLOSED_FORMS)}; regime {regime.kind} "
                            "is evaluated by the exact recursion (collapse_theory.kde.variance_ratio)")


def formulas(regime: Regime, *, symbolic: bool = False) -> dict:
    """``{"variance_ratio": (expression, limit)}``: ``T h^2/sigma_0^2`` for replace, ``oo`` for accumulate."""
    expr = variance_expression(regime)
    limit = _limit(expr) if regime.kind == "replace" else sp.oo
    return {"variance_ratio": (expr, limit)}


@functools.lru_cache(maxsize=32)
def _replace_function():
    return numeric(variance_expression(Regime("replace")), (n, T, h, sigma0_2))


def variance_ratio(regime: Regime, n_max: int, *, T: int = 100, bandwidth: float = 0.3,
                   dataset: str = "gaussian-1d", exact: bool = False):
    """``E tr Cov(fit_n) / tr Sigma_0`` at iterations ``1..n_max`` for a fixed bandwidth.

    Replace: the lambdified closed form; every other regime (but accumulate-subsample): the exact recursion in
    float64, or in :class:`fractions.Fraction` with ``exact=True`` (then ``eta`` is taken as an exact rational).
    """
    T, bandwidth, data, _ = check(regime, T=T, bandwidth=bandwidth, dataset_name=dataset)
    n_max = _validate.integer("n", n_max)
    if not regime.has_closed_form:
        raise NoClosedFormError("accumulate-subsample fits a random subset of the pool and has no exact recursion; "
                                "simulate it with `collapse-theory simulate`")
    v0 = data.total_variance / data.dim
    if regime.kind == "replace" and not exact:
        values = _replace_function()(np.arange(1, n_max + 1, dtype=np.float64), T, bandwidth, v0)
        return np.broadcast_to(np.asarray(values, dtype=np.float64), (n_max,)).copy()
    if exact:
        from fractions import Fraction

        eta = Fraction(repr(bandwidth)) ** 2 / Fraction(repr(v0))
    else:
        eta = bandwidth**2 / v0
    return second_moments(regime, n_max, T=T, model=lambda spread, alpha, sizes: spread + eta, exact=exact)[2]


# -- the family interface used by the CLI ------------------------------------------------------------------------

def errors(regime: Regime, n: int, *, T: int = 100, bandwidth: float = 0.3, dataset: str = "gaussian-1d",
           bandwidth_rule=None) -> dict:
    """``{"variance_ratio": float64 array at iterations 1..n}``; the nll has no theory."""
    check(regime, T=T, bandwidth=bandwidth, dataset_name=dataset, bandwidth_rule=bandwidth_rule)
    if bandwidth_rule is not None:
        raise NoClosedFormError(f"a bandwidth re-estimated by {bandwidth_rule}'s rule has no exact recursion; "
                                "simulate it, or give a fixed --bandwidth")
    return {"variance_ratio": variance_ratio(regime, n, T=T, bandwidth=bandwidth, dataset=dataset)}


def limits(regime: Regime, *, T: int = 100, bandwidth: float = 0.3, dataset: str = "gaussian-1d",
           bandwidth_rule=None) -> dict:
    """``{"variance_ratio": limit}``: ``T h^2 / sigma_0^2`` (replace), ``inf`` (accumulate)."""
    return {m: v for m, (v, _) in limit_bounds(regime, T=T, bandwidth=bandwidth, dataset=dataset,
                                                bandwidth_rule=bandwidth_rule).items()}


def limit_bounds(regime: Regime, *, T: int = 100, bandwidth: float = 0.3, dataset: str = "gaussian-1d",
                 bandwidth_rule=None) -> dict:
    """``{"variance_ratio": (value, bound)}``: the exact sympy limit at the exact binary values of ``h`` and the
    data's variance, so the bound is the final rounding (one ulp; 0 for ``inf``)."""
    T, bandwidth, data, rule = check(regime, T=T, bandwidth=bandwidth, dataset_name=dataset,
                                     bandwidth_rule=bandwidth_rule)
    if rule is not None or regime.kind not in CLOSED_FORMS:
        raise NoClosedFormError(f"kde limits are derived for a fixed bandwidth under {', '.join(CLOSED_FORMS)}")
    limit = formulas(regime)["variance_ratio"][1]
    if limit == sp.oo:
        return {"variance_ratio": (float("inf"), 0.0)}
    exact = limit.subs({_sym.T: T, h: sp.Rational(bandwidth), sigma0_2: sp.Rational(data.total_variance / data.dim)})
    value = float(sp.N(exact, 40))
    return {"variance_ratio": (value, math.ulp(value))}
