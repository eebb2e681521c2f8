"""Neural generative models in the same loop: a VAE, a diffusion model and a transformer language model.

One generic loop (:func:`loop.run`) takes a :class:`~collapse_theory.regimes.Regime` and a :class:`task.Task`
(built by :func:`vae.build`, :func:`diffusion.build` or :func:`lm.build`), trains a fresh model per iteration,
evaluates it on held-out real data and samples the next generation, checkpointing to a run directory.

Submodules load on first use, so the ``collapse-theory`` command starts without JAX.
"""

import importlib

__all__ = ["checkpoint", "cli", "data", "diffusion", "lm", "loop", "markov", "task", "vae", "run", "Task"]


def __getattr__(name):
    if name in ("run",):
        return importlib.import_module(".loop", __name__).run
    if name == "Task":
        return importlib.import_module(".task", __name__).Task
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
