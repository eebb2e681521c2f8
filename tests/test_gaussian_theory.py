"""The Gaussian family's theory: sympy closed forms against the exact rational recursion, and their shapes."""

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from collapse_theory import gaussian as G
from collapse_theory.errors import CollapseTheoryError, InvalidParameterError, NoClosedFormError
from collapse_theory.regimes import accumulate, accumulate_subsample, fresh_real, mix, replace, replace_multiple, window
from collapse_theory.symbolic import T as T_sym
from collapse_theory.symbolic import d as d_sym
from collapse_theory.symbolic import n as n_sym

CLOSED = [replace(), accumulate(), replace_multiple(), replace(temperature=0.5), accumulate(temperature=0.5)]


@pytest.mark.parametrize("regime", CLOSED, ids=lambda r: r.label)
@pytest.mark.parametrize("unbiased", [False, True])
def test_closed_forms_equal_the_exact_recursion(regime, unbiased):
    """The sympy product and sum, evaluated exactly, equal the rational moment recursion (no float involved)."""
    T, d = 7, 2
    rec = G.recursion(regime, 5, d=d, T=T, unbiased=unbiased, exact=True)
    trace = G.trace_ratio_expression(regime, unbiased=unbiased)
    mean = G.mean_error_expression(regime, unbiased=unbiased)
    for k in range(1, 6):
        # Gamma functions of irrational arguments: compare to 50 digits with the exact rationals.
        got_t = sp.N(trace.subs({n_sym: k, T_sym: T}).doit(), 50)
        got_m = sp.N(mean.subs({n_sym: k, T_sym: T, d_sym: d}).doit(), 50)
        want_t, want_m = rec["cov_trace_ratio"][k - 1], rec["mean_error"][k - 1]
        for got, want in ((got_t, want_t), (got_m, want_m)):
            want = sp.Rational(want.numerator, want.denominator)
            assert abs(got - want) < sp.Float("1e-40", 50) * want, (k, got, want)


@pytest.mark.parametrize("regime", CLOSED + [window(3), mix(0.3), fresh_real(0.5, 2.0)], ids=lambda r: r.label)
def test_numeric_values_equal_the_float_recursion(regime):
    out = G.errors(regime, 40, d=3, T=20)
    rec = G.recursion(regime, 40, d=3, T=20)
    for metric in rec:
        # The recursion subtracts O(1/T) terms: absolute accuracy ~1e-16, hence the atol.
        np.testing.assert_allclose(out[metric], rec[metric], rtol=1e-12, atol=1e-15)


@pytest.mark.slow
def test_sympy_closes_the_accumulate_mean_error_sum():
    """Gosper's algorithm telescopes the accumulate sum: the closed form equals the exact recursion."""
    closed = G.mean_error_expression(accumulate(), evaluate=True)
    assert not closed.has(sp.Sum)
    rec = G.recursion(accumulate(), 6, d=2, T=9, exact=True)["mean_error"]
    for k in (1, 2, 6):
        want = sp.Rational(rec[k - 1].numerator, rec[k - 1].denominator)
        assert abs(sp.N(closed.subs({n_sym: k, T_sym: 9, d_sym: 2}), 50) - want) < sp.Float("1e-40", 50) * want


def test_known_values_by_hand():
    """Replace: t_n = ((T-1)/T)^n and E||mu_n||^2 = d (1 - ((T-1)/T)^n); accumulate t_2 = (T-1)(4T-1)/(4T^2)."""
    T, d = 100, 10
    k = np.arange(1, 31)
    out = G.errors(replace(), 30, d=d, T=T)
    np.testing.assert_allclose(out["cov_trace_ratio"], (1 - 1 / T) ** k, rtol=1e-13)
    np.testing.assert_allclose(out["mean_error"], d * (1 - (1 - 1 / T) ** k), rtol=1e-13)
    acc = G.recursion(accumulate(), 2, d=1, T=T, exact=True)["cov_trace_ratio"]
    assert acc[1] == Fraction((T - 1) * (4 * T - 1), 4 * T * T)
    unbiased = G.errors(replace(), 30, d=d, T=T, unbiased=True)
    np.testing.assert_allclose(unbiased["cov_trace_ratio"], 1.0, rtol=1e-14)
    np.testing.assert_allclose(unbiased["mean_error"], d * k / T, rtol=1e-13)


