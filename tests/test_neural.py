"""The neural loop end to end: --fast runs of every kind, resume after an interruption, the CLI's errors."""

import json
import math

import numpy as np
import pytest

from collapse_theory import regimes
from collapse_theory.cli import main
from simulations.neural import lm, loop, vae


def _cli(capsys, *argv):
    code = main(["neural", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# -- --fast runs of every kind ---------------------------------------------------------------------------------

FAST_RUNS = {
    "vae": ("replace", [0, 1, 2], {"test_loss", "recon_error"}),
    "diffusion": ("accumulate", [0, 1, 2], {"test_loss"}),
    "lm": ("replace", [1, 2, 3], {"test_loss", "excess", "kl", "entropy_rate"}),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(FAST_RUNS))
def test_fast_run_of_every_kind(kind, tmp_path, capsys):
    regime, labels, names = FAST_RUNS[kind]
    run_dir = tmp_path / "run"
    code, out, err = _cli(capsys, "--kind", kind, "--regime", regime, "--iterations", "3", "--fast",
                          "--seed", "0", "--run-dir", str(run_dir), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= {"kind", "regime", "params", "iterations", "metrics"}
    assert result["kind"] == kind and result["regime"] == regime and result["iterations"] == labels
    assert names | {"train_loss"} <= set(result["metrics"])
    for name, values in result["metrics"].items():
        assert len(values) == 3 and all(math.isfinite(v) for v in values), name
    assert json.loads((run_dir / "result.json").read_text()) == result
    for g in (1, 2, 3):
        folder = run_dir / f"iteration-{g:02d}"
        assert {p.name for p in folder.iterdir()} == {"state.eqx", "samples.npy", "preview.npy", "metrics.json"}
    samples = np.load(run_dir / "iteration-01" / "samples.npy")
    assert samples.shape[0] == result["params"]["n_train"]  # a synthetic set the size of the real one
    if kind == "lm":
        m = result["metrics"]
        assert all(k >= 0 for k in m["kl"])  # a KL divergence, computed exactly
        assert m["entropy_rate"] == [result["params"]["entropy_rate"]] * 3
        assert np.allclose(np.subtract(m["test_loss"], m["entropy_rate"]), m["excess"])
    else:
        assert samples.min() >= 0 and samples.max() <= 1  # digits in the real data's range


@pytest.mark.slow
def test_lm_on_a_text_file(tmp_path, capsys):
    # Eight characters and 20480 of them: the --fast Markov run's vocabulary and its 256 training and 128 test
    # chunks, so this run reuses that run's compiled training step.
    text = tmp_path / "story.txt"
    text.write_text("no cat sat on a mat " * 1024, encoding="utf-8")
    code, out, err = _cli(capsys, "--kind", "lm", "--regime", "accumulate", "--iterations", "2", "--fast",
                          "--text", str(text), "--run-dir", str(tmp_path / "run"), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["params"]["dataset"] == "text" and result["params"]["alphabet"] == " acmnost"
    assert result["params"]["n_train"] == 256 and result["params"]["n_test"] == 128
    assert "entropy_rate" not in result["metrics"] and len(result["metrics"]["test_loss"]) == 2
    # a model that learned nothing scores log(8) nats per character; this one has learned the text
    assert result["metrics"]["test_loss"][0] < math.log(8)


@pytest.mark.slow
def test_greedy_sampling_collapses_to_one_sequence(tmp_path):
    task = lm.build("fast")
    loop.run(task, regimes.replace(temperature=0.0), seed=0, iterations=1, run_dir=tmp_path)
    samples = np.load(tmp_path / "iteration-01" / "samples.npy")
    assert (samples == samples[0]).all()  # tau = 0: every generated sequence is the same argmax path


# -- resume, read-back, determinism ------------------------------------------------------------------------------


class _Killed(Exception):
    pass


@pytest.mark.slow
def test_interrupted_run_resumes_to_identical_numbers(tmp_path):
    task, regime = vae.build("fast"), regimes.accumulate()
    reference = loop.run(task, regime, seed=3, iterations=3, run_dir=tmp_path / "reference")

    def kill_in_iteration_3(g, step):
        if g == 3 and step == task.training.checkpoint_every:
            raise _Killed

    with pytest.raises(_Killed):
        loop.run(task, regime, seed=3, iterations=3, run_dir=tmp_path / "run", on_checkpoint=kill_in_iteration_3)
    assert not (tmp_path / "run" / "result.json").exists()
    assert (tmp_path / "run" / "iteration-03" / "state.eqx").exists()
    steps = []
    resumed = loop.run(task, regime, seed=3, iterations=3, run_dir=tmp_path / "run",
                       on_checkpoint=lambda g, s: steps.append((g, s)))
    every = task.training.checkpoint_every
    assert steps == [(3, s) for s in range(2 * every, task.training.steps + 1, every)]  # from the checkpoint
    assert resumed["metrics"] == reference["metrics"]  # same seed, same numbers, bit for bit

    def must_not_train(g, s):
        raise AssertionError("a finished run was recomputed")

    again = loop.run(task, regime, seed=3, iterations=3, run_dir=tmp_path / "run", on_checkpoint=must_not_train)
    assert again == resumed


# -- bad input: one error line, exit 2, nothing on disk lost ----------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["--kind", "gan", "--regime", "replace"], "invalid choice"),
    (["--kind", "vae", "--regime", "replace", "--iterations", "0"], "iterations must be an integer >= 1"),
    (["--kind", "lm", "--regime", "replace", "--temperature", "-1"], "--temperature: expected a finite number >= 0"),
    (["--kind", "vae", "--regime", "replace", "--text", "x.txt"], "--text applies to --kind lm only"),
    (["--kind", "diffusion", "--regime", "replace", "--dataset", "mnist"], "dataset must be one of"),
    (["--kind", "lm", "--regime", "mix"], "needs real-fraction"),
    (["--kind", "lm", "--regime", "fresh-real"], "invalid choice"),
])
def test_bad_input_is_one_error_line(argv, message, tmp_path, capsys):
    code, out, err = _cli(capsys, *argv, "--fast", "--run-dir", str(tmp_path / "run"))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("content, message", [(None, "cannot read text file"), ("", "is empty"),
                                               ("abc", "too short")])
def test_bad_text_file(content, message, tmp_path, capsys):
    path = tmp_path / "in.txt"
    if content is not None:
        path.write_text(content)
    code, out, err = _cli(capsys, "--kind", "lm", "--regime", "replace", "--fast", "--text", str(path),
                          "--run-dir", str(tmp_path / "run"))
    assert code == 2 and err.startswith("error: ") and message in err, err
    assert not (tmp_path / "run").exists()


def test_existing_files_survive_bad_input(tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    code, _, err = _cli(capsys, "--kind", "vae", "--regime", "replace", "--fast", "--run-dir", str(foreign))
    assert code == 2 and "no config.json" in err
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"] and (foreign / "notes.txt").read_text() == "keep me"

    other = tmp_path / "other"
    other.mkdir()
    config = '{"kind": "vae", "seed": 9}\n'
    (other / "config.json").write_text(config)
    code, _, err = _cli(capsys, "--kind", "vae", "--regime", "replace", "--fast", "--run-dir", str(other))
    assert code == 2 and "different settings" in err
    assert [p.name for p in other.iterdir()] == ["config.json"] and (other / "config.json").read_text() == config
