"""A Gaussian fitted again and again to its own samples: exact mean error, covariance shrinkage and KL.

Setting (docs/theory/formalism.md §3): truth ``N(mu_0, Sigma_0)`` in ``R^d``; iteration ``n`` fits the mean and covariance by
maximum likelihood (divisor = number of points; ``unbiased=True``: the reliability-weights divisor, ``T - 1``
for one generation) to its training set, then draws ``T`` points from ``N(mu_n, tau^2 Sigma_n)`` (``tau``: the
regime's temperature).  Every metric is invariant under affine maps of the data, so ``mu_0 = 0`` and
``Sigma_0 = I_d`` lose nothing: ``cov_trace_ratio = E tr Sigma_n / tr Sigma_0`` and ``kl`` hold for every
``Sigma_0``; ``mean_error = E ||mu_n - mu_0||^2`` is reported for ``Sigma_0 = I_d`` (multiply the per-unit
value ``mean_error / d`` by ``tr Sigma_0`` otherwise).

What is derived, and how (``t_n := E tr Sigma_n / tr Sigma_0``, ``D_n``: the fit's divisor):

* ``cov_trace_ratio``, **closed form** for replace, replace-multiple and accumulate.  Given the past, a
  generation's scatter has mean ``(N - 1) tau^2 Sigma_{n-1}`` and its mean is off by ``tau^2 Sigma_{n-1} / N``;
  for accumulate the pool's scatter ``W_n`` gains both (the drift of the pool mean weighs ``n/(n+1)``), so
  ``t_{n+1} = t_n r_n`` with ``r_n = (D_n + tau^2 (T - 1/(n+1))) / D_{n+1}`` (``D_n = nT`` or ``nT - 1``).  sympy
  turns the product into rising factorials; at ``tau = 1`` (ML) ``t_n -> sin(pi/sqrt T) / (pi/sqrt T)`` (Euler's
  product), bounded, while replace gives ``t_n = ((T-1)/T)^n tau^(2n-2)``: geometric collapse.
* ``mean_error``: ``mu_n - mu_0`` gains ``tau L z`` (``z ~ N(0, I/N)``) each iteration, weighted ``1`` (replace),
  ``1/n`` (accumulate), so ``E ||mu_n - mu_0||^2 = d (1/T + tau^2 sum_{i=2}^n g_i t_{i-1})`` with ``g_i = 1/T``,
  ``1/(iT)``, ``1/(i^2 T)``.  For replace sympy closes the geometric sum; for accumulate and replace-multiple the
  summand is a ratio of gamma functions with no closed sum, so it stays an exact ``Sum`` evaluated numerically
  (its limit: exact ``d (1 - lim t_n)`` at ``tau = 1``, where the second moment is conserved; otherwise certified).
* ``kl`` = KL(truth || fit), **closed form for replace and replace-multiple** (``T >= d + 3``): a chain of
  independent Wishart factors, inverse-Wishart mean ``E W^{-1} = I / (N - d - 2)`` and
  ``E log det W = sum_k psi((N - k)/2) + d log 2`` per iteration (:mod:`collapse_theory._gaussian_kl`).  The
  pooled covariance of the other regimes is no Wishart matrix: Monte Carlo only (:func:`unavailable_metrics`).
* Limits (:func:`collapse_theory.gaussian.limit_bounds`): exact where the series closes, otherwise summed with a proven tail bound.
* Every other regime (window, mix, fresh-real): the exact recursion of :mod:`collapse_theory._gaussian_moments`,
  evaluated in float64 (or exact rationals).
* accumulate-subsample: the exact recursion of :func:`collapse_theory.subsample.gaussian_family` for the mean error
  and the trace ratio (the subset's draws are independent of the data, so both stay linear in the second
  moments); its ``B = T``, ``T -> oo`` closed form at ``tau`` in {0, 1}; its finite-``T`` limit with a proven
  bound for the ML fit at ``tau`` in {0, 1} (:mod:`collapse_theory.subsample_limit`); KL by Monte Carlo only.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp

from . import _validate
from ._certified import positive_series
from ._gaussian_kl import kl_values, replace_multiple_expression
from ._gaussian_moments import second_moments, unbiased_factor
from .errors import InvalidParameterError, NoClosedFormError
from .regimes import SYMBOLS, Regime, _exact
from . import symbolic as _sym
from .symbolic import T, d, generic_branch, n, numeric

__all__ = ["NAME", "METRICS", "PARAMETERS", "CLOSED_FORMS", "trace_ratio_expression", "mean_error_expression",
           "kl_expression", "cov_trace_ratio", "mean_error", "kl", "errors", "limits", "limit_bounds",
           "unavailable_metrics", "formulas", "recursion"]

NAME = "gaussian"
METRICS = ("mean_error", "cov_trace_ratio", "kl")
PARAMETERS = ("d", "T", "unbiased")
#: Regimes with a derived closed form (window with k = 1 is replace).
CLOSED_FORMS = ("replace", "replace-multiple", "accumulate")

_i = sp.Symbol("i", integer=True, positive=True)
_k = sp.Symbol("k", integer=True, positive=True)


def _kind(regime: Regime) -> str:
    return "replace" if regime.kind == "window" and regime.window == 1 else regime.kind


def _tau(regime: Regime, symbolic: bool):
    return SYMBOLS["temperature"] if symbolic else _exact(regime.temperature)


def _divisor(m, unbiased: bool):
    """Divisor of the fit to ``m`` equally weighted points."""
    return m - 1 if unbiased else m


def _step(regime: Regime, unbiased: bool, symbolic: bool):
    """``(r_i, g_i)``: ``t_{i+1} = r_i t_i`` and the weight of ``tau^2 t_{i-1}`` in the mean error's increment."""
    tau2 = _tau(regime, symbolic) ** 2
    kind = _kind(regime)
    if kind == "replace":  # E S = (T - 1) tau^2 Sigma_i, divided by the divisor
        return tau2 * (T - 1) / _divisor(T, unbiased), sp.Integer(1) / T
    if kind == "replace-multiple":  # iteration i + 1 fits (i + 1) T points drawn from model i
        m = (_i + 1) * T
        return tau2 * (m - 1) / _divisor(m, unbiased), 1 / (_i * T)
    if kind == "accumulate":
        D = lambda j: _divisor(j * T, unbiased)  # noqa: E731
        return (D(_i) + tau2 * (T - 1 / (_i + 1))) / D(_i + 1), 1 / (_i**2 * T)
    raise NoClosedFormError(
        f"the gaussian family has closed forms for {', '.join(CLOSED_FORMS)}; regime {regime.kind} is evaluated "
        "by the exact recursion (collapse_theory.gaussian.recursion, used by `collapse-theory error`)")


