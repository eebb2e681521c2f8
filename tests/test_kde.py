"""The KDE family: sympy forms against the exact recursion, the Monte Carlo within 4 SE, data sets, bad input."""

import math

import jax
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from collapse_theory import gaussian as G
from collapse_theory import kde as K
from collapse_theory.errors import CollapseTheoryError, InvalidParameterError, NoClosedFormError
from collapse_theory.regimes import accumulate, accumulate_subsample, fresh_real, mix, replace, window
from collapse_theory.symbolic import T as T_sym
from collapse_theory.symbolic import n as n_sym
from simulations import kde as S
from simulations.seeds import draws
from conftest import assert_agrees

T, N, H = 20, 8, 0.3
CHUNK = 500  # one batch shape for every simulation below: compilations are shared


def assert_result_agrees(result, theory, metric, label=""):
    """|mean - theory| <= 4 SE at every iteration (the shared check prints expected, actual, SE and z)."""
    assert_agrees(result.mean[metric], result.se[metric], theory, what=f"{label} {metric}")


# -- theory -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("regime", [replace(), accumulate()], ids=lambda r: r.label)
def test_sympy_forms_equal_the_exact_recursion(regime):
    expr = K.variance_expression(regime)
    exact = K.variance_ratio(regime, 5, T=7, bandwidth=0.5, exact=True)
    for k in range(1, 6):
        got = sp.N(expr.subs({n_sym: k, T_sym: 7, K.h: sp.Rational(1, 2), K.sigma0_2: 1}).doit(), 40)
        want = sp.Rational(exact[k - 1].numerator, exact[k - 1].denominator)
        assert abs(got - want) < sp.Float("1e-30", 40) * want, (k, got, want)


def test_replace_by_hand_and_accumulate_against_the_exact_recursion():
    """v_n = c^n + eta (1 - c^n)/(1 - c), c = (T-1)/T, by hand; accumulate's float64 values equal the recursion in
    exact rationals (docs/theory/formalism.md §3 quotes about 4.2 and 1.39 at n = 50, T = 100, h = 0.3)."""
    c, eta = 0.99, 0.09
    k = np.arange(1, 51)
    rep = K.variance_ratio(replace(), 50, T=100, bandwidth=0.3)
    np.testing.assert_allclose(rep, c**k + eta * (1 - c**k) / (1 - c), rtol=1e-13)
    exact = K.variance_ratio(replace(), 50, T=100, bandwidth=0.3, exact=True)  # the recursion, in rationals
    np.testing.assert_allclose(rep, [float(x) for x in exact], rtol=1e-13)
    acc = K.variance_ratio(accumulate(), 50, T=100, bandwidth=0.3)
    acc_exact = K.variance_ratio(accumulate(), 50, T=100, bandwidth=0.3, exact=True)
    np.testing.assert_allclose(acc, [float(x) for x in acc_exact], rtol=1e-13)
    assert K.limits(replace(), T=100, bandwidth=0.3) == {"variance_ratio": pytest.approx(9.0)}
    assert K.limits(accumulate(), T=100, bandwidth=0.3) == {"variance_ratio": math.inf}


@settings(max_examples=15)
@given(T=st.integers(2, 300), h=st.floats(0.01, 2.0), n=st.integers(2, 30))
def test_replace_approaches_T_h2_geometrically_and_accumulate_grows_like_log(T, h, n):
    rep = K.variance_ratio(replace(), n, T=T, bandwidth=h)
    gap = rep - T * h * h
    np.testing.assert_allclose(gap[1:], gap[:-1] * (T - 1) / T, rtol=1e-9, atol=1e-12 * T * h * h)
    # accumulate = the Gaussian loop's covariance (bounded) + h^2 r_n, r_n increasing from 1 and at most H_n:
    # each generation adds at most h^2/n, so the fit spreads like h^2 ln n, without bound.
    acc = K.variance_ratio(accumulate(), n, T=T, bandwidth=h)
    r = (acc - G.cov_trace_ratio(accumulate(), n, T=T)) / h**2
    harmonic = np.cumsum(1 / np.arange(1, n + 1))
    assert r[0] == pytest.approx(1) and np.all(np.diff(r) > -1e-9) and np.all(r <= harmonic + 1e-9)


def test_data_sets():
    for name in K.DATASETS:
        data = __import__("collapse_theory._kde_data", fromlist=["dataset"]).dataset(name)
        assert data.dim in (1, 2) and data.total_variance > 0
        if data.reference is not None:
            assert data.reference.shape == (10_000, 2)
            assert data.total_variance == pytest.approx(np.sum(np.var(data.reference, axis=0)), rel=1e-12)
    moons = K.errors(replace(), 3, T=50, bandwidth=0.3, dataset="moons")["variance_ratio"]
    assert moons[0] == pytest.approx(49 / 50 + 2 * 0.09 / __import__("collapse_theory._kde_data", fromlist=["x"])
                                     .dataset("moons").total_variance)


