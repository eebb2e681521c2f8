"""accumulate-subsample with a budget B = beta T as T -> oo: closed form, limit and 1/T correction."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import collapse_theory as ct
from collapse_theory import subsample, subsample_large
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import SYMBOLS

tau_symbol = SYMBOLS["temperature"]
zeta2 = sp.pi**2 / 6


def _large_T_recursion(n_max: int, tau2, beta):
    """The T -> oo recursion written out (F, U, p) with the head w_n/(n min(beta, n)), in ``tau2``'s arithmetic."""
    U = p = tau2 * 0
    out = []
    for n in range(1, n_max + 1):
        w = 1 + (n - 1) * tau2
        F = w / (n * min(beta, n)) + 2 * U / n**2 + p / n**2
        U, p = U * (n + 1) / n + w / n, p + 2 * (U / n + p / n) + F
        out.append(F)
    return out


def _rational(x):
    return sp.Rational(x.numerator, x.denominator)


def test_the_large_T_recursion_is_the_limit_of_the_exact_one():
    for beta in (Fraction(2), Fraction(3), Fraction(5, 2), Fraction(1, 2)):
        for tau in (1.0, 0.5):
            T = 20_000 * beta.denominator
            limit = _large_T_recursion(12, tau * tau, float(beta))
            finite = subsample.factors(ct.accumulate_subsample(int(beta * T), temperature=tau), 12, T=T)
            np.testing.assert_allclose(finite, limit, atol=10 / T)


@pytest.mark.parametrize("beta", [Fraction(1), Fraction(2), Fraction(3), Fraction(7), Fraction(5, 2), Fraction(1, 2),
                                  Fraction(10, 3)])
def test_closed_form_equals_the_recursion_exactly(beta):
    arg = int(beta) if beta.denominator == 1 else beta
    for tau in (Fraction(1), Fraction(1, 2), Fraction(0), Fraction(3, 2)):
        closed = subsample.large_population_factor(symbolic=False, temperature=float(tau), beta=arg)
        for n, value in enumerate(_large_T_recursion(30, tau * tau, beta), start=1):
            assert closed.subs(subsample._n, n) == _rational(value), (beta, tau, n)


def test_beta_one_is_the_B_equals_T_form_and_the_stated_forms_hold():
    n = subsample._n
    t2 = tau_symbol**2
    assert subsample.large_population_factor(beta=1) == subsample_large._large_T_forms()[0]
    assert subsample.large_population_factor(beta=Fraction(1)) == subsample.large_population_factor()
    whole, past, limit = subsample_large._budget_forms()
    K, beta = subsample_large._K, subsample_large.BETA
    assert sp.simplify(past.subs({K: 1, beta: 1}) - subsample_large._large_T_forms()[0]) == 0
    assert sp.simplify(limit.subs({K: 1, beta: 1}) - subsample.large_population_limit()) == 0
    assert sp.simplify(whole - (1 + t2 * (sp.harmonic(n, 2) - 1))) == 0
    # The forms of the module docstring, for a symbolic beta and K = ceil(beta):
    R = lambda x: zeta2 - sp.harmonic(x, 2)  # noqa: E731
    stated = (1 + t2 * (zeta2 - 1) + (3 * t2 - 2 + (2 * t2 - 1) / beta) * R(K) + t2 / beta + (2 - 3 * t2) / K
              + (1 - t2) * (1 / (K * beta) - 1 / K**2))
    assert sp.simplify(limit - stated) == 0
    assert sp.simplify(past - (limit - (2 + 1 / beta) * (2 * t2 - 1) * R(n) - 2 * (1 - t2) / n)) == 0
    integer = sp.Symbol("beta", integer=True, positive=True)
    got = subsample.large_population_limit(beta=integer)
    assert sp.simplify(got - (1 + t2 * (zeta2 - 1) + (3 * t2 - 2 + (2 * t2 - 1) / integer) * R(integer)
                              + 2 * (1 - t2) / integer)) == 0
    assert sp.simplify(got.subs(tau_symbol, 1) - (zeta2 + (1 + 1 / integer) * R(integer))) == 0


def test_the_limit_tends_to_accumulates_from_above_like_tau2_over_beta():
    integer = sp.Symbol("beta", integer=True, positive=True)
    t2 = tau_symbol**2
    accumulate = 1 + t2 * (zeta2 - 1)
    assert sp.simplify(sp.limit(subsample.large_population_limit(beta=integer), integer, sp.oo) - accumulate) == 0
    for tau in (1.0, 0.5, 1.5):
        for beta in (10, 100, 1000):
            excess = float(subsample.large_population_limit(symbolic=False, temperature=tau, beta=beta)
                           - accumulate.subs(tau_symbol, sp.Rational(repr(tau))))
            assert excess > 0 and abs(excess * beta - tau**2) < tau**2 / beta, (tau, beta, excess)


