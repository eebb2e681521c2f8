"""Closed forms of the linear-regression loop: derived in sympy, pinned to the exact recursion and the paper."""

import math
from fractions import Fraction

import jax
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import collapse_theory as ct
from collapse_theory import linear_regression as lr
from collapse_theory.coefficients import error_factors
from collapse_theory.derivation import error_factor, limit_factor
from collapse_theory.errors import InvalidParameterError, NoClosedFormError
from collapse_theory.regimes import SYMBOLS
from collapse_theory.symbolic import T, d, latex, n, numeric, sigma2

ZETA2 = math.pi**2 / 6


@st.composite
def designs(draw):
    """Only valid Gaussian designs: T >= d + 2, where the expected error is finite."""
    dim = draw(st.integers(1, 200))
    return dim, draw(st.integers(dim + 2, dim + 5000))


# -- the 1/i^2 series (paper Thm. 2) -----------------------------------------------------------------------------

accumulate_factor = lr.function(ct.accumulate())


def _series(k):
    return accumulate_factor(np.float64(k), 1, 3, 1.0) * (3 - 1 - 1)  # F_k = E_test / (sigma^2 d/(T-d-1))


@given(st.integers(1, 10**6))
def test_series_increases_stays_below_pi2_over_6_with_gap_between_1_over_n_plus_1_and_1_over_n(k):
    now, after = _series(k), _series(k + 1)
    assert after > now
    gap = ZETA2 - now
    assert 1 / (k + 1) < gap < 1 / k


@pytest.mark.slow
def test_series_equals_sum_of_inverse_squares_exactly():
    # Every k <= 60 from one run of the exact recursion (a run to k costs ~k^3); a shorter run is its prefix.
    factors = error_factors(ct.accumulate(), 60)
    assert error_factors(ct.accumulate(), 7) == factors[:7]
    closed = error_factor(ct.accumulate())
    exact = Fraction(0)
    for k in range(1, 61):
        exact += Fraction(1, k * k)
        assert factors[k - 1] == exact
        assert closed.subs(n, k) == sp.Rational(exact.numerator, exact.denominator)


# -- ordering, scaling, equality at n = 1 -------------------------------------------------------------------------

@given(designs(), st.integers(1, 300), st.floats(1e-3, 1e3), st.sampled_from([0.0, 0.3, 1.0, 2.5]))
def test_accumulate_below_replace_multiple_below_replace_with_equality_at_one(design, iterations, s2, tau):
    dim, samples = design
    acc, mult, rep = (lr.test_error(r(temperature=tau), iterations, d=dim, T=samples, sigma2=s2)
                      for r in (ct.accumulate, ct.replace_multiple, ct.replace))
    assert acc[0] == pytest.approx(mult[0], rel=1e-12) == pytest.approx(rep[0], rel=1e-12)
    assert acc[0] == pytest.approx(s2 * dim / (samples - dim - 1), rel=1e-12)
    assert np.all(acc <= mult * (1 + 1e-12)) and np.all(mult <= rep * (1 + 1e-12))


@given(designs(), st.floats(1e-3, 1e3), st.floats(1e-3, 1e3),
       st.sampled_from([ct.replace(), ct.accumulate(), ct.replace_multiple(), ct.mix(0.3), ct.fresh_real(0.4, 2.0)]))
def test_error_is_linear_in_sigma2(design, s2, scale, regime):
    dim, samples = design
    base = lr.test_error(regime, 20, d=dim, T=samples, sigma2=s2)
    scaled = lr.test_error(regime, 20, d=dim, T=samples, sigma2=s2 * scale)
    np.testing.assert_allclose(scaled, scale * base, rtol=1e-12)


# -- closed form == recursion, exactly ---------------------------------------------------------------------------

fractions = st.fractions(min_value=0, max_value=1, max_denominator=12)


@st.composite
def regimes(draw):
    tau = draw(st.sampled_from([Fraction(1), Fraction(0), Fraction(1, 2), Fraction(3, 2)]))
    kind = draw(st.sampled_from(["replace", "accumulate", "replace-multiple", "mix", "fresh-real", "window"]))
    options = {"temperature": float(tau)}
    if kind == "mix":
        options["real_fraction"] = float(draw(fractions))
    if kind == "fresh-real":
        options["real_weight"] = float(draw(fractions))
        options["ratio"] = float(draw(st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(4)])))
    if kind == "window":
        options["window"] = draw(st.integers(1, 3))
    return ct.from_name(kind, **options)


def _equal(expr, value: Fraction) -> bool:
    exact = sp.Rational(value.numerator, value.denominator)
    expr = sp.expand(expr)  # rational powers evaluate at once; radicals (window's roots) need simplify
    return expr == exact or sp.simplify(expr - exact) == 0


@pytest.mark.slow
@settings(max_examples=20)
@given(regimes())
def test_every_closed_form_equals_its_coefficient_recursion_in_rationals(regime):
    closed = error_factor(regime)
    for k, value in enumerate(error_factors(regime, 14), start=1):
        assert _equal(closed.subs(n, k), value), (regime, k)


