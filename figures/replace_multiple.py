"""Appendix E: replace-multiple beside replace and accumulate (linear vs harmonic vs bounded growth).

Replace-multiple trains iteration n on nT fresh synthetic points from the previous model and no real data,
as much data as accumulate.  Its error is ``sigma^2 kappa H_n`` (harmonic, unbounded but logarithmic), between
replace's ``sigma^2 kappa n`` and accumulate's ``sigma^2 kappa sum 1/i^2 -> sigma^2 kappa pi^2/6``: keeping the
real data, not having more data, is what bounds the error.  d = 32, sigma^2 = 1, T in {100, 1000},
iterations 1..50, log y; theory dashed over 200-seed Monte Carlo (95% band).  About 3 s of CPU beyond the
shared compilation; ``fast=True``: T = 100, 8 iterations, 64 seeds.
"""

from __future__ import annotations

import collapse_theory as ct

from . import linear, plotting

__all__ = ["main"]

REGIMES = (ct.replace(), ct.replace_multiple(), ct.accumulate())


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``replace_multiple.png`` and ``.pdf``."""
    d, n, seeds, Ts = (32, linear.FAST_ITERATIONS, linear.FAST_SEEDS, (100,)) if fast else (32, 50, linear.SEEDS, (100, 1000))
    panels = {T: linear.regime_curves(REGIMES, n=n, seeds=seeds, d=d, T=T, data=data) for T in Ts}
    with plotting.styled():
        fig, axes = plotting.subplots(1, len(Ts), size="text", aspect=0.75, sharey=True, squeeze=False)
        for ax, T in zip(axes[0], Ts):
            linear.regime_panel(ax, panels[T])
            ax.set_yscale("log")
            ax.set_title(rf"$d={d}$, $T={T}$, $\sigma^2=1$")
            ax.set_xlabel("iteration n")
        axes[0, 0].set_ylabel("test error")
        plotting.legend(fig, axes[0, 0].get_legend_handles_labels()[0])
        fig.suptitle("Appendix E: replace-multiple grows like log n, between replace (n) and accumulate (bounded)")
        return plotting.save(fig, "replace_multiple", out)
