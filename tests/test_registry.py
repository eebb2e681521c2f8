"""One parametrised test over every registered (family, regime) pair, and the registry's structural promises.

Nothing here lists a regime or a family by hand: the grid comes from :mod:`collapse_theory.kinds` and
:mod:`collapse_theory.families`, so a newly registered regime or family is tested without an edit.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import collapse_theory as ct
from collapse_theory import families, kinds
from collapse_theory.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: Small configurations per family: cheap to compile, away from the infinite-variance edge (T > d + 3).
SMALL = {"linear": {"d": 3, "T": 12}, "gaussian": {"d": 2, "T": 20}, "kde": {"T": 30}, "discrete": {"K": 3, "T": 20}}
PAIRS = [(f, k) for f in families.families() for k in kinds.kinds()]


def _regime(kind):
    return ct.Regime(kind.name, **kind.example)


def _flags(kind, params):
    out = []
    for name, value in {**kind.example, **params}.items():
        out += [f"--{name.replace('_', '-')}", str(value)]
    return out


def _cli(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.slow
@pytest.mark.parametrize("family, kind", PAIRS, ids=[f"{f.name}-{k.name}" for f, k in PAIRS])
def test_theory_commands_round_trip(family, kind, capsys):
    """error and limit answer in JSON (or refuse cleanly) according to the family's declared standing."""
    params = SMALL.get(family.name, {})
    base = ["--model", family.name, "--regime", kind.name, *_flags(kind, params), "--json"]
    status, out, err = _cli(["error", *base, "--n", "4"], capsys)
    if family.standing_of(kind) in ("simulation", "none"):
        assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
        return
    assert status == 0, err
    data = json.loads(out)
    assert data["model"] == family.name and data["regime"] == kind.name and data["iterations"] == [1, 2, 3, 4]
    for metric, values in data["metrics"].items():
        if not isinstance(values, dict):
            assert len(values) == 4 and all(isinstance(v, float) and np.isfinite(v) for v in values), metric
    status, out, err = _cli(["limit", *base], capsys)
    # A limit is a number, "inf" for a proven divergence, or a clean refusal (no certified value).
    assert status in (0, 2), err
    if status == 0:
        assert all(v == "inf" or np.isfinite(v) for v in json.loads(out)["metrics"].values())
    else:
        assert err.startswith("error: ") and err.count("\n") == 1, err


@pytest.mark.slow
@pytest.mark.parametrize("kind", kinds.kinds(), ids=lambda k: k.name)
def test_linear_closed_form_equals_recursion_exactly(kind):
    """The sympy closed form equals the coefficient recursion in exact rationals (every fixed-design kind)."""
    if not kind.fixed_design:
        pytest.skip(f"{kind.name} is outside the fixed-design algebra; its bound is tested in test_beyond_subsample")
    from collapse_theory.coefficients import error_factors
    from collapse_theory.derivation import MAX_WINDOW, error_factor
    from collapse_theory.symbolic import n as n_symbol

    regime = _regime(kind)
    if kind.window_of is not None and kind.window_of(regime) > MAX_WINDOW:
        pytest.skip("wide windows are evaluated by the recursion itself")
    expr = error_factor(regime)
    exact = error_factors(regime, 8, exact=True)
    for i, value in enumerate(exact, start=1):
        closed = expr.subs(n_symbol, i)
        # Real forms of complex roots carry cos(n atan(.)): expand_trig makes them radicals, then it is exact.
        difference = sp.simplify(sp.expand_trig(closed) - sp.Rational(value.numerator, value.denominator))
        assert difference == 0, (kind.name, i, closed)


@pytest.mark.slow
@pytest.mark.parametrize("family, kind", PAIRS, ids=[f"{f.name}-{k.name}" for f, k in PAIRS])
def test_check_and_simulate_round_trip(family, kind, capsys):
    """simulate gives float64 JSON; check confirms the theory within 4 SE at every iteration (exit 0)."""
    params = SMALL.get(family.name, {})
    base = ["--model", family.name, "--regime", kind.name, *_flags(kind, params), "--n", "4", "--seeds", "400",
            "--seed", "1", "--json", "--quiet"]
    status, out, err = _cli(["simulate", *base], capsys)
    if family.standing_of(kind) == "none":  # the family does not run this regime: a clean refusal
        assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
        return
    assert status == 0, err
    data = json.loads(out)
    assert data["dtype"] == "float64" and data["seeds"] == 400
    if family.standing_of(kind) not in ("exact", "recursion"):
        status, _, err = _cli(["check", *base], capsys)
        assert status == 2 and "no exact theory" in err
        return
    status, out, err = _cli(["check", *base], capsys)
    assert status == 0, err
    for metric, s in json.loads(out)["metrics"].items():
        if "z" in s:
            assert max(abs(z) for z in s["z"]) <= 4, (metric, s)