@pytest.mark.parametrize("T", [4, 25, 100])
def test_accumulate_limit_is_eulers_sine_product(T):
    """lim t_n = (1 - 1/T) prod_{k>=2} (1 - 1/(T k^2)) = sin(pi a)/(pi a) with a = 1/sqrt(T)."""
    a = 1 / math.sqrt(T)
    assert G.limits(accumulate(), d=2, T=T)["cov_trace_ratio"] == pytest.approx(math.sin(math.pi * a) / (math.pi * a),
                                                                               rel=1e-12)
    t = G.cov_trace_ratio(accumulate(), 20000, T=T)
    assert t[-1] == pytest.approx(math.sin(math.pi * a) / (math.pi * a), rel=2 / 20000)


@pytest.mark.slow
def test_limits():
    T, d = 20, 3
    assert G.limits(replace(), d=d, T=T) == {"mean_error": pytest.approx(d), "cov_trace_ratio": 0.0, "kl": math.inf}
    assert G.limits(replace(), d=d, T=T, unbiased=True)["mean_error"] == math.inf
    # accumulate: the mean error's series converges to d (1/T + sum_i t_{i-1}/(i^2 T)) < d pi^2 / (6 T)
    acc = G.limits(accumulate(), d=d, T=T)["mean_error"]
    assert G.errors(accumulate(), 200, d=d, T=T)["mean_error"][-1] < acc < d * math.pi**2 / (6 * T)
    assert G.limits(accumulate(temperature=1.2), d=d, T=T)["cov_trace_ratio"] == math.inf
    assert G.limits(accumulate(temperature=0.9), d=d, T=T)["cov_trace_ratio"] == 0.0
    lim = G.formulas(replace())["mean_error"][1]
    assert sp.simplify(lim - d_sym) == 0


@given(T=st.integers(2, 400), n=st.integers(2, 60))
def test_replace_shrinks_geometrically_and_accumulate_stays_bounded(T, n):
    rep = G.cov_trace_ratio(replace(), n, T=T)
    np.testing.assert_allclose(rep[1:] / rep[:-1], (T - 1) / T, rtol=1e-12)
    acc = G.cov_trace_ratio(accumulate(), n, T=T)
    a = 1 / math.sqrt(T)
    limit = math.sin(math.pi * a) / (math.pi * a)
    assert np.all(np.diff(acc) < 0) and np.all(acc > limit * (1 - 1e-12))
    assert acc[0] == rep[0] and np.all(acc[1:] > rep[1:])


@given(T=st.integers(2, 300), n=st.integers(1, 40), d=st.integers(1, 20))
def test_monotone_in_T_and_accumulate_below_replace(T, n, d):
    for regime in (replace(), accumulate(), replace_multiple()):
        small, large = G.errors(regime, n, d=d, T=T), G.errors(regime, n, d=d, T=T + 1)
        assert np.all(large["cov_trace_ratio"] > small["cov_trace_ratio"])
        assert np.all(large["mean_error"] < small["mean_error"])
    rep, acc = G.errors(replace(), n, d=d, T=T), G.errors(accumulate(), n, d=d, T=T)
    assert acc["mean_error"][0] == rep["mean_error"][0]
    assert np.all(acc["mean_error"][1:] < rep["mean_error"][1:])


def test_kl_closed_form_at_one_iteration():
    """n = 1 by hand: E KL = (1/2)[d a + a d/T - d + sum_k psi((T-k)/2) + d log(2/T)], a = T/(T-d-2)."""
    from scipy.special import digamma

    d, T = 3, 12
    a = T / (T - d - 2)
    want = 0.5 * (d * a + a * d / T - d + sum(digamma((T - k) / 2) for k in range(1, d + 1)) + d * math.log(2 / T))
    assert G.kl(replace(), 1, d=d, T=T)[0] == pytest.approx(want, rel=1e-12)
    assert "kl" not in G.errors(replace(), 3, d=d, T=d + 2)
    assert "kl" not in G.errors(accumulate(), 3, d=d, T=T)


