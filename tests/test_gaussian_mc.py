"""The Gaussian Monte Carlo against the exact theory (4 SE at every iteration) and its equivalences."""

import jax
import numpy as np
import pytest

from collapse_theory import gaussian as G
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import (accumulate, accumulate_subsample, mix, replace, replace_multiple,
                                     window)
from simulations import gaussian as S
from conftest import assert_agrees

D, T, N = 3, 12, 8  # T >= d + 3 so the replace KL has finite expectation
#: One chunk size everywhere: the vmapped batch is a compiled shape, so every test reuses the same compilations.
CHUNK = 500


def assert_result_agrees(result, theory, metric, label=""):
    """|mean - theory| <= 4 SE at every iteration (the shared check prints expected, actual, SE and z)."""
    assert_agrees(result.mean[metric], result.se[metric], theory, what=f"{label} {metric}")


# Each case: (regime, engine, unbiased, seeds).  One compiled shape serves several regimes (traced schedules).
CASES = [
    (replace(), "fast", False, 4000),
    (accumulate(), "fast", False, 4000),
    (mix(0.3), "fast", True, 2000),
    (replace(temperature=0.8), "fast", False, 2000),
    (replace_multiple(), "fast", False, 2000),
    (window(3), "fast", False, 2000),
    (replace(), "literal", True, 2000),
    (accumulate(), "literal", False, 2000),
]


@pytest.mark.slow
@pytest.mark.parametrize("regime,engine,unbiased,seeds", CASES,
                         ids=[f"{c[0].label}-{c[1]}-{'unbiased' if c[2] else 'ml'}" for c in CASES])
def test_monte_carlo_agrees_with_theory(regime, engine, unbiased, seeds):
    result = S.simulate(regime, N, key=jax.random.key(11), seeds=seeds, d=D, T=T, engine=engine, unbiased=unbiased,
                        chunk=CHUNK)
    theory = G.errors(regime, N, d=D, T=T, unbiased=unbiased)
    assert set(theory) <= set(result.metrics)
    for metric, values in theory.items():
        assert_result_agrees(result, values, metric, regime.label)
    # the KL has closed forms for replace and replace-multiple (independent Wishart factors) only
    assert ("kl" in theory) == (regime.kind in ("replace", "replace-multiple"))


@pytest.mark.slow
def test_subsample_with_a_budget_of_the_whole_pool_is_accumulate():
    """budget >= nT fits the whole pool: the pool engine reproduces the literal accumulate engine, same noise."""
    kwargs = dict(key=jax.random.key(3), seeds=6, d=D, T=T, engine="literal", keep_values=True, chunk=CHUNK)
    a = S.simulate(accumulate(), N, **kwargs)
    b = S.simulate(accumulate_subsample(N * T), N, **kwargs)
    for metric in a.metrics:
        np.testing.assert_allclose(b.values[metric], a.values[metric], rtol=1e-9, atol=1e-12)


SUBSAMPLE_CASES = [(T, 1.0, False), (T, 1.0, True), (2 * T + 5, 0.8, False)]


@pytest.mark.slow
@pytest.mark.parametrize("budget,tau,unbiased", SUBSAMPLE_CASES)
def test_subsample_agrees_with_the_exact_subset_recursion(budget, tau, unbiased):
    """Mean error and trace ratio of accumulate-subsample against :func:`collapse_theory.subsample.gaussian_family`
    at every iteration (the KL has no theory there)."""
    regime = accumulate_subsample(budget, temperature=tau)
    result = S.simulate(regime, N, key=jax.random.key(5), seeds=4000, d=D, T=T, unbiased=unbiased, chunk=CHUNK)
    theory = G.errors(regime, N, d=D, T=T, unbiased=unbiased)
    assert set(theory) == {"mean_error", "cov_trace_ratio"}
    for metric, values in theory.items():
        assert_result_agrees(result, values, metric, regime.label)
    if not unbiased:  # the ML fit loses covariance strictly between replace and accumulate
        trace = theory["cov_trace_ratio"][-1]
        assert G.errors(replace(temperature=tau), N, d=D, T=T)["cov_trace_ratio"][-1] < trace
        assert trace < G.errors(accumulate(temperature=tau), N, d=D, T=T)["cov_trace_ratio"][-1]


@pytest.mark.slow
def test_same_key_same_bits_and_vmap_equals_a_loop_over_seeds():
    kwargs = dict(key=jax.random.key(7), seeds=10, d=D, T=T, keep_values=True)
    a = S.simulate(mix(0.3), N, chunk=CHUNK, **kwargs)
    again = S.simulate(mix(0.3), N, chunk=CHUNK, **kwargs)
    one = S.simulate(mix(0.3), N, chunk=1, **kwargs)  # one seed per call
    for metric in a.metrics:
        np.testing.assert_array_equal(a.values[metric], again.values[metric])
        # XLA may vectorise differently at another batch size: equal up to rounding
        np.testing.assert_allclose(one.values[metric], a.values[metric], rtol=1e-12)


def test_real_data_is_shared_across_regimes():
    """Generation g's noise depends only on (key, g): replace and accumulate fit the same real data first."""
    kwargs = dict(key=jax.random.key(9), seeds=4, d=D, T=T, keep_values=True, chunk=CHUNK)
    rep, acc = S.simulate(replace(), N, **kwargs), S.simulate(accumulate(), N, **kwargs)
    for metric in rep.metrics:
        np.testing.assert_array_equal(rep.values[metric][:, 0], acc.values[metric][:, 0])
    assert np.all(rep.values["kl"][:, 1] != acc.values["kl"][:, 1])


@pytest.mark.parametrize("kwargs", [
    dict(d=5, T=5), dict(d=0, T=10), dict(T=1), dict(engine="exact"), dict(seeds=0),
])
def test_bad_input(kwargs):
    options = dict(key=jax.random.key(0), seeds=2, d=2, T=10)
    options.update(kwargs)
    with pytest.raises(InvalidParameterError):
        S.simulate(replace(), 3, **options)
    with pytest.raises(InvalidParameterError):
        S.simulate(replace(temperature=0.0), 3, key=jax.random.key(0), seeds=2, d=2, T=10)
