"""The figure cache: keys, round trips, and atomicity under kill -9 (figures/cache.py)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from figures import cache

ROOT = Path(__file__).resolve().parents[1]

WRITER = """
import sys
import numpy as np
from figures import cache

# Large entries so that a kill lands inside a write with high probability.
for i in range(10_000):
    cache.store({"name": "big", "i": i}, {"x": np.full(1_000_000, float(i))}, data=sys.argv[1])
"""


def test_key_depends_on_config_and_not_on_order():
    a = cache.key({"name": "t", "n": 5, "params": {"d": 32, "T": 100}})
    b = cache.key({"params": {"T": 100, "d": 32}, "n": 5, "name": "t"})
    c = cache.key({"name": "t", "n": 6, "params": {"d": 32, "T": 100}})
    assert a == b
    assert a != c
    assert len(a) == 16


def test_round_trip_with_sidecar(tmp_path):
    config = {"name": "theory-linear", "regime": {"kind": "replace"}, "n": 3, "params": {"sigma2": 0.1}}
    arrays = {"test_error": np.array([1.0, 2.0, 3.0]), "seeds": np.asarray(7)}
    cache.store(config, arrays, data=tmp_path)
    loaded = cache.load(config, data=tmp_path)
    assert set(loaded) == set(arrays)
    np.testing.assert_array_equal(loaded["test_error"], arrays["test_error"])
    assert int(loaded["seeds"]) == 7
    meta = json.loads(cache.entry(config, data=tmp_path)[1].read_text())
    assert meta["config"] == config
    assert meta["version"] and meta["revision"]
    assert meta["arrays"] == ["seeds", "test_error"]


def test_cached_computes_once(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"y": np.arange(4.0)}

    first = cache.cached({"name": "c"}, compute, data=tmp_path)
    second = cache.cached({"name": "c"}, compute, data=tmp_path)
    assert len(calls) == 1
    np.testing.assert_array_equal(first["y"], second["y"])


def test_uncommitted_or_damaged_entries_are_not_read(tmp_path):
    config = {"name": "d", "i": 1}
    npz, sidecar = cache.entry(config, data=tmp_path)
    cache.store(config, {"x": np.ones(1000)}, data=tmp_path)
    sidecar.unlink()  # the npz alone, as a kill between the two renames leaves it
    assert cache.load(config, data=tmp_path) is None
    cache.store(config, {"x": np.ones(1000)}, data=tmp_path)
    npz.write_bytes(npz.read_bytes()[:100])  # damaged outside the cache's control
    assert cache.load(config, data=tmp_path) is None


def test_kill_minus_nine_mid_write_then_resume(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], env=env, cwd=ROOT)
    saw_temp = False
    try:
        deadline = time.monotonic() + 60
        # Kill only once some entries are committed and a temporary file shows a write in progress.
        while time.monotonic() < deadline and child.poll() is None:
            committed = list(tmp_path.glob("big-*.json"))
            temps = list(tmp_path.glob(cache.TEMP_PREFIX + "*"))
            if len(committed) >= 2 and temps:
                saw_temp = True
                break
            time.sleep(0.002)
        assert child.poll() is None, "the writer finished or died before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert saw_temp

    # Every committed entry reads back whole and right; the rest read as missing, never torn.
    committed = sorted(int(json.loads(p.read_text())["config"]["i"]) for p in tmp_path.glob("big-*.json"))
    assert committed == list(range(len(committed))) and len(committed) >= 2
    for i in range(len(committed) + 3):
        loaded = cache.load({"name": "big", "i": i}, data=tmp_path)
        if i < len(committed):
            assert loaded is not None and loaded["x"].shape == (1_000_000,) and np.all(loaded["x"] == i)
        else:
            assert loaded is None

    # Resume: recompute exactly what is missing.
    computed = []

    def compute(i):
        computed.append(i)
        return {"x": np.full(1_000_000, float(i))}

    total = len(committed) + 3
    for i in range(total):
        out = cache.cached({"name": "big", "i": i}, lambda i=i: compute(i), data=tmp_path)
        assert np.all(out["x"] == i)
    assert computed == list(range(len(committed), total))
