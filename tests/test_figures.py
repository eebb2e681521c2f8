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
from conftest import assert_figures_written


#: Figures whose fast build is tested, with the same checks, beside the code that computes their data (the neural
#: figures in test_neural_figures.py); building them here too would only repeat the same run.
OWN_TESTS = {"discrete": "test_discrete_figure.py", "sweep": "test_sweep.py"}


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in FIGURES if not name.startswith("neural-") and name not in OWN_TESTS])
def test_figure_fast_mode_writes_png_and_pdf(name, tmp_path):
    before = dict(matplotlib.rcParams)
    module = importlib.import_module(FIGURES[name])
    try:
        written = module.main(fast=True, out=tmp_path / "out", data=tmp_path / "data")
    except MissingData as e:
        pytest.skip(f"data source absent: {e}")
    assert_figures_written(written, tmp_path / "out", before)


def test_figures_with_their_own_tests_exist_and_have_them():
    from pathlib import Path

    for name, module in OWN_TESTS.items():
        assert name in FIGURES, name
        assert "main(fast=True" in (Path(__file__).parent / module).read_text(), module


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
