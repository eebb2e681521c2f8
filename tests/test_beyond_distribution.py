"""Exact error distributions: weighted chi-squares given X, Fisher's F over X, coverage of the 90% band."""

import jax
import numpy as np
import pytest
from scipy import stats

import collapse_theory as ct
from collapse_theory import coefficients, distribution
from conftest import assert_agrees
from simulations import linear_regression as simulation


@pytest.mark.parametrize("k", [1, 2, 3, 10])
def test_equal_weights_are_a_chi_square(k):
    a = np.full(k, 0.7)
    for p in (1e-3, 0.05, 0.5, 0.95, 0.999):
        x = 0.7 * stats.chi2.ppf(p, k)
        assert distribution.weighted_chi2_cdf(x, a) == pytest.approx(p, abs=1e-9)


@pytest.mark.parametrize("a", [[1.0, 3.0], [1.0, 3.0, 0.5], [0.2, 0.5, 1.0, 2.0, 4.0]])
def test_unequal_weights_against_sampling(a):
    # Two weights take the one-integral branch, three and more Imhof's integral.
    a = np.asarray(a)
    rng = np.random.default_rng(len(a))
    q = (rng.standard_normal((400_000, a.size)) ** 2 * a).sum(1)
    for x in np.quantile(q, [0.05, 0.5, 0.95]):
        p_hat = np.mean(q <= x)
        se = np.sqrt(p_hat * (1 - p_hat) / q.size)
        p = distribution.weighted_chi2_cdf(x, a)
        assert_agrees(p_hat, se, p, what=f"weights {a.tolist()} at {x:.4g}")


def test_unconditional_mean_is_kappa_and_quantiles_invert_the_cdf():
    d, T, sigma2 = 10, 30, 2.0
    regime = ct.accumulate()
    f = coefficients.error_factors(regime, 4, exact=False)
    mean = sigma2 * f * d / (T - d + 1) * stats.f.mean(d, T - d + 1)
    np.testing.assert_allclose(mean, ct.linear_regression.test_error(regime, 4, d=d, T=T, sigma2=sigma2), rtol=1e-12)
    q = distribution.quantiles(regime, 4, [0.05, 0.5, 0.95], d=d, T=T, sigma2=sigma2)
    np.testing.assert_allclose(distribution.cdf(q[:, -1], regime, 4, d=d, T=T, sigma2=sigma2), [0.05, 0.5, 0.95],
                               rtol=1e-10)


def test_conditional_band_covers_90_percent_given_X():
    # Replace with a fixed X, run literally: w_n = X^+ (X w_{n-1} + E_n).  10^4 runs, iterations 1..5.
    rng = np.random.default_rng(11)
    d, T, n, runs = 6, 12, 5, 10_000
    X = rng.standard_normal((T, d))
    pinv = np.linalg.pinv(X)
    w = np.zeros((runs, d))
    errors = np.empty((runs, n))
    for i in range(n):
        w = (w @ X.T + rng.standard_normal((runs, T))) @ pinv.T
        errors[:, i] = np.sum(w**2, axis=1)
    lo, hi = distribution.conditional_quantiles(ct.replace(), n, [0.05, 0.95], X=X)
    covered = np.mean((errors >= lo) & (errors <= hi), axis=0)
    assert_agrees(covered, np.sqrt(0.9 * 0.1 / runs), 0.9, what="conditional 90% band coverage")


@pytest.mark.slow
def test_unconditional_band_covers_90_percent_over_seeds():
    # The shared Monte Carlo engine, accumulate, 10^4 seeds (X redrawn per seed), d = 10, T = 20.
    d, T, n, seeds = 10, 20, 8, 10_000
    regime = ct.accumulate()
    result = simulation.simulate(regime, n, key=jax.random.key(90), seeds=seeds, d=d, T=T, keep_values=True)
    values = result.values["test_error"]
    lo, hi = distribution.quantiles(regime, n, [0.05, 0.95], d=d, T=T)
    covered = np.mean((values >= lo) & (values <= hi), axis=0)
    assert_agrees(covered, np.sqrt(0.9 * 0.1 / seeds), 0.9, what="unconditional 90% band coverage")


def test_bad_input():
    with pytest.raises(ct.InvalidParameterError, match="strictly between 0 and 1"):
        distribution.quantiles(ct.replace(), 3, [0.5, 1.0], d=2, T=10)
    with pytest.raises(ct.InvalidParameterError, match="T >= d"):
        distribution.quantiles(ct.replace(), 3, [0.5], d=10, T=5)
    with pytest.raises(ct.NoClosedFormError):
        distribution.quantiles(ct.accumulate_subsample(50), 3, [0.5], d=2, T=10)


def test_cli_quantiles(capsys):
    import json

    from collapse_theory import cli

    argv = ["error", "--regime", "replace", "--d", "4", "--T", "9", "--n", "3", "--quantiles", "0.05,0.5,0.95",
            "--json"]
    assert cli.main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    expected = distribution.quantiles(ct.replace(), 3, [0.05, 0.5, 0.95], d=4, T=9)
    for level, row in zip(("0.05", "0.5", "0.95"), expected):
        np.testing.assert_allclose(out["metrics"]["test_error_quantiles"][level], row, rtol=1e-12)
    assert cli.main(argv[:-3] + ["0,0.5", "--json"]) == 2
    assert capsys.readouterr().err.startswith("error:")
