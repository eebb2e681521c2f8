"""Seeds: 64-bit seeds, keys made per chunk (bit-identical to split), and forced host devices that finish."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from collapse_theory.errors import InvalidParameterError
from simulations import seeds

ROOT = Path(__file__).resolve().parents[1]


def _data(keys):
    return np.asarray(jax.random.key_data(keys) if jax.dtypes.issubdtype(keys.dtype, jax.dtypes.prng_key) else keys)


@pytest.mark.parametrize("key", [jax.random.key(7), jax.random.PRNGKey(7), seeds.key_from_seed(2**40 + 5)],
                         ids=["typed", "raw", "64-bit"])
def test_chunk_keys_equal_the_slices_of_split(key):
    total = 10_000
    full = _data(jax.random.split(key, total))
    for start, size in ((0, 4096), (4096, 4096), (8192, 4096), (9999, 1), (1234, 777), (0, 10_000)):
        got = seeds.chunk_keys(key, total, start, size)
        assert got.dtype == jax.random.split(key, 2).dtype and _data(got).shape == (size, 2)
        count = min(size, total - start)
        np.testing.assert_array_equal(_data(got)[:count], full[start:start + count])


def test_keys_past_two_to_the_32_are_distinct_and_cheap():
    key = jax.random.key(0)
    high = _data(seeds.chunk_keys(key, 10**12, 2**32, 4))
    low = _data(seeds.chunk_keys(key, 10**12, 0, 4))
    assert not np.any(np.all(high == low, axis=1))
    assert _data(seeds.chunk_keys(key, 10**12, 10**12 - 8, 8)).shape == (8, 2)


def test_key_from_seed_keeps_todays_keys_below_two_to_the_32():
    for seed in (0, 1, 3, 2**31 - 1, 2**31, 3_000_000_000, 2**32 - 1):
        np.testing.assert_array_equal(_data(seeds.key_from_seed(seed)), _data(jax.random.key(seed)))


def test_key_from_seed_uses_all_64_bits():
    made = {tuple(_data(seeds.key_from_seed(s))) for s in (0, 2**32, 2**63, 2**64 - 1, 1, 2**32 + 1)}
    assert len(made) == 6
    assert tuple(_data(seeds.key_from_seed(2**32))) == (1, 0)


@pytest.mark.parametrize("seed", [-1, 2**64, 10**30, 1.5, True, "3"])
def test_key_from_seed_refuses_outside_the_range(seed):
    with pytest.raises(InvalidParameterError):
        seeds.key_from_seed(seed)


def _moments(key, arg):
    return {"x": jax.random.normal(key, (3,)) + arg}


@pytest.mark.slow
def test_run_streams_and_matches_one_materialised_split():
    key = jax.random.key(11)
    result = seeds.run(_moments, 0.0, key=key, seeds=1000, chunk=96, keep_values=True)
    keys = jax.random.split(key, 1000)
    with seeds.draws():  # the scope seeds.run draws in
        direct = np.asarray(jax.vmap(lambda k: _moments(k, 0.0)["x"])(keys), dtype=np.float64)
    np.testing.assert_array_equal(result.values["x"], direct)
    assert result.seeds == 1000


@pytest.mark.parametrize("count", [0, 2**53 + 1, 10**30, 2.5])
def test_run_refuses_impossible_seed_counts(count):
    with pytest.raises(InvalidParameterError):
        seeds.run(_moments, 0.0, key=jax.random.key(0), seeds=count)


DEVICES = """
import json, sys
import jax, numpy as np
from collapse_theory.regimes import Regime
from simulations import linear_regression
from simulations.seeds import key_from_seed
runs = {"linear": (linear_regression, {"d": 3, "T": 12, "sigma2": 1.0})}
out = {"devices": jax.device_count()}
for name, (module, params) in runs.items():
    s, _ = module.simulate_cli(Regime("accumulate"), 5, seeds=600, key=key_from_seed(3), quiet=True, **params)
    out[name] = {m: {k: [float(x).hex() for x in np.asarray(v)] for k, v in d.items()} for m, d in s.items()}
print(json.dumps(out))
"""


def _forced(devices):
    # The session's caches (conftest): the two-device run loads what the one-device run compiled.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu",
           "XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={devices}"}
    # The configuration that hung (600 seeds in one chunk over 2 forced devices, whatever the sizes): a timeout,
    # not a hang.
    done = subprocess.run([sys.executable, "-c", DEVICES], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.slow
def test_two_forced_devices_finish_and_match_one_bit_for_bit():
    one, two = _forced(1), _forced(2)
    assert (one.pop("devices"), two.pop("devices")) == (1, 2)
    # Every family runs through the same driver (simulations.seeds.run): its per-device calls are what is tested.
    assert two["linear"] == one["linear"]
