"""The Gaussian-mean family: accumulate-subsample's large-population closed form against its recursion."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import collapse_theory as ct
from collapse_theory import gaussian_mean, subsample


def _large_T_recursion(n_max: int, tau2):
    """The B = T, T -> oo recursion written out (F, U, p), in the arithmetic of ``tau2`` (Fraction or float)."""
    U = p = tau2 * 0
    out = []
    for n in range(1, n_max + 1):
        F = (1 + (n - 1) * tau2) / n + 2 * U / n**2 + p / n**2
        U, p = U * (n + 1) / n + (1 + (n - 1) * tau2) / n, p + 2 * (U / n + p / n) + F
        out.append(F)
    return out


@pytest.mark.parametrize("tau", [Fraction(1), Fraction(1, 2), Fraction(0), Fraction(3, 2)])
def test_closed_form_equals_the_large_population_recursion_exactly(tau):
    closed = subsample.large_population_factor(symbolic=False, temperature=float(tau))
    for n, value in enumerate(_large_T_recursion(12, tau * tau), start=1):
        assert sp.simplify(closed.subs(subsample._n, n) - sp.Rational(value.numerator, value.denominator)) == 0


def test_at_temperature_one_the_factor_is_three_H2_minus_two_and_its_limit():
    n = subsample._n
    closed = subsample.large_population_factor(symbolic=False, temperature=1.0)
    assert sp.simplify(closed - (3 * sp.harmonic(n, 2) - 2)) == 0
    assert sp.simplify(subsample.large_population_limit(symbolic=False) - (sp.pi**2 / 2 - 2)) == 0
    # The recursion itself, far out, Richardson-extrapolated (F_n = F_oo + a/n + O(log n / n^2)):
    for tau in (1.0, 0.5, 0.0):
        values = _large_T_recursion(200_000, tau * tau)
        extrapolated = 2 * values[-1] - values[99_999]
        exact = float(subsample.large_population_limit(symbolic=False, temperature=tau))
        assert abs(extrapolated - exact) < 1e-7, (tau, extrapolated, exact)


def test_the_finite_population_recursion_approaches_the_closed_form_like_one_over_T():
    closed = subsample.large_population_factor(symbolic=False, temperature=1.0)
    exact = np.array([float(closed.subs(subsample._n, i)) for i in range(1, 7)])
    corrections = np.array([float(c) for c in subsample.finite_population_correction(6)])
    assert corrections[0] == 0 and corrections[1] == -0.125
    for T in (10_000, 100_000):
        finite = subsample.factors(ct.accumulate_subsample(T), 6, T=T)
        np.testing.assert_allclose(T * (finite - exact), corrections, atol=50 / T)


def test_fixed_pool_regimes_share_linear_regressions_factor_with_kappa_one_over_T():
    for regime in (ct.replace(), ct.accumulate(temperature=0.5), ct.mix(0.3), ct.window(2)):
        got = gaussian_mean.mean_error(regime, 6, d=3, T=20, sigma2=2.0)
        factors = ct.coefficients.error_factors(regime, 6, exact=False)
        np.testing.assert_allclose(got, 2.0 * 3 / 20 * factors, rtol=1e-12)


def test_limit_of_the_finite_recursion_is_reported_with_a_proven_bound(capsys):
    from collapse_theory.cli import main

    assert main(["limit", "--model", "gaussian-mean", "--regime", "accumulate-subsample", "--budget", "100",
                 "--T", "100", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    value, bound = out["metrics"]["mean_error"], out["bounds"]["mean_error"]
    assert bound["proven"] is True and bound["error"] < 1e-6 * value
    assert value == pytest.approx(10 / 100 * subsample.limit_factor(ct.accumulate_subsample(100), T=100), rel=1e-5)
