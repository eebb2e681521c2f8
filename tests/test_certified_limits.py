"""Every numeric limit agrees with an independent 50-digit evaluation within the bound it reports."""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collapse_theory as ct
from collapse_theory import gaussian as G
from collapse_theory import kde
from collapse_theory import linear_regression as lr
from collapse_theory._kde_data import dataset

mpmath.mp.dps = 50
TAUS = [Fraction(0), Fraction(1, 2), Fraction(9, 10), Fraction(1), Fraction(6, 5), Fraction(13, 10)]
SIZES = st.sampled_from([5, 7, 12, 20, 100, 1000, 10**5])


# -- gaussian: the mean-error series, summed independently ---------------------------------------------------------

def _steps(kind, T, tau2, unbiased):
    """``(r_i, g_i)`` as mpmath functions, from THEORY.md section 3 (checked against the recursion below)."""
    D = (lambda m: m - 1) if unbiased else (lambda m: m)
    if kind == "replace":
        return (lambda i: tau2 * (T - 1) / D(T)), (lambda i: mpmath.mpf(1) / T)
    if kind == "replace-multiple":
        return (lambda i: tau2 * ((i + 1) * T - 1) / D((i + 1) * T)), (lambda i: mpmath.mpf(1) / (i * T))
    return (lambda i: (D(i * T) + tau2 * (T - mpmath.mpf(1) / (i + 1))) / D((i + 1) * T)), \
        (lambda i: mpmath.mpf(1) / (i * i * T))


def _reference(kind, d, T, tau, unbiased):
    """50-digit ``(mean_error limit, cov_trace_ratio limit)``, or None where the series converges too slowly."""
    tau2 = mpmath.mpf(tau.numerator) ** 2 / tau.denominator**2
    r, g = _steps(kind, mpmath.mpf(T), tau2, unbiased)
    t = mpmath.mpf(T - 1) / (T - 1 if unbiased else T)
    partial, terms, ts = mpmath.mpf(0), [], [t]
    # Hoisted out of the 2^14 steps (at 50 digits the power alone cost more than the terms): same values.
    checkpoints, negligible = {2**k + 1 for k in range(7, 15)}, mpmath.mpf(10) ** -60
    for i in range(2, 2**14 + 2):  # a_i = tau^2 g_i t_{i-1}
        a = tau2 * g(i) * t
        partial += a
        t *= r(i - 1)
        ts.append(t)
        if i in checkpoints:
            terms.append((i, partial))
        if a == 0 or (a < negligible * partial and ts[-1] <= ts[-2]):
            return d * (mpmath.mpf(1) / T + partial), t
    if kind == "replace-multiple" and tau2 == 1 and not unbiased:
        # a_i ~ i^(-1 - 1/T): no summation reaches 50 digits.  The partial sums observed here equal
        # d (1 - t_n) to 45 digits, and t_n = Gamma(n + 1 - 1/T) / (Gamma(n + 1) Gamma(1 - 1/T)) -> 0.
        assert abs(1 / mpmath.mpf(T) + partial + t - 1) < mpmath.mpf(10) ** -45
        return mpmath.mpf(d), mpmath.mpf(0)
    # Algebraic decay a_i ~ i^-p (1 + c1/i + ...): Richardson with the known exponents 1-p, -p, ... .
    p = 3 - tau2 if kind == "accumulate" else None
    if p is None or p <= 1.05:
        return None
    Ns = [mpmath.mpf(i) for i, _ in terms]
    A = mpmath.matrix([[1] + [N ** (1 - p - k) for k in range(len(Ns) - 1)] for N in Ns])
    total = mpmath.lu_solve(A, mpmath.matrix([s for _, s in terms]))[0]
    return d * (mpmath.mpf(1) / T + total), None


def test_reference_steps_match_the_exact_recursion():
    for kind, regime in (("accumulate", ct.accumulate(temperature=0.5)), ("replace-multiple", ct.replace_multiple())):
        for unbiased in (False, True):
            exact = G.recursion(regime, 6, d=1, T=7, unbiased=unbiased, exact=True)
            r, g = _steps(kind, mpmath.mpf(7), mpmath.mpf(regime.temperature) ** 2, unbiased)
            t = mpmath.mpf(6) / (6 if unbiased else 7)
            mean = mpmath.mpf(1) / 7
            for i in range(2, 7):
                mean += mpmath.mpf(regime.temperature) ** 2 * g(i) * t
                t *= r(i - 1)
                assert abs(mean - mpmath.mpf(exact["mean_error"][i - 1].numerator) / exact["mean_error"][i - 1]
                           .denominator) < mpmath.mpf(10) ** -45


@pytest.mark.slow
@settings(max_examples=15)
@given(kind=st.sampled_from(["replace", "replace-multiple", "accumulate"]), tau=st.sampled_from(TAUS),
       unbiased=st.booleans(), d=st.integers(1, 20), T=SIZES)
def test_gaussian_limits_agree_with_50_digits_within_their_bound(kind, tau, unbiased, d, T):
    T = max(T, d + 3)
    regime = ct.from_name(kind, temperature=float(tau))
    try:
        bounds = G.limit_bounds(regime, d=d, T=T, unbiased=unbiased)
    except ct.NoClosedFormError as error:  # refused: only where the series cannot be certified
        assert "too slowly" in str(error)
        return
    value, bound = bounds["mean_error"]
    reference = _reference(kind, d, T, tau, unbiased)
    if value == math.inf:
        assert bound == 0.0
        assert reference is None or reference[0] > 1e6 * d  # a divergent series never settles below
        return
    assert reference is not None
    assert abs(mpmath.mpf(value) - reference[0]) <= bound + mpmath.mpf(10) ** -25 * reference[0]
    assert bound <= 1e-9 * value + 1e-300
    trace, trace_bound = bounds["cov_trace_ratio"]
    if reference[1] is not None and math.isfinite(trace) and trace > 0:
        assert abs(mpmath.mpf(trace) - reference[1]) <= trace_bound + mpmath.mpf(10) ** -30


