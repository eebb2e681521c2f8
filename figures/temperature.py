"""Sampling temperature: test error against iteration for tau in {0, 0.3, 1, 1.5}, replace and accumulate.

Synthetic labels drawn at temperature tau carry noise variance ``tau^2 sigma^2``, so in linear regression
tau < 1 *lowers* the error (a Gaussian has no tails to lose; the opposite of the paper's language models, where
tau = 0.3 collapsed faster) and tau = 0 freezes replace at its first-iteration value ``sigma^2 kappa``.  Theory:
the closed forms with temperature from :mod:`collapse_theory.linear_regression`; Monte Carlo: 200 seeds per
curve.  d = 32, T = 100, sigma^2 = 1, iterations 1..50, log y.  About 10 s of CPU with an empty cache;
``fast=True``: tau in {0.3, 1}, 8 iterations, 64 seeds.
"""

from __future__ import annotations

import collapse_theory as ct

from . import linear, plotting, style

__all__ = ["main", "TEMPERATURES"]

TEMPERATURES = (0.0, 0.3, 1.0, 1.5)


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``temperature.png`` and ``.pdf``."""
    d, T, n, seeds = (32, 100, linear.FAST_ITERATIONS, linear.FAST_SEEDS) if fast else (32, 100, 50, linear.SEEDS)
    taus = (0.3, 1.0) if fast else TEMPERATURES
    colors = style.sequential(len(taus), cmap="plasma")
    labels = [rf"$\tau={tau:g}$" for tau in taus]
    panels = {kind: linear.regime_curves([kind(temperature=tau) for tau in taus], n=n, seeds=seeds, d=d, T=T,
                                         data=data)
              for kind in (ct.replace, ct.accumulate)}
    with plotting.styled():
        fig, axes = plotting.subplots(1, 2, size="text", aspect=0.75, sharey=True)
        for ax, (kind, curves) in zip(axes, panels.items()):
            linear.regime_panel(ax, curves, colors=colors, labels=labels)
            ax.set_yscale("log")
            ax.set_title(kind.__name__, color=style.regime_color(kind.__name__))
            ax.set_xlabel("iteration n")
        axes[0].set_ylabel("test error")
        plotting.legend(fig, axes[0].get_legend_handles_labels()[0], title="temperature")
        fig.suptitle(rf"Temperature of the synthetic labels: $d={d}$, $T={T}$, $\sigma^2=1$")
        return plotting.save(fig, "temperature", out)
