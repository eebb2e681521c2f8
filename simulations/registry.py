"""Which simulator runs each model family: the Monte Carlo side of :mod:`collapse_theory.families`.

The theory never imports a simulator; the ``simulate`` and ``check`` commands look a family's simulator up here.
A simulator module has ``simulate(regime, n, config=None, *, key, seeds, **options)`` (returning a
:class:`~simulations.result.Result`) and ``simulate_cli(regime, n, *, seeds, seed, quiet, dtype, **params)``
(returning ``(summary, config)``).  A new family registers its simulator with one line below.
"""

from __future__ import annotations

import importlib

from collapse_theory.errors import InvalidParameterError

__all__ = ["register", "simulator", "SIMULATORS"]

SIMULATORS: dict = {}


def register(family: str, module: str) -> None:
    """Declare ``module`` the simulator of the family called ``family``."""
    SIMULATORS[family] = module


def simulator(family: str):
    """The simulator module of ``family`` (imported on first use)."""
    if family not in SIMULATORS:
        raise InvalidParameterError(f"model {family} has no simulator; simulated families: {', '.join(SIMULATORS)}")
    return importlib.import_module(SIMULATORS[family])


register("linear", "simulations.linear_regression")
register("gaussian", "simulations.gaussian")
register("kde", "simulations.kde")
register("discrete", "simulations.discrete")
register("gaussian-mean", "simulations.gaussian_mean")
