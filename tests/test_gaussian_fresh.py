"""Gaussian fresh-real: the sympy fixed point against the exact recursion, by hand, and against Monte Carlo."""

import jax
import pytest
import sympy as sp

from collapse_theory import _gaussian_fresh as F
from collapse_theory import gaussian as G
from collapse_theory.errors import CollapseTheoryError, NoClosedFormError
from collapse_theory.regimes import SYMBOLS, fresh_real, replace
from collapse_theory.symbolic import T, d
from simulations import gaussian as S
from conftest import assert_agrees

w, k, tau = SYMBOLS["real_weight"], SYMBOLS["ratio"], SYMBOLS["temperature"]


@pytest.mark.slow
@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("weight, ratio, temperature", [(0.3, 1.0, 1.0), (0.5, 2.0, 1.0), (0.4, 0.5, 0.8),
                                                        (0.6, 1.0, 1.2)])
def test_fixed_point_is_the_limit_of_the_exact_recursion(weight, ratio, temperature, unbiased):
    regime = fresh_real(weight, ratio, temperature=temperature)
    late = G.recursion(regime, 400, d=3, T=20, unbiased=unbiased)
    point = F.fixed_point(regime, d=3, T=20, unbiased=unbiased)
    for metric in point:
        assert late[metric][-1] == pytest.approx(point[metric], rel=1e-12)


@pytest.mark.slow
def test_ml_fixed_point_by_hand_and_its_scaling():
    one = {tau: 1, k: 1}
    e = {m: x.subs(one) for m, x in F.fixed_point_expressions(False).items()}
    by_hand = d * (w**2 + (1 - w) ** 2) / (T * w * (2 - w) + (1 - w) ** 2)
    assert sp.simplify(e["mean_error"] - by_hand) == 0
    assert sp.simplify(e["cov_trace_ratio"] - (1 - e["mean_error"] / d)) == 0  # the second moment is conserved
    lead = F.leading_order(False)["mean_error"].subs(one)
    assert sp.simplify(lead - d * (w**2 + (1 - w) ** 2) / (w * (2 - w) * T)) == 0
    assert sp.limit(lead * w * T / d, w, 0) == sp.Rational(1, 2)  # ~ d / (2 w T) for a small real fraction


def test_no_fixed_point_without_fresh_data():
    with pytest.raises(NoClosedFormError, match="replace"):
        F.fixed_point(fresh_real(0.0), d=2, T=100)
    with pytest.raises(CollapseTheoryError, match="fresh-real"):
        F.fixed_point(replace(), d=2, T=100)


@pytest.mark.slow
@pytest.mark.parametrize("alpha, unbiased", [(0.05, False), (0.2, False), (0.5, False), (0.2, True)])
def test_monte_carlo_reaches_the_fixed_point(alpha, unbiased):
    """Every iteration within 4 SE of the exact recursion, and iteration 200 within 4 SE of the fixed point
    (where the recursion itself is within 0.05 SE of it, so the comparison tests the fixed point)."""
    n, dim, T_ = 200, 2, 100
    regime = fresh_real(alpha)
    result = S.simulate(regime, n, key=jax.random.key(5), seeds=2000, d=dim, T=T_, unbiased=unbiased)
    exact = G.recursion(regime, n, d=dim, T=T_, unbiased=unbiased)
    point = F.fixed_point(regime, d=dim, T=T_, unbiased=unbiased)
    for metric, value in point.items():
        se = result.se[metric]
        assert_agrees(result.mean[metric], se, exact[metric], what=f"alpha={alpha} {metric}")
        assert abs(exact[metric][-1] - value) < 0.05 * se[-1]
        assert_agrees(result.mean[metric][-1:], se[-1:], [value], what=f"alpha={alpha} fixed point {metric}")
