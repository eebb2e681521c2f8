"""The discrete family: a K-sided die refitted to its own samples loses categories unless the data accumulate.

Left two panels: the expected collision probability ``E sum p_i^2`` and the expected number of categories with
zero mass per iteration, uniform die with K = 10, T = 100, replace vs accumulate vs accumulate-subsample
(B = 50); theory dashed (:func:`collapse_theory.discrete.errors`), Monte Carlo solid with a 95% band (500
seeds).  Right: the expected iteration of total collapse under replace against T, log-log, for K = 2, 3, 10:
exact from the chain (:func:`collapse_theory.discrete.collapse_time`, solid) and Kimura's diffusion value
(dotted); both grow linearly in T.  ``fast=True``: 6 iterations, 64 seeds, three values of T.
"""

from __future__ import annotations

import numpy as np

import collapse_theory as ct

from . import cache, plotting, sources, style

__all__ = ["main"]


def _collapse_times(Ks, Ts, *, data) -> dict:
    config = {"name": "discrete-collapse-times", "K": list(Ks), "T": list(Ts)}

    def compute():
        theory = sources.require("collapse_theory.discrete", "the discrete figure")
        return {f"{kind}.K{K}": np.array([getattr(theory, name)(K=K, T=T) for T in Ts])
                for K in Ks for kind, name in (("exact", "collapse_time"), ("diffusion", "collapse_time_diffusion"))}

    return cache.cached(config, compute, data=data)


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``discrete.png`` and ``.pdf``."""
    K, T, B = 10, 100, 50
    n, seeds = (6, 64) if fast else (50, 500)
    Ts = (4, 16, 64) if fast else (4, 8, 16, 32, 64, 128, 256, 512)
    Ks = (2, 3, 10)
    regimes = (ct.replace(), ct.accumulate(), ct.accumulate_subsample(B))
    curves = {r: (sources.theory(r, n, family="discrete", K=K, T=T, data=data),
                  sources.monte_carlo(r, n, family="discrete", seeds=seeds, K=K, T=T, chunk=seeds, data=data))
              for r in sources.progress(regimes, "discrete")}
    times = _collapse_times(Ks, Ts, data=data)
    with plotting.styled():
        fig, axes = plotting.subplots(1, 3, size="text", aspect=1.0)
        for ax, metric, label in ((axes[0], "collision", r"collision probability $E\sum_i p_i^2$"),
                                  (axes[1], "lost_categories", "categories with zero mass")):
            for regime, (theory, result) in curves.items():
                color = style.regime_color(regime)
                plotting.result(ax, result, metric, color=color, label=regime.label)
                plotting.theory(ax, result.iterations, theory[metric], color=color)
            ax.set_xlabel("iteration n")
            ax.set_ylabel(label)
        axes[0].set_title(f"uniform die, K = {K}, T = {T}")
        axes[0].legend(handles=axes[0].get_legend_handles_labels()[0] + plotting.encoding_handles(),
                       loc="upper left", fontsize=6)
        palette = style.sequential(len(Ks))
        for color, K_ in zip(palette, Ks):
            axes[2].plot(Ts, times[f"exact.K{K_}"], color=color, marker="o", label=f"K = {K_}, exact chain")
            axes[2].plot(Ts, times[f"diffusion.K{K_}"], color=color, linestyle=":", label=f"K = {K_}, diffusion")
        axes[2].set_xscale("log")
        axes[2].set_yscale("log")
        axes[2].set_xlabel("samples per generation T")
        axes[2].set_ylabel("expected iteration of total collapse")
        axes[2].set_title("replace: time to one category")
        axes[2].legend(fontsize=5.5, loc="upper left")
        return plotting.save(fig, "discrete", out)
