"""Accumulate-subsample: the exact Gaussian-mean recursion and the linear-regression bounds against Monte Carlo."""

import jax
import numpy as np
import pytest

import collapse_theory as ct
from collapse_theory import coefficients, subsample, subsample_linear
from simulations import linear_regression as engine
from simulations import subsample as sim
from conftest import assert_above, assert_agrees


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
        subsample_linear.linear_approximation(ct.accumulate_subsample(5), 5, d=10, T=100)


@pytest.mark.slow
@pytest.mark.parametrize("d, T, B, tau, n, seeds", [(10, 100, 100, 1.0, 100, 256), (1, 10, 25, 0.7, 30, 1024),
                                                    (1, 20, 7, 1.0, 30, 1024)])
def test_gaussian_mean_matches_monte_carlo(d, T, B, tau, n, seeds):
    # The grid point d = 10, T = B = 100, n = 1..100, and two small ones with d = 1 (E ||mu_n - mu||^2 is
    # d times the one-coordinate value, tested above).
    regime = ct.accumulate_subsample(B, temperature=tau)
    theory = subsample.gaussian_mean_error(regime, n, d=d, T=T, sigma2=1.0)
    result = sim.simulate_gaussian_mean(regime, n, key=jax.random.key(20241), seeds=seeds, d=d, T=T)
    assert_within_4se(result, theory, "mean_error", f"T={T} B={B} tau={tau}")


@pytest.mark.slow
# The temperature is traced: both B = 100 cases run one compiled program (n = 100).
@pytest.mark.parametrize("B, tau, n, seeds", [(100, 1.0, 100, 256), (100, 0.5, 100, 256), (300, 1.0, 8, 1024)])
def test_linear_regression_lower_bound_against_the_shared_engine(B, tau, n, seeds):
    # d = 10, T = 100 on simulations.linear_regression: the proven lower bound holds (within 4 SE) at every
    # iteration and is the exact value at n = 1 and while nT <= B.  The approximation is not asserted: it is
    # not exact once nT > B.
    regime = ct.accumulate_subsample(B, temperature=tau)
    result = engine.simulate(regime, n, key=jax.random.key(7), seeds=seeds, d=10, T=100)
    lower = subsample_linear.linear_lower_bound(regime, n, d=10, T=100)
    mean, se = result.mean["test_error"], result.se["test_error"]
    assert_above(mean, se, lower, what=f"B={B}: proven lower bound")
    exact = (np.arange(1, n + 1) * 100 <= B) | (np.arange(1, n + 1) == 1)
    assert_agrees(mean[exact], se[exact], lower[exact], what=f"B={B}: exact iterations")


def test_lower_bound_is_at_least_accumulate_and_exact_within_the_budget():
    for tau in (1.0, 0.5):
        accumulate = ct.linear_regression.test_error(ct.accumulate(temperature=tau), 60, d=10, T=100)
        bound = subsample_linear.linear_lower_bound(ct.accumulate_subsample(100, temperature=tau), 60, d=10, T=100)
        assert np.all(bound >= accumulate * (1 - 1e-12))
        # n = 2: the newest generation's T/(nB) = 1/2 replaces accumulate's 1/4.
        assert bound[1] == pytest.approx(10 / 89 * (1 + tau**2 / 2), rel=1e-12)
        roomy = subsample_linear.linear_lower_bound(ct.accumulate_subsample(350, temperature=tau), 6, d=10, T=100)
        np.testing.assert_allclose(roomy[:3], accumulate[:3], rtol=1e-12)
    limit = subsample_linear.limits(ct.accumulate_subsample(100, temperature=0.5), d=10, T=100)["test_error_lower_bound"]
    assert limit == pytest.approx(ct.linear_regression.limit(ct.accumulate(temperature=0.5), d=10, T=100), rel=1e-12)


@pytest.mark.slow
def test_orthonormal_design_factorises_the_error():
    # E_test = E ||delta_U||^2 / (T - d - 1): two independent runs, Gaussian and orthonormal design, agree within
    # the standard error of their difference.
    regime = ct.accumulate_subsample(30)
    d, T, n = 5, 20, 30
    gauss = engine.simulate(regime, n, key=jax.random.key(11), seeds=4000, d=d, T=T)
    ortho = engine.simulate(regime, n, key=jax.random.key(12), seeds=4000, d=d, T=T, design="orthonormal")
    c = T - d - 1
    diff = ortho.mean["test_error"] - c * gauss.mean["test_error"]
    se = np.hypot(ortho.se["test_error"], c * gauss.se["test_error"])
    assert_agrees(diff, se, 0.0, what="orthonormal - (T-d-1) gaussian")


@pytest.mark.slow
@pytest.mark.parametrize("sampling", ["wishart", "labels"])
def test_orthonormal_design_gives_sigma2_d_F_n(sampling):
    # With U^T U = I every paper regime's error is sigma^2 d F_n: the factorisation without the kappa factor.
    d, T = 6, 30
    for regime in (ct.accumulate(), ct.window(2)):
        result = engine.simulate(regime, 8, key=jax.random.key(3), seeds=2000, d=d, T=T, sigma2=2.0,
                                 design="orthonormal", sampling=sampling)
        theory = np.asarray(ct.linear_regression.test_error(regime, 8, d=d, T=T, sigma2=2.0)) * (T - d - 1)
        assert_within_4se(result, theory, "test_error", f"{regime.label} {sampling}")


def test_design_option_is_validated():
    with pytest.raises(ct.InvalidParameterError, match="design must be one of gaussian, orthonormal"):
        engine.simulate(ct.accumulate(), 2, key=jax.random.key(0), seeds=2, d=2, T=5, design="haar")
    with pytest.raises(ct.InvalidParameterError, match="orthonormal"):
        engine.simulate(ct.accumulate(), 2, key=jax.random.key(0), seeds=2, d=2, T=5, design="orthonormal",
                        Sigma=np.eye(2))


def test_cli_error_and_limit(capsys):
    import json

    from collapse_theory import cli

    assert cli.main(["error", "--regime", "accumulate-subsample", "--budget", "100", "--n", "5", "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert captured.err.startswith("note:") and "approximation" in captured.err and "proven" in captured.err
    regime = ct.accumulate_subsample(100)
    np.testing.assert_allclose(out["metrics"]["test_error"], subsample_linear.linear_approximation(regime, 5, d=10, T=100))
    np.testing.assert_allclose(out["metrics"]["test_error_lower_bound"],
                               subsample_linear.linear_lower_bound(regime, 5, d=10, T=100))
    assert cli.main(["limit", "--regime", "accumulate-subsample", "--budget", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["test_error"] == pytest.approx(
        subsample_linear.linear_limit_approximation(regime, d=10, T=100))
