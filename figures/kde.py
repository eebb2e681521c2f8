"""The kernel-density family: a KDE refitted to its own samples spreads out or shrinks, and drifts in 2-D.

A Gaussian KDE with fixed bandwidth h samples a stored point plus h N(0, I) (docs/theory/formalism.md §3).  Left: the fitted
distribution's variance over the true variance, 1-D N(0, 1) truth, T = 100, h = 0.3, iterations 1..50: under
replace it approaches the fixed point (T - 1) h^2 geometrically (here above 1: the fit spreads out), under
accumulate it grows like h^2 ln n, slowly and without bound (theory dashed from :mod:`collapse_theory.kde`,
Monte Carlo solid with a 95% band, 100 seeds); below it, the held-out negative log-likelihood of real data
(Monte Carlo only).  Right: the samples of one run on two 2-D data sets (two moons, circles) at a few
iterations, replace above accumulate (:func:`simulations.kde.snapshots`), with h = 0.1 so the shapes show.
The costliest figure after all-regimes: about 40 s of CPU with an empty cache (the NLL needs the whole pool
at every iteration); ``fast=True``: replace only (each regime compiles its own simulator), 6 iterations,
32 seeds, one data set, two snapshots.
"""

from __future__ import annotations

import numpy as np

import collapse_theory as ct

from . import cache, plotting, sources, style

__all__ = ["main"]

ITERATIONS = (1, 5, 20, 50)


def _datasets(wanted=("moon", "circle")) -> list:
    """The KDE family's names for two moons and circles (``collapse_theory.kde.DATASETS``), in that order."""
    names = tuple(getattr(sources.require("collapse_theory.kde", "the KDE figure"), "DATASETS", ()))
    found = [next((name for name in names if w in name.lower()), None) for w in wanted]
    if None in found:
        raise sources.MissingData(f"the KDE scatter panels need two moons and circles in "
                                  f"collapse_theory.kde.DATASETS, found {', '.join(names) or 'none'}")
    return found


def _snapshots(simulator, regime, iterations, *, T, bandwidth, dataset, seed, data) -> dict:
    config = {"name": "kde-snapshots", "regime": sources.regime_config(regime), "iterations": list(iterations),
              "T": T, "bandwidth": bandwidth, "dataset": dataset, "seed": seed}

    def compute():
        import jax

        shots = simulator.snapshots(regime, tuple(iterations), key=jax.random.PRNGKey(seed), T=T,
                                    bandwidth=bandwidth, dataset=dataset)
        return {f"it{i}": np.asarray(shots[i], dtype=np.float64) for i in iterations}

    arrays = cache.cached(config, compute, data=data)
    return {i: arrays[f"it{i}"] for i in iterations}


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``kde.png`` and ``.pdf``."""
    simulator = sources.require("simulations.kde", "the KDE figure")
    T, h, n, seeds = (100, 0.3, 6, 32) if fast else (100, 0.3, 50, 100)
    h_2d = 0.1
    iterations = (1, 5) if fast else ITERATIONS
    datasets = _datasets()[:1 if fast else 2]
    regimes = (ct.replace(),) if fast else (ct.replace(), ct.accumulate())
    curves = {r: (sources.theory(r, n, family="kde", T=T, bandwidth=h, data=data),
                  # chunk = seeds: the simulator's default chunk would pad a few hundred seeds to thousands
                  sources.monte_carlo(r, n, family="kde", seeds=seeds, T=T, bandwidth=h, chunk=seeds, data=data))
              for r in sources.progress(regimes, "kde")}
    shots = {(r, ds): _snapshots(simulator, r, iterations, T=T, bandwidth=h_2d, dataset=ds, seed=0, data=data)
             for r in regimes for ds in datasets}
    with plotting.styled():
        fig = plotting.figure(size="text", aspect=0.55)
        left, right = fig.subfigures(1, 2, width_ratios=(1.0, 1.6))
        axes = left.subplots(2, 1, sharex=True)
        for ax, metric, label in ((axes[0], "variance_ratio", "variance of fit / true variance"),
                                  (axes[1], "nll", "held-out NLL")):
            for regime, (theory, result) in curves.items():
                color = style.regime_color(regime)
                if metric not in result.mean:
                    continue
                plotting.result(ax, result, metric, color=color, label=regime.label)
                if metric in theory:
                    plotting.theory(ax, result.iterations, theory[metric], color=color)
            ax.set_ylabel(label)
        axes[0].set_title(f"1-D N(0, 1), T = {T}, h = {h:g}")
        axes[1].set_xlabel("iteration n")
        axes[0].legend(handles=axes[0].get_legend_handles_labels()[0] + plotting.encoding_handles(),
                       loc="upper left", fontsize=6)
        rows = [(r, ds) for ds in datasets for r in regimes]
        grid = right.subplots(len(rows), len(iterations), squeeze=False)
        # One window per data set (the central 98% of all its samples), so panels compare across regimes.
        limits = {}
        for ds in datasets:
            pooled = np.concatenate([shots[r, ds][it] for r in regimes for it in iterations])
            lo, hi = np.percentile(pooled, [1, 99], axis=0)
            pad = 0.1 * (hi - lo)
            limits[ds] = (lo - pad, hi + pad)
        for (regime, ds), row in zip(rows, grid):
            for ax, it in zip(row, iterations):
                points = shots[regime, ds][it]
                ax.scatter(points[:, 0], points[:, 1], s=1.5, color=style.regime_color(regime), linewidths=0)
                (x0, y0), (x1, y1) = limits[ds]
                ax.set_xlim(x0, x1)
                ax.set_ylim(y0, y1)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                if (regime, ds) == rows[0]:
                    ax.set_title(f"n = {it}")
            row[0].set_ylabel(f"{regime.kind}\n{ds}", fontsize=6.5, color=style.regime_color(regime))
        right.suptitle(f"samples of one run on 2-D data sets, T = {T}, h = {h_2d:g}", fontsize=8)
        return plotting.save(fig, "kde", out)
