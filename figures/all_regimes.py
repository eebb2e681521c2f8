"""Every data regime in one setting: theory (dashed) and Monte Carlo (solid, 95% band) together.

Linear regression with d = 32, T = 100, sigma^2 = 1, iterations 1..50, log y.  Left: the regimes that forget
the real data (replace, window(3), replace-multiple) grow without bound; right: those that keep real data
(accumulate, mix(lambda = 0.3), fresh-real at the golden-ratio weight) stay bounded, and accumulate-subsample
(accumulate, then fit on a random subset of B = T points of the pool: fixed compute) is drawn as Monte Carlo
only, since it has no closed form.  Seeds: 200 per regime, 100 for accumulate-subsample (it draws every row);
each regime kind compiles its own simulator, so this is the slowest figure, about 40 s of CPU with an empty
cache.  ``fast=True``: replace, accumulate and accumulate-subsample only, 8 iterations, 64 seeds.
"""

from __future__ import annotations

import collapse_theory as ct
from collapse_theory.optimize import golden_weight

from . import linear, plotting

__all__ = ["main", "GROWING", "BOUNDED"]

GOLDEN = round(golden_weight(), 3)
GROWING = (ct.replace(), ct.window(3), ct.replace_multiple())
BOUNDED = (ct.accumulate(), ct.mix(0.3), ct.fresh_real(GOLDEN, 1), ct.accumulate_subsample(100))


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``all_regimes.png`` and ``.pdf``."""
    d, T, n, seeds = (32, 100, linear.FAST_ITERATIONS, linear.FAST_SEEDS) if fast else (32, 100, 50, linear.SEEDS)
    growing, bounded = ((ct.replace(),), (ct.accumulate(), ct.accumulate_subsample(T))) if fast else (GROWING,
                                                                                                      BOUNDED)
    curves = linear.regime_curves(growing, n=n, seeds=seeds, d=d, T=T, data=data)
    closed = [r for r in bounded if r.has_closed_form]
    curves_b = linear.regime_curves(closed, n=n, seeds=seeds, d=d, T=T, data=data)
    curves_b.update(linear.regime_curves([r for r in bounded if not r.has_closed_form], n=n,
                                         seeds=max(seeds // 2, 16), d=d, T=T, data=data))
    with plotting.styled():
        fig, axes = plotting.subplots(1, 2, size="text", aspect=0.75)
        for ax, panel, title in ((axes[0], curves, "without the real data: unbounded"),
                                 (axes[1], curves_b, "keeping real data: bounded")):
            linear.regime_panel(ax, panel)
            ax.set_yscale("log")
            ax.set_title(title)
            ax.set_xlabel("iteration n")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
        axes[0].set_ylabel("test error")
        fig.legend(handles=plotting.encoding_handles(), loc="outside right center")
        fig.suptitle(rf"All regimes, linear regression: $d={d}$, $T={T}$, $\sigma^2=1$ "
                     "(accumulate-subsample: simulation only)")
        return plotting.save(fig, "all_regimes", out)