@pytest.mark.slow
@pytest.mark.parametrize("regime", [ct.mix(0.3), ct.fresh_real(0.25, 2.0, temperature=0.5), ct.window(2),
                                    ct.accumulate(temperature=0.5), ct.replace_multiple(temperature=2.0)])
def test_symbolic_form_with_values_substituted_equals_the_recursion(regime):
    symbolic = error_factor(regime, symbolic=True)
    values = {SYMBOLS[f]: v for f, v in regime.values().items()}
    values[SYMBOLS["temperature"]] = sp.Rational(repr(regime.temperature))
    for k, value in enumerate(error_factors(regime, 10), start=1):
        assert _equal(symbolic.subs(values).subs(n, k), value), (regime, k)


def test_window_closed_form_for_k_up_to_3():
    closed = error_factor(ct.window(3))
    exact = error_factors(ct.window(3), 40, exact=False)
    values = np.array([complex(sp.N(closed.subs(n, k), 30)) for k in range(1, 41)])
    np.testing.assert_allclose(values.real, exact, rtol=1e-12)
    np.testing.assert_allclose(values.imag, 0, atol=1e-12)
    with pytest.raises(NoClosedFormError, match="k <= 3"):
        error_factor(ct.window(4))


# -- the paper's formulas and limits -----------------------------------------------------------------------------

def test_paper_closed_forms():
    kappa = d / (T - d - 1)
    assert sp.simplify(lr.expression(ct.replace()) - sigma2 * kappa * n) == 0  # Eq. 4
    assert sp.simplify(lr.expression(ct.accumulate()) - sigma2 * kappa * sp.harmonic(n, 2)) == 0  # Eq. 3
    assert sp.simplify(lr.expression(ct.replace_multiple()) - sigma2 * kappa * sp.harmonic(n)) == 0  # App. E
    assert sp.simplify(lr.limit_expression(ct.accumulate()) - sigma2 * kappa * sp.pi**2 / 6) == 0
    assert lr.limit_expression(ct.replace()) == sp.oo
    assert lr.limit_expression(ct.replace_multiple()) == sp.oo
    assert r"\frac{\pi^{2}}{6}" in latex(limit_factor(ct.accumulate()))


@pytest.mark.slow
def test_limits_of_stationary_regimes():
    lam, tau, w, k = (SYMBOLS[f] for f in ("real_fraction", "temperature", "real_weight", "ratio"))
    mix = 1 + tau**2 * (1 - lam) ** 2 / (1 - (1 - lam) ** 2)
    assert sp.simplify(limit_factor(ct.mix(0.5), symbolic=True) - mix) == 0
    fresh = (w**2 + k * tau**2 * (1 - w) ** 2) / (1 - (1 - w) ** 2)
    assert sp.simplify(limit_factor(ct.fresh_real(0.5, 2.0), symbolic=True) - fresh) == 0
    assert limit_factor(ct.mix(0.3)) == sp.Rational(100, 51)
    assert limit_factor(ct.window(3)) == sp.oo
    assert limit_factor(ct.replace(temperature=0.0)) == 1


@pytest.mark.slow
def test_golden_ratio_optimum_of_fresh_real():
    w, k = SYMBOLS["real_weight"], SYMBOLS["ratio"]
    stationary = limit_factor(ct.fresh_real(0.5, 1.0), symbolic=True).subs(SYMBOLS["temperature"], 1)
    roots = [r for r in sp.solve(sp.diff(stationary, w), w) if r.subs(k, 1).is_positive]
    assert len(roots) == 1 and sp.simplify(roots[0] - (sp.sqrt(k * (k + 4)) - k) / 2) == 0
    grad = jax.grad(numeric(stationary, (w, k), backend="jax"), argnums=0)
    for ratio in (0.5, 1.0, 2.0, 5.0):
        optimum = (math.sqrt(ratio * (ratio + 4)) - ratio) / 2
        assert abs(float(grad(optimum, ratio))) < 1e-12
        assert float(grad(optimum + 0.05, ratio)) > 0 > float(grad(optimum - 0.05, ratio))


# -- numerics: lambdify == sympy, jax traces -----------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("regime", [ct.replace(), ct.accumulate(), ct.replace_multiple(), ct.mix(0.3),
                                    ct.fresh_real(0.618, 1.0), ct.window(3), ct.accumulate(temperature=0.3)])
def test_lambdified_numpy_and_jax_equal_sympy(regime):
    expr = lr.expression(regime)
    iterations = np.arange(1.0, 31.0)
    numpy_values = np.real(lr.function(regime)(iterations, 10, 100, 2.0))
    jax_values = np.real(np.asarray(jax.vmap(lambda k: lr.function(regime, backend="jax")(k, 10, 100, 2.0))(
        iterations)))
    exact = np.array([float(sp.re(sp.N(expr.subs({n: k, d: 10, T: 100, sigma2: 2}), 30)))
                      for k in range(1, 31)])
    np.testing.assert_allclose(numpy_values, exact, rtol=1e-12)
    np.testing.assert_allclose(jax_values, exact, rtol=1e-11)


