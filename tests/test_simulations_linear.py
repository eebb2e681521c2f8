"""Monte Carlo of the linear-regression loop against the exact theory (docs/theory/formalism.md §1-2).

Every check is ``|mean - theory| <= 4 SE`` at every iteration, with a fixed key and a stated number of seeds;
the standard error is the sample standard deviation over seeds / sqrt(seeds).
"""

import jax
import numpy as np
import pytest

import collapse_theory as ct
from collapse_theory.coefficients import error_factors
from collapse_theory.linear_regression import kappa
from collapse_theory.linear_regression import test_error as theory_error
from simulations.linear_regression import simulate
from conftest import assert_agrees

KEY = jax.random.key(20240404)
Z_MAX = 4.0
#: One chunk size everywhere: each compiled function serves every test that shares its plan.
CHUNK = 500


def assert_within(mean, se, theory, what):
    assert_agrees(mean, se, theory, what=what, sigmas=Z_MAX)


#: Regimes with the one-step form and a single source share one compiled engine per d: the whole grid.
ONE_STEP = [ct.replace(), ct.accumulate(), ct.replace_multiple(), ct.mix(0.3), ct.accumulate(temperature=0.5),
            ct.replace(temperature=1.5)]
#: Regimes with their own engine shapes (a k-deep buffer, two sources): the d = 10 slice of the grid, to keep the
#: number of compilations (3 per shape) within the test-time budget.
#: window(5) is beyond the sympy closed forms: its exact expectation comes from the coefficient recursion.
OWN_SHAPES = [ct.window(5), ct.fresh_real(0.618, 1.0), ct.fresh_real(0.5, 2.0)]
GRID = [(d, T, s2) for d in (1, 10, 32) for T in (d + 3, 100, 1000) for s2 in (0.01, 1.0, 100.0)]


@pytest.mark.slow
@pytest.mark.parametrize("regime", ONE_STEP + OWN_SHAPES, ids=lambda r: r.label)
def test_theory_grid(regime):
    """Default fast engine (wishart sampling) on the d x T x sigma^2 grid, 1000 seeds, 6 iterations.

    At ``T = d + 3`` the error has infinite variance (the inverse-Wishart second moment needs ``T >= d + 4``), so
    a standard error means nothing there; the per-seed ratio ``error / (sigma^2 tr (X^T X)^{-1})``, whose mean
    is ``F_n`` exactly, has finite variance and is checked at every grid point.
    """
    grid = GRID if regime in ONE_STEP else [p for p in GRID if p[0] == 10]
    n, seeds = 6, 1000
    factors = error_factors(regime, n, exact=False)
    for i, (d, T, s2) in enumerate(grid):
        result = simulate(regime, n, key=jax.random.fold_in(KEY, i), seeds=seeds, d=d, T=T, sigma2=s2,
                          conditional=True, chunk=CHUNK)
        where = f"{regime.label}, d={d}, T={T}, sigma2={s2}"
        assert_within(result.mean["error_factor"], result.se["error_factor"], factors, where + ", error factor")
        if T >= d + 4:
            exact = (theory_error(regime, n, d=d, T=T, sigma2=s2) if regime.kind != "window"
                     else s2 * kappa(d=d, T=T) * factors)
            assert_within(result.mean["test_error"], result.se["test_error"], exact, where)


@pytest.mark.slow
@pytest.mark.parametrize("regime, sampling", [(ct.replace_multiple(), "labels"), (ct.fresh_real(0.6, 0.5), "projected")],
                         ids=lambda x: getattr(x, "label", x))
def test_theory_row_samplings(regime, sampling):
    """The modes that draw design rows, with a non-identity Sigma (the error is Sigma-invariant in expectation)."""
    d, T, n, s2 = 4, 12, 6, 2.0
    Sigma = np.diag([4.0, 1.0, 0.25, 1.0]) + 0.3
    result = simulate(regime, n, key=KEY, seeds=2000, d=d, T=T, sigma2=s2, sampling=sampling, Sigma=Sigma,
                      chunk=CHUNK)
    assert_within(result.mean["test_error"], result.se["test_error"], theory_error(regime, n, d=d, T=T, sigma2=s2),
                  f"{regime.label}, {sampling}")


@pytest.mark.slow
def test_replace_growth_rate_is_sigma2_kappa():
    """Per-seed least-squares slope of error against n; its mean is sigma^2 kappa (E error = sigma^2 kappa n)."""
    d, T, n, s2 = 10, 100, 40, 3.0
    result = simulate(ct.replace(), n, key=KEY, seeds=2000, d=d, T=T, sigma2=s2, keep_values=True, chunk=CHUNK)
    iters = np.arange(1, n + 1, dtype=np.float64)
    centred = iters - iters.mean()
    slopes = result.values["test_error"] @ centred / (centred @ centred)           # (seeds,)
    se = slopes.std(ddof=1) / np.sqrt(slopes.size)
    assert_within(slopes.mean(), se, s2 * kappa(d=d, T=T), "replace slope")


