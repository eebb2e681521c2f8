"""A K-sided die refitted by maximum likelihood to its own samples (Kazdan et al. 2024, arXiv 2410.16713).

Setting: truth ``p_0`` on ``K`` categories (uniform by default).  Generation 1 is ``T`` draws from ``p_0``; each
fit is the empirical proportions of the regime's training set; the next generation is ``T`` draws from the fit.
Replace is the neutral ``K``-allele Wright-Fisher chain; accumulate pools every generation (the fit is the
pooled proportions, so no category of the real data is ever lost); accumulate-subsample fits ``b_n = min(B, nT)``
points drawn uniformly without replacement from the pool.  Temperature 1 only: sampling ``p^(1/tau)`` normalised
is not linear in the fit, and no moment recursion closes.

Derived in sympy from the binomial and hypergeometric factorial moments (``S_0 = sum_i p_{0i}^2``):

* ``collision = E sum_i p_{n i}^2``.  One step ``q' = h q + w X/(mT)``, ``X ~ Bin(mT, q)`` gives
  ``E q'^2 = a q^2 + (1 - a) q`` with ``a = 1 - w^2/(mT)``, so ``1 - collision_n = (1 - S_0) prod_k a_k``:
  replace ``1 - (1 - S_0)(1 - 1/T)^n``; accumulate ``1 - (1 - S_0) prod_{k<=n} (1 - 1/(T k^2))`` (rising
  factorials), whose limit is Euler's ``1 - (1 - S_0) sin(pi/sqrt T)/(pi/sqrt T)``.  Accumulate-subsample: the
  pool's collision ``Q_n`` obeys ``1 - Q_{n+1} = A(nT, b_n, T)(1 - Q_n)`` and the fit's is ``(1 - c_n) Q_n + c_n``
  (:func:`subsample_step`), an exact rational recursion ("exact (recursion)").
* ``lost_categories`` (categories of zero fitted mass), ``total_collapse`` (the fit has one category; under
  replace an absorbing event, so "by iteration n") and ``entropy`` (``E sum -p ln p``, nats): sums over
  categories of one category's law, exact from the lumped two-category chain
  (:mod:`collapse_theory._discrete_chain`, float64).  Accumulate: ``E lost = sum_i (1 - p_{0i})^T`` and
  ``P(total collapse) = sum_i p_{0i}^T`` for ever.
* Expected iteration of total collapse under replace: ``sum_i E[tau 1{i fixes}]``, a linear solve on ``T + 1``
  states (:func:`collapse_time`), beside Kimura's diffusion value ``-2T sum_i (1 - p_{0i}) ln(1 - p_{0i})``
  (Littler 1975; ``-2T[p ln p + (1 - p) ln(1 - p)]`` for K = 2) in :func:`collapse_time_diffusion`.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np
import sympy as sp

from . import _discrete_chain as _chain
from . import _validate
from .errors import InvalidParameterError, NoClosedFormError
from .gaussian import _limit
from .regimes import Regime
from .symbolic import T, n, numeric

T_sym = T

__all__ = ["NAME", "METRICS", "PARAMETERS", "S0", "K", "check",
           "collision_factor", "collision_expression", "subsample_step", "collision", "errors", "limits",
           "formulas", "collapse_time", "collapse_time_diffusion", "subsample_collision_limit"]

NAME = "discrete"
METRICS = ("collision", "lost_categories", "total_collapse", "entropy")
PARAMETERS = ("K", "T", "p0")


def _standing(kind) -> str:
    """This family's registered standing for a regime kind (collapse_theory.families): exact, recursion, ..."""
    from .families import family

    return family(NAME).standing_of(kind)


def _kinds(*standings) -> tuple:
    """The registered regime kinds with one of these standings (for messages)."""
    from . import kinds

    return tuple(k.name for k in kinds.kinds() if _standing(k) in standings)

#: Collision probability of the truth, ``sum_i p_{0i}^2`` (``1/K`` for the uniform die), and the number of sides.
S0 = sp.Symbol("S_0", positive=True)
K = sp.Symbol("K", integer=True, positive=True)
_k = sp.Symbol("k", integer=True, positive=True)
_q, _X, _Z, _P, _N, _b, _Q = sp.symbols("q X Z P N b Q", positive=True)
#: Work allowed for the chain metrics (states x transitions summed over iterations) before they are omitted.
CHAIN_BUDGET = 2e9


