"""Where a figure's numbers come from: theory and Monte Carlo, each through the cache (neural runs:
:mod:`figures.neural_runs`).

Figures never call the theory or the simulators directly; they ask here, so every expensive number is computed
once, stored in ``figures/data/`` under a hash of its full config (:mod:`figures.cache`), and a killed run
resumes from what finished.  A data source that is not in this checkout (a simulator still being written)
raises :class:`MissingData`, whose message says what is missing and how to
produce it; ``python -m figures`` reports it and skips that figure.
"""

from __future__ import annotations

import importlib

import numpy as np

from . import cache

__all__ = ["MissingData", "require", "regime_config", "theory", "monte_carlo", "progress"]


class MissingData(Exception):
    """A figure's data source is absent; the message says how to produce it."""


def require(module: str, what: str):
    """Import ``module`` or raise :class:`MissingData` naming ``what`` needs it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and (module == e.name or module.startswith(e.name + ".")):
            raise MissingData(f"{what} needs {module}, which is not in this checkout yet") from None
        raise


def regime_config(regime) -> dict:
    """The regime as plain JSON: :meth:`~collapse_theory.Regime.to_json`, the one serialisation."""
    return regime.to_json()


def progress(items, description: str):
    """Iterate ``items`` with a progress bar on stderr when it is a terminal (silent in tests and logs)."""
    from tqdm.auto import tqdm

    return tqdm(items, desc=description, leave=False, disable=None)


def theory(regime, n: int, *, family: str = "linear", data=None, **params) -> dict:
    """``{metric: array (n,)}``: the closed form of ``family`` at iterations ``1..n``, cached.

    ``family`` is a registered family (:mod:`collapse_theory.families`); its theory module computes the entry.
    """
    from collapse_theory import families

    module = families.family(family).module()
    config = {"name": f"theory-{family}", "regime": regime_config(regime), "n": int(n), "params": params}
    return cache.cached(config, lambda: module.errors(regime, n, **params), data=data)




def monte_carlo(regime, n: int, *, family: str = "linear", seeds: int, seed: int = 0, data=None, **params):
    """A :class:`simulations.result.Result` for ``regime`` at iterations ``1..n``, cached.

    Runs the family's registered simulator (:mod:`simulations.registry`) as
    ``simulate(regime, n, key=key_from_seed(seed), seeds=seeds, **params)``.  Every config shares the key, so curves
    that differ in one parameter use common random numbers.  The precision is part of the config.
    """
    from simulations import registry
    from simulations.result import Result

    simulator = registry.simulator(family)
    params = {"dtype": "float64", **params}
    config = {"name": f"mc-{family}", "regime": regime_config(regime), "n": int(n), "seeds": int(seeds),
              "seed": int(seed), "params": params}

    def compute():
        from simulations.seeds import key_from_seed

        result = simulator.simulate(regime, n, key=key_from_seed(seed), seeds=seeds, **params)
        arrays = {"seeds": np.asarray(result.seeds)}
        for metric in result.mean:
            arrays[f"mean.{metric}"] = np.asarray(result.mean[metric], dtype=np.float64)
            arrays[f"se.{metric}"] = np.asarray(result.se[metric], dtype=np.float64)
        return arrays

    arrays = cache.cached(config, compute, data=data)
    mean = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("mean.")}
    se = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("se.")}
    return Result(mean, se, int(arrays["seeds"]), config=config)