def test_jax_grad_through_the_closed_form_in_sigma2():
    f = lr.function(ct.accumulate(), backend="jax")
    grad = jax.grad(lambda s2: f(10.0, 10, 100, s2))(1.5)
    assert float(grad) == pytest.approx(float(f(10.0, 10, 100, 1.0)), rel=1e-12)


# -- kappa --------------------------------------------------------------------------------------------------------

def test_kappa_for_gaussian_and_given_designs():
    assert lr.kappa(d=10, T=100) == 10 / 89
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((50, 4)))
    assert lr.kappa_given_design(3.0 * q) == pytest.approx(4 / 9, rel=1e-12)
    sigma = np.diag([1.0, 2.0, 3.0, 4.0])
    assert lr.kappa_given_design(3.0 * q, sigma) == pytest.approx(10 / 9, rel=1e-12)
    with pytest.raises(InvalidParameterError, match="full column rank"):
        lr.kappa_given_design(np.ones((10, 3)))


# -- invalid input ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"n": 5, "d": 10, "T": 11}, r"T >= d \+ 2"),
    ({"n": 5, "d": 10, "T": 5}, r"T >= d \+ 2"),
    ({"n": 0, "d": 10, "T": 100}, "n must be an integer >= 1"),
    ({"n": 2.5, "d": 10, "T": 100}, "n must be an integer"),
    ({"n": 5, "d": 2.5, "T": 100}, "d must be an integer"),
    ({"n": 5, "d": 10, "T": 100.5}, "T must be an integer"),
    ({"n": 5, "d": 10, "T": 100, "sigma2": 0.0}, "sigma2 must be > 0"),
    ({"n": 5, "d": 10, "T": 100, "sigma2": float("inf")}, "sigma2 must be a finite number"),
])
def test_invalid_parameters_raise_a_value_error_naming_the_condition(kwargs, message):
    n_value = kwargs.pop("n")
    with pytest.raises(ValueError, match=message) as info:  # callers may catch the builtin
        lr.test_error(ct.accumulate(), n_value, **kwargs)
    assert info.type is InvalidParameterError


def test_wide_windows_are_evaluated_from_the_recursion():
    values = lr.test_error(ct.window(6), 30, d=10, T=100, sigma2=2.0)
    np.testing.assert_allclose(values, 2.0 * 10 / 89 * error_factors(ct.window(6), 30, exact=False), rtol=1e-15)
    np.testing.assert_allclose(values[:6], lr.test_error(ct.accumulate(), 6, d=10, T=100, sigma2=2.0), rtol=1e-12)


@pytest.mark.slow
def test_window_3_is_real_and_exact_and_differentiable():
    closed = error_factor(ct.window(3))
    assert not closed.has(sp.I)
    for k, value in enumerate(error_factors(ct.window(3), 30), start=1):
        assert sp.simplify(sp.expand_trig(closed.subs(n, k)) - sp.Rational(value.numerator, value.denominator)) == 0
    f = lr.numeric_function(ct.window(3), backend="jax")
    grad = float(jax.grad(lambda t: f(5.0, d=10.0, T=t))(100.0))
    assert grad == pytest.approx(-float(f(5.0, d=10.0, T=100.0)) / 89, rel=1e-10)  # d/dT of d/(T-d-1)
    mix = lr.numeric_function(ct.mix(0.3), backend="jax")
    h = 1e-6
    fd = (float(mix(5.0, d=10.0, T=100.0, lambda_=0.3 + h)) - float(mix(5.0, d=10.0, T=100.0, lambda_=0.3 - h))) / (2 * h)
    assert float(jax.grad(lambda lam: mix(5.0, d=10.0, T=100.0, lambda_=lam))(0.3)) == pytest.approx(fd, rel=1e-6)
    assert lr.test_error(ct.accumulate(), 5, d=np.array([5, 10]), T=100).shape == (2, 5)
    np.testing.assert_allclose(lr.function(ct.window(3))(np.arange(1, 6), 10, 100, 1.0),
                               lr.test_error(ct.window(3), 5, d=10, T=100), rtol=1e-14)


@pytest.mark.slow
@pytest.mark.parametrize("k", [4, 5, 7])
def test_wide_window_growth_rate_and_limit(k):
    rate = float(lr.growth_rate(ct.window(k, temperature=0.5)).subs({d: 10, T: 100, sigma2: 1}))
    values = lr.test_error(ct.window(k, temperature=0.5), 4000, d=10, T=100)
    assert values[-1] - values[-2] == pytest.approx(rate, rel=1e-9)
    assert rate == pytest.approx(10 / 89 * 0.25 * 4 / (k + 1) ** 2, rel=1e-15)
    assert lr.limit(ct.window(k), d=10, T=100) == math.inf
    assert lr.limit(ct.window(k, temperature=0.0), d=10, T=100) == pytest.approx(10 / 89, rel=1e-15)
