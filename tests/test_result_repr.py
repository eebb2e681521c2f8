"""How a Monte Carlo ``Result`` reads in a notebook: a short repr, an HTML table, pandas and xarray exports."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from simulations.result import Moments, Result

MEAN = np.array([1.0, 2.0, 3.0])
SE = np.array([0.1, 0.2, 0.5])
THEORY = np.array([1.05, 1.9, 3.0])


def _result(n: int = 3) -> Result:
    if n == 3:
        return Result({"test_error": MEAN}, {"test_error": SE}, seeds=200, config={"d": 5, "T": 20, "engine": "fast"})
    values = np.arange(n, dtype=np.float64)
    return Result({"test_error": values}, {"test_error": np.full(n, 0.5)}, seeds=10)


def test_repr_is_one_short_line_without_the_arrays():
    big = Result.from_moments({"test_error": Moments.of(np.random.default_rng(0).normal(size=(1000, 200)))},
                              config={"d": 10, "T": 100, "Sigma": np.eye(10)})
    text = repr(big)
    assert "\n" not in text and len(text) < 200, text
    assert text.startswith("Result(metrics=('test_error',), iterations=200, seeds=1000")
    assert "d=10" in text and "T=100" in text and "array" not in text


def test_repr_reports_the_attached_theory():
    text = repr(_result().with_theory(THEORY))
    # z = (1 - 1.05) / 0.1 = -0.5, (2 - 1.9) / 0.2 = 0.5, 0: the largest |z| is 0.5.
    assert "theory=attached (max |z| = 0.50)" in text


def test_html_table_has_iteration_mean_se_and_exact_cells():
    page = _result()._repr_html_()
    assert page.startswith("<table") and page.endswith("</table>")
    assert "<th rowspan='2'>iteration</th>" in page and "<th>mean</th><th>SE</th>" in page
    rows = re.findall(r"<tr><th>(\d+)</th>(.*?)</tr>", page)
    assert [int(i) for i, _ in rows] == [1, 2, 3]
    assert rows[2][1] == "<td>3</td><td>0.5</td>"
    assert "<th>theory</th>" not in page and "<th>z</th>" not in page and "200 seeds" in page


def test_html_table_shows_theory_and_z_when_attached():
    page = _result().with_theory({"test_error": THEORY})._repr_html_()
    assert "<th>mean</th><th>SE</th><th>theory</th><th>z</th>" in page
    rows = dict(re.findall(r"<tr><th>(\d+)</th>(.*?)</tr>", page))
    assert rows["1"] == "<td>1</td><td>0.1</td><td>1.05</td><td>-0.50</td>"
    assert rows["2"] == "<td>2</td><td>0.2</td><td>1.9</td><td>0.50</td>"


def test_html_table_of_a_long_result_is_compact():
    page = _result(200)._repr_html_()
    shown = [int(i) for i in re.findall(r"<tr><th>(\d+)</th>", page)]
    assert shown == list(range(1, 16)) + list(range(196, 201))
    assert "&#8942;" in page


def test_with_theory_refuses_a_wrong_shape_or_metric():
    with pytest.raises(ValueError, match="shape"):
        _result().with_theory(np.zeros(4))
    with pytest.raises(ValueError, match="no metric 'test_mse'"):
        _result().with_theory({"test_mse": THEORY})


def test_to_pandas_long_and_wide():
    pd = pytest.importorskip("pandas")
    result = _result().with_theory(THEORY)
    long = result.to_pandas()
    assert long.index.name == "iteration" and list(long.index) == [1, 2, 3]
    assert list(long.columns) == ["metric", "mean", "se", "theory", "z"]
    np.testing.assert_array_equal(long["mean"].to_numpy(), MEAN)
    np.testing.assert_allclose(long["z"].to_numpy(), [-0.5, 0.5, 0.0], rtol=0, atol=1e-12)
    wide = result.to_pandas("wide")
    assert isinstance(wide.columns, pd.MultiIndex)
    np.testing.assert_array_equal(wide[("test_error", "se")].to_numpy(), SE)
    with pytest.raises(ValueError, match="form"):
        result.to_pandas("tall")


def test_to_pandas_without_pandas_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        _result().to_pandas()


def test_to_xarray():
    pytest.importorskip("xarray")
    data = _result().with_theory(THEORY).to_xarray()
    assert dict(data.sizes) == {"metric": 1, "iteration": 3}
    np.testing.assert_array_equal(data["se"].sel(metric="test_error").to_numpy(), SE)
    assert data.attrs["seeds"] == 200 and data.attrs["d"] == 5


def test_to_xarray_without_xarray_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(ImportError, match="pip install xarray"):
        _result().to_xarray()
