"""Ridge, fixed design and the over-parameterised regime: exact conditional errors against Monte Carlo."""

import jax
import numpy as np
import pytest

import collapse_theory as ct
from collapse_theory import coefficients, fresh_design, linear_regression, ridge
from simulations import ridge as simulation
from conftest import assert_agrees

RNG = np.random.default_rng(2024)
X = RNG.standard_normal((20, 5))
W_STAR = RNG.standard_normal(5)


def assert_within_4se(result, theory, label):
    assert_agrees(result.mean["test_error"], result.se["test_error"], theory, what=label)


@pytest.mark.parametrize("regime", [ct.accumulate(), ct.replace(temperature=0.5), ct.fresh_real(0.6, 2.0),
                                    ct.window(3)], ids=lambda r: r.label)
def test_least_squares_is_the_paper_formula_given_X(regime):
    out = ridge.fixed_design_error(regime, 7, X=X, w_star=W_STAR, sigma2=1.5)
    expected = 1.5 * linear_regression.kappa_given_design(X) * coefficients.error_factors(regime, 7, exact=False)
    np.testing.assert_allclose(out["test_error"], expected, rtol=1e-10)
    assert np.max(out["bias"]) < 1e-20


@pytest.mark.slow
@pytest.mark.parametrize("regime", [ct.replace(), ct.accumulate(), ct.window(3, temperature=0.7), ct.mix(0.3)],
                         ids=lambda r: r.label)
@pytest.mark.parametrize("lam", [0.0, 5.0])
def test_ridge_matches_monte_carlo(regime, lam):
    theory = ridge.fixed_design_error(regime, 10, X=X, w_star=W_STAR, sigma2=2.0, ridge=lam)["test_error"]
    result = simulation.simulate(regime, 10, key=jax.random.key(5), seeds=4000, X=X, w_star=W_STAR, sigma2=2.0,
                                 ridge=lam)
    assert_within_4se(result, theory, f"{regime.label}, lam={lam}")


def test_ridge_fresh_real_matches_monte_carlo():
    regime = ct.fresh_real(0.6, 2.0)
    theory = ridge.fixed_design_error(regime, 10, X=X, w_star=W_STAR, ridge=3.0)["test_error"]
    result = simulation.simulate(regime, 10, key=jax.random.key(6), seeds=4000, X=X, w_star=W_STAR, ridge=3.0)
    assert_within_4se(result, theory, "fresh-real, lam=3")


def test_minimum_norm_interpolator_matches_monte_carlo():
    rng = np.random.default_rng(7)
    X_wide, w_wide = rng.standard_normal((3, 5)), rng.standard_normal(5)  # T = 3 < d = 5
    out = ridge.fixed_design_error(ct.accumulate(), 10, X=X_wide, w_star=w_wide)
    null = w_wide - np.linalg.pinv(X_wide) @ (X_wide @ w_wide)
    np.testing.assert_allclose(out["bias"], np.sum(null**2), rtol=1e-9)  # constant: the null space is never seen
    result = simulation.simulate(ct.accumulate(), 10, key=jax.random.key(8), seeds=4000, X=X_wide, w_star=w_wide)
    assert_within_4se(result, out["test_error"], "minimum norm, T < d")


def test_overparameterised_expectation_over_gaussian_designs():
    # Average the exact conditional error over 4000 Gaussian designs (d = 12, T = 6): the closed form is within 4 SE.
    d, T, n, draws = 12, 6, 4, 4000
    rng = np.random.default_rng(9)
    w = rng.standard_normal(d)
    values = np.array([ridge.fixed_design_error(ct.replace(), n, X=rng.standard_normal((T, d)), w_star=w)["test_error"]
                       for _ in range(draws)])
    theory = ridge.overparameterised_error(ct.replace(), n, d=d, T=T, w_norm2=float(w @ w))
    mean, se = values.mean(0), values.std(0, ddof=1) / np.sqrt(draws)
    assert_agrees(mean, se, theory, what="overparameterised replace over Gaussian designs")
    with pytest.raises(ct.InvalidParameterError, match="d >= T \\+ 2"):
        ridge.overparameterised_error(ct.replace(), n, d=7, T=6, w_norm2=1.0)


def test_ridge_trades_variance_for_bias_and_stops_replace_diverging():
    lams = [0.0, 0.5, 2.0, 8.0]
    outs = [ridge.fixed_design_error(ct.accumulate(), 5, X=X, w_star=W_STAR, ridge=lam) for lam in lams]
    assert np.all(np.diff([o["variance"][-1] for o in outs]) < 0)
    assert np.all(np.diff([o["bias"][-1] for o in outs]) > 0)
    long = ridge.fixed_design_error(ct.replace(), 400, X=X, w_star=W_STAR, ridge=5.0)["test_error"]
    assert long[-1] == pytest.approx(ridge.replace_ridge_limit(X=X, w_star=W_STAR, ridge=5.0), rel=1e-9)


@pytest.mark.slow
def test_fresh_design_accumulate_matches_the_shared_engine():
    from simulations import linear_regression as engine

    regime = ct.accumulate(temperature=0.5)
    theory = fresh_design.fresh_design_error(regime, 12, d=4, T=8)
    result = engine.simulate(regime, 12, key=jax.random.key(3), seeds=8000, d=4, T=8, fresh_design=True)
    assert_within_4se(result, theory, "accumulate, fresh design")
    fixed = linear_regression.test_error(regime, 12, d=4, T=8)
    assert np.all(theory[1:] < fixed[1:]) and theory[0] == pytest.approx(fixed[0])


def test_fresh_design_limit():
    for regime, d, T in [(ct.accumulate(), 10, 100), (ct.accumulate(temperature=0.5), 3, 6)]:
        far = fresh_design.fresh_design_error(regime, 200_000, d=d, T=T)[-1]
        # The tail beyond N is about tau^2 d/(T N).
        tail = regime.temperature**2 * d / (T * 200_000)
        assert fresh_design.fresh_design_limit(regime, d=d, T=T) == pytest.approx(far + tail, rel=1e-6)
    assert fresh_design.fresh_design_limit(ct.replace(), d=3, T=6) == float("inf")