def test_formulas_are_sympy_and_print():
    from collapse_theory.symbolic import latex

    for regime in (replace(), accumulate(), replace_multiple()):
        out = G.formulas(regime)
        assert set(out) <= set(G.METRICS) and {"mean_error", "cov_trace_ratio"} <= set(out)
        for expr, lim in out.values():
            assert isinstance(expr, sp.Expr) and latex(expr)
    with pytest.raises(NoClosedFormError):
        G.formulas(mix(0.3))


@pytest.mark.parametrize("call", [
    lambda: G.errors(replace(), 5, d=0, T=10),
    lambda: G.errors(replace(), 5, d=2, T=1),
    lambda: G.errors(replace(), 0, d=2, T=10),
    lambda: G.kl(replace(), 5, d=5, T=7),
    lambda: G.errors(accumulate_subsample(1), 5, d=2, T=10, unbiased=True),
    lambda: G.errors(replace(), 5, d=2, T=10, unbiased="yes"),
])
def test_bad_input_raises_a_clear_error(call):
    with pytest.raises(CollapseTheoryError) as info:
        call()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("tau, unbiased", [(1.0, False), (0.8, True)])
def test_replace_multiple_kl_closed_form_matches_a_literal_monte_carlo(tau, unbiased):
    """Fit, sample i T points, refit, with numpy; mean KL(truth || fit) within 4 SE at every iteration."""
    d, T, n, seeds = 2, 12, 3, 20000
    rng = np.random.default_rng(20240414)
    mu, L = np.zeros((seeds, d)), np.broadcast_to(np.eye(d), (seeds, d, d))
    kls = []
    for i in range(1, n + 1):
        size, scale = i * T, (1.0 if i == 1 else tau)
        x = mu[:, None, :] + scale * np.einsum("sij,snj->sni", L, rng.standard_normal((seeds, size, d)))
        mu = x.mean(axis=1)
        centred = x - mu[:, None, :]
        sigma = np.einsum("sni,snj->sij", centred, centred) / (size - 1 if unbiased else size)
        L = np.linalg.cholesky(sigma)
        inverse = np.linalg.inv(sigma)
        kl = 0.5 * (np.trace(inverse, axis1=1, axis2=2) + np.einsum("si,sij,sj->s", mu, inverse, mu) - d
                    + np.linalg.slogdet(sigma)[1])
        kls.append(kl)
    kls = np.array(kls)
    theory = G.kl(replace_multiple(temperature=tau), n, d=d, T=T, unbiased=unbiased)
    se = kls.std(axis=1, ddof=1) / math.sqrt(seeds)
    assert np.all(np.abs(kls.mean(axis=1) - theory) <= 4 * se), (kls.mean(axis=1), theory, se)


def test_kl_refusals_name_the_condition():
    with pytest.raises(InvalidParameterError, match=r"T >= d \+ 3"):
        G.kl(replace_multiple(), 3, d=3, T=5)
    with pytest.raises(NoClosedFormError, match="replace and replace-multiple only"):
        G.kl(accumulate(), 3, d=3, T=20)
    assert "T >= d + 3" in G.unavailable_metrics(replace(), d=3, T=5)["kl"]


@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("tau", [1.0, 0.6])
def test_subsample_with_the_whole_pool_is_accumulates_closed_form(tau, unbiased):
    """The subset recursion with B >= nT fits the whole pool: accumulate's closed forms, to rounding."""
    n_max, T_ = 9, 15
    whole = G.errors(accumulate_subsample(n_max * T_, temperature=tau), n_max, d=4, T=T_, unbiased=unbiased)
    closed = G.errors(accumulate(temperature=tau), n_max, d=4, T=T_, unbiased=unbiased)
    for metric in ("mean_error", "cov_trace_ratio"):
        np.testing.assert_allclose(whole[metric], closed[metric], rtol=1e-13)
