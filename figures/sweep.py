"""Kazdan et al.'s linear-regression panels, drawn from one ``collapse-theory sweep`` dataset.

Rows: replace / accumulate / accumulate-subsample (budget ``B = T``); columns: ``d``; hue: ``T``; ``sigma^2 = 1``;
iterations 1..100, 100 seeds per curve, log y.  Solid with a 95% band: the Monte Carlo mean of the test error
``||w_n - w*||^2_Sigma``; dashed: the theory stored beside it in the dataset, the closed forms of
:mod:`collapse_theory.linear_regression` (replace ``sigma^2 kappa n``, Eq. 4; accumulate
``sigma^2 kappa sum_{i<=n} 1/i^2``, Thm. 2; ``kappa = d/(T-d-1)``), and for accumulate-subsample the proven lower
bound of :mod:`collapse_theory.subsample_linear` (the true error lies above it).  The shape to see: replace rising
linearly with ``n``, accumulate flat, accumulate-subsample levelling off above accumulate but bounded.

The dataset is computed once by :func:`simulations.sweep.sweep` into ``figures/data/`` (per-cell files make a
killed build resume) and read back from its netCDF file.  ``fast=True``: two cells per regime, 8 iterations.
"""

from __future__ import annotations

import os

import numpy as np

from . import paths, plotting, sources, style

__all__ = ["main", "draw", "dataset", "GRID", "FAST_GRID"]

REGIMES = ("replace", "accumulate", "accumulate-subsample")
GRID = {"ds": (1, 3, 10, 32, 100), "Ts": (10, 32, 100, 316, 1000), "sigma2s": (0.1, 1.0, 10.0), "n": 100,
        "seeds": 100}
#: The fast grid's cells have the shapes of tests/test_sweep.py's grid, whose compilations its test build reuses.
FAST_GRID = {"ds": (3,), "Ts": (8, 16), "sigma2s": (1.0,), "n": 6, "seeds": 64}
#: The columns drawn (every d of the grid would crowd the page; these span it).
COLUMNS = (3, 10, 32)


def dataset(grid: dict, *, data=None, name: str = "sweep-linear"):
    """The sweep's ``xarray.Dataset``, computed (resumably) into the figure cache the first time."""
    sources.require("xarray", "the sweep figure")
    import xarray as xr

    folder = paths.data_dir(data)
    path = folder / f"{name}.nc"
    if not path.exists():
        sweep = sources.require("simulations.sweep", "the sweep figure")
        import jax

        # Worker processes repay their start-up on the full grid only; the fast one runs in this process.
        jobs = 1 if grid is FAST_GRID else min(2, os.cpu_count() or 1)
        ds = sweep.sweep(REGIMES, key=jax.random.key(0), seed_label="0", cells_dir=folder / f"{name}.cells",
                         jobs=jobs, **grid)
        sweep.save(ds, path)
    with xr.open_dataset(path, engine="scipy") as ds:
        return ds.load()


def draw(ds, name: str, *, columns, sigma2: float = 1.0, out=None, title: str = "") -> list:
    """Rows: regimes; columns: ``columns`` (values of d); hue: T.  Saves ``name``.png/.pdf."""
    iterations = ds["iteration"].values
    Ts = list(ds["T"].values)
    colors = dict(zip(Ts, style.sequential(len(Ts))))
    regimes = list(ds["regime"].values)
    with plotting.styled():
        fig, axes = plotting.subplots(len(regimes), len(columns), size="text", aspect=0.8, sharex=True,
                                      sharey="row", squeeze=False)
        for row, regime in enumerate(regimes):
            bound = str(ds["theory_kind"].sel(regime=regime).values) != "exact"
            for col, d in enumerate(columns):
                ax = axes[row, col]
                for T in Ts:
                    cell = ds.sel(regime=regime, d=d, T=T, sigma2=sigma2)
                    if not np.all(np.isfinite(cell["mc_mean"].values)):
                        continue  # T < d + 2: no finite expected error
                    plotting.monte_carlo(ax, iterations, cell["mc_mean"].values, cell["mc_se"].values,
                                         color=colors[T], label=f"T = {T}")
                    plotting.theory(ax, iterations, cell["theory"].values, color=colors[T],
                                    linestyle=(0, (1, 1.5)) if bound else (0, (3, 2)))
                ax.set_yscale("log")
                short = {"accumulate-subsample": "acc.-subsample"}.get(regime, regime)  # fits three columns
                ax.set_title(f"{short}, d = {d}", color=style.regime_color(regime))
                if row == len(regimes) - 1:
                    ax.set_xlabel("iteration n")
                if col == 0:
                    ax.set_ylabel(rf"test error, $\sigma^2={sigma2:g}$")
        handles = {h.get_label(): h for ax in axes.flat for h in ax.get_legend_handles_labels()[0]}
        handles = list(handles.values())
        if any(str(ds["theory_kind"].sel(regime=r).values) != "exact" for r in regimes):
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color="0.3", linestyle=(0, (1, 1.5)), label="proven lower bound"))
        plotting.legend(fig, handles)
        if title:
            fig.suptitle(title)
        return plotting.save(fig, name, out)


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``sweep.png`` and ``sweep.pdf`` from the Kazdan linear grid (``fast``: a two-cell grid)."""
    if fast:
        return draw(dataset(FAST_GRID, data=data, name="sweep-linear-fast"), "sweep", columns=FAST_GRID["ds"], out=out)
    return draw(dataset(GRID, data=data), "sweep", columns=COLUMNS, out=out,
                title="Linear regression (Kazdan et al. grid): replace rises, accumulate stays flat, "
                      "accumulate-subsample stays bounded above accumulate")
