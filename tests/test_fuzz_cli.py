"""The CLI contract under fuzzing: every input computes finite numbers or gets exactly one ``error:`` line.

Exit 0 with one JSON object whose numbers are finite (``"inf"`` only where a divergence is proven), or exit 2
with nothing on stdout and one line on stderr that starts with ``error:``; ``check`` may also exit 1 (an honest
disagreement, said in one ``error:`` line).  Never a traceback.  Hypothesis runs with the suite's deterministic
profile; the grid of options and magnitudes comes from the registries.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collapse_theory import families, kinds
from collapse_theory.cli import main

INTEGERS = ["0", "1", "2", "3", "5", "12", "100", "4294967296", "18446744073709551616", str(10**30), "-1", "1.5",
            "abc"]
REALS = ["0", "1e-300", "1e-40", "0.5", "1", "2", "1e39", "1e308", "-1", "nan", "inf", "abc"]


def _finite_json(value) -> bool:
    if isinstance(value, dict):
        return all(_finite_json(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite_json(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return value == "inf"  # a proven divergence; never "-inf" or "nan"
    return isinstance(value, int)


def _assert_contract(argv, status, out, err):
    lines = [line for line in err.splitlines() if line]
    if status == 0:
        data = json.loads(out)  # exactly one JSON object
        assert isinstance(data, dict), argv
        assert _finite_json(data.get("metrics", {})), (argv, out)
        assert "-inf" not in out and "NaN" not in out and "Infinity" not in out, (argv, out)
        assert all(line.startswith(("note:", "warning:")) for line in lines), (argv, err)
    else:
        assert status == 2 or (status == 1 and argv[0] == "check"), (argv, status, err)
        assert out == "" or argv[0] == "check", (argv, out)
        errors = [line for line in lines if line.startswith("error:")]
        assert len(errors) == 1 and lines[-1] == errors[0], (argv, err)


def _run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    _assert_contract(argv, status, out, err)
    return status


def _options(draw, *, small: bool):
    argv = []
    for option in kinds.OPTIONS.values():
        if draw(st.booleans()):
            pool = INTEGERS if "integer" in option.condition else REALS
            argv += [option.flag, draw(st.sampled_from(pool))]
    if draw(st.booleans()):
        argv += ["--temperature", draw(st.sampled_from(REALS))]
    for param in families.parameters().values():
        if draw(st.integers(0, 2)) == 0:
            continue
        if param.kind == "flag":
            argv.append(param.flag)
        elif param.kind == "int":
            argv += [param.flag, draw(st.sampled_from(["2", "3", "5", "12"] if small else INTEGERS))]
        elif param.kind == "choice":
            argv += [param.flag, draw(st.sampled_from([*param.choices, "bogus"]))]
        elif param.kind == "text":
            argv += [param.flag, draw(st.sampled_from(["gaussian-1d", "moons", "bogus"]))]
        else:
            argv += [param.flag, draw(st.sampled_from(REALS))]
    return argv


@st.composite
def theory_calls(draw):
    command = draw(st.sampled_from(["formula", "error", "limit"]))
    argv = [command, "--model", draw(st.sampled_from(families.names())),
            "--regime", draw(st.sampled_from(kinds.names())), *_options(draw, small=False)]
    if command == "error":
        argv += ["--n", draw(st.sampled_from(["1", "5", "50", "0", str(10**9), str(10**30)]))]
        if draw(st.booleans()):
            argv += ["--quantiles", draw(st.sampled_from(["0.5", "0.05,0.95", "1e-300", "0.9999995,0.9999999",
                                                          "0.5,0.5", "2"]))]
    return [*argv, "--json"]


@st.composite
def simulation_calls(draw):
    command = draw(st.sampled_from(["simulate", "check"]))
    argv = [command, "--model", draw(st.sampled_from(families.names())),
            "--regime", draw(st.sampled_from(kinds.names())), *_options(draw, small=True),
            "--n", draw(st.sampled_from(["2", "3", str(10**9)])),
            "--seeds", draw(st.sampled_from(["1", "16", str(10**12), str(10**30)])),
            "--seed", draw(st.sampled_from(["0", "4294967296", "18446744073709551616", str(10**30)])),
            "--quiet", "--json"]
    return argv


@pytest.mark.slow
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=theory_calls())
def test_theory_commands_keep_the_contract(argv, capsys):
    _run(argv, capsys)


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=simulation_calls())
def test_simulation_commands_keep_the_contract(argv, capsys):
    _run(argv, capsys)


#: The inputs a reliability trial found reaching a traceback or a silently wrong answer.
FOUND = [
    ["simulate", "--regime", "accumulate", "--n", "3", "--seeds", "16", "--seed", "18446744073709551616"],
    ["simulate", "--regime", "accumulate", "--n", "3", "--seeds", "16", "--seed", str(10**30)],
    ["simulate", "--regime", "accumulate", "--n", "3", "--seeds", str(10**12)],
    ["simulate", "--regime", "accumulate", "--n", "3", "--seeds", str(10**30)],
    ["error", "--regime", "accumulate", "--n", str(10**30)],
    ["error", "--regime", "replace", "--n", str(10**9)],
    ["check", "--regime", "replace", "--d", "3", "--T", "12", "--n", "3", "--seeds", "64", "--sigma2", "1e39"],
    ["check", "--regime", "replace", "--d", "3", "--T", "12", "--n", "3", "--seeds", "64", "--sigma2", "1e308"],
    ["check", "--regime", "replace", "--d", "3", "--T", "12", "--n", "3", "--seeds", "64", "--sigma2", "1e-40"],
    ["check", "--regime", "replace", "--d", "3", "--T", "12", "--n", "3", "--seeds", "64", "--temperature", "1e308"],
    ["limit", "--regime", "mix", "--real-fraction", "0.5", "--temperature", "1e308"],
    ["error", "--regime", "fresh-real", "--real-weight", "0.5", "--ratio", "1e-300", "--n", "3"],
    ["error", "--regime", "accumulate-subsample", "--budget", str(10**30), "--n", "3"],
    ["simulate", "--regime", "accumulate-subsample", "--budget", "10", "--d", "10", "--n", "3", "--seeds", "16"],
    ["error", "--model", "kde", "--regime", "replace", "--bandwidth", "1e308", "--n", "3"],
    ["error", "--model", "kde", "--regime", "replace", "--bandwidth", "1e-300", "--n", "3"],
    ["error", "--regime", "replace", "--n", "3", "--quantiles", "1e-300"],
    ["error", "--regime", "replace", "--n", "3", "--quantiles", "0.9999995,0.9999999"],
    ["simulate", "--regime", "replace", "--n", "3", "--seeds", "1"],
    [],
]


@pytest.mark.parametrize("argv", FOUND, ids=lambda a: " ".join(a)[:60] or "no-command")
def test_found_inputs_get_a_clean_answer(argv, capsys):
    status = main([*argv, "--json"] if argv and argv[0] != "formula" else argv)
    out, err = capsys.readouterr()
    _assert_contract([*argv, "--json"] if argv else ["(none)"], status, out, err)


@pytest.mark.slow
def test_64_bit_seeds_are_not_aliased(capsys):
    # 64 seeds at d = 3, T = 12, n = 3: the shapes of the check inputs above, whose compiled simulator serves it.
    base = ["simulate", "--regime", "accumulate", "--d", "3", "--T", "12", "--n", "3", "--seeds", "64", "--json"]
    runs = []
    for seed in ("0", "4294967296"):
        assert main([*base, "--seed", seed]) == 0
        runs.append(json.loads(capsys.readouterr().out)["metrics"]["test_error"]["mean"])
    assert runs[0] != runs[1]


def test_quantile_levels_keep_their_names(capsys):
    assert main(["error", "--regime", "replace", "--n", "2", "--quantiles", "0.9999995,0.9999999", "--json"]) == 0
    keys = json.loads(capsys.readouterr().out)["metrics"]["test_error_quantiles"]
    assert set(keys) == {"0.9999995", "0.9999999"}
