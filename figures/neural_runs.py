"""The neural figures' data source: train the runs they need (if missing), then read them back as seed statistics.

:func:`runs` is what a neural figure calls.  It asks :mod:`simulations.neural.runs` which runs the figure draws
(the same list ``make neural`` trains), trains the missing ones through their resumable run directories in two
worker processes (:mod:`simulations.neural.pool`: a progress line per run and an estimate of what is left), and
returns them grouped over seeds.  Finished runs are read back, so a second build trains nothing.  ``fast``
uses the ``--fast`` size (its own folder, ``neural-fast``), so a quick build never mixes with the default one.
``NEURAL_JOBS`` in the environment sets the number of workers (default 2, one per core).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import replace as _replace

import numpy as np

from . import paths

__all__ = ["runs", "Group", "size_of"]


def size_of(fast: bool) -> str:
    return "fast" if fast else "default"


class Group:
    """The seeds of one run variant: ``values[metric]`` is ``(seeds, iterations)``; mean and seed SE per iteration.

    ``spec`` is the variant's :class:`~simulations.neural.runs.Spec` with seed 0; ``dirs`` the run directories
    (seed order); ``iterations`` the iteration labels.
    """

    def __init__(self, spec, results, dirs):
        self.spec, self.dirs = spec, dirs
        self.iterations = np.asarray(results[0]["iterations"])
        names = set.intersection(*(set(r["metrics"]) for r in results))
        self.values = {m: np.array([r["metrics"][m] for r in results], dtype=np.float64) for m in names}
        self.seeds = len(results)

    def mean(self, metric: str) -> np.ndarray:
        return self.values[metric].mean(axis=0)

    def se(self, metric: str) -> np.ndarray:
        """Standard error of the seed mean: ``std(ddof=1) / sqrt(seeds)`` (zero with one seed)."""
        v = self.values[metric]
        return v.std(axis=0, ddof=1) / np.sqrt(len(v)) if len(v) > 1 else np.zeros(v.shape[1])

    def preview(self, g: int, seed_index: int = 0) -> np.ndarray:
        """The preview samples of generation ``g`` (1-based: drawn from the model of iteration ``g``)."""
        return np.load(self.dirs[seed_index] / f"iteration-{g:02d}" / "preview.npy", allow_pickle=False)

    def samples(self, g: int, seed_index: int = 0) -> np.ndarray:
        return np.load(self.dirs[seed_index] / f"iteration-{g:02d}" / "samples.npy", allow_pickle=False)


def runs(kind: str, *, fast: bool = False, data=None, train: bool = True) -> dict:
    """``{variant spec (seed 0): Group}`` for every run the ``kind`` figure draws, training what is missing.

    With ``train=False`` nothing is trained and a missing run raises :class:`figures.sources.MissingData`.
    """
    from simulations.neural import pool
    from simulations.neural import runs as neural_runs

    size, root = size_of(fast), paths.DATA if data is None else data
    specs = neural_runs.needed((kind,))
    if train:
        pool.build(specs, size, jobs=int(os.environ.get("NEURAL_JOBS", "2")), root=root)
    groups = defaultdict(list)
    for spec in specs:
        if neural_runs.finished(spec, size, root) is None:
            from .sources import MissingData

            raise MissingData(f"the {spec.name} run at the {size} size is not built; `make neural` trains it")
        groups[_replace(spec, seed=0)].append(spec)
    out = {}
    for variant, members in groups.items():
        dirs = [m.run_dir(size, len(m.task(size).train), root) for m in members]
        results = [json.loads((d / "result.json").read_text()) for d in dirs]
        out[variant] = Group(variant, results, dirs)
    return out


def pick(groups: dict, **fields):
    """The one group whose spec matches ``fields`` (defaults: temperature 1, steps, base model)."""
    want = {"temperature": 1.0, "compute": "steps", "model": "base", **fields}
    found = [g for spec, g in groups.items() if all(getattr(spec, k) == v for k, v in want.items())]
    return found[0] if len(found) == 1 else None
