"""The neural figures draw from finished runs without training, and say "fast" when drawn at the fast size."""

import json

import numpy as np
import pytest

from simulations.neural import runs


def _fabricate(root, kind):
    """A finished fast-size run directory for every run the ``kind`` figure needs (made-up metrics)."""
    from collapse_theory import __version__

    rng = np.random.default_rng(0)
    for spec in runs.needed((kind,)):
        task = spec.task("fast")
        folder = spec.run_dir("fast", len(task.train), root)
        n = task.default_iterations
        for g in range(1, n + 1):
            (folder / f"iteration-{g:02d}").mkdir(parents=True)
            samples = task.train[rng.permutation(len(task.train))[:64]]
            np.save(folder / f"iteration-{g:02d}" / "samples.npy", samples)
            np.save(folder / f"iteration-{g:02d}" / "preview.npy", samples[:task.preview])
        growth = 1.0 if spec.regime == "replace" else 0.1
        metrics = {m: list(1.0 + growth * np.arange(n) + 0.01 * spec.seed) for m in ("test_loss", "kl")}
        (folder / "config.json").write_text(json.dumps({"task": task.params, "compute": spec.compute,
                                                        "version": __version__}))
        (folder / "result.json").write_text(json.dumps({"iterations": list(range(task.first_iteration,
                                                                                 task.first_iteration + n)),
                                                        "metrics": metrics}))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["vae", "diffusion", "lm"])
def test_neural_figure_from_finished_runs(kind, tmp_path, monkeypatch):
    import importlib

    from figures import plotting
    from simulations import workers

    _fabricate(tmp_path / "data", kind)
    titles = []
    save = plotting.save

    def spy(fig, name, out=None):
        titles.append(fig._suptitle.get_text())
        return save(fig, name, out)

    monkeypatch.setattr(plotting, "save", spy)
    monkeypatch.setattr(workers.subprocess, "Popen", None)  # a worker started here would mean training
    module = importlib.import_module(f"figures.neural_{kind}")
    written = module.main(fast=True, out=tmp_path / "out", data=tmp_path / "data")
    assert sorted(p.name for p in written) == [f"neural_{kind}.pdf", f"neural_{kind}.png"]
    assert all(p.stat().st_size > 0 for p in written)
    assert titles and "fast" in titles[0]


def test_missing_run_without_training_is_reported(tmp_path):
    from figures import neural_runs
    from figures.sources import MissingData

    with pytest.raises(MissingData, match="make neural"):
        neural_runs.runs("vae", fast=True, data=tmp_path, train=False)
