"""Monte Carlo of the Gaussian-mean model (:mod:`collapse_theory.gaussian_mean`) for every regime.

accumulate-subsample runs :func:`simulations.subsample.simulate_gaussian_mean` (the pool of points and its
subsets).  Every fixed-pool regime is, in law, linear regression on an orthonormal design: a generation's mean
noise ``N(0, tau^2 sigma^2/(m T) I)`` is ``U^T E`` with ``U^T U = I`` and label variance ``sigma^2 / T``, so those
run :func:`simulations.linear_regression.simulate` with ``design="orthonormal"`` and ``sigma2 / T`` (the design's
row count then plays no part; ``d + 2`` rows satisfy its validation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from collapse_theory import _validate
from collapse_theory.regimes import Regime

from . import linear_regression as _linear
from . import precision as _precision
from ._config import merge
from .result import Result
from .subsample import simulate_gaussian_mean

__all__ = ["Config", "simulate", "simulate_cli", "work"]


@dataclass(frozen=True)
class Config:
    """``d``, ``T``, ``sigma2`` (the model) and ``dtype`` (``"float64"`` by default)."""

    d: int = 10
    T: int = 100
    sigma2: float = 1.0
    dtype: str = "float64"


def simulate(regime: Regime, n: int, config: Optional[Config] = None, *, key, seeds: int,
             keep_values: bool = False, chunk: int | None = None, progress: bool = False, **options) -> Result:
    """``mean_error`` at iterations ``1..n`` over ``seeds`` seeds."""
    c = merge(Config, config, options)
    dtype = _precision.check(c.dtype)
    d, T = _validate.integer("d", c.d), _validate.integer("T", c.T)
    if not regime.has_closed_form:
        with _precision.scope(dtype):
            out = simulate_gaussian_mean(regime, n, key=key, seeds=seeds, d=d, T=T, sigma2=c.sigma2,
                                         keep_values=keep_values, chunk=chunk)
        return out.replace(config={**out.config, "regime": regime.to_json(), "engine": "pool", "dtype": dtype})
    out = _linear.simulate(regime, n, key=key, seeds=seeds, d=d, T=d + 2, sigma2=c.sigma2 / T, design="orthonormal",
                           dtype=dtype, keep_values=keep_values, chunk=chunk, progress=progress)
    rename = lambda values: None if values is None else {"mean_error": values["test_error"]}  # noqa: E731
    return Result(rename(out.mean), rename(out.se), out.seeds, rename(out.values),
                  {**out.config, "model": "gaussian-mean", "T": T, "sigma2": c.sigma2, "engine": "orthonormal"})


def work(regime: Regime, n: int, *, d: int, T: int, **_) -> float:
    """Floating-point operations of one seed's trajectory (for the CLI's guard on long runs)."""
    return float(n) * (min(regime.budget, n * T) * d if not regime.has_closed_form else 10 * (d * d + d))


def simulate_cli(regime: Regime, n: int, *, seeds: int, key, quiet: bool, dtype: str = "float64", d: int = 10,
                 T: int = 100, sigma2: float = 1.0) -> tuple[dict, dict]:
    """What ``collapse-theory simulate --model gaussian-mean`` prints: ``({metric: {"mean", "se"}}, config)``."""
    result = simulate(regime, n, Config(d=d, T=T, sigma2=sigma2, dtype=dtype), key=key, seeds=seeds,
                      progress=not quiet)
    return result.summary(), result.config
