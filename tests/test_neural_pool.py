"""The neural worker pool: it trains what is missing once, and a build killed with SIGKILL (parent and worker)
and started again writes the same ``result.json`` bytes as an uninterrupted build."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulations.neural import pool, runs


#: The pool's test run: one fast VAE run (the CPU of a second would compete with the other test worker).
POOL_SPECS = [runs.Spec("vae", "accumulate", 1)]


@pytest.fixture(scope="module")
def pool_build(tmp_path_factory):
    """An uninterrupted build of ``POOL_SPECS``: its folder, the specs it trained and its progress lines."""
    root, lines = tmp_path_factory.mktemp("pool"), []

    class Log:
        def write(self, text):
            lines.append(text)

        def flush(self):
            pass

    trained = pool.build(POOL_SPECS, "fast", jobs=2, root=root, log=Log())
    return root, trained, "".join(lines)


@pytest.mark.slow
def test_pool_trains_missing_runs_once(pool_build):
    root, trained, text = pool_build
    assert set(trained) == set(POOL_SPECS)
    assert "1 of 1 runs to train" in text and "[1/1] vae accumulate seed 1" in text and "left" in text
    for spec in POOL_SPECS:
        result = runs.finished(spec, "fast", root)
        assert result is not None and result["params"]["compute"] == "steps"
    assert pool.build(POOL_SPECS, "fast", jobs=2, root=root) == []  # read back: nothing trained


_BUILD = """
import json, sys
from simulations.neural import pool, runs
pool.build([runs.Spec(**s) for s in json.loads(sys.argv[2])], "fast", jobs=2, root=sys.argv[1])
"""


def _killed_build(root, *, kill_at: int):
    """Start the build of ``POOL_SPECS`` in its own process group and SIGKILL the whole group (parent and
    worker, as a killed ``make figures`` would be) once a checkpoint of iteration ``kill_at`` exists."""
    repo = Path(__file__).resolve().parents[1]
    specs = json.dumps([vars(spec) for spec in POOL_SPECS])
    with subprocess.Popen([sys.executable, "-c", _BUILD, str(root), specs], cwd=repo, start_new_session=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
        deadline = time.monotonic() + 600
        while not list(Path(root).glob(f"neural-fast/vae/*/iteration-{kill_at:02d}/state.eqx")):
            assert process.poll() is None, "the build ended before it could be killed: " + process.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.slow
def test_killed_pool_build_resumes_to_identical_result_files(pool_build, tmp_path):
    """A build killed mid-training (every process of it) and started again writes the same result.json bytes as
    the uninterrupted build."""
    reference_root = pool_build[0]
    _killed_build(tmp_path, kill_at=2)
    assert not list(tmp_path.rglob("result.json"))  # killed part-way
    resumed = pool.build(POOL_SPECS, "fast", jobs=2, root=tmp_path, log=io.StringIO())  # in this process
    assert set(resumed) == set(POOL_SPECS)  # the part-way run finished by the second build
    reference = sorted(reference_root.rglob("result.json"))
    assert len(reference) == len(POOL_SPECS)
    for path in reference:
        resumed = tmp_path / path.relative_to(reference_root)
        assert resumed.read_bytes() == path.read_bytes(), resumed