def check(regime: Regime, *, K=10, T=100, p0=None):
    """Validate; returns ``(K, T, p0)`` with ``p0`` a tuple of floats summing to one."""
    if not isinstance(regime, Regime):
        raise InvalidParameterError(f"regime must be a collapse_theory.Regime, got {type(regime).__name__}")
    if _standing(regime.kind) == "none":
        from .families import STANDINGS

        supported = _kinds(*(s for s in STANDINGS if s != "none"))
        raise InvalidParameterError(f"the discrete family supports {', '.join(supported)}, got {regime.kind}")
    if regime.temperature != 1.0:
        raise InvalidParameterError("the discrete family samples at temperature 1 only (sampling p^(1/tau) "
                                    "normalised is nonlinear in the fit); drop --temperature")
    K = _validate.integer("K", K)
    T = _validate.integer("T", T, minimum=2)
    if p0 is None:
        p0 = (1.0 / K,) * K
    else:
        p0 = tuple(_validate.nonnegative("p0 entry", x) for x in p0)
        if len(p0) != K or abs(math.fsum(p0) - 1) > 1e-12:
            raise InvalidParameterError(f"p0 must hold K={K} nonnegative numbers summing to 1, got {p0!r}")
    return K, T, p0


def _binomial_mean(expr, X, m, q):
    """``E expr`` for ``X ~ Bin(m, q)``, ``expr`` of degree <= 2 in ``X`` (factorial moments ``m^(j) q^j``)."""
    c = sp.Poly(sp.expand(expr), X).all_coeffs()[::-1] + [0, 0]
    return sp.expand(c[0] + c[1] * m * q + c[2] * (m * (m - 1) * q**2 + m * q))


def _hypergeometric_mean(expr, Z, N, P, b):
    """``E expr`` for ``Z ~ Hyp(N, P, b)`` (factorial moments ``b^(j) P^(j) / N^(j)``), degree <= 2 in ``Z``."""
    c = sp.Poly(sp.expand(expr), Z).all_coeffs()[::-1] + [0, 0]
    return sp.expand(c[0] + c[1] * b * P / N + c[2] * (b * (b - 1) * P * (P - 1) / (N * (N - 1)) + b * P / N))


def _affine_in_q(second, q):
    """``a`` of ``E q'^2 = a q^2 + (1 - a) q``; checks that the constant is 0 and that ``a + b = 1`` (a fit
    concentrated on one category stays there)."""
    poly = sp.Poly(second, q)
    a, b, c = (poly.coeff_monomial(q**j) for j in (2, 1, 0))
    if sp.simplify(c) != 0 or sp.simplify(a + b - 1) != 0:
        raise AssertionError(f"collision recursion is not of the expected form: {second}")
    return sp.factor(a)


@functools.lru_cache(maxsize=None)
def collision_factor(regime: Regime) -> sp.Expr:
    """``a_k``: ``1 - collision_k = a_k (1 - collision_{k-1})`` for iteration ``k >= 2`` (one-step form)."""
    step = regime.step(_k)
    ((source, w),) = step.new
    if step.anchor != 0 or source.parent != "previous" or sp.simplify(step.history + w - 1) != 0:
        raise NoClosedFormError(f"regime {regime.kind} has no one-source one-step form")
    m = source.multiplicity * T
    return _affine_in_q(_binomial_mean((step.history * _q + w * _X / m) ** 2, _X, m, _q), _q)


@functools.lru_cache(maxsize=None)
def collision_expression(regime: Regime) -> sp.Expr:
    """``E sum_i p_{n i}^2`` in closed form (replace, accumulate): ``1 - (1 - S_0) a_1 prod_{k=2}^n a_k``."""
    if _standing(regime.kind) != "exact":
        raise NoClosedFormError(f"the collision probability has a closed form under {', '.join(_kinds('exact'))}; "
                                f"{regime.kind} is the exact recursion collapse_theory.discrete.subsample_step")
    first = _affine_in_q(_binomial_mean((_X / T) ** 2, _X, T, _q), _q)  # iteration 1: T draws from p_0
    a = collision_factor(regime)
    if sp.simplify(a.subs(_k, 1) - first) == 0:
        product = sp.product(a, (_k, 1, n))
    else:
        product = first * sp.product(a, (_k, 2, n))
    return 1 - (1 - S0) * sp.powsimp(product, force=True)