@functools.lru_cache(maxsize=128)
def trace_ratio_expression(regime: Regime, *, unbiased: bool = False, symbolic: bool = False) -> sp.Expr:
    """``t_n = E tr Sigma_n / tr Sigma_0`` in closed form: ``t_1 prod_{i=1}^{n-1} r_i`` (rising factorials)."""
    r, _ = _step(regime, unbiased, symbolic)
    t1 = (T - 1) / _divisor(T, unbiased)
    return sp.powsimp(t1 * sp.product(sp.factor(r), (_i, 1, n - 1)), force=True)


@functools.lru_cache(maxsize=128)
def mean_error_expression(regime: Regime, *, unbiased: bool = False, symbolic: bool = False,
                          evaluate: bool = False) -> sp.Expr:
    """``E ||mu_n - mu_0||^2`` for ``Sigma_0 = I_d``: ``d (1/T + tau^2 sum_{i=2}^n g_i t_{i-1})``.

    Replace: sympy sums the geometric series.  Accumulate and replace-multiple: an exact ``Sum`` of gamma-function
    ratios; ``evaluate=True`` asks sympy to close it (Gosper's algorithm succeeds for accumulate, where the sum
    telescopes, and for replace-multiple, but takes seconds, so the CLI and the numerics use the ``Sum``).
    """
    _, g = _step(regime, unbiased, symbolic)
    tau2 = _tau(regime, symbolic) ** 2
    summand = tau2 * g * trace_ratio_expression(regime, unbiased=unbiased, symbolic=symbolic).subs(n, _i - 1)
    # Splitting ((T-1)/T)**i into (T-1)**i / T**i lets sympy see a plain geometric series (0.3 s instead of 15 s).
    summand = sp.powsimp(sp.expand_power_base(summand, force=True), force=True)
    if _kind(regime) == "replace" or evaluate:
        total = generic_branch(sp.summation(summand, (_i, 2, n)))
    else:
        total = sp.Sum(summand, (_i, 2, n))
    return d * (1 / T + total)


