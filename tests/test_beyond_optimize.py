"""Optimal data schedules: the golden-ratio weight, grid dominance, the sympy optimum and the CLI."""

import json
import math

import jax
import numpy as np
import pytest
import sympy as sp

import collapse_theory as ct
from collapse_theory import cli, coefficients, optimize
from collapse_theory.regimes import SYMBOLS


@pytest.mark.slow
def test_golden_ratio_at_k_1():
    best = optimize.optimize("fresh-real", ratio=1.0)
    assert abs(best.value - (math.sqrt(5) - 1) / 2) < 1e-6
    assert best.control == "real_weight" and best.iteration is None


@pytest.mark.parametrize("k", [0.25, 1.0, 3.0])
def test_stationary_optimum_beats_a_grid(k):
    # He, Xu & Cheng's stationary error of fresh-real (docs/theory/formalism.md section 2), written out independently of sympy.
    best = optimize.optimize("fresh-real", ratio=k)
    w = np.linspace(1e-3, 1.0, 2000)
    grid = (w**2 + k * (1 - w) ** 2) / (w * (2 - w))
    assert best.factor <= grid.min() + 1e-12
    assert best.value == pytest.approx(optimize.golden_weight(k), abs=1e-9)
    assert best.factor == pytest.approx((best.value**2 + k * (1 - best.value) ** 2)
                                        / (best.value * (2 - best.value)), rel=1e-12)


def test_nth_iteration_optimum_beats_the_exact_recursion_on_a_grid():
    n, k, tau = 6, 2.0, 0.8
    best = optimize.optimize("fresh-real", ratio=k, temperature=tau, iteration=n)
    weights = np.linspace(0.0, 1.0, 201)
    grid = [coefficients.error_factors(ct.fresh_real(w, k, temperature=tau), n, exact=False)[-1] for w in weights]
    at_best = coefficients.error_factors(best.regime, n, exact=False)[-1]
    assert at_best == pytest.approx(best.factor, rel=1e-10)
    assert best.factor <= min(grid) + 1e-12


def test_sympy_closed_form_is_the_golden_formula():
    k = SYMBOLS["ratio"]
    closed = optimize.closed_form_optimum("fresh-real", ratio=1.0, temperature=1.0)
    assert sp.simplify(closed - (sp.sqrt(k * (k + 4)) - k) / 2) == 0
    # At tau = 1/2 the root differs from the golden weight and the numeric optimum finds it.
    closed_half = optimize.closed_form_optimum("fresh-real", ratio=1.0, temperature=0.5)
    assert float(closed_half) == pytest.approx(optimize.optimize("fresh-real", temperature=0.5).value, abs=1e-10)


def test_jax_grad_through_the_lambdified_objective():
    f = optimize._jax_objective("fresh-real", True)
    x0 = optimize.golden_weight(1.0)
    grad = jax.grad(lambda x: f(x, 1.0, 1.0, 1.0))
    assert abs(float(grad(x0))) < 1e-12
    h = 1e-6
    fd = (float(f(0.3 + h, 1.0, 1.0, 1.0)) - float(f(0.3 - h, 1.0, 1.0, 1.0))) / (2 * h)
    assert float(grad(0.3)) == pytest.approx(fd, rel=1e-6)


def test_mix_prefers_all_real_data():
    # Stationary mix error (lambda^2 tau^2 - lambda^2 - 2 lambda tau^2 + 2 lambda + tau^2)/(lambda (2 - lambda))
    # is 1 at lambda = 1 and above 1 below it for tau < sqrt(2): the optimum is the boundary.
    best = optimize.optimize("mix", temperature=0.5)
    assert best.value == 1.0 and best.factor == pytest.approx(1.0)


def test_window_optimum_is_the_longest_window_without_cooling():
    best = optimize.optimize("window", iteration=12, max_window=20)
    assert best.value == 12.0  # any k >= n is accumulate
    with pytest.raises(ct.InvalidParameterError, match="give --n"):
        optimize.optimize("window")


def test_cli_json(capsys):
    assert cli.main(["optimize", "--model", "linear", "--regime", "fresh-real", "--ratio", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"model", "regime", "params", "optimum", "metrics"}
    assert out["optimum"]["real_weight"] == pytest.approx((math.sqrt(5) - 1) / 2, abs=1e-6)
    assert out["metrics"]["test_error"] == pytest.approx(10 / 89 * out["optimum"]["real_weight"], rel=1e-9)


@pytest.mark.parametrize("argv", [["--regime", "fresh-real", "--ratio", "-1"], ["--regime", "replace"],
                                  ["--regime", "fresh-real", "--T", "5"]])
def test_cli_bad_input(capsys, argv):
    assert cli.main(["optimize", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
