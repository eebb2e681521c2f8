"""The one plotting layer: theory dashed, Monte Carlo solid with a confidence band, neural runs with markers.

Every figure of the toolkit draws through these functions, so the three kinds of evidence always look the
same: a regime has one colour everywhere (:func:`figures.style.regime_colors`), a swept parameter takes a
sequential palette, the theory is drawn last and on top (``zorder`` 3) so it stays visible over the
simulation it predicts.  Nothing is set globally: :func:`styled` applies the style with
``matplotlib.pyplot.rc_context`` and the Agg backend is chosen per figure, so the layer runs headless and
leaves a user's session alone.

Interactive use, a regime's theory against a simulation in two lines::

    result = simulations.linear_regression.simulate(ct.accumulate(), 50, key=key, seeds=1000, d=32, T=100)
    figures.plotting.compare(ct.accumulate(), result, d=32, T=100)
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from statistics import NormalDist

import numpy as np

from . import cache, paths, style

__all__ = [
    "styled",
    "figure",
    "subplots",
    "shade",
    "theory",
    "monte_carlo",
    "result",
    "neural",
    "encoding_handles",
    "legend",
    "save",
    "compare",
]

#: Drawing order: bands under simulation lines under theory lines.
_Z_BAND, _Z_SIMULATION, _Z_NEURAL, _Z_THEORY = 1, 2, 2.5, 3


@contextlib.contextmanager
def styled(extra: dict | None = None):
    """Apply :data:`figures.style.RC` (and ``extra``) for the duration of the block only."""
    import matplotlib.pyplot as plt

    with plt.rc_context({**style.RC, **(extra or {})}):
        yield


def figure(*, size: str = "column", nrows: int = 1, ncols: int = 1, aspect: float = 0.75):
    """An empty figure sized for a grid of panels in a paper column, the text width or a slide.

    A bare :class:`matplotlib.figure.Figure` with constrained layout: nothing registers with pyplot's figure
    manager, nothing needs closing, and saving uses Agg (PNG) or the PDF backend.  Call inside :func:`styled`.
    """
    from matplotlib.figure import Figure

    return Figure(figsize=style.size(size, nrows=nrows, ncols=ncols, aspect=aspect), layout="constrained")


def subplots(nrows: int = 1, ncols: int = 1, *, size: str = "column", aspect: float = 0.75, **kwargs):
    """``(figure, axes)``: :func:`figure` with a grid of panels (``kwargs`` go to ``Figure.subplots``)."""
    fig = figure(size=size, nrows=nrows, ncols=ncols, aspect=aspect)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def shade(color, amount: float = 0.4):
    """``color`` mixed with ``amount`` of black: theory lines are a shade darker than their simulation."""
    from matplotlib.colors import to_rgb

    return tuple(c * (1 - amount) for c in to_rgb(color))


def theory(ax, iterations, values, *, color, label: str | None = None, darken: float = 0.4, **kwargs):
    """A theory curve: dashed, a shade darker than ``color``, drawn on top of everything else.

    Where theory and simulation agree the dashes lie on the (wider, lighter) simulation line and stay visible.
    """
    kwargs = {"linestyle": (0, (3, 2)), "linewidth": 1.0, "zorder": _Z_THEORY, **kwargs}
    return ax.plot(np.asarray(iterations), np.asarray(values), color=shade(color, darken), label=label,
                   **kwargs)[0]


def monte_carlo(ax, iterations, mean, se, *, color, label: str | None = None, level: float = 0.95,
                **kwargs):
    """A Monte Carlo mean (solid) with its ``level`` normal confidence band ``mean +- z se`` (shaded)."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    x, mean, se = np.asarray(iterations), np.asarray(mean, dtype=float), np.asarray(se, dtype=float)
    ax.fill_between(x, mean - z * se, mean + z * se, color=color, alpha=0.22, linewidth=0, zorder=_Z_BAND)
    kwargs = {"linewidth": 2.0, "alpha": 0.75, "zorder": _Z_SIMULATION, "solid_capstyle": "butt", **kwargs}
    return ax.plot(x, mean, color=color, label=label, **kwargs)[0]


