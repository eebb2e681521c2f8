"""A sweep's cells spread over worker processes: the same cell files, the same numbers, in less wall time.

:func:`compute` hands the cells still missing to ``jobs`` processes (``python -m simulations.sweep_workers``), the
costliest first, one cell at a time to whichever worker is free (:func:`simulations.workers.serve`).  A worker
runs :func:`simulations.sweep.run_cell` and writes the cell file (:func:`simulations.sweep.save_cell`, atomic
and checksummed) before it answers; :func:`simulations.sweep.sweep` then reads every cell back as if a former
run had left it.  A cell's numbers depend on the key and the cell only, and each worker runs the program the
single process runs, so the dataset is bit for bit the one process's (``tests/test_sweep.py``).  A killed
sweep keeps every cell a worker finished.

Why processes: JAX traces, lowers and dispatches a cell's programs on one Python thread, so one process
keeps one core busy between the multi-threaded parts of the runs; the workers keep the compiled programs in
JAX's on-disk cache beside the derivation cache, like the single process.
"""

from __future__ import annotations

import json
import sys

from . import workers

__all__ = ["compute"]


def compute(cells, *, jobs: int, folder, n: int, seeds: int, key, seed_label: str, dtype: str, on_done=None):
    """Run ``cells`` in ``jobs`` worker processes, each writing its cell file into ``folder``.

    ``on_done(cell)`` is called once per finished cell, one call at a time, from the threads that serve the
    workers.  Raises ``RuntimeError`` naming the cell when a worker fails or exits.
    """
    import jax
    import numpy as np

    from . import linear_regression

    todo = sorted(cells, key=lambda c: -linear_regression.work(c.regime, n, d=c.d, T=c.T))
    if not todo:
        return
    common = {"n": n, "seeds": seeds, "seed_label": seed_label, "dtype": dtype, "folder": str(folder),
              "key": np.asarray(jax.random.key_data(key)).tolist(), "impl": str(jax.random.key_impl(key))}
    def answered(cell, answer, unfinished):
        if on_done is not None:
            on_done(cell)

    workers.serve([sys.executable, "-m", "simulations.sweep_workers"], todo, jobs=max(1, min(jobs, len(todo))),
                  env=workers.environment(), on_answer=answered, what="sweep workers",
                  request=lambda cell: {**common, "name": cell.name, "regime": cell.regime.to_json(), "d": cell.d,
                                        "T": cell.T},
                  name=lambda cell: f"cell {cell.name} d={cell.d} T={cell.T}")


def _worker() -> int:
    """Read one JSON cell per line on stdin, compute and save it, answer one JSON line; exit on EOF."""
    from pathlib import Path

    import jax
    import numpy as np

    from collapse_theory.regimes import Regime

    from . import sweep

    for line in sys.stdin:
        request = json.loads(line)
        try:
            key = jax.random.wrap_key_data(np.asarray(request["key"], dtype=np.uint32), impl=request["impl"])
            cell = sweep.Cell(request["name"], Regime.from_json(request["regime"]), request["d"], request["T"])
            sweep.save_cell(Path(request["folder"]), cell, n=request["n"], seeds=request["seeds"],
                            seed_label=request["seed_label"], dtype=request["dtype"],
                            values=sweep.run_cell(cell, n=request["n"], seeds=request["seeds"], key=key,
                                                  dtype=request["dtype"]))
            answer = {"ok": True}
        except Exception as exc:  # reported by the parent, which stops handing out cells
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_worker())
