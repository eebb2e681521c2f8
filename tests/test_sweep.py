"""``collapse-theory sweep``: the grid dataset, its exact sigma^2 scaling, theory beside Monte Carlo, resuming."""

import shutil

import jax
import numpy as np
import pytest
import xarray as xr

import collapse_theory as ct
from collapse_theory import command as c
from collapse_theory.regimes import from_name
from simulations import sweep as sw
from simulations.linear_regression import simulate
from simulations.sweep_command import sweep as sweep_command

#: Each grid compiles one program per cell shape: outside `make test-fast`.
pytestmark = pytest.mark.slow

KEY = jax.random.key(3)
REGIMES = ("replace", "accumulate", "accumulate-subsample")
GRID = {"ds": (3, 10), "Ts": (8, 16), "sigma2s": (0.1, 1.0, 10.0), "n": 6, "seeds": 64}


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cells")
    seen = []
    ds = sw.sweep(REGIMES, key=KEY, seed_label="3", cells_dir=folder, on_cell=lambda cell, loaded: seen.append(loaded),
                  **GRID)
    return ds, folder, seen


def test_axes_and_empty_cells(grid):
    ds, _, seen = grid
    assert ds["mc_mean"].dims == ("regime", "d", "T", "sigma2", "iteration")
    assert list(ds["regime"].values) == list(REGIMES)
    assert list(ds["theory_kind"].values) == ["exact", "exact", "lower bound"]
    # d = 10 needs T >= 12: T = 8 is empty, the other three (d, T) pairs are run, per regime
    assert np.all(np.isnan(ds["mc_mean"].sel(d=10, T=8).values))
    assert np.all(np.isfinite(ds["mc_mean"].sel(d=3).values))
    assert seen == [False] * 9


def test_sigma2_is_an_exact_scale(grid):
    """Each cell runs at sigma^2 = 1; other sigma^2 are that value times sigma^2, which the process is linear in."""
    ds, _, _ = grid
    base = ds["mc_mean"].sel(sigma2=1.0).values
    np.testing.assert_array_equal(ds["mc_mean"].sel(sigma2=10.0).values, base * 10.0)
    cell = sw.cells(["accumulate"], [3], [16])[0]
    key = jax.random.fold_in(KEY, sw.zlib.crc32(cell.label.encode()))
    direct = simulate(cell.regime, GRID["n"], key=key, seeds=GRID["seeds"], d=3, T=16, sigma2=10.0)
    np.testing.assert_allclose(ds["mc_mean"].sel(regime="accumulate", d=3, T=16, sigma2=10.0).values,
                               direct.mean["test_error"], rtol=1e-10)


def test_theory_beside_monte_carlo():
    """Closed forms within 4 SE; the subsample lower bound below the mean + 4 SE (T >= d + 4: finite variance)."""
    ds = sw.sweep(REGIMES, ds=(2,), Ts=(12,), sigma2s=(1.0,), n=5, seeds=3000, key=KEY)
    cell = ds.sel(d=2, T=12, sigma2=1.0)
    for regime in ("replace", "accumulate"):
        c_ = cell.sel(regime=regime)
        np.testing.assert_allclose(c_["theory"].values, ct.linear_regression.test_error(
            from_name(regime), 5, d=2, T=12), rtol=1e-12)
        z = (c_["mc_mean"].values - c_["theory"].values) / c_["mc_se"].values
        assert np.all(np.abs(z) < 4), (regime, z)
    sub = cell.sel(regime="accumulate-subsample")
    assert np.all(sub["mc_mean"].values + 4 * sub["mc_se"].values >= sub["theory"].values)


