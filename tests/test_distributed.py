"""Two processes with ``jax.distributed`` (gloo CPU collectives, loopback) share the seed axis bit for bit."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 240

WORKER = textwrap.dedent('''
    import json, sys
    import numpy as np

    def result(run):
        import jax
        import collapse_theory as ct
        from simulations import precision
        from simulations._linear_engines import trajectory
        from simulations.linear_regression import _prepare
        plan, args, _ = _prepare(ct.accumulate(), 7, d=3, T=9, sigma2=1.3, engine="fast", fresh_design=False,
                                 Sigma=None, sampling=None, test_points=0)
        with precision.scope("float64"):  # 10 seeds in chunks of 6: the padded last chunk is exercised too
            r = run(trajectory(plan), args, key=jax.random.key(11), seeds=10, chunk=6)
        return {m: np.asarray(getattr(r, m)["test_error"]).tobytes().hex() for m in ("mean", "se")}

    if sys.argv[1] == "single":
        from simulations import seeds
        print(json.dumps(result(seeds.run)))
    else:
        from simulations import distributed
        distributed.initialize(sys.argv[1], 2, int(sys.argv[2]), timeout_s=60)
        import jax
        print(json.dumps({"devices": jax.device_count(), "local": jax.local_device_count(),
                          **result(distributed.run)}))
''')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _last_json(text: str) -> dict:
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


@pytest.mark.slow
def test_two_processes_equal_one_bit_for_bit(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XLA_FLAGS": "", "JAX_PLATFORMS": "cpu"}
    address = f"127.0.0.1:{_free_port()}"
    workers = [subprocess.Popen([sys.executable, str(script), address, str(i)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env) for i in range(2)]
    outputs = []
    try:
        for w in workers:
            out, err = w.communicate(timeout=TIMEOUT)
            assert w.returncode == 0, err[-2000:]
            outputs.append(_last_json(out))
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.communicate(timeout=30)
    single = subprocess.run([sys.executable, str(script), "single"], capture_output=True, text=True, env=env,
                            timeout=TIMEOUT, check=True)
    reference = _last_json(single.stdout)
    for out in outputs:
        assert (out["devices"], out["local"]) == (2, 1)
        assert (out["mean"], out["se"]) == (reference["mean"], reference["se"])
