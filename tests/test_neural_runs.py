"""The neural figures' runs: the run list, the compute protocols, the seed statistics (the pool: test_neural_pool)."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from collapse_theory import regimes
from collapse_theory.cli import main
from simulations.neural import loop, markov, runs, summary


def test_needed_runs_cover_every_kind_regime_and_seed():
    specs = runs.needed()
    assert len(set(specs)) == len(specs)
    for kind in runs.KIND_ORDER:
        for regime in runs.REGIMES:
            assert {s.seed for s in specs if (s.kind, s.regime) == (kind, regime) and s.temperature == 1.0
                    and s.compute == "steps" and s.model == "base"} == set(runs.SEEDS)
    lm = [s for s in specs if s.kind == "lm"]
    assert {s.temperature for s in lm} == {1.0, 0.3} and {s.model for s in lm} == {"small", "base", "big"}
    assert {s.regime for s in lm if s.compute == "epochs"} == {"accumulate"}
    assert all(s.compute == "steps" and s.model == "base" and s.temperature == 1.0 for s in specs if s.kind != "lm")


def test_epochs_protocol_scales_steps_with_the_pool():
    class T:
        steps, checkpoint_every = 300, 100

    acc, rep = loop.plan(regimes.accumulate(), 4, 50), loop.plan(regimes.replace(), 4, 50)
    sub = loop.plan(regimes.accumulate_subsample(120), 4, 50)
    assert [loop.iteration_steps(acc, g, T, "epochs") for g in (1, 2, 3, 4)] == [300, 600, 900, 1200]
    assert [loop.iteration_steps(rep, g, T, "epochs") for g in (1, 2, 3, 4)] == [300] * 4
    # pools of 50, 100, 120, 120 examples: 300 * |pool| / 50 rounded up to whole chunks of 100
    assert [loop.iteration_steps(sub, g, T, "epochs") for g in (1, 2, 3, 4)] == [300, 600, 800, 800]
    assert [loop.iteration_steps(acc, g, T, "steps") for g in (1, 2, 3, 4)] == [300] * 4


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["vae", "diffusion", "lm"])
def test_epochs_protocol_runs_for_every_kind(kind, tmp_path, capsys):
    code = main(["neural", "--kind", kind, "--regime", "accumulate", "--iterations", "2", "--fast", "--compute",
                 "epochs", "--run-dir", str(tmp_path / "run"), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    steps = result["params"]["steps"]
    assert result["params"]["compute"] == "epochs" and result["metrics"]["steps"] == [steps, 2 * steps]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["compute"] == "epochs"
    assert all(np.isfinite(result["metrics"]["test_loss"]))


def test_bad_compute_and_model_size_are_one_error_line(tmp_path, capsys):
    for argv, message in ((["--kind", "vae", "--compute", "flops"], "invalid choice"),
                          (["--kind", "vae", "--model-size", "big"], "--model-size applies to --kind lm only")):
        code = main(["neural", *argv, "--regime", "replace", "--fast", "--run-dir", str(tmp_path / "r")])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "r").exists()


def _fake(root, kind, variant, seed, values):
    folder = root / kind / f"{variant}-seed{seed}"
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps({"iterations": list(range(len(values))),
                                                    "metrics": {"test_loss": values}}))


def test_claims_from_seed_statistics(tmp_path):
    for seed, (r, a) in enumerate([([1.0, 3.0, 5.0], [1.0, 1.0, 1.5]), ([1.2, 3.2, 5.4], [1.2, 1.3, 1.6]),
                                   ([0.8, 2.8, 4.6], [0.8, 0.9, 1.1])]):
        _fake(tmp_path, "vae", "replace", seed, r)
        _fake(tmp_path, "vae", "accumulate", seed, a)
    table = summary.stats(tmp_path)
    c = summary.claims(table)["vae"]
    # last iteration: replace 5.0, 5.4, 4.6 (mean 5.0, SE 0.4/sqrt(3)); accumulate 1.5, 1.6, 1.1 (mean 1.4)
    se = np.hypot(0.4 / np.sqrt(3), np.std([1.5, 1.6, 1.1], ddof=1) / np.sqrt(3))
    assert c["gap"] == pytest.approx(3.6) and c["gap_se"] == pytest.approx(se) and c["gap_ok"]
    assert c["rise_replace"] == pytest.approx(4.0) and c["rise_accumulate"] == pytest.approx(0.4)
    assert c["rise_ratio"] == pytest.approx(0.1) and c["ratio_ok"]


def test_comparison_page_without_and_with_runs(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
    from ctdocs import neural_page

    assert "Runs not built yet" in neural_page.page(tmp_path / "none")
    for seed in range(2):
        _fake(tmp_path, "lm", "replace", seed, [1.0, 2.0 + seed])
        _fake(tmp_path, "lm", "accumulate", seed, [1.0, 1.1])
    text = neural_page.page(tmp_path)
    assert "## The claims" in text and "| lm | replace |" in text and "1.5 ± 0.5" in text


def test_trigram_total_variation_is_exact():
    from figures.neural_lm import trigram_tv

    source = markov.make_source(8, 2, 4, seed=0)
    c = int(np.argmax(source.stationary))
    x = int(np.argmax(source.probs[c]))
    tokens = np.tile([c // 8, c % 8, x], (5, 1))  # every (context, next) pair is the same
    assert trigram_tv(tokens, source) == pytest.approx(1 - source.stationary[c] * source.probs[c, x], abs=1e-12)
