"""The Regime value: constructors, validation, weights, and the coefficient recursion's known cases."""

from fractions import Fraction

import pytest

import collapse_theory as ct
from collapse_theory.coefficients import coefficients, error_factors
from collapse_theory.errors import InvalidParameterError, NoClosedFormError


@pytest.mark.parametrize("regime", [ct.replace(), ct.accumulate(), ct.replace_multiple(), ct.window(3), ct.mix(0.3),
                                    ct.fresh_real(0.5, 2.0), ct.accumulate(temperature=0.5)])
def test_weights_are_a_probability_vector(regime):
    for n in range(1, 8):
        sources, alpha = regime.weights(n)
        assert len(sources) == len(alpha)
        assert all(a >= 0 for a in alpha)
        assert sum(alpha) == 1


def test_iteration_one_is_the_real_data_alone():
    for regime in [ct.replace(), ct.accumulate(), ct.mix(0.2), ct.fresh_real(0.3), ct.window(2)]:
        sources, alpha = regime.weights(1)
        assert [s.parent for s in sources] == ["truth"] and list(alpha) == [1]


def test_theorem_1_accumulate_coefficients_are_one_over_i():
    # Paper Thm. 1: under accumulate, w_n = w* + (X^T X)^{-1} X^T sum_i E_i / i.
    _, rows = coefficients(ct.accumulate(), 9)
    for n, row in enumerate(rows, start=1):
        assert row == [Fraction(1, i) for i in range(1, n + 1)]


def test_replace_carries_every_generation_with_coefficient_one():
    _, rows = coefficients(ct.replace(), 6)
    assert rows[-1] == [1] * 6


def test_exact_and_float_recursions_agree():
    for regime in [ct.accumulate(), ct.window(4), ct.mix(0.25), ct.fresh_real(0.6, 3.0, temperature=0.7)]:
        exact = error_factors(regime, 25)
        approx = error_factors(regime, 25, exact=False)
        assert [float(x) for x in exact] == pytest.approx(list(approx), rel=1e-13)


def test_temperature_zero_freezes_replace():
    assert error_factors(ct.replace(temperature=0.0), 10) == [1] * 10


def test_window_one_is_replace():
    assert error_factors(ct.window(1), 12) == error_factors(ct.replace(), 12)


def test_mix_zero_is_replace_and_mix_one_keeps_the_first_fit():
    assert error_factors(ct.mix(0.0), 8) == error_factors(ct.replace(), 8)
    assert error_factors(ct.mix(1.0), 8) == [1] * 8


def test_accumulate_subsample_is_outside_the_recursion():
    with pytest.raises(NoClosedFormError, match="simulate"):
        error_factors(ct.accumulate_subsample(100), 5)


@pytest.mark.parametrize("make, message", [
    (lambda: ct.window(0), "window must be an integer >= 1"),
    (lambda: ct.window(2.5), "window must be an integer"),
    (lambda: ct.mix(1.5), r"real-fraction must lie in \[0, 1\]"),
    (lambda: ct.mix(-0.1), r"real-fraction must lie in \[0, 1\]"),
    (lambda: ct.fresh_real(2.0), r"real-weight must lie in \[0, 1\]"),
    (lambda: ct.fresh_real(0.5, 0.0), "ratio must be > 0"),
    (lambda: ct.replace(temperature=-1.0), "temperature must be >= 0"),
    (lambda: ct.replace(temperature=float("nan")), "temperature must be a finite number"),
    (lambda: ct.accumulate_subsample(0), "budget must be an integer >= 1"),
    (lambda: ct.Regime("bogus"), "regime must be one of"),
    (lambda: ct.Regime("mix"), "needs real-fraction"),
    (lambda: ct.Regime("replace", window=3), "takes no window"),
])
def test_invalid_regimes_name_the_condition(make, message):
    with pytest.raises(InvalidParameterError, match=message):
        make()


def test_regimes_are_hashable_values():
    assert ct.mix(0.3) == ct.mix(0.3) and hash(ct.mix(0.3)) == hash(ct.mix(0.3))
    assert ct.from_name("replace_multiple") == ct.replace_multiple()
    assert ct.from_name("fresh-real", real_weight=0.5) == ct.fresh_real(0.5, 1.0)
    assert ct.mix(0.3, temperature=0.5).label == "mix(λ=0.3), τ=0.5"
