"""The Gaussian-mean model under accumulate and accumulate-subsample: the price of a fixed training budget.

Truth ``N(mu, I_d)``, d = 2, T = 100; the mean is refit to the pool (accumulate) or to a uniform subset of
``B = T`` pool points (accumulate-subsample).  ``E ||mu_n - mu||^2 T / d`` against n: accumulate follows
``H_n^(2) -> pi^2/6``; accumulate-subsample follows the exact recursion of :mod:`collapse_theory.subsample`, close
to its large-population closed form ``3 H_n^(2) - 2 -> pi^2/2 - 2`` (dotted).  Theory dashed, Monte Carlo solid
with a 95% band, 2000 seeds, iterations 1..60; ``fast=True``: 6 iterations, 64 seeds.
"""

from __future__ import annotations

import numpy as np

import collapse_theory as ct
from collapse_theory import subsample

from . import plotting, sources, style

__all__ = ["main"]


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``gaussian_mean.png`` and ``.pdf``."""
    d, T, n, seeds = (2, 100, 6, 64) if fast else (2, 100, 60, 2000)
    regimes = (ct.accumulate(), ct.accumulate_subsample(T))
    scale = T / d  # plot the factor F_n
    closed = subsample.large_population_factor(symbolic=False)
    large = np.array([float(closed.subs(subsample._n, i)) for i in range(1, n + 1)])
    with plotting.styled():
        fig, ax = plotting.subplots(1, 1, size="column", aspect=0.8)
        for regime in sources.progress(regimes, "gaussian-mean"):
            theory = sources.theory(regime, n, family="gaussian-mean", d=d, T=T, data=data)["mean_error"]
            result = sources.monte_carlo(regime, n, family="gaussian-mean", seeds=seeds, d=d, T=T, data=data)
            color = style.regime_color(regime)
            scaled = result.replace(mean={"F": result.mean["mean_error"] * scale},
                                    se={"F": result.se["mean_error"] * scale})
            plotting.result(ax, scaled, "F", color=color, label=regime.label)
            plotting.theory(ax, result.iterations, theory * scale, color=color)
        ax.plot(np.arange(1, n + 1), large, ":", color=style.regime_color(regimes[1]), lw=1,
                label=r"$3H_n^{(2)}-2$ ($T\to\infty$)")
        ax.axhline(np.pi**2 / 6, color=style.regime_color(regimes[0]), lw=0.5, ls=":")
        ax.set_xlabel("iteration n")
        ax.set_ylabel(r"$E\,\|\hat\mu_n-\mu\|^2\;T/d$")
        ax.legend(fontsize=6)
        fig.suptitle(rf"Gaussian mean refitted: accumulate vs a budget $B=T={T}$, $d={d}$")
        return plotting.save(fig, "gaussian_mean", out)
