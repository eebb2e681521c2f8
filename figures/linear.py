"""The paper's linear-regression figure (§3, Fig. 2 style): replace vs accumulate, theory over Monte Carlo.

d = 32; columns T in {100, 316, 1000}; rows replace / accumulate; hue sigma^2 in {0.01, 0.1, 1, 10, 100};
iterations 1..50; log y.  Dashed: the closed forms of :mod:`collapse_theory.linear_regression`,
replace ``sigma^2 kappa n`` (Eq. 4) and accumulate ``sigma^2 kappa sum_{i<=n} 1/i^2`` (Thm. 2), with
``kappa = d/(T - d - 1)``.  Solid with a 95% band: the Monte Carlo mean over 200 seeds per curve (fast
engine of :mod:`simulations.linear_regression`, one key shared by all curves, so they use common random
numbers).

The replace formula drawn here is ``sigma^2 kappa n``, which equals the simulation at n = 1 (the fit on real
data).  In the published figure the dashed replace line sits about twice above the simulation at n = 1, as if
it were ``sigma^2 kappa (n + 1)``; that offset is not reproduced because the formula, and the simulation,
say otherwise.

Cost: 30 Monte Carlo curves of 200 seeds, about 10 s of CPU with an empty cache (one compilation, shared
with the other d = 32 figures when ``python -m figures`` builds them together), a few seconds from the cache.  ``fast=True``: one column, one sigma^2, 8 iterations, 64 seeds.
"""

from __future__ import annotations

import numpy as np

import collapse_theory as ct

from . import plotting, sources, style

__all__ = ["main", "draw", "regime_curves", "regime_panel", "SEEDS"]

#: Seeds per Monte Carlo curve in the d = 32 figures: a 95% band of a few percent, the full build within its time
#: budget, and one seed count (hence one compiled shape) shared by every figure.
SEEDS = 200
#: The same for the fast modes used by the tests.
FAST_SEEDS, FAST_ITERATIONS = 64, 8


def draw(name: str, regimes, *, d: int, Ts, sigma2s, n: int, seeds: int, out=None, data=None,
         title: str = "") -> list:
    """Rows ``regimes``, columns ``Ts``, hue ``sigma2s``: theory dashed over Monte Carlo; save as ``name``."""
    iterations = np.arange(1, n + 1)
    colors = style.sequential(len(sigma2s))
    runs = [(r, T, s) for r in regimes for T in Ts for s in sigma2s]
    # Compute (or load) everything first, so a missing simulator skips the figure before anything is drawn.
    curves = {}
    for regime, T, sigma2 in sources.progress(runs, f"{name}: Monte Carlo"):
        curves[regime, T, sigma2] = (
            sources.theory(regime, n, d=d, T=T, sigma2=sigma2, data=data)["test_error"],
            sources.monte_carlo(regime, n, seeds=seeds, d=d, T=T, sigma2=sigma2, data=data),
        )
    with plotting.styled():
        fig, axes = plotting.subplots(len(regimes), len(Ts), size="text", aspect=0.8, sharex=True,
                                      sharey="row", squeeze=False)
        for (row, regime), (col, T) in ((r, c) for r in enumerate(regimes) for c in enumerate(Ts)):
            ax = axes[row, col]
            for sigma2, color in zip(sigma2s, colors):
                theory, result = curves[regime, T, sigma2]
                plotting.result(ax, result, "test_error", color=color, label=rf"$\sigma^2={sigma2:g}$")
                plotting.theory(ax, iterations, theory, color=color)
            ax.set_yscale("log")
            ax.set_title(f"{regime.label}, T = {T}", color=style.regime_color(regime))
            if row == len(regimes) - 1:
                ax.set_xlabel("iteration n")
            if col == 0:
                ax.set_ylabel("test error")
        plotting.legend(fig, axes[0, 0].get_legend_handles_labels()[0])
        if title:
            fig.suptitle(title)
        return plotting.save(fig, name, out)


def regime_curves(regimes, *, n: int, seeds: int, d: int, T: int, sigma2: float = 1.0, data=None,
                  description: str = "Monte Carlo") -> dict:
    """``{regime: (theory or None, Result)}`` at iterations 1..n; theory is None where no closed form exists."""
    curves = {}
    for regime in sources.progress(regimes, description):
        theory = None
        if regime.has_closed_form:
            theory = sources.theory(regime, n, d=d, T=T, sigma2=sigma2, data=data)["test_error"]
        curves[regime] = (theory, sources.monte_carlo(regime, n, seeds=seeds, d=d, T=T, sigma2=sigma2, data=data))
    return curves


def regime_panel(ax, curves: dict, colors=None, labels=None) -> None:
    """Draw :func:`regime_curves` on ``ax``: each regime's simulation (solid, band) under its theory (dashed)."""
    for i, (regime, (theory, result)) in enumerate(curves.items()):
        color = colors[i] if colors is not None else style.regime_color(regime)
        label = labels[i] if labels is not None else regime.label
        plotting.result(ax, result, "test_error", color=color, label=label)
        if theory is not None:
            plotting.theory(ax, result.iterations, theory, color=color)


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``linear.png`` and ``linear.pdf``."""
    if fast:
        return draw("linear", (ct.replace(), ct.accumulate()), d=32, Ts=(100,), sigma2s=(1.0,), n=FAST_ITERATIONS, seeds=FAST_SEEDS,
                    out=out, data=data)
    return draw("linear", (ct.replace(), ct.accumulate()), d=32, Ts=(100, 316, 1000),
                sigma2s=(0.01, 0.1, 1.0, 10.0, 100.0), n=50, seeds=SEEDS, out=out, data=data,
                title=r"Linear regression, $d = 32$: replace diverges linearly, accumulate stays bounded")
