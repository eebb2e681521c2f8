"""The whole Kazdan et al. linear grid with ``collapse-theory sweep``: wall time of a process, cold and warm cache.

Grid: d in {1, 3, 10, 32, 100}, T in {10, 32, 100, 316, 1000} with T >= d + 2 (19 pairs), sigma^2 in
{0.1, 1, 10}, replace / accumulate / accumulate-subsample (budget T), 100 iterations, 100 seeds per cell: 57
Monte Carlo cells.  The first process runs on an empty compilation cache, the second on the cache the first
filled, each with an empty folder of cell files (so every cell is computed); then warm again with one worker
process per core (``--jobs``), whose dataset must be byte-identical.  Target: warm under 60 s on 2 cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARGS = ["--model", "linear", "--regimes", "replace,accumulate,accumulate-subsample", "--d", "1,3,10,32,100",
        "--T", "10,32,100,316,1000", "--sigma2", "0.1,1,10", "--n", "100", "--seeds", "100", "--quiet", "--yes"]
# The console script's entry point may not be installed in a development checkout: call the command directly.
RUN = ("import sys; from collapse_theory import command as c; from simulations.sweep_command import sweep; "
       "p = c.Parser(); sweep.add_arguments(p); a = p.parse_args(sys.argv[1:]); a.process = True; sweep.run(a)")


def sweep_seconds(cache: str, out: Path, jobs: int = 1) -> float:
    env = {**os.environ, "COLLAPSE_THEORY_CACHE": cache}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", RUN, *ARGS, "--jobs", str(jobs), "--out", str(out)], check=True, env=env,
                   timeout=3600, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as work:
        cold = sweep_seconds(cache, Path(work) / "cold.nc")
        warm = sweep_seconds(cache, Path(work) / "warm.nc")
        jobs = os.cpu_count() or 1
        warm_jobs = sweep_seconds(cache, Path(work) / "jobs.nc", jobs=jobs)
        same = (Path(work) / "warm.nc").read_bytes() == (Path(work) / "jobs.nc").read_bytes()
    print(f"Kazdan linear grid (57 cells x 3 sigma^2, 100 iterations, 100 seeds): cold cache {cold:.1f} s, "
          f"warm cache {warm:.1f} s; warm with --jobs {jobs}: {warm_jobs:.1f} s ({warm / warm_jobs:.2f}x, "
          f"{'the same' if same else 'a DIFFERENT'} dataset) (target: warm < 60 s on 2 cores)")


if __name__ == "__main__":
    main()
