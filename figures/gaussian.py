"""The Gaussian family: a Gaussian refitted to its own samples, covariance shrinkage, mean drift and KL.

Truth N(0, I_d), d = 2; each iteration fits mean and covariance by maximum likelihood to its training set and
samples T = 100 new points (docs/theory/formalism.md §3).  Panels: ``E tr Sigma_n / tr Sigma_0`` (replace shrinks
geometrically, ``((T-1)/T)^n``; accumulate stays near 1), ``E ||mu_n - mu_0||^2`` (replace wanders off,
accumulate stays put) and KL(truth || fit) (closed form for replace only; the others are Monte Carlo only);
fresh-real with weight 0.2 on fresh real data settles at the fixed point of its moment map; accumulate-subsample
with a budget of ``T`` points follows the exact subset recursion (:func:`collapse_theory.subsample.gaussian_family`).
Theory dashed from :mod:`collapse_theory.gaussian`; Monte Carlo solid with a 95% band, 300 seeds,
iterations 1..100.  About 10 s of CPU with an empty cache; ``fast=True``: T = 30, 6 iterations, 32 seeds.
"""

from __future__ import annotations

import collapse_theory as ct

from . import plotting, sources, style

__all__ = ["main", "METRICS"]

#: (metric, axis label, log scale)
METRICS = (
    ("cov_trace_ratio", r"$E\,\mathrm{tr}\,\hat\Sigma_n / \mathrm{tr}\,\Sigma_0$", False),
    ("mean_error", r"$E\,\|\hat\mu_n - \mu_0\|^2$", True),
    ("kl", r"KL(truth $\|$ fit)", True),
)


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``gaussian.png`` and ``.pdf``."""
    d, T, n, seeds = (2, 30, 6, 32) if fast else (2, 100, 100, 300)
    # fresh-real: 20% fresh real data a generation; accumulate-subsample: a budget of T points from the pool
    regimes = (ct.replace(), ct.accumulate(), ct.accumulate_subsample(T), ct.fresh_real(0.2))
    curves = {r: (sources.theory(r, n, family="gaussian", d=d, T=T, data=data),
                  sources.monte_carlo(r, n, family="gaussian", seeds=seeds, d=d, T=T, data=data))
              for r in sources.progress(regimes, "gaussian")}
    with plotting.styled():
        fig, axes = plotting.subplots(1, len(METRICS), size="text", aspect=0.8)
        for ax, (metric, label, log) in zip(axes, METRICS):
            for regime, (theory, result) in curves.items():
                color = style.regime_color(regime)
                plotting.result(ax, result, metric, color=color, label=regime.label)
                if metric in theory:
                    plotting.theory(ax, result.iterations, theory[metric], color=color)
            if log:
                ax.set_yscale("log")
            ax.set_ylabel(label)
            ax.set_xlabel("iteration n")
        axes[2].set_title("(all but replace: simulation only)", fontsize=7)
        plotting.legend(fig, axes[0].get_legend_handles_labels()[0])
        fig.suptitle(rf"Gaussian refitted to its own samples: $d={d}$, $T={T}$, truth $N(0, I)$")
        return plotting.save(fig, "gaussian", out)
