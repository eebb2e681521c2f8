"""The figure cache: keys, round trips, and atomicity under kill -9 (figures/cache.py)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

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


# -- code-change trigger, checksums, and worker exit status (issue 15, point 4) -----------------------------------

def test_a_change_of_the_computing_source_recomputes(tmp_path, monkeypatch):
    calls = []

    def compute():
        calls.append(1)
        return {"y": np.arange(3.0)}

    config = {"name": "theory-linear", "n": 3}
    cache.cached(config, compute, data=tmp_path)
    cache.cached(config, compute, data=tmp_path)
    assert len(calls) == 1
    real = cache.source_hash
    monkeypatch.setattr(cache, "source_hash", lambda packages: real(packages) + "-edited")
    cache.cached(config, compute, data=tmp_path)
    assert len(calls) == 2


def test_theory_and_monte_carlo_entries_hash_their_packages():
    assert cache.packages_for({"name": "theory-gaussian"}) == ("collapse_theory",)
    assert cache.packages_for({"name": "mc-linear"}) == ("collapse_theory", "simulations")
    assert cache.packages_for({"name": "kde-snapshots"}) == ("collapse_theory", "simulations")


def test_package_hash_follows_every_source_file(tmp_path, monkeypatch):
    package = tmp_path / "hashed_pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "theory.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = cache._package_hash("hashed_pkg")
    cache._package_hash.cache_clear()
    assert cache._package_hash("hashed_pkg") == first
    (package / "sub" / "theory.py").write_text("X = 2\n")
    cache._package_hash.cache_clear()
    assert cache._package_hash("hashed_pkg") != first
    cache._package_hash.cache_clear()


def _damage_and_reload(tmp_path, capsys, damage):
    config = {"name": "mc-linear", "seeds": 4}
    good = {"y": np.array([1.0, 2.0, 3.0])}
    cache.store(config, good, data=tmp_path)
    npz, _ = cache.entry(config, data=tmp_path)
    damage(npz)
    capsys.readouterr()
    out = cache.cached(config, lambda: good, data=tmp_path)
    err = capsys.readouterr().err
    np.testing.assert_array_equal(out["y"], good["y"])
    assert len(err.strip().splitlines()) == 1 and "damaged" in err and npz.name in err
    assert cache.load(config, data=tmp_path) is not None  # rewritten whole
    cache.cached(config, lambda: good, data=tmp_path)
    assert capsys.readouterr().err == ""


def test_an_entry_rewritten_with_wrong_numbers_is_recomputed(tmp_path, capsys):
    def rewrite(npz):
        with open(npz, "wb") as f:  # a valid npz, but not the one the sidecar committed
            np.savez(f, y=np.array([1.0, 2.0, 4.0]))

    _damage_and_reload(tmp_path, capsys, rewrite)


def test_a_truncated_or_flipped_npz_is_recomputed(tmp_path, capsys):
    _damage_and_reload(tmp_path, capsys, lambda npz: npz.write_bytes(npz.read_bytes()[:50]))

    def flip(npz):
        data = bytearray(npz.read_bytes())
        data[len(data) // 2] ^= 0x01
        npz.write_bytes(bytes(data))

    _damage_and_reload(tmp_path, capsys, flip)


def test_a_missing_npz_or_garbled_sidecar_is_recomputed(tmp_path, capsys):
    _damage_and_reload(tmp_path, capsys, lambda npz: npz.unlink())
    _damage_and_reload(tmp_path, capsys, lambda npz: npz.with_suffix(".json").write_text("{not json"))


def test_a_worker_killed_by_a_signal_fails_the_build(monkeypatch, tmp_path, capsys):
    import figures.__main__ as build
    from figures import FIGURES, LANES

    lane0 = next(n for n in FIGURES if LANES.get(n, 1) == 0)
    lane1 = next(n for n in FIGURES if LANES.get(n, 1) == 1)
    real_popen = subprocess.Popen

    def fake_worker(command, *a, **k):
        # The lane holding lane0 is killed by SIGKILL, as `kill -9` of a figure worker; the other succeeds.
        body = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)" if lane0 in command else "pass"
        return real_popen([sys.executable, "-c", body])

    monkeypatch.setattr(build.subprocess, "Popen", fake_worker)
    status = build.main(["--jobs", "2", "--out", str(tmp_path), lane0, lane1])
    err = capsys.readouterr().err
    assert status != 0
    assert "SIGKILL" in err and lane0 in err


def test_exit_status_of_workers():
    from figures.__main__ import _status

    assert _status([(["a"], 0), (["b"], 0)]) == 0
    assert _status([(["a"], -signal.SIGKILL), (["b"], 0)]) == 1
    assert _status([(["a"], 0), (["b"], -signal.SIGTERM)]) == 1
    assert _status([(["a"], 0), (["b"], 3)]) == 3
    assert _status([(["a"], 1), (["b"], -9)]) == 1
    assert _status([]) == 0