@functools.lru_cache(maxsize=None)
def subsample_step():
    """``(A, c)`` in ``N, b, T``: ``1 - Q' = A (1 - Q)`` for the pool's collision after one generation and the
    fit's ``E sum f^2 = (1 - c) Q + c`` (``N`` pool points, ``b`` drawn without replacement)."""
    after = _binomial_mean((_P + _X) ** 2, _X, T, _Z / _b)  # the pool's count after the next generation
    per_category = sp.Poly(_hypergeometric_mean(after, _Z, _N, _P, _b), _P)
    fit = sp.Poly(_hypergeometric_mean((_Z / _b) ** 2, _Z, _N, _P, _b), _P)
    for poly in (per_category, fit):
        if sp.simplify(poly.coeff_monomial(1)) != 0:
            raise AssertionError("an empty category must contribute nothing")

    def summed(poly):  # sum over categories: sum P_i^2 = N^2 Q, sum P_i = N
        return poly.coeff_monomial(_P**2) * _N**2 * _Q + poly.coeff_monomial(_P) * _N

    A = _affine_in_q(sp.expand(summed(per_category) / (_N + T) ** 2 * _Q), _Q)  # (1 - A) is the intercept
    c = sp.factor(summed(fit).subs(_Q, 0))
    if sp.simplify(summed(fit).subs(_Q, 1) - 1) != 0:
        raise AssertionError("a pool on one category must give a fit on one category")
    return A, c


@functools.lru_cache(maxsize=None)
def _subsample_functions():
    """Numerators and denominators of ``A`` and ``c`` as integer polynomials (exact on Python ints)."""
    return tuple(tuple(sp.lambdify((_N, _b, T), part, modules=[]) for part in sp.fraction(sp.together(e)))
                 for e in subsample_step())


def collision(regime: Regime, n_max: int, *, T: int, S0, exact: bool = False):
    """``E sum_i p_{n i}^2`` at ``n = 1..n_max``; ``exact=True``: :class:`fractions.Fraction` (``S0`` rational).

    Replace and accumulate: the lambdified closed form (float64) or the product of the exact factors ``a_k``;
    accumulate-subsample: the exact recursion of :func:`subsample_step`.
    """
    n_max = _validate.integer("n", n_max)
    closed = _standing(regime.kind) == "exact"
    if closed and not exact:
        f = _collision_function(regime)
        return np.broadcast_to(np.asarray(f(np.arange(1, n_max + 1, dtype=np.float64), T, S0)), (n_max,)).copy()
    one = Fraction(1) if exact else 1.0
    ratio = (lambda a, b: Fraction(a, b)) if exact else (lambda a, b: a / b)
    (An, Ad), (cn, cd) = _subsample_functions()
    gap, out = (one - S0) * (one - one / T), []  # 1 - Q_1: the real data, T draws from p_0
    for k in range(1, n_max + 1):
        if closed:
            if k > 1:
                a = sp.Rational(collision_factor(regime).subs({_k: k, T_sym: T}))
                gap *= ratio(int(a.p), int(a.q))
            out.append(one - gap)
            continue
        N, b = k * T, min(regime.budget, k * T)
        c = ratio(cn(N, b, T), cd(N, b, T))
        out.append(one - (one - c) * gap)
        gap *= ratio(An(N, b, T), Ad(N, b, T))
    return out if exact else np.asarray(out, dtype=np.float64)


@functools.lru_cache(maxsize=None)
def _collision_function(regime: Regime):
    return numeric(collision_expression(regime), (n, T_sym, S0))


def subsample_collision_limit(*, T: int, budget: int, S0: float, terms: int = 10**6) -> tuple[float, float]:
    """``(value, bound)``: ``lim_n E sum f_n^2`` under accumulate-subsample and a certified error bound.

    ``1 - Q_inf = (1 - Q_1) prod_n A_n``; the product runs to ``terms`` iterations in log space, and the tail
    ``prod_{n > terms}`` lies in ``[exp(-2 r), 1]`` with ``r = (1 + (T-1)/B)/(T terms) >= sum_{n>terms} (1 - A_n)``
    (for ``nT > B``, ``1 - A_n = (T + T(T-1) c_n)/((n+1)T)^2`` and ``c_n <= 1/B``).  The fit's limit is
    ``(1 - 1/B) Q_inf + 1/B`` (``c_n -> 1/B``).
    """
    (An, Ad), _ = _subsample_functions()
    k = np.arange(1, terms + 1, dtype=np.float64)
    N = k * T
    b = np.minimum(float(budget), N)
    log_gap = np.log1p(-S0) + np.log1p(-1.0 / T) + np.sum(np.log(An(N, b, T) / Ad(N, b, T)))
    r = (1 + (T - 1) / budget) / (T * terms)
    q_high, q_low = 1 - np.exp(log_gap - 2 * r), 1 - np.exp(log_gap)
    fit = lambda q: (1 - 1 / budget) * q + 1 / budget  # noqa: E731
    return float(fit((q_high + q_low) / 2)), float(fit(q_high) - fit(q_low)) / 2 + 1e-15


# -- the chain metrics and the time to total collapse ------------------------------------------------------------

def _groups(p0):
    """Distinct truth proportions and how many categories have each (the chain runs once per value)."""
    values, counts = np.unique(np.asarray(p0, dtype=np.float64), return_counts=True)
    return list(zip(values.tolist(), counts.tolist()))


