"""A whole paper's grid in one call: Monte Carlo and theory over regimes x d x T x sigma^2, as one labelled dataset.

``sweep(regimes, ds=..., Ts=..., sigma2s=..., n=..., seeds=..., key=...)`` runs one Monte Carlo *cell* per
``(regime, d, T)`` with ``T >= d + 2`` (the expected error is infinite for ``T <= d + 1``) and returns an
``xarray.Dataset`` over ``(regime, d, T, sigma2, iteration)`` holding

* ``mc_mean``, ``mc_se``: the mean test error ``||w_n - w*||^2_Sigma`` over ``seeds`` seeds and its standard error;
* ``theory``: the closed form ``sigma^2 d/(T-d-1) F_n`` of :func:`collapse_theory.linear_regression.test_error`
  (paper Eq. 4, Thm. 2) for regimes with one, and for accumulate-subsample the proven lower bound
  :func:`collapse_theory.subsample_linear.linear_lower_bound` (no closed form exists); the coordinate
  ``theory_kind`` says which (``"exact"`` or ``"lower bound"``);
* NaN where ``T < d + 2``.

Batching.  The linear process is linear in the noise, so with the same key the error at ``sigma^2`` is exactly
``sigma^2`` times the error at ``sigma^2 = 1``: each cell is simulated once at ``sigma^2 = 1`` and scaled on the
host in float64 (mean and SE alike), so the sigma^2 axis costs nothing.  With the default wishart sampling ``T``
is a traced degree of freedom, not a shape, so every replace/accumulate cell of one ``d`` shares one compiled
program (:func:`simulations.seeds.run` caches it per plan).

Keys.  Cell ``(regime, d, T)`` uses ``fold_in(key, crc32(label))`` for its label ``"<regime json>|d=..|T=.."``:
a cell's numbers depend on the key and on the cell only, never on the rest of the grid or the order of the run.

Resuming.  Each finished cell is one small ``.npz`` file in ``cells`` written atomically
(:func:`collapse_theory._atomic.atomic_write_bytes`: a killed run leaves the old file or the new, never half of
one), holding its config and a SHA-256 over config and arrays.  A rerun loads every cell whose checksum and
config match and recomputes the rest (a damaged, truncated or foreign file is recomputed, never trusted).

Processes.  ``jobs > 1`` computes the missing cells in that many worker processes
(:mod:`simulations.sweep_workers`), which write the same cell files; the dataset is then read back from them,
bit for bit the single process's.

Storage: netCDF (classic, written by scipy) rather than zarr.  The result is a few MB at most, one file is
easier to hand around, cite and check than a directory store, and scipy's netCDF3 writer needs no package beyond
what xarray already pulls in (zarr and netCDF4/h5netcdf would be new dependencies); zarr's chunked,
appendable stores pay off only for data far larger than a sweep's summaries, and per-cell resumability is
already provided by the cell files.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tempfile
import zlib
from pathlib import Path

import numpy as np

from collapse_theory._atomic import atomic_write_bytes
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import Regime

__all__ = ["Cell", "cells", "sweep", "run_cell", "save_cell", "FORMAT"]

#: Bumped when a cell's numbers would change for the same config (so old cell files are recomputed).
FORMAT = 1


class Cell:
    """One Monte Carlo run: ``regime`` (with its budget filled in) at ``(d, T)``; ``name`` labels the regime axis."""

    def __init__(self, name: str, regime: Regime, d: int, T: int):
        self.name, self.regime, self.d, self.T = name, regime, int(d), int(T)

    @property
    def label(self) -> str:
        return f"{json.dumps(self.regime.to_json(), sort_keys=True)}|d={self.d}|T={self.T}"

    @property
    def filename(self) -> str:
        return f"{self.name}-d{self.d}-T{self.T}-{zlib.crc32(self.label.encode()):08x}.npz"


def _regime_at(name: str, T: int, options: dict) -> Regime:
    """Regime ``name`` with ``options``; a budget it needs and was not given is ``T`` (Kazdan et al.'s choice)."""
    from collapse_theory import kinds
    from collapse_theory.regimes import from_name

    spec = kinds.kind(name)
    options = dict(options)
    if "budget" in spec.options and options.get("budget") is None:
        options["budget"] = T
    own = {k: v for k, v in options.items() if k in (*spec.options, *spec.defaults) or k == "temperature"}
    return from_name(name, **own)


def cells(regimes, ds, Ts, options=None) -> list:
    """Every cell of the grid with ``T >= d + 2``, regimes outermost."""
    options = options or {}
    return [Cell(name, _regime_at(name, T, options), d, T)
            for name in regimes for d in ds for T in Ts if T >= d + 2]


def _meta(cell: Cell, *, n: int, seeds: int, seed: str, dtype: str) -> str:
    return json.dumps({"format": FORMAT, "model": "linear", "cell": cell.label, "n": n, "seeds": seeds,
                       "seed": seed, "dtype": dtype}, sort_keys=True)


def _digest(meta: str, mean: np.ndarray, se: np.ndarray) -> str:
    h = hashlib.sha256(meta.encode())
    for a in (mean, se):
        h.update(np.ascontiguousarray(a, dtype="<f8").tobytes())
    return h.hexdigest()


def _load(path: Path, meta: str):
    """``(mean, se)`` of a cell file whose config is ``meta`` and whose checksum holds; ``None`` otherwise."""
    try:
        with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as f:
            stored, digest = str(f["meta"]), str(f["sha256"])
            mean, se = np.array(f["mean"], dtype=np.float64), np.array(f["se"], dtype=np.float64)
    except Exception:  # truncated, not an npz, missing fields: recompute
        return None
    if stored != meta or digest != _digest(meta, mean, se):
        return None
    return mean, se


def _save(path: Path, meta: str, mean, se) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(meta), sha256=np.array(_digest(meta, mean, se)), mean=mean, se=se)
    atomic_write_bytes(path, buffer.getvalue())