@pytest.mark.parametrize("beta", [2, 3, Fraction(5, 2)])
def test_the_recursion_converges_to_the_limit(beta):
    for tau in (1.0, 0.5):
        values = _large_T_recursion(200_000, tau * tau, float(beta))
        extrapolated = 2 * values[-1] - values[99_999]  # F_n = F_oo + a/n + O(1/n^2) (harmonic tails)
        exact = float(subsample.large_population_limit(symbolic=False, temperature=tau, beta=beta))
        assert abs(extrapolated - exact) < 1e-8, (beta, tau, extrapolated, exact)


def _symbolic_T_correction(n_max, tau2, beta):
    """The exact recursion with T a symbol and B = beta T, expanded at T = oo: independent of the Taylor scheme."""
    T = sp.Symbol("T", positive=True)
    U = P = D = sp.Integer(0)
    out = []
    for n in range(1, n_max + 1):
        N, b = n * T, min(beta, n) * T
        fpc = (N - b) / (N - 1)
        var, cov = b * sp.Rational(1, n) * (1 - sp.Rational(1, n)) * fpc, -b / n**2 * fpc
        W, q = T * (1 + (n - 1) * tau2), b / N
        Q = sp.cancel((q * W + 2 * q * (b - 1) * T / (N - 1) * U + ((b / n) ** 2 + cov) * P + (var - cov) * D) / b**2)
        cross = q / b * U + P / n
        U, P, D = sp.cancel(U + W / N + U / n), sp.cancel(P + 2 * cross + Q), sp.cancel(D + Q)
        F0 = sp.limit(T * Q, T, sp.oo)
        out.append(sp.limit(T * (T * Q - F0), T, sp.oo))
    return out


def test_the_correction_matches_the_symbolic_T_expansion():
    for beta, tau2 in ((2, sp.Integer(1)), (sp.Rational(3, 2), sp.Rational(1, 4))):
        got = subsample.finite_population_correction(4, temperature=float(sp.sqrt(tau2)), beta=beta)
        assert got == _symbolic_T_correction(4, tau2, beta)
    assert subsample.finite_population_correction(2) == [0, sp.Rational(-1, 8)]


@pytest.mark.parametrize("beta", [1, 2, 3])
def test_the_finite_population_recursion_approaches_the_closed_form_like_one_over_T(beta):
    n_max = 10
    closed = subsample.large_population_factor(symbolic=False, temperature=1.0, beta=beta)
    exact = np.array([float(closed.subs(subsample._n, i)) for i in range(1, n_max + 1)])
    corrections = np.array([float(c) for c in subsample.finite_population_correction(n_max, beta=beta)])
    assert np.all(corrections[:beta] == 0)  # the whole pool: exact at every T
    gaps = []
    for T in (10_000, 100_000):
        finite = subsample.factors(ct.accumulate_subsample(beta * T), n_max, T=T)
        gaps.append(np.max(np.abs(T * (finite - exact) - corrections)))
        assert gaps[-1] < 50 / T
    assert gaps[1] < gaps[0] / 5  # the residual is O(1/T)


def test_beta_is_validated():
    for bad in (0, -1, 0.0, float("nan"), float("inf"), "2", True, None, 1j, sp.Symbol("x")):
        with pytest.raises(InvalidParameterError, match="beta"):
            subsample.large_population_factor(beta=bad)
    with pytest.raises(InvalidParameterError, match="beta"):
        subsample.large_population_limit(beta=-2)
    with pytest.raises(InvalidParameterError, match="beta"):
        subsample.large_population_mean_error(1, beta=0)
    with pytest.raises(InvalidParameterError, match="numeric beta"):
        subsample.finite_population_correction(3, beta=subsample_large.BETA)
    assert subsample.large_population_factor(beta=2.5) == subsample.large_population_factor(beta=Fraction(5, 2))
    assert subsample.large_population_factor(beta=np.int64(2)) == subsample.large_population_factor(beta=2)


def test_mean_error_scales_the_factor_and_limit():
    from collapse_theory.symbolic import n

    scale = sp.Symbol("s")
    expr, lim = subsample.large_population_mean_error(scale, temperature=1.0, beta=2)
    assert sp.simplify(expr.subs(n, 5) - scale * subsample.large_population_factor(symbolic=False, beta=2).subs(
        subsample._n, 5)) == 0
    assert sp.simplify(lim - scale * subsample.large_population_limit(symbolic=False, beta=2)) == 0