def result(ax, res, metric: str | None = None, *, color, label: str | None = None, level: float = 0.95,
           **kwargs):
    """Draw a :class:`simulations.result.Result`'s ``metric`` with :func:`monte_carlo`."""
    metric = metric or _only(res.mean)
    return monte_carlo(ax, res.iterations, res.mean[metric], res.se[metric], color=color, label=label,
                       level=level, **kwargs)


def neural(ax, iterations, values, se=None, *, color, label: str | None = None, marker: str = "o",
           **kwargs):
    """A neural result: line with markers, and error bars of one standard error across seeds if given."""
    kwargs = {"linewidth": 1.1, "zorder": _Z_NEURAL, "markersize": 3.5, **kwargs}
    if se is not None and np.any(np.asarray(se) > 0):
        return ax.errorbar(np.asarray(iterations), np.asarray(values), yerr=np.asarray(se), color=color,
                           label=label, marker=marker, capsize=1.5, elinewidth=0.7, **kwargs)
    return ax.plot(np.asarray(iterations), np.asarray(values), color=color, label=label, marker=marker,
                   **kwargs)[0]


def encoding_handles(*, simulation: bool = True, theory_label: str = "theory", level: float = 0.95) -> list:
    """Legend handles that explain the line styles: dashed theory, solid simulation mean, shaded band."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color="0.1", linestyle=(0, (3, 2)), linewidth=1.0, label=theory_label)]
    if simulation:
        handles += [Line2D([], [], color="0.45", linewidth=2.0, alpha=0.75, label="simulation mean"),
                    Patch(color="0.3", alpha=0.22, linewidth=0, label=f"{level:.0%} band")]
    return handles


def legend(target, handles, *, encoding: bool = True, simulation: bool = True, level: float = 0.95,
           **kwargs):
    """One legend with the data ``handles`` followed by the line-style key; ``target`` is an axes or figure.

    On a figure it goes outside, to the right of the panels, so it never covers data.
    """
    from matplotlib.figure import Figure

    if encoding:
        handles = list(handles) + encoding_handles(simulation=simulation, level=level)
    if isinstance(target, Figure):
        kwargs = {"loc": "outside right center", **kwargs}
    return target.legend(handles=handles, **kwargs)


def save(fig, name: str, out=None) -> list[Path]:
    """Write ``<out>/<name>.png`` and ``.pdf`` atomically; return their paths.

    The PDF carries no creation date and the PNG no software stamp, so the same figure gives the same bytes.
    """
    out = paths.out_dir(out)
    written = []
    for ext, metadata in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "Producer": None})):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, metadata=metadata)
        path = out / f"{name}.{ext}"
        cache.atomic_write_bytes(path, buffer.getvalue())
        written.append(path)
    return written


def compare(regime, res=None, *, ax=None, family: str = "linear", metric: str | None = None,
            n: int | None = None, log: bool = True, **params):
    """Draw ``regime``'s theory for ``family`` (and a Monte Carlo ``res`` if given) on ``ax``; return ``ax``.

    ``params`` are the family's parameters (``d, T, sigma2`` for linear).  Without ``ax`` a new styled
    figure is made (``ax.figure`` to save it).
    """
    from collapse_theory import families

    module = families.family(family).module()
    if n is None:
        if res is None:
            raise ValueError("give n, or a result whose iterations set it")
        n = len(res.iterations)
    curves = module.errors(regime, n, **params)
    metric = metric or _only(curves)
    color = style.regime_color(regime)
    with styled():
        if ax is None:
            _, ax = subplots()
        if res is not None:
            result(ax, res, metric, color=color, label=f"{regime.label} (simulation)")
        theory(ax, np.arange(1, n + 1), curves[metric], color=color, label=f"{regime.label} (theory)")
        ax.set_xlabel("iteration n")
        ax.set_ylabel(metric.replace("_", " "))
        if log:
            ax.set_yscale("log")
        ax.legend()
    return ax


def _only(mapping) -> str:
    if len(mapping) != 1:
        raise ValueError(f"name a metric: there are {', '.join(mapping)}")
    return next(iter(mapping))
