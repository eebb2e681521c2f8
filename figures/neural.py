"""The image-model figures of the paper's §2 (VAE and diffusion): held-out loss per iteration, and sample grids.

Left: the loss on held-out real digits against iteration under replace, accumulate and accumulate-subsample
(budget ``N``), each the mean over seeds with error bars of one seed standard error.  Right: the samples of
seed 0 at the first, middle and last iteration (sixteen 8x8 digits each), replace in the top row, accumulate in
the bottom one, as the paper's VAE panels show faces degrading under replace.  The runs are trained on demand
(:mod:`figures.neural_runs`; finished runs are read back); ``fast`` draws the ``--fast`` runs, and says so in
the title.  The models are small and trained on data that installs with the package, so the levels differ from
the paper's; the shape (replace rising, accumulate nearly flat) is what is compared.
"""

from __future__ import annotations

import numpy as np

from . import neural_runs, plotting, style

__all__ = ["draw", "TITLES", "loss_panel", "REGIMES", "title"]

TITLES = {"lm": "language model", "vae": "VAE", "diffusion": "diffusion model"}
REGIMES = ("replace", "accumulate", "accumulate-subsample")
_MARKERS = {"replace": "o", "accumulate": "s", "accumulate-subsample": "D"}


def title(kind: str, fast: bool, what: str) -> str:
    return f"{TITLES.get(kind, kind)}: {what}" + (" (fast size)" if fast else "")


def loss_panel(ax, groups, metric: str = "test_loss", *, ylabel: str | None = None, **fields) -> None:
    """Mean over seeds +- one seed SE of ``metric`` per iteration for each regime of :data:`REGIMES`."""
    from matplotlib.ticker import MaxNLocator

    for regime in REGIMES:
        group = neural_runs.pick(groups, regime=regime, **fields)
        if group is None:
            continue
        label = regime if regime != "accumulate-subsample" else "acc.-subsample (B = N)"
        plotting.neural(ax, group.iterations, group.mean(metric), group.se(metric),
                        color=style.regime_color(regime), label=label, marker=_MARKERS[regime])
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel or metric.replace("_", " "))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def digit_grid(images: np.ndarray, side: int = 4) -> np.ndarray:
    """``side x side`` 8x8 digits tiled into one ``(8 side + side - 1)``-pixel square, separated by 1 px."""
    tiles = np.ones((side * 9 - 1, side * 9 - 1))
    for i, image in enumerate(images[:side * side]):
        r, c = divmod(i, side)
        tiles[r * 9:r * 9 + 8, c * 9:c * 9 + 8] = 1.0 - np.asarray(image).reshape(8, 8)  # ink dark on white
    return tiles


def sample_iterations(group) -> list:
    """Generation numbers (1-based) of the first, middle and last iteration."""
    n = len(group.iterations)
    return sorted({1, (n + 1) // 2, n})


def draw(kind: str, *, fast: bool = False, out=None, data=None) -> list:
    """Build ``neural_<kind>.png`` and ``.pdf`` for an image kind (vae, diffusion), training missing runs."""
    groups = neural_runs.runs(kind, fast=fast, data=data)
    with plotting.styled():
        fig = plotting.figure(size="text", aspect=0.42)
        left, right = fig.subfigures(1, 2, width_ratios=[1.0, 1.35])
        ax = left.subplots()
        loss_panel(ax, groups, ylabel="held-out loss" + (" (−ELBO, nats)" if kind == "vae" else " (denoising MSE)"))
        ax.legend(loc="best")
        rows = [r for r in ("replace", "accumulate") if neural_runs.pick(groups, regime=r) is not None]
        first = neural_runs.pick(groups, regime=rows[0])
        columns = sample_iterations(first)
        axes = right.subplots(len(rows), len(columns), squeeze=False)
        for i, regime in enumerate(rows):
            group = neural_runs.pick(groups, regime=regime)
            for j, g in enumerate(columns):
                a = axes[i, j]
                a.imshow(digit_grid(group.preview(g)), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                a.set_xticks([]), a.set_yticks([])
                if i == 0:
                    a.set_title(f"iteration {group.iterations[g - 1]}")
                if j == 0:
                    a.set_ylabel(regime, color=style.regime_color(regime))
        right.suptitle("samples (seed 0)")
        fig.suptitle(title(kind, fast, "held-out loss per iteration, and samples"))
        return plotting.save(fig, f"neural_{kind}", out)
