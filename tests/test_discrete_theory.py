"""The discrete family's theory: closed forms against the formula and exact rationals, the subsample recursion
against an independent chain, the marginal-chain collapse time against the joint chain of count vectors."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from collapse_theory import _discrete_chain as C
from collapse_theory import discrete as D
from collapse_theory.errors import CollapseTheoryError, NoClosedFormError
from collapse_theory.regimes import accumulate, accumulate_subsample, mix, replace
from collapse_theory.symbolic import T as T_sym
from collapse_theory.symbolic import n as n_sym


def test_replace_collision_is_the_wright_fisher_formula_to_1e12():
    got = D.errors(replace(), 50, K=10, T=100)["collision"]
    k = np.arange(1, 51)
    want = 1 - (1 - 0.1) * (1 - 1 / 100) ** k
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    expr = D.formulas(replace())["collision"][0]
    assert sp.simplify(expr - (1 - (1 - D.S0) * (1 - 1 / T_sym) ** n_sym)) == 0


def test_accumulate_product_and_euler_limit():
    expr, limit = D.formulas(accumulate())["collision"]
    exact = D.collision(accumulate(), 6, T=7, S0=Fraction(1, 3), exact=True)
    for k in range(1, 7):  # the rising-factorial closed form = the product of the derived factors, in rationals
        value = sp.expand(sp.gammasimp(expr.subs({n_sym: k, T_sym: 7, D.S0: sp.Rational(1, 3)})).doit())
        assert value == sp.Rational(exact[k - 1].numerator, exact[k - 1].denominator)
    assert sp.simplify(limit - (1 - (1 - D.S0) * sp.sin(sp.pi / sp.sqrt(T_sym)) / (sp.pi / sp.sqrt(T_sym)))) == 0
    # the product to 10^6 terms times its tail, exp(-sum_{k >= 10^6} 1/(T k^2)) = exp(-1/(T 10^6)) to O(1e-20)
    direct = 1 - (1 - 0.1) * np.prod(1 - 1 / (100 * np.arange(1, 10**6) ** 2.0)) * np.exp(-1 / (100 * (10**6 - 0.5)))
    assert D.limits(accumulate(), K=10, T=100)["collision"] == pytest.approx(direct, rel=1e-9)


@pytest.mark.parametrize("regime", [replace(), accumulate(), accumulate_subsample(7), accumulate_subsample(50),
                                    accumulate_subsample(500)], ids=lambda r: r.label)
def test_collision_recursion_equals_the_one_category_chain(regime):
    """Two routes: the sympy-derived moment recursion, and the exact law of one category's count."""
    recursion = D.collision(regime, 12, T=20, S0=0.2)
    chain = [5 * C.metric_values(law, m)["collision"] for law, m in C.fit_laws(regime.kind, 0.2, 20, 12,
                                                                                  regime.budget)]
    np.testing.assert_allclose(recursion, chain, rtol=1e-11)
    exact = D.collision(regime, 12, T=20, S0=Fraction(1, 5), exact=True)
    np.testing.assert_allclose(recursion, [float(x) for x in exact], rtol=1e-13)


def test_subsample_with_the_whole_pool_is_accumulate_and_its_limit_is_certified():
    np.testing.assert_allclose(D.collision(accumulate_subsample(10**6), 20, T=10, S0=0.25),
                               D.collision(accumulate(), 20, T=10, S0=0.25), rtol=1e-13)
    value, bound = D.subsample_collision_limit(T=100, budget=50, S0=0.1)
    late = D.collision(accumulate_subsample(50), 2000, T=100, S0=0.1)
    assert bound < 1e-7 and late[-1] <= value + bound and value - late[-1] < 1e-3


def test_accumulate_never_loses_a_category_of_the_real_data():
    p0 = (0.5, 0.3, 0.15, 0.05)
    e = D.errors(accumulate(), 8, K=4, T=20, p0=p0)
    np.testing.assert_allclose(e["lost_categories"], sum((1 - p) ** 20 for p in p0), rtol=1e-12)
    np.testing.assert_allclose(e["total_collapse"], sum(p**20 for p in p0), rtol=1e-9)


def _joint_chain(K, T, p0, n_max):
    """Law of the count vector under replace, by enumeration (small K, T): P(one category holds all T)."""
    states = [s for s in itertools.product(range(T + 1), repeat=K) if sum(s) == T]
    index = {s: i for i, s in enumerate(states)}

    def pmf(x, q):
        return math.factorial(T) * math.prod(qi**xi / math.factorial(xi) for xi, qi in zip(x, q))

    P = np.array([[pmf(y, [v / T for v in x]) for y in states] for x in states])
    law = np.array([pmf(y, p0) for y in states])
    vertex = np.array([max(s) == T for s in states])
    inner = ~vertex
    collapsed = []
    for _ in range(n_max):
        collapsed.append(law[vertex].sum())
        law = law @ P
    A = np.eye(inner.sum()) - P[np.ix_(inner, inner)]
    m = np.zeros(len(states))
    m[inner] = np.linalg.solve(A, np.ones(inner.sum()))
    first = np.array([pmf(y, p0) for y in states])
    return np.array(collapsed), float(first @ (1 + m)), index


@pytest.mark.parametrize("p0", [(1 / 3, 1 / 3, 1 / 3), (0.6, 0.3, 0.1)])
def test_marginal_chain_gives_the_joint_chain_collapse(p0):
    collapsed, time, _ = _joint_chain(3, 6, p0, 15)
    np.testing.assert_allclose(D.errors(replace(), 15, K=3, T=6, p0=p0)["total_collapse"], collapsed, rtol=1e-11)
    assert D.collapse_time(K=3, T=6, p0=p0) == pytest.approx(time, rel=1e-11)


def test_collapse_time_in_rationals_and_the_diffusion_gap():
    for T in (5, 12):
        exact = D.collapse_time(K=2, T=T, exact=True)
        assert isinstance(exact, Fraction)
        assert D.collapse_time(K=2, T=T) == pytest.approx(float(exact), rel=1e-12)
    assert D.collapse_time_diffusion(K=2, T=50) == pytest.approx(100 * math.log(2))
    # the diffusion overestimates, by a relative gap that shrinks as T grows
    gaps = [D.collapse_time_diffusion(K=2, T=T) / D.collapse_time(K=2, T=T) - 1 for T in (10, 50, 200)]
    assert 0 < gaps[2] < gaps[1] < gaps[0] < 0.15, gaps


def test_bad_input():
    with pytest.raises(CollapseTheoryError, match="temperature 1"):
        D.errors(replace(temperature=0.5), 3)
    with pytest.raises(CollapseTheoryError, match="supports"):
        D.errors(mix(0.5), 3)
    with pytest.raises(CollapseTheoryError, match="p0"):
        D.errors(replace(), 3, K=2, p0=(0.5, 0.6))
    with pytest.raises(CollapseTheoryError, match="K"):
        D.errors(replace(), 3, K=0)
    with pytest.raises(NoClosedFormError):
        D.formulas(accumulate_subsample(10))
