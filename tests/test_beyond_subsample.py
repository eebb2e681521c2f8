"""Accumulate-subsample: the exact Gaussian-mean recursion and the linear-regression bounds against Monte Carlo."""

import jax
import numpy as np
import pytest

import collapse_theory as ct
from collapse_theory import coefficients, subsample
from simulations import linear_regression as engine
from simulations import subsample as sim
from simulations.testing import assert_agrees


def assert_within_4se(result, theory, metric, label):
    assert_agrees(result.mean[metric], result.se[metric], theory, what=label)


def test_pool_within_budget_is_accumulate():
    # While nT <= B the subset is the whole pool: accumulate's sum_i v_i c_{ni}^2 exactly.
    for tau in (1.0, 0.5):
        regime = ct.accumulate_subsample(10_000, temperature=tau)
        expected = coefficients.error_factors(ct.accumulate(temperature=tau), 20, exact=False)
        np.testing.assert_allclose(subsample.factors(regime, 20, T=7), expected, rtol=1e-12)


def test_first_iteration_subsamples_real_data():
    # b_1 = B < T real points: the mean of B i.i.d. points, error sigma^2 d / B.
    values = subsample.gaussian_mean_error(ct.accumulate_subsample(4), 3, d=3, T=10, sigma2=2.0)
    assert values[0] == pytest.approx(2.0 * 3 / 4, rel=1e-14)


def test_bounded_between_accumulate_and_replace_and_limit():
    regime = ct.accumulate_subsample(100)
    f = subsample.factors(regime, 400, T=100)
    assert np.all(np.diff(f) > 0)
    assert np.all(f >= coefficients.error_factors(ct.accumulate(), 400, exact=False) - 1e-12)
    limit = subsample.limit_factor(regime, T=100)
    assert f[-1] < limit < 3 * np.pi**2 / 6
    # Richardson estimate agrees with the recursion run 16x further, extrapolated once more.
    far = subsample.factors(regime, 65536, T=100)
    assert limit == pytest.approx(2 * far[-1] - far[32767], rel=1e-5)


def test_linear_in_sigma2_and_d():
    regime = ct.accumulate_subsample(30)
    a = subsample.gaussian_mean_error(regime, 10, d=1, T=20, sigma2=1.0)
    b = subsample.gaussian_mean_error(regime, 10, d=4, T=20, sigma2=2.5)
    np.testing.assert_allclose(b, 10.0 * a, rtol=1e-13)


def test_invalid_input():
    with pytest.raises(ct.InvalidParameterError, match="accumulate-subsample"):
        subsample.factors(ct.accumulate(), 5, T=10)
    with pytest.raises(ct.InvalidParameterError, match="B >= d \\+ 2"):
        subsample.linear_approximation(ct.accumulate_subsample(5), 5, d=10, T=100)


@pytest.mark.parametrize("T, B, tau, n, seeds", [(100, 100, 1.0, 100, 512), (10, 25, 0.7, 30, 1024),
                                                 (20, 7, 1.0, 30, 1024)])
def test_gaussian_mean_matches_monte_carlo(T, B, tau, n, seeds):
    # d = 1: E ||mu_n - mu||^2 is d times the one-coordinate value (tested above), the subsets being shared.
    regime = ct.accumulate_subsample(B, temperature=tau)
    theory = subsample.gaussian_mean_error(regime, n, d=1, T=T, sigma2=1.0)
    result = sim.simulate_gaussian_mean(regime, n, key=jax.random.key(20241), seeds=seeds, d=1, T=T, chunk=1024)
    assert_within_4se(result, theory, "mean_error", f"T={T} B={B} tau={tau}")


def test_linear_regression_bounds_against_the_shared_engine():
    # d = 10, T = B = 100, n = 1..50 on simulations.linear_regression: the proven lower bound holds (within 4 SE)
    # at every iteration and is exact at n = 1.  The approximation is not asserted: it is not exact once nT > B.
    regime = ct.accumulate_subsample(100)
    n = 50
    result = engine.simulate(regime, n, key=jax.random.key(7), seeds=128, d=10, T=100)
    lower = subsample.linear_lower_bound(regime, n, d=10, T=100)
    mean, se = result.mean["test_error"], result.se["test_error"]
    assert np.all(mean >= lower - 4 * se), "Monte Carlo below the proven lower bound"
    z1 = (mean[0] - lower[0]) / se[0]
    assert abs(z1) <= 4, f"n=1: expected {lower[0]:.6g}, actual {mean[0]:.6g}, SE {se[0]:.3g}, z {z1:.2f}"


def test_cli_error_and_limit(capsys):
    import json

    from collapse_theory import cli

    assert cli.main(["error", "--regime", "accumulate-subsample", "--budget", "100", "--n", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    regime = ct.accumulate_subsample(100)
    np.testing.assert_allclose(out["metrics"]["test_error"], subsample.linear_approximation(regime, 5, d=10, T=100))
    np.testing.assert_allclose(out["metrics"]["test_error_lower_bound"],
                               subsample.linear_lower_bound(regime, 5, d=10, T=100))
    assert cli.main(["limit", "--regime", "accumulate-subsample", "--budget", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["test_error"] == pytest.approx(10 / 89 * subsample.limit_factor(regime, T=100))
