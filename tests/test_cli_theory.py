"""The CLI contract for formula, error and limit (DESIGN.md): JSON shapes, exact values, one-line errors."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collapse_theory.cli import main

KAPPA = 10 / (100 - 10 - 1)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1
    return json.loads(out)


@pytest.mark.parametrize("regime, series", [
    ("accumulate", lambda k: sum(1 / i**2 for i in range(1, k + 1))),
    ("replace", lambda k: k),
    ("replace-multiple", lambda k: sum(1 / i for i in range(1, k + 1))),
])
def test_error_json_matches_the_paper_to_1e_12(capsys, regime, series):
    obj = run_json(capsys, "error", "--model", "linear", "--regime", regime, "--d", "10", "--T", "100",
                   "--sigma2", "1", "--n", "100")
    assert set(obj) == {"model", "regime", "params", "iterations", "metrics"}
    assert obj["model"] == "linear" and obj["regime"] == regime and obj["iterations"] == list(range(1, 101))
    assert obj["params"]["d"] == 10 and obj["params"]["T"] == 100 and obj["params"]["sigma2"] == 1.0
    expected = np.array([KAPPA * series(k) for k in range(1, 101)])
    np.testing.assert_allclose(obj["metrics"]["test_error"], expected, rtol=1e-12, atol=0)


def test_limit_json(capsys):
    acc = run_json(capsys, "limit", "--regime", "accumulate", "--d", "10", "--T", "100", "--sigma2", "1")
    assert set(acc) == {"model", "regime", "params", "metrics"}
    assert acc["metrics"]["test_error"] == pytest.approx(KAPPA * math.pi**2 / 6, rel=1e-12)
    rep = run_json(capsys, "limit", "--regime", "replace", "--d", "10", "--T", "100", "--sigma2", "1")
    assert rep["metrics"]["test_error"] == "inf"


def test_fresh_real_at_the_golden_ratio(capsys):
    w = (5**0.5 - 1) / 2
    obj = run_json(capsys, "limit", "--regime", "fresh-real", "--real-weight", repr(w), "--ratio", "1",
                   "--d", "10", "--T", "100", "--sigma2", "1")
    # Stationary error sigma^2 kappa (w^2 + (1-w)^2)/(1-(1-w)^2), which equals sigma^2 kappa w at the golden ratio.
    assert obj["metrics"]["test_error"] == pytest.approx(KAPPA * w, rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["--regime", "replace"], ["--regime", "accumulate"], ["--regime", "replace-multiple"],
    ["--regime", "window", "--window", "2"], ["--regime", "window", "--window", "3"], ["--regime", "mix"],
    ["--regime", "mix", "--real-fraction", "0.25"], ["--regime", "fresh-real"],
    ["--regime", "fresh-real", "--real-weight", "0.5", "--ratio", "2"], ["--regime", "accumulate", "--temperature", "0.5"],
])
def test_formula_latex_prints_a_closed_form(capsys, argv):
    code, out, err = run(capsys, "formula", "--model", "linear", *argv, "--latex")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("test_error(n) = ")
    for unevaluated in ("Sum", "sum_", "\\sum", "RecurrenceRelation", "rsolve", "Product", "f{\\left(", "c_{"):
        assert unevaluated not in out


def test_formula_json_and_symbols(capsys):
    obj = run_json(capsys, "formula", "--regime", "accumulate")
    assert "H_{n}^{(2)}" in obj["formulas"]["test_error"]["latex"]
    assert "\\frac{\\pi^{2}}{6}" in obj["formulas"]["test_error"]["limit_latex"]
    mix = run_json(capsys, "formula", "--regime", "mix")
    assert "\\lambda" in mix["formulas"]["test_error"]["latex"]


def test_formula_for_accumulate_subsample_says_there_is_none(capsys):
    code, out, err = run(capsys, "formula", "--regime", "accumulate-subsample", "--budget", "100")
    assert code == 2 and out == "" and err.startswith("error: ") and "closed form" in err


def test_plain_output_is_a_table(capsys):
    code, out, _ = run(capsys, "error", "--regime", "replace", "--n", "3")
    assert code == 0
    assert out.splitlines()[0].split() == ["iteration", "test_error"]
    assert len(out.splitlines()) == 4


def test_d_10_T_11_names_the_condition(capsys):
    code, out, err = run(capsys, "error", "--model", "linear", "--regime", "accumulate", "--d", "10", "--T", "11")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and "T >= d + 2" in err


bad_argv = st.one_of(
    st.tuples(st.just("--d"), st.sampled_from(["0", "-3", "2.5", "x", "1e400"])),
    st.tuples(st.just("--T"), st.sampled_from(["0", "-1", "ten", "11.5"])),
    st.tuples(st.just("--n"), st.sampled_from(["0", "-1", "1.5", "", "nan"])),
    st.tuples(st.just("--sigma2"), st.sampled_from(["0", "-1", "nan", "inf", "abc"])),
    st.tuples(st.just("--temperature"), st.sampled_from(["-0.1", "nan", "-inf"])),
    st.tuples(st.just("--regime"), st.sampled_from(["bogus", "REPLACE", ""])),
    st.tuples(st.just("--model"), st.sampled_from(["quadratic", ""])),
    st.tuples(st.just("--real-fraction"), st.sampled_from(["1.5", "-0.5"])),
    st.tuples(st.just("--window"), st.sampled_from(["0", "2.5"])),
)


@pytest.mark.slow
# capsys is read after every call, so sharing it across examples is safe.
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad_argv, st.sampled_from(["error", "limit", "formula"]))
def test_bad_input_exits_2_with_one_error_line(capsys, bad, command):
    option, value = bad
    argv = [command, "--regime", "replace"]
    if command == "formula" and option in ("--d", "--T", "--n", "--sigma2"):
        option, value = "--temperature", "-1"
    if command == "limit" and option == "--n":
        option, value = "--T", "5"
    argv += [option, value] if option != "--regime" else []
    if option == "--regime":
        argv = [command, "--regime", value]
    code, out, err = run(capsys, *argv)
    assert code == 2, (argv, out, err)
    assert out == ""
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err


def test_unknown_subcommand_and_missing_regime(capsys):
    assert run(capsys, "frobnicate")[0] == 2
    code, _, err = run(capsys, "error")
    assert code == 2 and "--regime" in err


def test_regime_option_that_does_not_apply(capsys):
    code, _, err = run(capsys, "error", "--regime", "replace", "--window", "3")
    assert code == 2 and "takes no window" in err


@pytest.mark.slow
def test_console_script_and_module_entry_points():
    for argv in (["collapse-theory"], [sys.executable, "-m", "collapse_theory"]):
        exe = argv if argv[0] != "collapse-theory" else [str(__import__("pathlib").Path(sys.executable).with_name(
            "collapse-theory"))]
        done = subprocess.run([*exe, "limit", "--regime", "accumulate", "--json"], capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["metrics"]["test_error"] == pytest.approx(KAPPA * math.pi**2 / 6)
        bad = subprocess.run([*exe, "error", "--regime", "replace", "--d", "10", "--T", "11"], capture_output=True,
                             text=True, timeout=300)
        assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


@pytest.mark.parametrize("command", ["formula", "error", "limit", "simulate", "check"])
def test_help_shows_an_example(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "example: collapse-theory " + command in capsys.readouterr().out


@pytest.mark.slow
def test_a_repeated_simulate_process_loads_its_compiled_simulator(tmp_path):
    # A real process keeps JAX's compiled simulators under $COLLAPSE_THEORY_CACHE/xla; the second, identical
    # command loads them and prints the same numbers bit for bit.
    import os

    cmd = [sys.executable, "-m", "collapse_theory", "simulate", "--model", "linear", "--regime", "replace",
           "--d", "3", "--T", "9", "--n", "4", "--seeds", "16", "--seed", "1", "--json", "--quiet"]
    env = {**os.environ, "COLLAPSE_THEORY_CACHE": str(tmp_path)}
    first = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=300).stdout
    def entries():
        return {p.name: p.stat().st_mtime_ns for p in (tmp_path / "xla").iterdir()}

    stored = entries()
    assert stored, "no compiled executable was stored"
    second = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=300).stdout
    assert entries() == stored  # loaded: nothing was compiled and written again
    assert json.loads(second) == json.loads(first)