def test_resume_loads_cells_and_recomputes_a_damaged_one(grid, tmp_path):
    ds, folder, _ = grid
    files = sorted(folder.glob("*.npz"))
    assert len(files) == 9
    damaged, forged, truncated = files[4], files[1], files[7]
    raw = bytearray(damaged.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    truncated.write_bytes(truncated.read_bytes()[:100])
    with np.load(forged) as f:  # a well-formed file whose numbers no longer match its checksum
        fields = {k: f[k] for k in f.files}
    fields["mean"] = fields["mean"] * (1 + 1e-12)
    np.savez(forged, **fields)
    seen = []
    again = sw.sweep(REGIMES, key=KEY, seed_label="3", cells_dir=folder, on_cell=lambda cell, loaded: seen.append(
        (cell.filename, loaded)), **GRID)
    assert sorted(name for name, loaded in seen if not loaded) == sorted(f.name for f in (damaged, forged, truncated))
    xr.testing.assert_identical(again, ds)
    # another key never reuses the cells (in a copy: the fixture's folder keeps key 3's cells for other tests)
    seen.clear()
    copy = shutil.copytree(folder, tmp_path / "copy")
    sw.sweep(REGIMES[:1], key=KEY, seed_label="4", cells_dir=copy, on_cell=lambda cell, loaded: seen.append(loaded),
             **{**GRID, "ds": (3,), "Ts": (8,)})
    assert seen == [False]


def test_worker_processes_write_the_same_cells_and_dataset(grid, tmp_path):
    """Two worker processes compute the cells (none loaded) into files byte-identical to the one process's."""
    ds, folder, _ = grid
    seen, part = [], {**GRID, "ds": (3,)}  # a cell per worker: replace and accumulate-subsample at d = 3, T = 16
    two = sw.sweep(("replace", "accumulate-subsample"), key=KEY, seed_label="3", cells_dir=tmp_path, jobs=2,
                   on_cell=lambda cell, loaded: seen.append(loaded), **{**part, "Ts": (16,)})
    assert seen == [False, False]
    xr.testing.assert_identical(two, ds.sel(regime=["replace", "accumulate-subsample"], d=[3], T=[16]))
    mine = {f.name: f.read_bytes() for f in tmp_path.glob("*.npz")}
    assert len(mine) == 2 and mine == {name: (folder / name).read_bytes() for name in mine}


def test_netcdf_round_trip(grid, tmp_path):
    ds, _, _ = grid
    path = tmp_path / "grid.nc"
    sw.save(ds, path)
    with xr.open_dataset(path, engine="scipy") as back:
        xr.testing.assert_allclose(back.load(), ds, rtol=0, atol=0)
        assert back.attrs["seeds"] == GRID["seeds"]


def run_command(*argv):
    parser = c.Parser(prog="collapse-theory sweep")
    sweep_command.add_arguments(parser)
    args = parser.parse_args(list(argv))
    args.process = False
    return sweep_command.run(args)


def test_command_writes_the_dataset(tmp_path, capsys):
    out = tmp_path / "s.nc"
    # Cells of GRID's shapes (d = 3, T = 8 and 16, n = 6, 64 seeds): the fixture's compilations serve them.
    assert run_command("--regimes", "replace,accumulate-subsample", "--d", "3", "--T", "8,16", "--sigma2", "0.5,2",
                       "--n", "6", "--seeds", "64", "--out", str(out), "--quiet") is None
    assert "4 cells" in capsys.readouterr().out  # 2 regimes x 2 T
    with xr.open_dataset(out, engine="scipy") as ds:
        assert ds["mc_mean"].shape == (2, 1, 2, 2, 6)
        assert list(ds["sigma2"].values) == [0.5, 2.0]
    assert len(list((tmp_path / "s.nc.cells").glob("*.npz"))) == 4


@pytest.mark.parametrize("argv, message", [
    (["--regimes", "replace,nope", "--d", "2", "--T", "6"], "unknown regime 'nope'"),
    (["--regimes", "replace", "--d", "2,x", "--T", "6"], "d:"),
    (["--regimes", "replace", "--d", "10", "--T", "6"], "no cell of this grid has T >= d \\+ 2"),
    (["--regimes", "replace", "--d", "2", "--T", "6", "--model", "gaussian"], "sweep runs the linear model"),
    (["--regimes", "replace", "--d", "2,2", "--T", "6"], "lists a value twice"),
    (["--regimes", "replace", "--d", "2", "--T", "6", "--jobs", "0"], "jobs"),
])
def test_bad_input_is_one_usage_error(argv, message, tmp_path):
    with pytest.raises(c.UsageError, match=message):
        run_command(*argv, "--out", str(tmp_path / "x.nc"))


def test_figure_draws_from_the_dataset(tmp_path):
    """The fast figure: built from a sweep dataset it computes into ``data`` and then reads back from netCDF."""
    import matplotlib

    from conftest import assert_figures_written
    from figures import sweep as figure

    before = dict(matplotlib.rcParams)
    written = figure.main(fast=True, out=tmp_path / "out", data=tmp_path / "data")
    assert_figures_written(written, tmp_path / "out", before)
    assert sorted(p.suffix for p in written) == [".pdf", ".png"]
    assert (tmp_path / "data" / "sweep-linear-fast.nc").exists()
    again = figure.dataset(figure.FAST_GRID, data=tmp_path / "data", name="sweep-linear-fast")
    assert set(again["regime"].values) == set(figure.REGIMES)
