"""Neural run directories: every file checksummed; a damaged one is discarded and its step recomputed."""

import json
import shutil

import jax.numpy as jnp
import numpy as np
import pytest

from collapse_theory import regimes
from simulations.neural import checkpoint, loop, vae

DAMAGES = {
    "truncated": lambda b: b[: len(b) // 2],
    "random": lambda b: bytes(np.random.default_rng(0).integers(0, 256, max(len(b), 8), dtype=np.uint8)),
    "one bit": lambda b: b[:-1] + bytes([b[-1] ^ 1]),
    "empty": lambda b: b"",
}


def _forget(run, name):
    """Remove ``name`` as the run itself would not have written it yet (file and manifest entry)."""
    (run / name).unlink()
    manifest = json.loads((run / checkpoint.MANIFEST).read_text())
    del manifest["files"][name]
    (run / checkpoint.MANIFEST).write_text(json.dumps(manifest))


def _damage(path, how):
    if how == "missing":
        path.unlink()
    else:
        path.write_bytes(DAMAGES[how](path.read_bytes()))


@pytest.mark.parametrize("how", [*DAMAGES, "missing"])
def test_damaged_files_read_as_absent_with_one_line(tmp_path, capsys, how):
    rd = checkpoint.RunDir(tmp_path / "run")
    rd.claim({"kind": "vae", "seed": 0})
    rd.write_json("iteration-01/metrics.json", {"nll": 1.5})
    rd.write_array("iteration-01/samples.npy", np.arange(12.0).reshape(3, 4))
    rd.write_array("iteration-01/preview.npy", np.arange(4.0))
    rd.write_state(1, (jnp.arange(3.0), jnp.asarray(7)))
    rd.write_json("result.json", {"iterations": [1]})
    like = (jnp.zeros(3), jnp.asarray(0))
    readers = {"iteration-01/metrics.json": lambda r: r.read_json("iteration-01/metrics.json"),
               "iteration-01/samples.npy": lambda r: r.read_array("iteration-01/samples.npy"),
               "iteration-01/state.eqx": lambda r: r.read_state(1, like),
               "result.json": lambda r: r.read_json("result.json")}
    for name, read in readers.items():
        assert read(checkpoint.RunDir(rd.path)) is not None
        saved = (rd.path / name).read_bytes()
        _damage(rd.path / name, how)
        capsys.readouterr()
        fresh = checkpoint.RunDir(rd.path)
        assert read(fresh) is None
        if name != "iteration-01/state.eqx":
            assert fresh.metrics(1) is None or name == "result.json"
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "damaged" in err[0] and name in err[0], err
        (rd.path / name).write_bytes(saved)
        assert read(checkpoint.RunDir(rd.path)) is not None


def test_a_file_missing_from_the_manifest_is_not_trusted(tmp_path, capsys):
    rd = checkpoint.RunDir(tmp_path / "run")
    rd.claim({"kind": "vae"})
    checkpoint.atomic_write_bytes(rd.path / "result.json", b'{"iterations": [1]}')  # a kill before the manifest
    assert rd.read_json("result.json") is None
    assert "not in the manifest" in capsys.readouterr().err


def test_a_damaged_config_resets_the_run_without_a_traceback(tmp_path, capsys):
    rd = checkpoint.RunDir(tmp_path / "run")
    rd.claim({"kind": "vae", "seed": 0})
    rd.write_json("iteration-01/metrics.json", {"nll": 1.5})
    (rd.path / "config.json").write_text("{broken")
    again = checkpoint.RunDir(rd.path)
    again.claim({"kind": "vae", "seed": 0})
    assert again.config() == {"kind": "vae", "seed": 0}
    assert again.read_json("iteration-01/metrics.json") is None  # cannot be known to belong to this run
    assert "config.json is damaged" in capsys.readouterr().err


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    task, regime = vae.build("fast"), regimes.accumulate()
    root = tmp_path_factory.mktemp("reference") / "run"
    return task, regime, root, loop.run(task, regime, seed=5, iterations=2, run_dir=root)


@pytest.mark.slow
@pytest.mark.parametrize("name, how, retrains", [
    ("result.json", "truncated", False),
    ("iteration-01/samples.npy", "one bit", False),
    ("iteration-02/metrics.json", "random", False),
    ("iteration-01/preview.npy", "missing", False),
    ("iteration-02/state.eqx", "random", True),
    ("config.json", "truncated", True),
])
def test_a_run_with_a_damaged_file_recomputes_to_the_same_numbers(reference, tmp_path, capsys, name, how,
                                                                  retrains):
    task, regime, root, expected = reference
    run = tmp_path / "run"
    shutil.copytree(root, run)
    if name != "result.json":
        _forget(run, "result.json")  # an intact result.json is returned as it is, reading nothing else
    if name.endswith("state.eqx"):
        _forget(run, "iteration-02/metrics.json")  # the state is read only by an unfinished iteration
    _damage(run / name, how)
    trained = []
    capsys.readouterr()
    result = loop.run(task, regime, seed=5, iterations=2, run_dir=run, on_checkpoint=lambda g, s: trained.append(g))
    err = capsys.readouterr().err
    assert result["metrics"] == expected["metrics"]  # same seed, same numbers, bit for bit
    assert bool(trained) == retrains
    damaged = [line for line in err.splitlines() if "damaged" in line]
    assert len(damaged) == 1 and name in damaged[0], err
    assert "Traceback" not in err
    assert json.loads((run / "result.json").read_text())["metrics"] == expected["metrics"]
