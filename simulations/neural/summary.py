"""Seed statistics of finished neural runs: ``python -m simulations.neural.summary [ROOT]``.

Reads every ``<ROOT>/<kind>[-<model size>]/<variant>-seed<S>/result.json`` (default ROOT:
``figures/data/neural``) and prints, per kind folder and variant (regime, options, temperature, protocol), the
test loss per iteration as the mean over seeds and the standard error of that mean (``std(ddof=1)/sqrt(seeds)``),
then for every kind the two checks of the paper's qualitative claim at the last iteration:

- ``gap = replace - accumulate`` against its standard error ``sqrt(SE_r^2 + SE_a^2)`` (passes above 4 SE);
- ``rise(accumulate) / rise(replace)``, the rise being last minus first iteration (passes at most 1/3).

Only numpy and the JSON files: the docs (``docs/_ext/ctdocs/neural_page.py``) read the same numbers.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

__all__ = ["collect", "stats", "claims", "main", "ROOT"]

_NAME = re.compile(r"^(?P<variant>.+?)-seed(?P<seed>\d+)$")
ROOT = Path(__file__).resolve().parents[2] / "figures" / "data" / "neural"


def collect(root=ROOT, metric: str = "test_loss") -> dict:
    """``{(kind folder, variant): {seed: (iterations, values)}}`` of every finished run."""
    out = defaultdict(dict)
    for path in sorted(Path(root).glob("*/*/result.json")):
        match = _NAME.match(path.parent.name)
        if match is None:
            continue
        result = json.loads(path.read_text())
        if metric in result["metrics"]:
            out[(path.parent.parent.name, match["variant"])][int(match["seed"])] = (
                result["iterations"], np.asarray(result["metrics"][metric], dtype=np.float64))
    return dict(out)


def _se(values: np.ndarray) -> np.ndarray:
    return values.std(axis=0, ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.full(values.shape[1:], np.nan)


def stats(root=ROOT, metric: str = "test_loss") -> dict:
    """``{(kind folder, variant): dict}`` with iterations, per-iteration mean and SE, and the rise (last minus
    first iteration, per seed) as mean and SE, over the seeds found."""
    out = {}
    for key, seeds in sorted(collect(root, metric).items()):
        n = min(len(v) for _, v in seeds.values())
        values = np.stack([v[:n] for _, v in seeds.values()])  # (seeds, iterations)
        rise = values[:, -1] - values[:, 0]
        out[key] = {"seeds": sorted(seeds), "iterations": next(iter(seeds.values()))[0][:n], "values": values,
                    "mean": values.mean(0), "se": _se(values), "rise": float(rise.mean()),
                    "rise_se": float(_se(rise[:, None])[0])}
    return out


def claims(table: dict) -> dict:
    """Per kind folder: the last-iteration gap replace - accumulate in SEs and the ratio of their rises."""
    out = {}
    for kind in sorted({k for k, _ in table}):
        for variant in ("accumulate", "accumulate-epochs"):  # the fixed-steps protocol, then the paper's
            r, a = table.get((kind, "replace")), table.get((kind, variant))
            if r is None or a is None:
                continue
            gap = float(r["mean"][-1] - a["mean"][-1])
            se = float(np.hypot(r["se"][-1], a["se"][-1]))
            ratio = a["rise"] / r["rise"] if r["rise"] > 0 else float("nan")
            name = kind if variant == "accumulate" else f"{kind}, accumulate under fixed epochs"
            out[name] = {"gap": gap, "gap_se": se, "gap_in_se": gap / se if se > 0 else float("nan"),
                         "rise_replace": r["rise"], "rise_accumulate": a["rise"], "rise_ratio": ratio,
                         "gap_ok": bool(se > 0 and gap > 4 * se),
                         "ratio_ok": bool(r["rise"] > 0 and ratio <= 1 / 3)}
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else ROOT
    metric = argv[1] if len(argv) > 1 else "test_loss"
    table = stats(root, metric)
    if not table:
        print(f"no finished runs under {root}")
        return 0
    for (kind, variant), s in table.items():
        print(f"{kind:10s} {variant:28s} seeds {s['seeds']}  rise {s['rise']:.4f} (SE {s['rise_se']:.4f});  "
              f"{metric} mean (SE) per iteration:")
        print("   " + "  ".join(f"{l}: {m:.4f} ({e:.4f})" for l, m, e in zip(s["iterations"], s["mean"], s["se"])))
    for kind, c in claims(table).items():
        print(f"{kind}: last iteration replace - accumulate = {c['gap']:.4f} = {c['gap_in_se']:.1f} SE "
              f"({'above' if c['gap_ok'] else 'NOT above'} 4 SE); rise accumulate / replace = "
              f"{c['rise_accumulate']:.4f} / {c['rise_replace']:.4f} = {c['rise_ratio']:.3f} "
              f"({'at most' if c['ratio_ok'] else 'ABOVE'} 1/3)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
