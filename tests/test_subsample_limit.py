"""The certified limit of the accumulate-subsample recursion (collapse_theory.subsample_limit)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import collapse_theory as ct
from collapse_theory import gaussian, gaussian_mean, subsample_limit
from collapse_theory.subsample import _recursion

N_FAR = 2**16


def _far_reference(values: np.ndarray, p: float) -> float:
    """``F_oo`` fitted exactly at ``n = N/8 .. N`` to ``F_oo + a n^-p + (b log n + c)/n`` (``p = 1 - 1/B``: the slow
    mode of ``e_n``), or to ``F_oo + (b log n + c)/n + g log n / n^2`` where ``p = 1``."""
    def basis(n):
        return [1.0, n**-p if p < 1 else math.log(n) / n**2, math.log(n) / n, 1.0 / n]

    ns = [N_FAR // 8, N_FAR // 4, N_FAR // 2, N_FAR]
    return float(np.linalg.solve(np.array([basis(n) for n in ns]), np.array([values[n - 1] for n in ns]))[0])


CASES = [(100, 100, 1.0, None), (10, 100, 1.0, None), (100, 10, 1.0, None), (100, 100, 0.5, None),
         (10, 100, 2.0, None), (3, 5, 1.0, None), (100, 100, 0.0, None),
         (100, 100, 1.0, "ml"), (10, 100, 1.0, "ml"), (100, 10, 1.0, "ml"), (2, 2, 1.0, "ml")]


@pytest.mark.parametrize("T, B, tau, refit", CASES)
def test_interval_holds_the_far_reference_and_the_boxes_hold_the_recursion(T, B, tau, refit):
    cert = subsample_limit.certify(T, B, tau, refit)
    assert cert is not None
    Q, s = _recursion(N_FAR, T, B, tau * tau, refit)
    pairs = [(cert.Q, cert.Q_box, Q)] + ([(cert.s, cert.s_box, s)] if refit else [])
    for limit, box, values in pairs:
        assert limit[1] - limit[0] <= 1e-7 * limit[1]
        ref = _far_reference(values, 1.0 - 1.0 / B if refit is None else 1.0)
        assert limit[0] - 1e-8 * abs(ref) <= ref <= limit[1] + 1e-8 * abs(ref)
        tail = values[cert.n0 - 1:]
        assert np.all(tail >= box[0]) and np.all(tail <= box[1])  # the invariant boxes, for n0 <= n <= N_FAR
        gaps = [max(limit[0] - values[n - 1], values[n - 1] - limit[1], 0.0) for n in (2**12, 2**14, 2**16)]
        assert gaps[0] > gaps[1] > gaps[2] and gaps[2] <= 20 * math.log(N_FAR) / N_FAR * abs(ref)


def test_width_shrinks_as_n0_grows(monkeypatch):
    monkeypatch.setattr(subsample_limit, "RELATIVE_TARGET", 1.0)
    widths = []
    for n0 in (2048, 4096, 8192):
        monkeypatch.setattr(subsample_limit, "MIN_N0", n0)
        for refit in (None, "ml"):
            cert = subsample_limit.certify(100, 100, 1.0, refit)
            assert cert.n0 == n0
            widths.append((cert.Q[1] - cert.Q[0], refit))
    for refit in (None, "ml"):
        w = [v for v, r in widths if r == refit]
        assert w[0] > 2 * w[1] > 4 * w[2] > 0


def test_exact_and_divergent_budget_one_and_unproven_cases():
    assert subsample_limit.certify(10, 1, 1.0).Q == (math.inf, math.inf)
    assert subsample_limit.certify(10, 1, 0.0).Q == (1.0, 1.0)
    cert = subsample_limit.certify(10, 1, 0.7, "ml")
    assert cert.Q == (1.0, 1.0) and cert.s == (0.0, 0.0)
    Q, s = _recursion(50, 10, 1, 0.49, "ml")
    np.testing.assert_allclose(Q, 1.0, rtol=1e-14)
    np.testing.assert_allclose(s, 0.0, atol=1e-14)
    assert subsample_limit.certify(100, 100, 1.0, "unbiased") is None  # s_n grows like n^(1/(B-1))
    assert subsample_limit.certify(100, 100, 0.5, "ml") is None  # s_n falls like n^(-3/4)
    assert gaussian_mean.limit_bounds(ct.accumulate_subsample(1, temperature=2.0), T=5)["mean_error"] == (
        math.inf, 0.0, True)


def test_family_limit_bounds_are_proven_for_ml_at_temperature_one():
    bounds = gaussian.limit_bounds(ct.accumulate_subsample(100), d=10, T=100)
    for metric, (value, bound, proven) in bounds.items():
        assert proven is True and 0 < bound < 1e-7 * value
    # the ML fit at tau = 1 conserves the pool's second moment: d s_oo + mean_error = d (z - Q) + d Q = d z
    cert = subsample_limit.certify(100, 100, 1.0, "ml")
    assert bounds["mean_error"][0] + 10 * bounds["cov_trace_ratio"][0] == pytest.approx(10 * cert.Q[0] + 10 * cert.s[0])


@pytest.mark.parametrize("model", ["gaussian", "gaussian-mean"])
def test_cli_limit_reports_a_proven_bound(capsys, model):
    from collapse_theory.cli import main

    assert main(["limit", "--model", model, "--regime", "accumulate-subsample", "--budget", "100", "--T", "100",
                 "--d", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bounds"] and all(b["proven"] is True for b in out["bounds"].values())
    for metric, b in out["bounds"].items():
        assert 0 < b["error"] < 1e-6 * out["metrics"][metric]