def test_theory_never_loads_simulations_or_jax():
    """`import collapse_theory.cli` and `collapse-theory --help` load neither JAX nor simulations nor figures."""
    code = ("import sys, contextlib, io\n"
            "import collapse_theory.cli as cli\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('jax', 'simulations', 'figures', 'sympy')]\n"
            "assert not loaded, loaded\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    try:\n"
            "        cli.main(['--help'])\n"
            "    except SystemExit:\n"
            "        pass\n"
            "assert 'simulate' in out.getvalue() and 'neural' in out.getvalue()\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('jax', 'simulations', 'figures')]\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=ROOT)


def test_theory_source_names_no_simulator():
    """No module of collapse_theory imports simulations or figures, statically or by name."""
    import re

    pattern = re.compile(r"(^\s*(from|import)\s+(simulations|figures)\b)|([\"'](simulations|figures)(\.|[\"']))",
                         re.MULTILINE)
    offenders = [p.name for p in (ROOT / "collapse_theory").glob("*.py") if pattern.search(p.read_text())]
    assert not offenders, offenders


@pytest.mark.slow
def test_simulate_json_is_float64_by_default_and_float32_on_request():
    """A subprocess (the user's view, no test configuration) computes in float64 by default; ``--dtype float32``
    (in process: the CLI scopes the precision itself, whatever the test configuration) is recorded."""
    argv = ["simulate", "--regime", "accumulate", "--d", "3", "--T", "12", "--n", "3", "--seeds", "64", "--json",
            "--quiet"]
    done = subprocess.run([sys.executable, "-m", "collapse_theory", *argv], capture_output=True, text=True,
                          timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    runs = {"float64": json.loads(done.stdout)}
    assert runs["float64"]["dtype"] == "float64"
    with redirect_stdout(io.StringIO()) as out:
        assert main([*argv, "--dtype", "float32"]) == 0
    runs["float32"] = json.loads(out.getvalue())
    assert runs["float32"]["dtype"] == "float32"
    # float32 means are sums of float32 per-seed values: they differ from the float64 run in the low digits
    # (same key, same draws up to rounding), while both estimate the same expectation.
    m64 = np.array(runs["float64"]["metrics"]["test_error"]["mean"])
    m32 = np.array(runs["float32"]["metrics"]["test_error"]["mean"])
    assert not np.array_equal(m64, m32)
    # The library never flips the global switch: inside a caller's float32 scope, a default run computes in
    # float64 (recorded) and leaves the caller's setting as it was.
    import jax

    import collapse_theory as ct_
    from simulations import linear_regression as L

    with jax.enable_x64(False):
        r = L.simulate(ct_.accumulate(), 3, key=jax.random.key(0), seeds=64, d=3, T=12)
        assert r.config["dtype"] == "float64" and not jax.config.jax_enable_x64
        r32 = L.simulate(ct_.accumulate(), 3, key=jax.random.key(0), seeds=64, d=3, T=12, dtype="float32")
        assert r32.config["dtype"] == "float32" and not jax.config.jax_enable_x64
    assert not np.array_equal(r.mean["test_error"], r32.mean["test_error"])


def test_regime_json_round_trip_for_every_kind():
    for kind in kinds.kinds():
        regime = _regime(kind)
        assert ct.Regime.from_json(json.loads(json.dumps(regime.to_json()))) == regime
        assert repr(regime).startswith(f"Regime({kind.name!r}")


@pytest.mark.slow
def test_check_exits_1_on_an_honest_disagreement(capsys, monkeypatch):
    """A deliberately wrong theory (the replace error scaled by 1.1) fails check with the iterations listed."""
    from collapse_theory import linear_regression

    real = linear_regression.errors
    monkeypatch.setattr(linear_regression, "errors",
                        lambda regime, n, **p: {m: 1.1 * v for m, v in real(regime, n, **p).items()})
    status, _, err = _cli(["check", "--regime", "replace", "--d", "3", "--T", "12", "--n", "5", "--seeds", "2000",
                           "--quiet", "--json"], capsys)
    assert status == 1 and "iteration" in err and err.startswith("error: ")


@pytest.mark.slow
def test_check_warns_where_the_variance_is_infinite(capsys):
    status, out, err = _cli(["check", "--regime", "replace", "--d", "2", "--T", "5", "--n", "4", "--seeds", "2000",
                             "--quiet", "--json"], capsys)
    assert status == 0, err
    assert err.startswith("warning: ") and "infinite" in err and err.count("\n") == 1
    assert "error_factor" in json.loads(out)["metrics"]


@pytest.mark.slow
def test_check_passes_at_the_readme_configuration(capsys):
    """`check`'s own example (the README's): the theory holds, so exit 0 with every |z| within 4."""
    from collapse_theory.cli import plugins

    example = plugins()["check"].load().example.split()[1:]
    status, out, err = _cli([*example, "--quiet", "--json"], capsys)
    assert status == 0, err
    assert max(abs(z) for z in json.loads(out)["metrics"]["test_error"]["z"]) <= 4