@functools.lru_cache(maxsize=128)
def kl_expression(regime: Regime, *, unbiased: bool = False, symbolic: bool = False) -> sp.Expr:
    """``E KL(N(mu_0, Sigma_0) || N(mu_n, Sigma_n))`` under replace and replace-multiple (``T >= d + 3``, ``tau > 0``).

    Replace: ``(1/2)[d a^n tau^(2-2n) + g_n - d + n l + (n - 1) d log tau^2]`` with ``a = D / (T - d - 2)``,
    ``g_n = (a d / T) sum_{i<n} (a / tau^2)^i`` (the mean term) and
    ``l = sum_{k=1}^d psi((T - k)/2) + d log(2 / D)`` (the log-determinant of one Wishart step).
    Replace-multiple: the same chain of independent Wishart factors with ``N_i = i T`` points
    (:mod:`collapse_theory._gaussian_kl`), as an unevaluated product and sums.
    """
    kind = _kind(regime)
    if kind not in ("replace", "replace-multiple"):
        raise NoClosedFormError(unavailable_metrics(regime, d=3, T=10)["kl"])
    tau2 = _tau(regime, symbolic) ** 2
    if kind == "replace-multiple":
        return replace_multiple_expression(tau2, unbiased)
    D = _divisor(T, unbiased)
    a = D / (T - d - 2)
    trace = d * a**n * tau2 ** (1 - n)
    mean = a * d / T * generic_branch(sp.summation((a / tau2) ** _i, (_i, 0, n - 1)))
    logdet = n * (sp.Sum(sp.polygamma(0, (T - _k) / 2), (_k, 1, d)) + d * sp.log(2 / D)) + (n - 1) * d * sp.log(tau2)
    return (trace + mean - d + logdet) / 2


# -- limits --------------------------------------------------------------------------------------------------------

def _factor_limit(term: sp.Expr):
    """Limit of one product of gamma functions, powers ``b**n`` and ``n**p`` as ``n -> oo`` (None: undecided).

    ``Gamma(n + c) ~ Gamma(n) n^c``, so a product whose gamma exponents cancel behaves like
    ``const * rate**n * n**P``: its limit is 0, the constant, or infinite.
    """
    # rf(a, m) = Gamma(a + m) / Gamma(a), written directly (sympy's rewrite adds a Piecewise for negative a).
    term = term.replace(lambda e: isinstance(e, sp.RisingFactorial),
                        lambda e: sp.gamma(e.args[0] + e.args[1]) / sp.gamma(e.args[0])).rewrite(sp.gamma)
    const, rate, power, count = sp.Integer(1), sp.Integer(1), sp.Integer(0), sp.Integer(0)
    for f in sp.Mul.make_args(sp.powsimp(sp.expand_power_base(term, force=True), force=True)):
        base, exp = f.as_base_exp()
        if not f.has(n):
            const *= f
        elif isinstance(base, sp.gamma) and not exp.has(n):
            c, rest = base.args[0].as_independent(n, as_Add=True)
            if rest != n:
                return None
            power += exp * c
            count += exp
        elif base == n and not exp.has(n):
            power += exp
        elif not base.has(n) and sp.Poly(exp, n).degree() == 1:
            rate *= base ** sp.diff(exp, n)
            const *= base ** exp.subs(n, 0)
        else:
            return None
    if count != 0:
        return None
    # The quantities here are nonnegative, so a growing term goes to +oo.
    for excess in (sp.simplify(rate - 1), sp.simplify(power)):
        if excess.is_negative:
            return sp.Integer(0)
        if excess.is_positive:
            return sp.oo
        if not excess.is_zero:
            return None
    return const