def save_cell(folder: Path, cell: Cell, *, n: int, seeds: int, seed_label: str, dtype: str, values) -> None:
    """Write the cell file of ``cell`` holding ``values = (mean, se)`` (what :func:`run_cell` returns)."""
    _save(Path(folder) / cell.filename, _meta(cell, n=n, seeds=seeds, seed=seed_label, dtype=dtype), *values)


def run_cell(cell: Cell, *, n: int, seeds: int, key, dtype: str = "float64"):
    """``(mean, se)`` of the test error at ``sigma^2 = 1``, iterations ``1..n``, for the cell's own key."""
    import jax

    from . import linear_regression

    result = linear_regression.simulate(cell.regime, n, key=jax.random.fold_in(key, zlib.crc32(cell.label.encode())),
                                        seeds=seeds, d=cell.d, T=cell.T, sigma2=1.0, dtype=dtype)
    return np.asarray(result.mean["test_error"], np.float64), np.asarray(result.se["test_error"], np.float64)


def _theory(cell: Cell, n: int) -> tuple[np.ndarray, str]:
    """Theory at ``sigma^2 = 1``: the closed form, or for accumulate-subsample the proven lower bound."""
    from collapse_theory import linear_regression, subsample_linear

    if cell.regime.has_closed_form:
        return linear_regression.test_error(cell.regime, n, d=cell.d, T=cell.T, sigma2=1.0), "exact"
    return subsample_linear.linear_lower_bound(cell.regime, n, d=cell.d, T=cell.T, sigma2=1.0), "lower bound"


