"""The Gaussian family under fresh real data: the fixed point of the exact second-moment recursion, in sympy.

Regime ``fresh_real(w, k)``: iteration ``n >= 2`` fits weight ``w`` on ``T`` fresh points from the truth and
``1 - w`` on ``T/k`` points drawn from model ``n - 1`` with covariance ``tau^2 Sigma_{n-1}``.  In units of
``tr Sigma_0`` (``M_n = E ||mu_n - mu_0||^2 / tr Sigma_0``, ``V_n = E tr Sigma_n / tr Sigma_0``), the recursion
of :mod:`collapse_theory._gaussian_moments` reads, for a step whose sources ``s`` have weights ``a_s``, sizes
``m_s T`` and parents ``p(s)``:

    M_n = sum_s a_s^2 V_{p(s)} / (m_s T) + (sum_{s: previous} a_s)^2 M_{n-1},
    V_n = rho [sum_s a_s (V_{p(s)} + M_{p(s)}) - M_n],        (V, M)_truth = (1, 0), V_previous = tau^2 V_{n-1},

with ``rho = 1`` (maximum likelihood) or ``1 / (1 - sum_s a_s^2 / (m_s T))`` (unbiased).  Both are linear, so
their fixed point solves a 2x2 linear system; sympy solves it from the regime's one-step form.  For ML and
``tau = 1``: ``V* = 1 - M*`` (the total second moment is conserved) and, with ``k = 1``,

    M* = (w^2 + (1 - w)^2) / (T w (2 - w) + (1 - w)^2)  ~  (w^2 + (1 - w)^2) / (w (2 - w) T),

so the mean error at the fixed point is ``d M*``: ``1/T`` at ``w = 1``, ``~ 1/(2 w T)`` as ``w -> 0`` with ``wT``
large, and the covariance shrinks by the same ``M*``.  The fixed point is the limit whenever the recursion's
2x2 matrix has spectral radius below 1 (every ``w > 0`` at ``tau = 1``); ``w = 0`` is replace.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from . import _validate
from .errors import InvalidParameterError, NoClosedFormError
from .regimes import SYMBOLS, Regime
from .symbolic import T, d

__all__ = ["M", "V", "step_map", "fixed_point_expressions", "fixed_point", "leading_order", "limits"]

M, V = sp.symbols("M V", nonnegative=True)
_n = sp.Symbol("n", integer=True, positive=True)


def _fresh(regime: Regime) -> Regime:
    if not isinstance(regime, Regime) or regime.kind != "fresh-real":
        raise InvalidParameterError(f"expected a fresh-real regime, got {getattr(regime, 'kind', regime)!r}")
    return regime


@functools.lru_cache(maxsize=None)
def step_map(unbiased: bool = False) -> tuple:
    """``(M_n, V_n)`` as expressions in ``M = M_{n-1}``, ``V = V_{n-1}``, ``w``, ``k``, ``tau``, ``T``."""
    step = Regime("fresh-real", real_weight=0.5, ratio=1.0).step(_n, symbolic=True)
    tau = SYMBOLS["temperature"]
    parents = {"truth": (sp.Integer(1), sp.Integer(0)), "previous": (tau**2 * V, M)}
    carry = sum((a for s, a in step.new if s.parent == "previous"), sp.Integer(0))
    sizes = [(s, a, s.multiplicity * T) for s, a in step.new]
    m_new = sum((a**2 * parents[s.parent][0] / size for s, a, size in sizes), sp.Integer(0)) + carry**2 * M
    spread = sum((a * sum(parents[s.parent]) for s, a, _ in sizes), sp.Integer(0)) - m_new
    rho = 1 / (1 - sum((a**2 / size for _, a, size in sizes), sp.Integer(0))) if unbiased else sp.Integer(1)
    return sp.expand(m_new), sp.expand(rho * spread)


@functools.lru_cache(maxsize=None)
def fixed_point_expressions(unbiased: bool = False) -> dict:
    """``{"mean_error": d M*, "cov_trace_ratio": V*}`` in ``w, k, tau, T, d`` (sympy's solve of the 2x2 system)."""
    m_new, v_new = step_map(unbiased)
    (solution,) = sp.solve([sp.Eq(M, m_new), sp.Eq(V, v_new)], [M, V], dict=True)
    return {"mean_error": sp.factor(d * solution[M]), "cov_trace_ratio": sp.factor(solution[V])}


def leading_order(unbiased: bool = False) -> dict:
    """The fixed point's leading term as ``T -> oo`` (``w, k, tau`` fixed): ``{metric: expression}``."""
    out = {}
    for metric, expr in fixed_point_expressions(unbiased).items():
        series = sp.series(expr, T, sp.oo, 2).removeO()
        out[metric] = sp.factor(series) if metric == "mean_error" else sp.simplify(series)
    return out


@functools.lru_cache(maxsize=None)
def _numeric(unbiased: bool):
    args = (SYMBOLS["real_weight"], SYMBOLS["ratio"], SYMBOLS["temperature"], T, d)
    m_new, v_new = step_map(unbiased)
    jac = sp.Matrix([m_new, v_new]).jacobian([M, V])
    return ({k: sp.lambdify(args, e) for k, e in fixed_point_expressions(unbiased).items()},
            sp.lambdify(args, jac))


def fixed_point(regime: Regime, *, d: int, T: int, unbiased: bool = False) -> dict:
    """``{"mean_error", "cov_trace_ratio"}`` at the fixed point of the fresh-real recursion (``Sigma_0 = I_d``).

    Raises :class:`~collapse_theory.errors.NoClosedFormError` when the recursion does not contract (``w = 0``,
    or a temperature large enough to grow the covariance without bound): there is no finite limit to report.
    """
    regime = _fresh(regime)
    d = _validate.integer("d", d)
    T = _validate.integer("T", T, minimum=2)
    values, jacobian = _numeric(bool(unbiased))
    args = (float(regime.real_weight), float(regime.ratio), float(regime.temperature), T, d)
    radius = max(abs(np.linalg.eigvals(np.asarray(jacobian(*args), dtype=np.float64))))
    if regime.real_weight == 0 or radius >= 1:
        raise NoClosedFormError(f"the fresh-real recursion does not contract for {regime.label} (spectral radius "
                                f"{radius:.4g}); real weight 0 is replace, use its limits")
    if unbiased and 1 - (regime.real_weight**2 + (1 - regime.real_weight) ** 2 * regime.ratio) / T <= 0:
        raise InvalidParameterError("the unbiased fit needs more than one effective point per iteration")
    return {k: float(f(*args)) for k, f in values.items()}


def limits(regime: Regime, *, d: int = 10, T: int = 100, unbiased: bool = False) -> dict:
    """What :func:`collapse_theory.gaussian.limits` returns for fresh-real: the fixed point (``kl``: no theory)."""
    return fixed_point(regime, d=d, T=T, unbiased=unbiased)
