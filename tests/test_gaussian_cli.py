"""The command line for the gaussian and kde families: JSON contract, check z-scores, one-line errors."""

import json

import numpy as np
import pytest

from collapse_theory import gaussian as G
from collapse_theory.cli import main
from collapse_theory.regimes import accumulate


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_error_json_is_the_exact_curve(capsys):
    code, out, _ = run(capsys, "error", "--model", "gaussian", "--regime", "replace", "--d", "10", "--T", "100",
                       "--n", "100", "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["iterations"] == list(range(1, 101))
    np.testing.assert_allclose(obj["metrics"]["cov_trace_ratio"], 0.99 ** np.arange(1, 101), rtol=1e-13)
    assert set(obj["metrics"]) == {"mean_error", "cov_trace_ratio", "kl"}


def test_limit_and_formula(capsys):
    code, out, _ = run(capsys, "limit", "--model", "kde", "--regime", "replace", "--T", "100", "--bandwidth", "0.3",
                       "--json")
    assert code == 0 and json.loads(out)["metrics"]["variance_ratio"] == pytest.approx(9.0)
    code, out, _ = run(capsys, "formula", "--model", "gaussian", "--regime", "accumulate")
    assert code == 0 and "sin(pi/sqrt(T))" in out  # Euler's product, found by sympy


@pytest.mark.slow
def test_check_reports_z_for_every_metric_with_theory(capsys):
    code, out, _ = run(capsys, "check", "--model", "gaussian", "--regime", "accumulate", "--d", "3", "--T", "12",
                       "--n", "8", "--seeds", "500", "--json", "--quiet")
    assert code == 0
    metrics = json.loads(out)["metrics"]
    theory = G.errors(accumulate(), 8, d=3, T=12)
    assert set(theory) == {m for m in metrics if "z" in metrics[m]}
    for m in theory:
        assert max(abs(z) for z in metrics[m]["z"]) <= 4, (m, metrics[m])


@pytest.mark.parametrize("argv", [
    ("error", "--model", "gaussian", "--regime", "replace", "--T", "1"),
    ("error", "--model", "gaussian", "--regime", "replace", "--d", "0"),
    ("error", "--model", "kde", "--regime", "replace", "--bandwidth", "0"),
    ("error", "--model", "kde", "--regime", "replace", "--bandwidth", "-1"),
    ("error", "--model", "kde", "--regime", "replace", "--dataset", "spiral"),
    ("error", "--model", "kde", "--regime", "replace", "--T", "1"),
    ("simulate", "--model", "kde", "--regime", "replace", "--temperature", "0.5"),
    ("error", "--model", "kde", "--regime", "replace", "--d", "3"),
    ("check", "--model", "kde", "--regime", "replace", "--bandwidth-rule", "scott", "--n", "2", "--seeds", "2"),
    ("simulate", "--model", "gaussian", "--regime", "replace", "--d", "10", "--T", "10", "--seeds", "2"),
])
def test_bad_input_is_one_error_line_and_status_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("error:") and err.count("\n") == 1
