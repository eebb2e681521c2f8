"""Replace vs accumulate, drawn as a schematic in the spirit of the paper's Figure 1.

Top row (replace): each model is trained only on data sampled from the previous model, so the real data are
discarded after the first iteration.  Bottom row (accumulate): each model is trained on everything so far,
the real data plus every synthetic generation.  Drawn with matplotlib patches; no data, under a second.
"""

from __future__ import annotations

from . import plotting, style

__all__ = ["main"]

_REAL, _SYNTHETIC = "#009E73", "#999999"


def _box(ax, x, y, w, h, text, face, *, text_color="white"):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.06", facecolor=face,
                                edgecolor="none"))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", color=text_color, fontsize=7)


def _arrow(ax, start, end, color="0.25"):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": color, "lw": 0.9,
                                                      "shrinkA": 1, "shrinkB": 1})


def _row(ax, y, generations: int, accumulate: bool, color):
    """One regime's loop: data stacks feeding models, each model sampling the next (newest) generation."""
    width, gap, block = 0.62, 1.25, 0.24
    for i in range(generations):
        x = i * gap
        kept = range(i + 1) if accumulate else (i,)
        for j, g in enumerate(kept):  # the training set of model i+1, one block per generation
            _box(ax, x, y + 0.05 + block * j, width, 0.2, "real" if g == 0 else f"synthetic {g}",
                 _REAL if g == 0 else _SYNTHETIC)
        _box(ax, x + 0.02, y - 0.42, width - 0.04, 0.3, f"model {i + 1}", color)
        _arrow(ax, (x + width / 2, y + 0.04), (x + width / 2, y - 0.11))
        if i + 1 < generations:  # model i+1 samples generation i+1, the top block of the next stack
            newest = y + 0.15 + block * ((i + 1) if accumulate else 0)
            _arrow(ax, (x + width, y - 0.27), (x + gap, newest), color=color)
    ax.text(generations * gap - 0.45, y - 0.27, "...", ha="left", va="center", fontsize=10, color="0.3")


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``schematic.png`` and ``.pdf`` (``fast`` and ``data`` are accepted for a uniform interface)."""
    generations, gap = 4, 1.25
    rows = ((0.0, True, "accumulate", "model n trains on the real data and every synthetic generation: "
                                      "test error bounded"),
            (1.9, False, "replace", "model n trains only on samples of model n - 1: errors add up, test error ~ n"))
    with plotting.styled({"axes.grid": False}):
        fig, ax = plotting.subplots(size="text", aspect=0.42)
        for y, accumulate, name, note in rows:
            color = style.regime_color(name)
            _row(ax, y, generations, accumulate, color)
            top = y + 0.05 + 0.24 * (generations if accumulate else 1)
            ax.text(-0.05, top + 0.08, f"{name}: {note}", color=color, ha="left", va="bottom", fontsize=7.5)
        ax.set_xlim(-0.1, generations * gap)
        ax.set_ylim(-0.5, 2.5)
        ax.set_aspect("equal")
        ax.axis("off")
        return plotting.save(fig, "schematic", out)
