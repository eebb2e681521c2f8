"""Every figure builds in its fast mode into a temporary folder; the plotting layer keeps no global state."""

import importlib

import matplotlib
import numpy as np
import pytest

import collapse_theory as ct
from figures import FIGURES, plotting
from figures.__main__ import main as figures_main
from figures.sources import MissingData
from simulations.result import Result


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in FIGURES if not name.startswith("neural-")])
def test_figure_fast_mode_writes_png_and_pdf(name, tmp_path):
    before = dict(matplotlib.rcParams)
    module = importlib.import_module(FIGURES[name])
    try:
        written = module.main(fast=True, out=tmp_path / "out", data=tmp_path / "data")
    except MissingData as e:
        pytest.skip(f"data source absent: {e}")
    suffixes = sorted(p.suffix for p in written)
    assert suffixes.count(".png") >= 1 and suffixes.count(".png") == suffixes.count(".pdf")
    for path in written:
        assert path.parent == tmp_path / "out"
        head = path.read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if path.suffix == ".png" else head.startswith(b"%PDF")
    assert not list((tmp_path / "out").glob(".tmp-*"))
    assert dict(matplotlib.rcParams) == before, "a figure changed global rcParams"


def test_compare_draws_theory_on_top_of_simulation():
    regime = ct.accumulate()
    theory = ct.linear_regression.test_error(regime, 5, d=4, T=20)
    result = Result({"test_error": theory * 1.01}, {"test_error": theory * 0.02}, seeds=100)
    ax = plotting.compare(regime, result, d=4, T=20)
    theory_line, = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    simulation_line, = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    np.testing.assert_allclose(theory_line.get_ydata(), theory)
    np.testing.assert_allclose(simulation_line.get_ydata(), theory * 1.01)
    assert theory_line.get_zorder() > simulation_line.get_zorder()
    assert ax.get_yscale() == "log"


@pytest.mark.slow
def test_save_is_deterministic(tmp_path):
    with plotting.styled():
        fig, ax = plotting.subplots()
        plotting.theory(ax, [1, 2, 3], [1.0, 2.0, 3.0], color="k", label="x")
        first = [p.read_bytes() for p in plotting.save(fig, "f", tmp_path)]
        second = [p.read_bytes() for p in plotting.save(fig, "f", tmp_path)]
    assert first == second


def test_unknown_figure_exits_2_with_one_error_line(capsys):
    assert figures_main(["no-such-figure"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "regimes" in err[0]