def _limit(expr: sp.Expr) -> sp.Expr:
    """``lim_{n -> oo}`` term by term (products of gammas and geometric factors); unevaluated if undecided."""
    if isinstance(expr, sp.Sum):
        return expr.subs(n, sp.oo)
    parts = [_factor_limit(t) if not isinstance(t, sp.Sum) and not t.has(sp.Sum) else None
             for t in sp.Add.make_args(sp.expand(expr))]
    if any(p is None for p in parts):
        # A term with the unevaluated Sum: d*(1/T + Sum(..., (i, 2, n))) -> the infinite series.
        if expr.has(sp.Sum):
            return expr.replace(lambda e: isinstance(e, sp.Sum),
                                lambda e: sp.Sum(e.function, (e.limits[0][0], e.limits[0][1], sp.oo)))
        return sp.Limit(expr, n, sp.oo)
    return sp.simplify(sp.Add(*parts))


def formulas(regime: Regime, *, symbolic: bool = False, unbiased: bool = False) -> dict:
    """``{metric: (expression in n, d, T; limit)}`` for the regimes in :data:`CLOSED_FORMS`.

    accumulate-subsample: the mean error's closed form for ``B = T`` as ``T -> oo``, which exists at ``tau = 0`` and
    ``tau = 1``: there the refit covariance keeps its trace to leading order, so the error is the Gaussian-mean
    model's (:func:`collapse_theory.subsample.large_population_factor`).  The covariance metric has no closed form.
    """
    if regime.kind == "accumulate-subsample":
        return _subsample_formulas(regime, symbolic)
    out = {}
    for metric, build in (("mean_error", mean_error_expression), ("cov_trace_ratio", trace_ratio_expression),
                          ("kl", kl_expression)):
        if metric == "kl" and _kind(regime) not in ("replace", "replace-multiple"):
            continue
        expr = build(regime, unbiased=unbiased, symbolic=symbolic)
        out[metric] = (expr, sp.oo if metric == "kl" else _limit(expr))
    return out


def _subsample_formulas(regime: Regime, symbolic: bool) -> dict:
    from . import subsample

    if symbolic or regime.temperature not in (0, 1):
        raise NoClosedFormError("accumulate-subsample has a closed form (B = T, T -> oo) at temperature 0 or 1 "
                                "only: the refit covariance's trace moves with the temperature otherwise; use error")
    return {"mean_error": subsample.large_population_mean_error(d / T, temperature=regime.temperature)}


# -- numbers -------------------------------------------------------------------------------------------------------

def _check(d_, T_, unbiased):
    d_ = _validate.integer("d", d_)
    T_ = _validate.integer("T", T_, minimum=2)
    if not isinstance(unbiased, (bool, np.bool_)):
        raise InvalidParameterError(f"unbiased must be true or false, got {unbiased!r}")
    return d_, T_, bool(unbiased)


@functools.lru_cache(maxsize=128)
def _functions(regime: Regime, unbiased: bool):
    """Numeric ``r_i(i, T)`` and ``g_i(i, T)``.  ``t_n`` is evaluated as the running product ``t_1 prod r_i``
    that sympy closed: rising factorials themselves overflow float64 long before their ratio does."""
    r, g = _step(regime, unbiased, False)
    return numeric(r + 0 * _i, (_i, T)), numeric(g + 0 * _i, (_i, T))


