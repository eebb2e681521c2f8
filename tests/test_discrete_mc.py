"""The discrete family's Monte Carlo against the exact theory: every metric within 4 SE at every iteration."""

import jax
import numpy as np
import pytest

from collapse_theory import discrete as D
from collapse_theory.errors import CollapseTheoryError
from collapse_theory.regimes import accumulate, accumulate_subsample, replace
from simulations import discrete as S
from conftest import assert_agrees

SEEDS = 2000


@pytest.mark.slow
@pytest.mark.parametrize("regime", [replace(), accumulate(), accumulate_subsample(50)], ids=lambda r: r.label)
def test_monte_carlo_matches_the_exact_theory(regime):
    n, K, T = 50, 10, 100
    result = S.simulate(regime, n, key=jax.random.key(7), seeds=SEEDS, K=K, T=T)
    theory = D.errors(regime, n, K=K, T=T)
    assert set(theory) == set(S.METRICS)
    for metric, values in theory.items():
        se = result.se[metric]
        if metric == "total_collapse":
            # an indicator: where no seed collapsed the sample SE is 0, so use the Bernoulli SE of the theory
            se = np.maximum(se, np.sqrt(values * (1 - values) / SEEDS))
        assert_agrees(result.mean[metric], se, values, what=f"{regime.label} {metric}")


@pytest.mark.slow
def test_non_uniform_truth_and_replace_seeds_reach_total_collapse():
    p0 = (0.7, 0.2, 0.1)
    result = S.simulate(replace(), 40, key=jax.random.key(3), seeds=SEEDS, K=3, T=12, p0=p0)
    theory = D.errors(replace(), 40, K=3, T=12, p0=p0)
    for metric, values in theory.items():
        assert_agrees(result.mean[metric], result.se[metric], values, what=f"p0 {metric}")
    assert theory["total_collapse"][-1] > 0.9


@pytest.mark.slow
@pytest.mark.parametrize("T", [10, 50])
def test_expected_iteration_of_total_collapse(T):
    """K = 2: the exact chain value within 4 SE of 10^4 seeds; the diffusion value is off by a few percent."""
    result = S.collapse_times(key=jax.random.key(11), seeds=10_000, K=2, T=T)
    exact = D.collapse_time(K=2, T=T)
    assert_agrees(result.mean["collapse_iteration"], result.se["collapse_iteration"], [exact],
                  what=f"collapse time T={T}")
    gap = D.collapse_time_diffusion(K=2, T=T) / exact - 1
    assert 0.02 < gap < 0.11, gap  # 10.1% at T = 10, 2.7% at T = 50


def test_simulator_refuses_temperature():
    with pytest.raises(CollapseTheoryError, match="temperature"):
        S.simulate(replace(temperature=2.0), 3, key=jax.random.key(0), seeds=2)