def sweep(regimes, *, ds, Ts, sigma2s, n: int, seeds: int, key, seed_label: str = "", cells_dir=None,
          options=None, dtype: str = "float64", progress: bool = False, on_cell=None, jobs: int = 1):
    """The grid as an ``xarray.Dataset`` (module docstring); ``cells_dir`` makes it resumable.

    Args:
        regimes: regime kind names (``"replace"``, ...); regime options in ``options`` (budget defaults to T).
        ds, Ts, sigma2s: the axes; cells with ``T < d + 2`` are NaN.
        n, seeds: iterations and seeds per cell (seeds >= 2 for a standard error).
        key: a ``jax.random`` key; ``seed_label`` names it in cell files (so another key never reuses them).
        cells_dir: folder of per-cell files (``None``: nothing kept).
        on_cell: called as ``on_cell(cell, loaded: bool)`` after each cell (progress reporting, tests).
        jobs: worker processes for the cells to compute (:mod:`simulations.sweep_workers`; the same numbers);
            1 computes them in this process.
    """
    import xarray as xr

    regimes, ds, Ts = tuple(regimes), tuple(int(x) for x in ds), tuple(int(x) for x in Ts)
    sigma2s = np.asarray(tuple(float(s) for s in sigma2s), dtype=np.float64)
    if not (regimes and ds and Ts and sigma2s.size):
        raise InvalidParameterError("every axis of a sweep needs at least one value")
    if seeds < 2:
        raise InvalidParameterError(f"seeds must be at least 2 for a standard error, got {seeds}")
    todo = cells(regimes, ds, Ts, options)
    if not todo:
        raise InvalidParameterError("no cell of this grid has T >= d + 2")
    shape = (len(regimes), len(ds), len(Ts), n)
    mean, se, theory = (np.full(shape, np.nan) for _ in range(3))
    kinds = {}
    folder = None if cells_dir is None else Path(cells_dir)
    if jobs < 1:
        raise InvalidParameterError(f"jobs must be at least 1, got {jobs}")
    with contextlib.ExitStack() as stack:
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = stack.enter_context(tqdm(total=len(todo), desc="sweep", unit="cell"))
        if jobs > 1 and folder is None:  # the workers hand their cells back through files
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sweep-cells-")))

        def meta_of(cell):
            return _meta(cell, n=n, seeds=seeds, seed=seed_label, dtype=dtype)

        def stored(cell):
            return None if folder is None else _load(folder / cell.filename, meta_of(cell))

        found = {cell.label: stored(cell) for cell in todo}
        computed = set()
        if jobs > 1:
            from . import sweep_workers

            missing = [cell for cell in todo if found[cell.label] is None]
            computed = {cell.label for cell in missing}
            sweep_workers.compute(missing, jobs=jobs, folder=folder, n=n, seeds=seeds, key=key,
                                  seed_label=seed_label, dtype=dtype,
                                  on_done=None if bar is None else lambda cell: bar.update())
            found.update({cell.label: stored(cell) for cell in missing})
        for cell in todo:
            where = (regimes.index(cell.name), ds.index(cell.d), Ts.index(cell.T))
            got = found[cell.label]
            loaded = got is not None and cell.label not in computed
            if got is None:
                got = run_cell(cell, n=n, seeds=seeds, key=key, dtype=dtype)
                if folder is not None:
                    _save(folder / cell.filename, meta_of(cell), *got)
            mean[where], se[where] = got
            theory[where], kinds[cell.name] = _theory(cell, n)
            if bar is not None and cell.label not in computed:
                bar.update()
            if on_cell is not None:
                on_cell(cell, loaded)
    scale = sigma2s[None, None, None, :, None]  # exact: the error is sigma^2 times the sigma^2 = 1 error
    dims = ("regime", "d", "T", "sigma2", "iteration")
    data = {name: (dims, values[:, :, :, None, :] * scale, {"long_name": text})
            for name, values, text in ((("mc_mean", mean, "Monte Carlo mean test error")),
                                       ("mc_se", se, "standard error of mc_mean"),
                                       ("theory", theory, "theory: exact closed form or proven lower bound"))}
    coords = {"regime": list(regimes), "d": list(ds), "T": list(Ts), "sigma2": sigma2s,
              "iteration": np.arange(1, n + 1), "theory_kind": ("regime", [kinds[r] for r in regimes])}
    attrs = {"model": "linear", "seeds": seeds, "n": n, "seed": seed_label, "dtype": dtype,
             "metric": "test_error = ||w_n - w*||^2_Sigma",
             "note": "NaN where T < d + 2; accumulate-subsample's theory is a lower bound (theory_kind)"}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def save(dataset, path) -> None:
    """Write ``dataset`` to netCDF3 (scipy engine) atomically."""
    payload = dataset.to_netcdf(None, engine="scipy")
    atomic_write_bytes(path, bytes(payload))