def recursion(regime: Regime, n_max: int, *, d: int, T: int, unbiased: bool = False, exact: bool = False) -> dict:
    """``{"mean_error", "cov_trace_ratio"}`` at iterations ``1..n_max`` from the exact moment recursion.

    Works for every regime with a weight form (all but accumulate-subsample); ``exact=True`` returns
    :class:`fractions.Fraction` lists.
    """
    d, T, unbiased = _check(d, T, unbiased)
    if not regime.has_closed_form:
        raise NoClosedFormError("accumulate-subsample fits a random subset of the pool and has no exact "
                                "recursion; simulate it with `collapse-theory simulate`")

    def model(spread, alpha, sizes):
        if not unbiased:
            return spread
        factor = unbiased_factor(alpha, sizes)
        if factor <= 0:
            raise InvalidParameterError("unbiased fit needs more than one effective point per iteration")
        return factor * spread

    _, mean, trace = second_moments(regime, n_max, T=T, model=model, exact=exact)
    if exact:
        return {"mean_error": [d * m for m in mean], "cov_trace_ratio": list(trace)}
    return {"mean_error": d * mean, "cov_trace_ratio": trace}


def cov_trace_ratio(regime: Regime, n_max: int, *, T: int, unbiased: bool = False) -> np.ndarray:
    """``E tr Sigma_n / tr Sigma_0`` at ``n = 1..n_max`` (closed form where derived, exact recursion otherwise)."""
    _, T, unbiased = _check(1, T, unbiased)
    n_max = _validate.integer("n", n_max)
    if _kind(regime) not in CLOSED_FORMS:
        return recursion(regime, n_max, d=1, T=T, unbiased=unbiased)["cov_trace_ratio"]
    r, _ = _functions(regime, unbiased)
    i = np.arange(1, n_max, dtype=np.float64)
    ratios = np.broadcast_to(np.asarray(r(i, T), dtype=np.float64), i.shape)
    t1 = (T - 1) / (T - 1 if unbiased else T)
    return _finite(t1 * np.concatenate([[1.0], np.cumprod(ratios)]), regime)


def mean_error(regime: Regime, n_max: int, *, d: int, T: int, unbiased: bool = False) -> np.ndarray:
    """``E ||mu_n - mu_0||^2`` (``Sigma_0 = I_d``) at ``n = 1..n_max``: the exact sum, accumulated in float64."""
    d, T, unbiased = _check(d, T, unbiased)
    n_max = _validate.integer("n", n_max)
    if _kind(regime) not in CLOSED_FORMS:
        return recursion(regime, n_max, d=d, T=T, unbiased=unbiased)["mean_error"]
    t = cov_trace_ratio(regime, n_max, T=T, unbiased=unbiased)
    _, g = _functions(regime, unbiased)
    i = np.arange(2, n_max + 1, dtype=np.float64)
    steps = float(regime.temperature) ** 2 * np.broadcast_to(g(i, T), i.shape) * t[:-1]
    return d * (1 / T + np.concatenate([[0.0], np.cumsum(steps)]))


def kl(regime: Regime, n_max: int, *, d: int, T: int, unbiased: bool = False) -> np.ndarray:
    """``E KL(truth || fit)`` at ``n = 1..n_max`` under replace and replace-multiple (``T >= d + 3``, ``tau > 0``).

    Raises :class:`InvalidParameterError` (``T >= d + 3``, ``tau > 0``) or :class:`NoClosedFormError` (other
    regimes) with the reason of :func:`unavailable_metrics`.
    """
    d, T, unbiased = _check(d, T, unbiased)
    n_max = _validate.integer("n", n_max)
    reason = unavailable_metrics(regime, d=d, T=T, unbiased=unbiased).get("kl")
    if reason is not None:
        kind_ok = _kind(regime) in ("replace", "replace-multiple")
        raise (InvalidParameterError if kind_ok else NoClosedFormError)(reason)
    if _kind(regime) == "replace-multiple":
        values = kl_values("replace-multiple", n_max, d=d, T=T, tau2=float(regime.temperature) ** 2,
                           unbiased=unbiased)
        return _finite(values, regime)
    f = _kl_function(regime, unbiased)
    return _finite(np.broadcast_to(f(np.arange(1, n_max + 1, dtype=np.float64), d, T), (n_max,)), regime)