def _chain_cost(kind, n_max, T, budget):
    if kind == "replace":
        return n_max * (T + 1) ** 2
    width = T + 1 if kind == "accumulate" else (min(budget, n_max * T) + 1) * (T + 1)
    return n_max * n_max * T * width / 2


def _chain_metrics(regime, n_max, T, p0) -> dict:
    out = {m: np.zeros(n_max) for m in ("lost_categories", "total_collapse", "entropy")}
    for p, count in _groups(p0):
        laws = _chain.fit_laws(regime.kind, p, T, n_max, regime.budget)
        for i, (law, m) in enumerate(laws):
            values = _chain.metric_values(law, m)
            for metric in out:
                out[metric][i] += count * values[metric]
    return out


def collapse_time(*, K: int = 2, T: int = 100, p0=None, exact: bool = False):
    """Expected iteration of total collapse under replace (iteration 1 = the fit on real data).

    Exact from the chain: the categories' fixation events partition the outcomes, so
    ``E tau = sum_i E[tau 1{i fixes}]``, each a linear solve on one category's ``T + 1`` counts.  ``exact=True``
    solves in rationals (``p0`` taken as exact rationals; small ``T``).
    """
    K, T, p0 = check(Regime("replace"), K=K, T=T, p0=p0)
    if exact:
        return sum(count * _chain.exact_fixation_weighted_time(Fraction(repr(p)), T) for p, count in _groups(p0))
    return float(sum(count * _chain.fixation_weighted_time(p, T) for p, count in _groups(p0)))


def collapse_time_diffusion(*, K: int = 2, T: int = 100, p0=None) -> float:
    """Kimura's diffusion value ``-2T sum_i (1 - p_{0i}) ln(1 - p_{0i})`` (haploid, variance ``p(1-p)/T`` per
    generation; Littler 1975 for ``K`` alleles).  Counted from the truth, like :func:`collapse_time`."""
    K, T, p0 = check(Regime("replace"), K=K, T=T, p0=p0)
    return float(-2 * T * sum((1 - p) * math.log1p(-p) for p in p0 if p < 1))


# -- the family interface ---------------------------------------------------------------------------------------

def errors(regime: Regime, n: int, *, K: int = 10, T: int = 100, p0=None) -> dict:
    """``{metric: float64 array at iterations 1..n}``.

    ``collision`` always; ``lost_categories``, ``total_collapse`` and ``entropy`` from the one-category chain
    while it costs under ``CHAIN_BUDGET`` operations (accumulate's first two are constants and always given).
    """
    K, T, p0 = check(regime, K=K, T=T, p0=p0)
    n = _validate.integer("n", n)
    out = {"collision": collision(regime, n, T=T, S0=math.fsum(p * p for p in p0))}
    if _chain_cost(regime.kind, n, T, regime.budget) <= CHAIN_BUDGET:
        out.update(_chain_metrics(regime, n, T, p0))
    elif regime.kind == "accumulate":
        out["lost_categories"] = np.full(n, math.fsum((1 - p) ** T for p in p0))
        out["total_collapse"] = np.full(n, math.fsum(p**T for p in p0))
    return {m: out[m] for m in METRICS if m in out}


def limits(regime: Regime, *, K: int = 10, T: int = 100, p0=None) -> dict:
    """``{metric: lim_{n -> oo}}`` where it is known (accumulate's entropy and subsample's chain metrics: no)."""
    K, T, p0 = check(regime, K=K, T=T, p0=p0)
    s0 = math.fsum(p * p for p in p0)
    if regime.kind == "replace":
        return {"collision": 1.0, "lost_categories": float(sum(p > 0 for p in p0) - 1), "total_collapse": 1.0,
                "entropy": 0.0}
    if regime.kind == "accumulate":
        x = math.pi / math.sqrt(T)
        return {"collision": 1 - (1 - s0) * math.sin(x) / x, "lost_categories": math.fsum((1 - p) ** T for p in p0),
                "total_collapse": math.fsum(p**T for p in p0)}
    return {"collision": subsample_collision_limit(T=T, budget=regime.budget, S0=s0)[0]}


def formulas(regime: Regime, *, symbolic: bool = False) -> dict:
    """``{metric: (expression in n, T, S_0, K; limit)}``: the collision probability (replace, accumulate) and,
    for accumulate with the uniform die, the constant lost-category count and total-collapse probability."""
    expr = collision_expression(regime)
    out = {"collision": (expr, sp.simplify(sp.gammasimp(_limit(expr))))}
    if regime.kind == "accumulate":
        lost, single = K * (1 - 1 / K) ** T_sym, K * (1 / K) ** T_sym
        out["lost_categories"], out["total_collapse"] = (lost, lost), (single, single)
    return out
