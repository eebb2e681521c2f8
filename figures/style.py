"""The figure style: one rc dictionary, page-derived sizes and the palettes, applied only inside a context.

Nothing here touches global state: :func:`figures.plotting.styled` applies :data:`RC` with
``matplotlib.pyplot.rc_context``, so importing the figures package never changes a user's rcParams
(tueplots' habit).  Sizes derive from the width of a paper column (3.25 in) and of a 16:9 slide.
"""

from __future__ import annotations

__all__ = ["RC", "WIDTHS", "PALETTE", "regime_colors", "regime_color", "sequential", "size"]

#: rc parameters applied inside :func:`figures.plotting.styled`.
RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "legend.frameon": False,
    "figure.dpi": 150,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
    "pdf.fonttype": 42,  # TrueType in PDFs, so journals accept them and text stays selectable
    "mathtext.fontset": "dejavusans",
}

#: Widths in inches: one column of a two-column paper, the full text width, a 16:9 slide.
WIDTHS = {"column": 3.25, "text": 6.75, "slide": 10.0}

#: The colour-blind-safe palette (Okabe-Ito, then Tol's muted) dealt to the regime kinds in registry order.
PALETTE = ("#D55E00", "#0072B2", "#E69F00", "#CC79A7", "#009E73", "#56B4E9", "#555555",
           "#882255", "#117733", "#DDCC77", "#332288", "#AA4499")


def regime_colors() -> dict:
    """One colour per registered regime kind (:func:`collapse_theory.kinds.kinds`), the same in every figure."""
    from collapse_theory import kinds

    return {k.name: PALETTE[i % len(PALETTE)] for i, k in enumerate(kinds.kinds())}


def regime_color(regime) -> str:
    """The palette colour of a :class:`~collapse_theory.Regime` (or of a kind name)."""
    kind = getattr(regime, "kind", str(regime).replace("_", "-"))
    return regime_colors().get(kind, "#000000")


def sequential(count: int, *, cmap: str = "viridis", low: float = 0.0, high: float = 0.85) -> list:
    """``count`` colours from a sequential colormap, for a swept parameter (sigma^2, temperature, k, ...)."""
    from matplotlib import colormaps

    colors = colormaps[cmap]
    if count == 1:
        return [colors(low)]
    return [colors(low + (high - low) * i / (count - 1)) for i in range(count)]


def size(kind: str = "column", *, nrows: int = 1, ncols: int = 1, aspect: float = 0.75) -> tuple:
    """``(width, height)`` in inches for a grid of panels, each ``aspect`` times as high as wide.

    ``kind`` is a key of :data:`WIDTHS`; in a paper a grid of several columns spans the full text width.
    """
    if kind not in WIDTHS:
        raise ValueError(f"size must be one of {', '.join(WIDTHS)}, got {kind!r}")
    width = WIDTHS["text"] if kind == "column" and ncols > 1 else WIDTHS[kind]
    return (width, width / ncols * aspect * nrows)