@functools.lru_cache(maxsize=128)
def _kl_function(regime: Regime, unbiased: bool):
    return numeric(kl_expression(regime, unbiased=unbiased), (n, d, T))


def _finite(values, regime):
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise InvalidParameterError(f"the gaussian theory of {regime.label} is not finite for these parameters")
    return values


# -- the family interface used by the CLI ------------------------------------------------------------------------

def errors(regime: Regime, n: int, *, d: int = 10, T: int = 100, unbiased: bool = False) -> dict:
    """``{metric: float64 array at iterations 1..n}`` for every metric with theory.

    ``kl`` is left out where it is undefined or has no closed form; :func:`unavailable_metrics` says why.
    """
    if regime.kind == "accumulate-subsample":  # the exact subset recursion (no KL: the pooled fit is no Wishart)
        from .subsample import gaussian_family

        d, T, unbiased = _check(d, T, unbiased)
        return gaussian_family(regime, n, d=d, T=T, unbiased=unbiased)
    out = {"mean_error": mean_error(regime, n, d=d, T=T, unbiased=unbiased),
           "cov_trace_ratio": cov_trace_ratio(regime, n, T=T, unbiased=unbiased)}
    if not unavailable_metrics(regime, d=d, T=T, unbiased=unbiased):
        out["kl"] = kl(regime, n, d=d, T=T, unbiased=unbiased)
    return out


def limits(regime: Regime, *, d: int = 10, T: int = 100, unbiased: bool = False) -> dict:
    """``{metric: lim_{n -> oo}}`` (``inf`` where it grows without bound): the values of :func:`limit_bounds`."""
    return {metric: value for metric, (value, _) in limit_bounds(regime, d=d, T=T, unbiased=unbiased).items()}


def limit_bounds(regime: Regime, *, d: int = 10, T: int = 100, unbiased: bool = False) -> dict:
    """``{metric: (value, bound)}`` with ``|value - lim_{n -> oo} metric| <= bound`` proven.

    * ``cov_trace_ratio``: exact, from the gamma-function asymptotics of the closed product (Euler's
      ``sin(pi/sqrt T)/(pi/sqrt T)`` for accumulate at ``tau = 1``); the bound is one ulp of rounding.
    * ``mean_error``: exact where the series closes: ``d/T`` at ``tau = 0``; replace's geometric sum; and the
      ML fit at ``tau = 1`` (replace-multiple, accumulate), where ``tau^2 g_i = 1 - r_{i-1}`` (checked in
      sympy) telescopes the sum to ``d (1 - lim t_n)``: the second moment ``E mu mu^T + E Sigma`` is conserved,
      so replace-multiple's limit is ``d`` exactly.  Otherwise the hypergeometric series
      ``sum_{i >= 2} tau^2 g_i t_{i-1}`` summed with a proven tail bound (:mod:`collapse_theory._certified`);
      :class:`NoClosedFormError` where that bound cannot be made small (``tau^2`` close to the edge of
      convergence).
    * ``kl``: ``inf`` (replace and replace-multiple, ``T >= d + 3``, ``tau > 0``): the expected log-determinant
      term falls without bound or the trace term grows geometrically.  ``inf`` carries the bound 0.
    """
    d, T, unbiased = _check(d, T, unbiased)
    kind = _kind(regime)
    if kind == "fresh-real":  # the fixed point of the exact moment map, solved in sympy (_gaussian_fresh)
        from ._gaussian_fresh import limits as fresh_limits

        return {m: (v, math.ulp(v)) for m, v in fresh_limits(regime, d=d, T=T, unbiased=unbiased).items()}
    if kind == "accumulate-subsample":
        return _subsample_limits(regime, d, T, unbiased)
    if kind not in CLOSED_FORMS:
        raise NoClosedFormError(f"limits of the gaussian family are derived for {', '.join(CLOSED_FORMS)}; "
                                f"use `collapse-theory error` with a large --n for {regime.kind}")
    trace = _limit(trace_ratio_expression(regime, unbiased=unbiased).subs(_sym.T, T))
    out = {"mean_error": _mean_limit(regime, d, T, unbiased, trace), "cov_trace_ratio": _exact_number(trace)}
    if not unavailable_metrics(regime, d=d, T=T, unbiased=unbiased):
        out["kl"] = (float("inf"), 0.0)
    return out