def test_replace_multiple_mean_error_limit_is_d_exactly():
    """The issue's wrong values: 10.00126 (d = 10, T = 100) and 1.168 (d = 1, T = 1e5); the limit is d."""
    assert G.limit_bounds(ct.replace_multiple(), d=10, T=100)["mean_error"] == (10.0, math.ulp(10.0))
    assert G.limits(ct.replace_multiple(), d=1, T=10**5)["mean_error"] == 1.0
    assert G.limits(ct.replace_multiple(), d=10, T=10**4)["mean_error"] == 10.0


def test_accumulate_limit_at_tau_1_is_d_times_one_minus_eulers_product():
    T, d = 25, 3
    a = 1 / math.sqrt(T)
    assert G.limits(ct.accumulate(), d=d, T=T)["mean_error"] == pytest.approx(
        d * (1 - math.sin(math.pi * a) / (math.pi * a)), rel=1e-15)


def test_a_series_at_the_edge_of_convergence_is_certified_from_its_tail():
    """tau^2 = 1.999396: a_i ~ i^-1.0006, so 2e4 terms hold under 1% of the sum; the tail bound carries it."""
    value, bound = G.limit_bounds(ct.accumulate(temperature=1.414), d=2, T=10)["mean_error"]
    partial = G.errors(ct.accumulate(temperature=1.414), 20000, d=2, T=10)["mean_error"][-1]
    assert value > 100 * partial and bound <= 1e-9 * value


# -- linear and kde: exact limits ------------------------------------------------------------------------------

def _linear_factor(regime):
    tau2 = mpmath.mpf(regime.temperature) ** 2
    if regime.kind == "accumulate":
        return 1 + tau2 * (mpmath.zeta(2) - 1)
    if regime.kind == "mix" and regime.real_fraction > 0:
        lam = mpmath.mpf(regime.real_fraction)
        return 1 + tau2 * (1 - lam) ** 2 / (1 - (1 - lam) ** 2)
    if regime.kind == "fresh-real" and regime.real_weight > 0:
        w, k = mpmath.mpf(regime.real_weight), mpmath.mpf(regime.ratio)
        return (w**2 + k * tau2 * (1 - w) ** 2) / (1 - (1 - w) ** 2)
    return mpmath.mpf(1) if tau2 == 0 else mpmath.inf  # replace, replace-multiple, window, lambda = 0, w = 0


@pytest.mark.slow
@settings(max_examples=40)
@given(kind=st.sampled_from(["replace", "accumulate", "replace-multiple", "window", "mix", "fresh-real"]),
       tau=st.sampled_from([0.0, 0.5, 1.0, 1.5]), fraction=st.sampled_from([0.0, 0.1, 0.3, 0.999, 1.0]),
       k=st.integers(1, 9), ratio=st.sampled_from([0.001, 1.0, 3.0]), d=st.integers(1, 50), T=SIZES,
       sigma2=st.floats(1e-3, 1e3))
def test_linear_limits_agree_with_50_digits_within_their_bound(kind, tau, fraction, k, ratio, d, T, sigma2):
    T = max(T, d + 2)
    options = {"window": k} if kind == "window" else {"real_fraction": fraction} if kind == "mix" else \
        {"real_weight": fraction, "ratio": ratio} if kind == "fresh-real" else {}
    regime = ct.from_name(kind, temperature=tau, **options)
    value, bound = lr.limit_bounds(regime, d=d, T=T, sigma2=sigma2)["test_error"]
    want = mpmath.mpf(sigma2) * d / (T - d - 1) * _linear_factor(regime)
    if want == mpmath.inf:
        assert value == math.inf and bound == 0.0
    else:
        assert abs(mpmath.mpf(value) - want) <= bound


@pytest.mark.parametrize("T", [2, 50, 10**5])
@pytest.mark.parametrize("bandwidth", [1e-3, 0.3, 2.0])
def test_kde_limits_agree_with_50_digits(T, bandwidth):
    """kde reports no bound; its exact ``T h^2 / sigma_0^2`` is evaluated in float: within 4 ulp."""
    data = dataset("gaussian-1d")
    want = mpmath.mpf(T) * mpmath.mpf(bandwidth) ** 2 / (mpmath.mpf(data.total_variance) / data.dim)
    value = kde.limits(ct.replace(), T=T, bandwidth=bandwidth)["variance_ratio"]
    assert abs(mpmath.mpf(value) - want) <= 4 * math.ulp(value)
    assert kde.limits(ct.accumulate(), T=T, bandwidth=bandwidth)["variance_ratio"] == math.inf


def test_linear_limits_broadcast():
    values, bounds = lr.limit_bounds(ct.accumulate(), d=np.array([5, 10]), T=100)["test_error"]
    assert values.shape == bounds.shape == (2,)
    np.testing.assert_array_equal(values, [lr.limit(ct.accumulate(), d=5, T=100), lr.limit(ct.accumulate(), d=10, T=100)])