@pytest.mark.parametrize("call", [
    lambda: K.errors(replace(), 5, T=1),
    lambda: K.errors(replace(), 5, bandwidth=0.0),
    lambda: K.errors(replace(), 5, dataset="spiral"),
    lambda: K.errors(replace(temperature=0.5), 5),
    lambda: K.errors(replace(), 5, bandwidth_rule="scott"),
    lambda: K.errors(replace(), 5, bandwidth_rule="cross-validation"),
    lambda: K.errors(accumulate_subsample(100), 5),
    lambda: S.simulate(accumulate_subsample(100), 3, key=jax.random.key(0), seeds=2),
])
def test_bad_input(call):
    with pytest.raises(CollapseTheoryError) as info:
        call()
    assert "\n" not in str(info.value)
    assert isinstance(info.value, (InvalidParameterError, NoClosedFormError))


# -- Monte Carlo ------------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("regime", [replace(), accumulate(), mix(0.3), window(3)], ids=lambda r: r.label)
def test_monte_carlo_agrees_with_theory_1d(regime):
    """Each regime compiles its own program (its pool size and schedule widths are static shapes); the held-out
    NLL rides along, checked finite."""
    result = S.simulate(regime, N, key=jax.random.key(1), seeds=2000, T=T, bandwidth=H, chunk=CHUNK)
    assert_result_agrees(result, K.errors(regime, N, T=T, bandwidth=H)["variance_ratio"], "variance_ratio",
                         regime.label)
    assert np.all(np.isfinite(result.mean["nll"]))


@pytest.mark.slow
def test_monte_carlo_agrees_with_theory_on_two_moons():
    result = S.simulate(accumulate(), N, key=jax.random.key(2), seeds=2000, T=T, bandwidth=H, dataset="moons",
                        chunk=CHUNK)
    theory = K.errors(accumulate(), N, T=T, bandwidth=H, dataset="moons")["variance_ratio"]
    assert_result_agrees(result, theory, "variance_ratio", "moons")


def test_held_out_nll_rises_under_replace_more_than_under_accumulate():
    kwargs = dict(key=jax.random.key(3), seeds=1000, T=T, bandwidth=H, chunk=CHUNK)
    rep, acc = S.simulate(replace(), N, **kwargs), S.simulate(accumulate(), N, **kwargs)
    assert rep.mean["nll"][0] == acc.mean["nll"][0]  # the same real data at iteration 1
    gap = rep.mean["nll"][-1] - acc.mean["nll"][-1]
    assert gap > 4 * math.hypot(rep.se["nll"][-1], acc.se["nll"][-1])


@pytest.mark.parametrize("regime", [replace(), accumulate(), window(3), mix(0.3), fresh_real(0.5, 1.0)],
                         ids=lambda r: r.label)
def test_per_source_sums_equal_scoring_every_live_point(regime):
    """At a fixed bandwidth the moments and the held-out NLL come from per-source sums; they equal the direct
    computation over every live point of the pool, to rounding, on the same draws."""
    out = {}
    for by_source in (True, False):
        fn, args, _, _ = S._prepare(regime, 6, T=20, bandwidth=0.4, dataset="moons", bandwidth_rule=None, nll=True,
                                    held_out=25, by_source=by_source)
        with draws():
            out[by_source] = jax.jit(jax.vmap(fn, in_axes=(0, None)))(jax.random.split(jax.random.key(8), 4), args)
    for metric in ("variance_ratio", "nll"):
        assert np.all(np.isfinite(out[True][metric]))
        np.testing.assert_allclose(out[True][metric], out[False][metric], rtol=1e-12, err_msg=metric)


@pytest.mark.slow
def test_scott_bandwidth_at_the_first_iteration():
    """Iteration 1, N(0, 1) truth: h_1 = s_1 T^(-1/5), so E variance_ratio_1 = ((T-1)/T)(1 + T^(-2/5)) exactly."""
    result = S.simulate(replace(), N, key=jax.random.key(4), seeds=2000, T=T, bandwidth=H, bandwidth_rule="scott",
                        nll=False, chunk=CHUNK)
    want = (T - 1) / T * (1 + T ** -0.4)
    assert_agrees(result.mean["variance_ratio"][:1], result.se["variance_ratio"][:1], want, what="Scott h_1")


@pytest.mark.slow
def test_snapshots_and_same_key_same_bits():
    snaps = S.snapshots(accumulate(), [1, 3], key=jax.random.key(5), T=T, bandwidth=H, dataset="circles")
    again = S.snapshots(accumulate(), [3, 1], key=jax.random.key(5), T=T, bandwidth=H, dataset="circles")
    assert set(snaps) == {1, 3} and snaps[1].shape == (T, 2)
    for i in snaps:
        np.testing.assert_array_equal(snaps[i], again[i])
    with pytest.raises(InvalidParameterError):
        S.snapshots(accumulate(), [], key=jax.random.key(5))