def _subsample_limits(regime: Regime, d: int, T: int, unbiased: bool) -> dict:
    """accumulate-subsample: exact at ``tau = 0`` (every later fit is the first); otherwise the limit of the exact
    recursion, proven for the ML fit at ``tau = 1``
    (:func:`collapse_theory.subsample_limit.gaussian_family_limit_bounds`), else extrapolated (``proven=False``)
    and refused beyond 1e-4 relative."""
    from .subsample import gaussian_family
    from .subsample_limit import gaussian_family_limit_bounds

    if regime.temperature == 0:
        first = gaussian_family(regime, 1, d=d, T=T, unbiased=unbiased)
        return {m: (float(v[0]), math.ulp(float(v[0])), True) for m, v in first.items()}
    return gaussian_family_limit_bounds(regime, d=d, T=T, unbiased=unbiased)


def _exact_number(expr):
    """``(float, bound)`` of an exact sympy number: one ulp of rounding (0 for 0 and oo)."""
    if expr == sp.oo:
        return float("inf"), 0.0
    value = sp.N(expr, 40)
    if not value.is_real or not value.is_finite:
        raise NoClosedFormError(f"the limit {expr} could not be decided exactly")
    out = float(value)
    return out, (math.ulp(abs(out)) if out != 0 else 0.0)


def _mean_limit(regime: Regime, d: int, T: int, unbiased: bool, trace):
    tau2 = _exact(regime.temperature) ** 2
    if tau2 == 0:  # every later fit reproduces the first model: E ||mu_n||^2 = d / T
        return _exact_number(sp.Rational(d, T))
    if _kind(regime) == "replace":
        exact = _limit(mean_error_expression(regime, unbiased=unbiased).subs({_sym.T: T, _sym.d: d}))
        if exact.is_number and not exact.has(sp.Limit, sp.Sum):
            return _exact_number(exact)
    r, g = (e.subs(_sym.T, T) for e in _step(regime, unbiased, False))
    t1 = sp.Rational(T - 1, _divisor(T, unbiased))
    if sp.simplify(tau2 * g - (1 - r.subs(_i, _i - 1))) == 0:  # telescoping: conserved second moment
        return _exact_number(sp.simplify(d * (sp.Rational(1, T) + t1 - trace)))
    ratio = sp.cancel(g.subs(_i, _i + 1) / g * r.subs(_i, _i - 1))  # a_{i+1} / a_i
    value, bound = positive_series(ratio, tau2 * g.subs(_i, 2) * t1, 2, _i)
    if value == math.inf:
        return value, 0.0
    total = d / T + d * value
    return total, d * bound + 2 * math.ulp(total)


def unavailable_metrics(regime: Regime, *, d: int = 10, T: int = 100, unbiased: bool = False) -> dict:
    """``{metric: reason}`` for the metrics :func:`errors` and :func:`limit_bounds` leave out here.

    The KL divergence needs ``T >= d + 3`` (``E Sigma_n^{-1}`` is infinite otherwise) and ``tau > 0``, and has a
    closed form under replace and replace-multiple only.
    """
    d, T, unbiased = _check(d, T, unbiased)
    kind = _kind(regime)
    if kind not in ("replace", "replace-multiple"):
        return {"kl": f"the expected KL divergence has a closed form under replace and replace-multiple only, "
                      f"not {regime.kind} (the pooled covariance is no Wishart matrix); simulate it"}
    if T < d + 3:
        return {"kl": f"the expected KL divergence is infinite unless T >= d + 3 (E Sigma_n^-1 diverges), "
                      f"got d={d}, T={T}"}
    if regime.temperature == 0:
        return {"kl": "the KL divergence is infinite at temperature 0 (the fitted covariance is singular)"}
    return {}
