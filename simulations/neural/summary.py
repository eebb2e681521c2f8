"""Seed statistics of finished neural runs: ``python -m simulations.neural.summary [ROOT]``.

Reads every ``<ROOT>/<kind>/<regime>[-tau<T>]-seed<S>/result.json`` (default ROOT: ``figures/data/neural``)
and prints, per kind and regime, the test loss per iteration as mean and seed-to-seed spread (max - min) over
the seeds found, then whether replace's final test loss exceeds accumulate's by more than the spread of both.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

__all__ = ["collect", "main"]

_NAME = re.compile(r"^(?P<regime>.+?)-seed(?P<seed>\d+)$")


def collect(root, metric: str = "test_loss") -> dict:
    """``{(kind, regime folder without seed): {seed: (iterations, values)}}`` of every finished run."""
    out = defaultdict(dict)
    for path in sorted(Path(root).glob("*/*/result.json")):
        match = _NAME.match(path.parent.name)
        if match is None:
            continue
        result = json.loads(path.read_text())
        if metric in result["metrics"]:
            out[(path.parent.parent.name, match["regime"])][int(match["seed"])] = (
                result["iterations"], np.asarray(result["metrics"][metric]))
    return dict(out)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "figures" / "data" / "neural"
    metric = argv[1] if len(argv) > 1 else "test_loss"
    runs = collect(root, metric)
    finals = {}
    for (kind, regime), seeds in sorted(runs.items()):
        n = min(len(v) for _, v in seeds.values())
        values = np.stack([v[:n] for _, v in seeds.values()])  # (seeds, iterations)
        labels = next(iter(seeds.values()))[0][:n]
        finals[(kind, regime)] = values[:, -1]
        print(f"{kind:10s} {regime:16s} seeds {sorted(seeds)}  {metric} mean (spread) per iteration:")
        print("   " + "  ".join(f"{l}: {m:.4f} ({s:.4f})" for l, m, s in
                                zip(labels, values.mean(0), values.max(0) - values.min(0))))
    for kind in sorted({k for k, _ in finals}):
        r, a = finals.get((kind, "replace")), finals.get((kind, "accumulate"))
        if r is None or a is None:
            continue
        gap, spread = r.mean() - a.mean(), max(np.ptp(r), np.ptp(a))
        verdict = "yes" if gap > spread else "no"
        print(f"{kind}: final replace - accumulate = {gap:.4f}, largest seed spread {spread:.4f}: "
              f"gap above spread: {verdict}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
