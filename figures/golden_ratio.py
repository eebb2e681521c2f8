"""Golden-ratio weighting: stationary error against the weight w on fresh real data, for several ratios k.

Regime fresh-real(w, k): every iteration draws fresh real data with weight w and T/k synthetic points from the
previous model with weight 1 - w.  Its stationary error is ``sigma^2 kappa F(w)`` with
``F(w) = (w^2 + k (1 - w)^2) / (w (2 - w))`` (derived in sympy, :func:`collapse_theory.optimize.objective`),
minimised at ``w* = (sqrt(k (k + 4)) - k)/2``, the golden ratio 0.618 at k = 1 (He, Xu & Cheng); the optimum
marked here is found numerically from that sympy objective (bounded Brent search), not typed in.  Dashed: theory;
points with 95% bars: the Monte Carlo mean at iteration 50 (stationary to far below the bars), 200 seeds each.
d = 32, T = 100, sigma^2 = 1, k in {0.5, 1, 2, 4}.  About 10 s of CPU with an empty cache; ``fast=True``: k = 1,
two weights, 8 iterations, 64 seeds.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

import collapse_theory as ct

from . import linear, plotting, sources, style

__all__ = ["main", "RATIOS"]

RATIOS = (0.5, 1.0, 2.0, 4.0)
WEIGHTS = (0.2, 0.4, 0.6, 0.8, 1.0)


def _optimum(F, k: float, scale: float) -> dict:
    """The minimiser of the stationary objective ``F(w, k, tau=1)`` on (0, 1] and the error there."""
    from scipy.optimize import minimize_scalar

    best = minimize_scalar(lambda w: float(F(w, k, 1.0)), bounds=(1e-6, 1.0), method="bounded",
                           options={"xatol": 1e-10})
    return {"w": float(best.x), "test_error": scale * float(best.fun)}


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``golden_ratio.png`` and ``.pdf``."""
    from collapse_theory import optimize
    from collapse_theory.regimes import SYMBOLS
    from collapse_theory.symbolic import numeric

    d, T, sigma2 = 32, 100, 1.0
    ratios, weights, n, seeds = ((1.0,), (0.4, 0.8), linear.FAST_ITERATIONS, linear.FAST_SEEDS) if fast else (
        RATIOS, WEIGHTS, 50, linear.SEEDS)
    kappa = ct.linear_regression.kappa(d=d, T=T)
    factor, x = optimize.objective("fresh-real")
    F = numeric(factor, (x, SYMBOLS["ratio"], SYMBOLS["temperature"]))
    grid = np.linspace(0.03, 1.0, 300)
    runs = [(k, w) for k in ratios for w in weights]
    simulated = {(k, w): sources.monte_carlo(ct.fresh_real(w, k), n, seeds=seeds, d=d, T=T, sigma2=sigma2,
                                             data=data)
                 for k, w in sources.progress(runs, "golden ratio: Monte Carlo")}
    optima = {k: _optimum(F, k, sigma2 * kappa) for k in ratios}
    z = NormalDist().inv_cdf(0.975)
    colors = style.sequential(len(ratios), cmap="plasma", high=0.8)
    with plotting.styled():
        fig, ax = plotting.subplots(size="text", aspect=0.42)
        for k, color in zip(ratios, colors):
            best = optima[k]
            plotting.theory(ax, grid, sigma2 * kappa * F(grid, k, 1.0), color=color, darken=0.0, linewidth=1.2,
                            label=f"k = {k:g}:  w* = {float(best['w']):.3f}")
            mean = [simulated[k, w].mean["test_error"][-1] for w in weights]
            se = [simulated[k, w].se["test_error"][-1] for w in weights]
            ax.errorbar(weights, mean, yerr=z * np.asarray(se), color=color, fmt="o", markersize=3.5,
                        capsize=2, zorder=2)
            ax.plot(float(best["w"]), float(best["test_error"]), marker="*", markersize=10, color=color,
                    markeredgecolor="black", markeredgewidth=0.6, linestyle="none", zorder=4)
        ax.set_yscale("log")
        ax.set_xlabel("weight w on fresh real data")
        ax.set_ylabel("stationary test error")
        ax.set_title(rf"fresh-real(w, k): $d={d}$, $T={T}$, $\sigma^2={sigma2:g}$; "
                     r"optimum $w^*=(\sqrt{k(k+4)}-k)/2$ marked, 0.618 at $k=1$")
        from matplotlib.lines import Line2D

        extra = [Line2D([], [], color="0.3", marker="o", linestyle="none", label=f"simulation, n = {n} (95%)"),
                 Line2D([], [], color="0.3", marker="*", markersize=9, markeredgecolor="black",
                        linestyle="none", label="optimum (numerical)")]
        handles = ax.get_legend_handles_labels()[0]
        ax.legend(handles=handles + plotting.encoding_handles(simulation=False) + extra,
                  loc="center left", bbox_to_anchor=(1.01, 0.5), title="synthetic : real = 1 : k")
        return plotting.save(fig, "golden_ratio", out)
