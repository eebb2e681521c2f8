"""Semi-analytic accumulate-subsample (label noise integrated out) against the literal pool simulation and the
exact values, for B < T, B = T and B > T at d = 10, T = 100."""

import jax
import numpy as np
import pytest

import collapse_theory as ct
from collapse_theory import linear_regression as theory
from collapse_theory.errors import InvalidParameterError
from simulations import linear_regression as literal
from simulations import subsample_semi as semi
from conftest import assert_agrees

D, T = 10, 100


def _agree(B, n, literal_seeds, semi_seeds, *, design="orthonormal", tau=1.0, key=0):
    regime = ct.accumulate_subsample(B, temperature=tau)
    # One chunk of exactly literal_seeds: the default power-of-two chunk would pad 300 seeds to 512.
    plain = literal.simulate(regime, n, key=jax.random.key(100 + key), seeds=literal_seeds, d=D, T=T,
                             chunk=literal_seeds)
    mean, se = semi.estimate(regime, n, d=D, T=T, seeds=semi_seeds, key=jax.random.key(200 + key), design=design)
    difference = plain.mean["test_error"] - mean
    assert_agrees(difference, np.hypot(plain.se["test_error"], se), 0.0, what=f"B={B} {design} tau={tau}")
    return mean, se


# One shape per budget (n = 10, 100 subset draws): the exact checks below reuse these compilations.
N, SEMI_SEEDS = 10, 100


@pytest.mark.slow
@pytest.mark.parametrize("B", [30, 100, 300])
def test_agrees_with_literal_simulation(B):
    # The literal engine draws every label; the semi-analytic one only the subsets (and U).
    _agree(B, N, 300, SEMI_SEEDS)


@pytest.mark.slow
def test_agrees_with_literal_simulation_longer():
    # Twice the horizon at the budget of the paper's setting (B = T); the three budgets are checked above.
    _agree(100, 20, 1000, 300, key=1)


@pytest.mark.slow
def test_gaussian_design_and_temperature_agree_with_literal():
    # Without the U R factorisation the design is drawn too; at tau = 0.5 the synthetic labels are quieter.  The
    # temperature is traced: the literal run is the B = 100 program above.
    _agree(100, N, 300, SEMI_SEEDS, design="gaussian", tau=0.5, key=2)


def test_whole_pool_is_exactly_accumulate():
    # nT <= B (n <= 3 at B = 300): every subset is the whole pool, and U^T U = I makes every seed's value
    # accumulate's; the first iteration is exact for any B >= T.
    regime = ct.accumulate_subsample(300, temperature=0.5)
    mean, se = semi.estimate(regime, N, d=D, T=T, sigma2=2.0, seeds=SEMI_SEEDS, key=jax.random.key(0))
    expected = np.asarray(theory.test_error(ct.accumulate(temperature=0.5), 3, d=D, T=T, sigma2=2.0), float)
    np.testing.assert_allclose(mean[:3], expected, rtol=1e-12)
    np.testing.assert_allclose(se[:3], 0.0, atol=1e-12 * expected.max())
    assert np.all(se[3:] > 0)
    mean, se = semi.estimate(ct.accumulate_subsample(100), N, d=D, T=T, seeds=SEMI_SEEDS, key=jax.random.key(1))
    assert mean[0] == pytest.approx(D / (T - D - 1), rel=1e-12) and se[0] < 1e-12 * mean[0]


def test_first_iteration_with_small_budget_is_wishart():
    # n = 1, B < T: B rows of real data, E = sigma^2 d / (B - d - 1) exactly; the estimate varies only with U.
    mean, se = semi.estimate(ct.accumulate_subsample(30), N, d=D, T=T, seeds=SEMI_SEEDS, key=jax.random.key(3))
    assert_agrees(mean[0], se[0], D / (30 - D - 1), what="n=1 B=30")
    assert se[0] > 0


def test_sigma2_scales_exactly():
    regime = ct.accumulate_subsample(30)
    one = semi.simulate(regime, N, key=jax.random.key(4), seeds=SEMI_SEEDS, d=D, T=T)
    five = semi.simulate(regime, N, key=jax.random.key(4), seeds=SEMI_SEEDS, d=D, T=T, sigma2=5.0)
    np.testing.assert_allclose(five.mean["test_error"], 5.0 * one.mean["test_error"], rtol=1e-14)
    np.testing.assert_allclose(five.se["test_error"], 5.0 * one.se["test_error"], rtol=1e-14)


@pytest.mark.slow
def test_float32_agrees_in_distribution():
    # The float64 run is the shape of the checks above (only the float32 program is compiled here).
    regime = ct.accumulate_subsample(30)
    double = semi.simulate(regime, N, key=jax.random.key(4), seeds=SEMI_SEEDS, d=D, T=T)
    single = semi.simulate(regime, N, key=jax.random.key(4), seeds=SEMI_SEEDS, d=D, T=T, dtype="float32")
    assert single.config["dtype"] == "float32"
    # float32 draws other bits: the two estimates agree in distribution only
    assert_agrees(single.mean["test_error"] - double.mean["test_error"],
                  np.hypot(single.se["test_error"], double.se["test_error"]), 0.0, what="float32")


@pytest.mark.parametrize("call", [
    lambda: semi.estimate(ct.accumulate(), 3, d=D, T=T, seeds=4, key=jax.random.key(0)),
    lambda: semi.estimate(ct.accumulate_subsample(11), 3, d=D, T=T, seeds=4, key=jax.random.key(0)),
    lambda: semi.estimate(ct.accumulate_subsample(40), 3, d=D, T=T, seeds=0, key=jax.random.key(0)),
    lambda: semi.estimate(ct.accumulate_subsample(40), 3, d=D, T=T, seeds=4, key=jax.random.key(0), design="x"),
    lambda: semi.estimate(ct.accumulate_subsample(40), 3, d=D, T=T, seeds=4, key=jax.random.key(0), dtype="f16"),
])
def test_bad_input_is_refused(call):
    with pytest.raises(InvalidParameterError):
        call()


@pytest.mark.parametrize("B", [30, 100, 300])
def test_measured_gaps_hold_and_approximation_is_exact_where_stated(B):
    from collapse_theory import subsample_linear as linear

    regime = ct.accumulate_subsample(B)
    approximation = linear.linear_approximation(regime, N, d=D, T=T)
    assert np.all(approximation >= linear.linear_lower_bound(regime, N, d=D, T=T))
    assert approximation[0] == pytest.approx(D / (min(B, T) - D - 1), rel=1e-12)
    whole = B // T  # nT <= B: accumulate's value exactly
    accumulated = np.asarray(theory.test_error(ct.accumulate(), N, d=D, T=T), float)
    np.testing.assert_allclose(approximation[:whole], accumulated[:whole], rtol=1e-12)
    # The gaps the note quotes, re-measured on other subset draws: within 4 SE of the stated range.
    mean, se = semi.estimate(regime, N, d=D, T=T, seeds=SEMI_SEEDS, key=jax.random.key(6))
    low, high = linear.MEASURED_GAPS[(D, T, B, 1.0)]
    gap, tolerance = approximation / mean - 1, 4 * approximation * se / mean**2 + 1e-12
    assert np.all(gap >= low - tolerance) and np.all(gap <= high + tolerance), (gap, tolerance)
    text = linear.note(regime, d=D, T=T, sigma2=1.0)
    assert (f"n <= {whole}" if whole >= 2 else "exact at n = 1") in text and f"{100 * low:+.1f}%" in text
