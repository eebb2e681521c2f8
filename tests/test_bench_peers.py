"""The benchmark's peer loops simulate the same processes as the engines they are timed against."""

import numpy as np
import pytest

from benchmarks import bench_peers as bench
from collapse_theory import linear_regression
import collapse_theory as ct


@pytest.mark.slow
def test_peer_linear_replace_matches_theory():
    """Mean of ||w_N - w*||^2 over 300 peer seeds within 4 SE of sigma^2 d/(T-d-1) N (Eq. 4)."""
    rng = np.random.default_rng(1)
    values = np.array([bench.peer_linear("replace", rng) for _ in range(300)])
    theory = linear_regression.test_error(ct.replace(), bench.N, d=bench.D, T=bench.T)[-1]
    se = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - theory) < 4 * se


def test_peer_subsample_draws_a_budget_of_rows():
    rng = np.random.default_rng(2)
    pool = [np.arange(5 * 3).reshape(5, 3) + 100 * g for g in range(40)]  # 200 rows > T = 100
    picked = bench._pool_fit("accumulate-subsample", pool, rng, lambda x: x)
    assert picked.shape == (bench.T, 3) and len({tuple(r) for r in picked}) == bench.T