def test_accumulate_plateau_below_pi2_over_6():
    """Accumulate at n = 40 matches sigma^2 kappa sum 1/i^2 < sigma^2 kappa pi^2/6, and hardly moves after n = 20."""
    d, T, n, s2 = 10, 100, 40, 1.0
    result = simulate(ct.accumulate(), n, key=KEY, seeds=2000, d=d, T=T, sigma2=s2, keep_values=True, chunk=CHUNK)
    theory = theory_error(ct.accumulate(), n, d=d, T=T, sigma2=s2)
    limit = s2 * kappa(d=d, T=T) * np.pi**2 / 6
    assert theory[-1] < limit
    assert_within(result.mean["test_error"], result.se["test_error"], theory, "accumulate")
    assert result.mean["test_error"][-1] + Z_MAX * result.se["test_error"][-1] > theory[-1]
    growth = result.values["test_error"][:, -1] - result.values["test_error"][:, 19]
    assert_within(growth.mean(), growth.std(ddof=1) / np.sqrt(growth.size), theory[-1] - theory[19],
                  "accumulate growth from n = 20 to 40 (paired by seed)")


@pytest.mark.slow
def test_test_mse_agrees_with_test_error():
    """The held-out MSE on noiseless test points has the same mean as the exact Sigma-norm error."""
    d, T, n = 3, 10, 5
    Sigma = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
    result = simulate(ct.mix(0.5), n, key=KEY, seeds=2000, d=d, T=T, Sigma=Sigma, sampling="labels",
                      test_points=200, keep_values=True, chunk=CHUNK)
    diff = result.values["test_mse"] - result.values["test_error"]
    assert_within(diff.mean(axis=0), diff.std(axis=0, ddof=1) / np.sqrt(diff.shape[0]), np.zeros(n), "mse - error")
    theory = theory_error(ct.mix(0.5), n, d=d, T=T)
    assert_within(result.mean["test_mse"], result.se["test_mse"], theory, "test_mse")


@pytest.mark.slow
@pytest.mark.parametrize("sampling", ["wishart", "labels"])
def test_fresh_design(sampling):
    """A new design each iteration: replace is still sigma^2 kappa n; accumulate stays at or below the fixed-design
    curve sigma^2 kappa sum 1/i^2 and bounded by its limit."""
    d, T, n = 5, 20, 10
    rep = simulate(ct.replace(), n, key=KEY, seeds=2000, d=d, T=T, fresh_design=True, sampling=sampling,
                   chunk=CHUNK)
    assert_within(rep.mean["test_error"], rep.se["test_error"], theory_error(ct.replace(), n, d=d, T=T),
                  f"fresh-design replace ({sampling})")
    acc = simulate(ct.accumulate(), n, key=KEY, seeds=4000, d=d, T=T, fresh_design=True, sampling=sampling,
                   chunk=CHUNK)
    fixed = theory_error(ct.accumulate(), n, d=d, T=T)
    mean, se = acc.mean["test_error"], acc.se["test_error"]
    assert abs(mean[0] - fixed[0]) <= Z_MAX * se[0]  # iteration 1 is the same fit
    assert np.all(mean <= fixed + Z_MAX * se)
    assert mean[-1] + Z_MAX * se[-1] < fixed[-1], "fresh designs should lower accumulate's error"


@pytest.mark.slow
def test_subsample_bounded_and_above_accumulate():
    """accumulate-subsample with a budget of T rows: above accumulate, far below replace, and levelling off."""
    d, T, n = 5, 20, 30
    result = simulate(ct.accumulate_subsample(T), n, key=KEY, seeds=2000, d=d, T=T, keep_values=True, chunk=CHUNK)
    mean, se = result.mean["test_error"], result.se["test_error"]
    acc = theory_error(ct.accumulate(), n, d=d, T=T)
    rep = theory_error(ct.replace(), n, d=d, T=T)
    assert_within(mean[0], se[0], acc[0], "iteration 1 fits all T real rows")
    assert np.all(mean[4:] - Z_MAX * se[4:] > acc[4:]), "subsample should lie above accumulate"
    assert mean[-1] + Z_MAX * se[-1] < rep[-1] / 3, "subsample should stay far below replace"
    late = result.values["test_error"][:, -1] - result.values["test_error"][:, n // 2 - 1]
    assert late.mean() < (mean[n // 2 - 1]) / 2, "the error should level off, not keep growing linearly"
