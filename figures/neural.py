"""The neural figures (paper §2): test loss against iteration, replace and accumulate panels side by side.

Draws what the neural loop wrote (``figures/data/neural/<kind>/<regime>[-tau<t>]-seed<S>/result.json``, see
:mod:`simulations.neural`): one panel per regime kind, replace first, then accumulate, then any other regime
that was run; lines with markers are the mean over seeds, error bars one standard error across seeds (when
there are several), a temperature other than 1 in its own colour.  The models are small and trained on data
that installs with the package, so the levels differ from the paper's; the shape (replace rising, accumulate
flat) is what is compared.  Nothing is trained here: without runs the figure says how to make them
(``make neural``) and is skipped.  Drawing only, under a few seconds; ``fast`` changes nothing.
"""

from __future__ import annotations

from . import plotting, sources, style

__all__ = ["draw", "TITLES"]

TITLES = {"lm": "language model", "vae": "VAE", "diffusion": "diffusion model"}
_ORDER = ("replace", "accumulate")
_MARKERS = "osD^v<>"


def draw(kind: str, *, out=None, data=None, metric: str = "test_loss") -> list:
    """Build ``neural_<kind>.png`` and ``.pdf`` from the runs of ``kind`` (lm, vae, diffusion)."""
    from matplotlib.ticker import MaxNLocator

    runs = sources.neural_runs(kind, data=data)
    by_regime = {}
    for name, run in runs.items():
        by_regime.setdefault(run["regime"], []).append((name, run))
    regimes = [r for r in _ORDER if r in by_regime] + sorted(r for r in by_regime if r not in _ORDER)
    temperatures = sorted({float(run["temperature"]) for run in runs.values()})
    shades = dict(zip(temperatures, style.sequential(len(temperatures), cmap="plasma", high=0.75)))
    with plotting.styled():
        fig, axes = plotting.subplots(1, len(regimes), size="text" if len(regimes) > 1 else "column",
                                      aspect=0.8, sharey=True, squeeze=False)
        for ax, regime in zip(axes[0], regimes):
            for i, (name, run) in enumerate(sorted(by_regime[regime], key=lambda item: item[1]["temperature"])):
                tau = float(run["temperature"])
                color = style.regime_color(regime) if tau == 1.0 else shades[tau]
                seeds = run["seeds"]
                label = f"τ = {tau:g}" + (f" ({seeds} seed{'s' if seeds > 1 else ''})" if i == 0 else "")
                plotting.neural(ax, run["iterations"], run["mean"][metric], run["se"][metric], color=color,
                                label=label, marker=_MARKERS[i % len(_MARKERS)])
            ax.set_title(regime, color=style.regime_color(regime))
            ax.set_xlabel("iteration")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(loc="best")
        axes[0, 0].set_ylabel(metric.replace("_", " "))
        fig.suptitle(f"{TITLES.get(kind, kind)}: {metric.replace('_', ' ')} on held-out real data")
        return plotting.save(fig, f"neural_{kind}", out)
