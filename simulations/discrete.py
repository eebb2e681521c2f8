"""Monte Carlo of the refitted die: sample ``T`` points from the fit, refit the proportions (Kazdan et al. 2024).

State per seed: the fit's category counts ``c`` (``K``,) out of ``m``.  A draw from the fit picks ``r = u m``
(``u`` uniform) and the category ``#{j : cumsum(c)_j <= r}``, so every draw is exactly ``c_j / m``; a
generation of ``T`` draws is a multinomial sample (``T K`` compares, no logarithms).  Regimes:

* replace: ``c = X_n``, ``m = T``;
* accumulate: ``c = P_n`` (the pool's counts), ``m = nT``;
* accumulate-subsample: ``b_n = min(B, nT)`` pool points drawn one by one without replacement (the remaining
  counts shrink after each draw), ``m = b_n``.

Per seed and iteration: ``collision = sum (c/m)^2``, ``lost_categories = #{c_j = 0}``, ``total_collapse`` (1 if
one category holds all of ``m``, else 0) and ``entropy = -sum (c/m) ln (c/m)``; their expectations are
:func:`collapse_theory.discrete.errors`.  :func:`collapse_times` runs replace until total collapse, per seed.
Generation ``g`` uses ``jax.random.fold_in(key, g)`` only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from collapse_theory import _validate
from collapse_theory.discrete import check
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import Regime

from . import precision as _precision
from . import seeds as _seeds
from ._config import merge
from .result import Result

__all__ = ["Config", "METRICS", "simulate", "simulate_cli", "collapse_times", "work"]

METRICS = ("collision", "lost_categories", "total_collapse", "entropy")


def _draw(key, weights, total, size: int, K: int):
    """Counts (K,) of ``size`` draws with replacement, category ``j`` with probability ``weights_j / total``."""
    cum = jnp.cumsum(weights)
    r = jax.random.uniform(key, (size,)) * total
    cats = jnp.minimum(jnp.sum(cum[None, :] <= r[:, None], axis=1), K - 1)  # guards cumsum(p0) < 1 by rounding
    return jnp.sum(cats[:, None] == jnp.arange(K)[None, :], axis=0).astype(weights.dtype)


def _subsample(key, pool, size, B: int, K: int):
    """Counts (K,) of ``size <= B`` points drawn without replacement from the pool's counts."""
    u = jax.random.uniform(key, (B,))

    def one(j, state):
        left, taken = state
        cum = jnp.cumsum(left)
        cat = jnp.minimum(jnp.sum(cum <= u[j] * cum[-1]), K - 1)
        pick = (jnp.arange(K) == cat) & (j < size)
        return left - pick, taken + pick

    _, taken = lax.fori_loop(0, B, one, (pool, jnp.zeros_like(pool)))
    return taken


def _metrics(c, m):
    x = c / m
    return {"collision": jnp.sum(x * x), "lost_categories": jnp.sum(c == 0).astype(c.dtype),
            "total_collapse": (jnp.max(c) == m).astype(c.dtype),
            "entropy": -jnp.sum(jnp.where(c > 0, x * jnp.log(jnp.where(c > 0, x, 1.0)), 0.0))}


@functools.lru_cache(maxsize=None)
def _trajectory(kind: str, K: int, T: int, B: int):
    """Per-seed ``(key, args) -> {metric: (n,)}``; ``args``: ``p0`` (K,), ``g`` and ``b`` (n,)."""

    def path(key, args):
        p0 = args["p0"]

        def body(carry, x):
            pool, fit, m = carry
            k_gen = jax.random.fold_in(key, x["g"])
            first = x["g"] == 1
            # iteration 1 samples the truth; later ones the previous fit
            new = _draw(jax.random.split(k_gen)[0], jnp.where(first, p0, fit), jnp.where(first, 1.0, m), T, K)
            if kind == "replace":
                fit, m = new, jnp.asarray(float(T), dtype=p0.dtype)
            else:
                pool = pool + new
                fit, m = pool, x["g"] * float(T)
                if kind == "accumulate-subsample":
                    fit, m = _subsample(jax.random.split(k_gen)[1], pool, x["b"], B, K), x["b"] * 1.0
            return (pool, fit, m), _metrics(fit, m)

        zero = jnp.zeros(K, dtype=p0.dtype)
        _, out = lax.scan(body, (zero, zero, jnp.asarray(1.0, dtype=p0.dtype)), {"g": args["g"], "b": args["b"]})
        return out

    return path


@dataclass(frozen=True)
class Config:
    """What a discrete simulation runs: ``K``, ``T``, ``p0`` (a tuple of true proportions, uniform if ``None``)
    and ``dtype`` (``"float64"`` by default)."""

    K: int = 10
    T: int = 100
    p0: Optional[tuple] = None
    dtype: str = "float64"


def simulate(regime: Regime, n: int, config: Optional[Config] = None, *, key, seeds: int,
             keep_values: bool = False, chunk: int | None = None, progress: bool = False, **options) -> Result:
    """Monte Carlo of the refitted die at iterations ``1..n`` (metrics :data:`METRICS`), temperature 1.

    Args:
        regime: replace, accumulate or accumulate-subsample (``budget`` B).
        key: a ``jax.random`` key; seed ``s`` uses ``jax.random.split(key, seeds)[s]``.
        K, T, p0: sides, points per generation, true proportions (uniform if omitted).
    """
    c = merge(Config, config, options)
    dtype = _precision.check(c.dtype)
    K, T, p0 = check(regime, K=c.K, T=c.T, p0=c.p0)
    n = _validate.integer("n", n)
    B = regime.budget or 1
    g = np.arange(1, n + 1)
    recorded = {"model": "discrete", "regime": regime.to_json(), "n": n, "K": K, "T": T, "p0": list(p0),
                "engine": "counts", "dtype": dtype, "seeds": seeds}
    if chunk is None:
        chunk = _seeds.chunk_size(seeds, per_seed=max(n * T * K, 1), budget=2e8)
    with _precision.scope(dtype):
        args = {"p0": jnp.asarray(np.asarray(p0)), "g": jnp.asarray(g),
                "b": jnp.asarray(np.minimum(B, g * T) * 1.0)}
        return _seeds.run(_trajectory(regime.kind, K, T, B), args, key=key, seeds=seeds, chunk=chunk,
                          keep_values=keep_values, progress=progress, description=f"{regime.label} seeds",
                          config=recorded)


def work(regime: Regime, n: int, *, K: int, T: int, **_) -> float:
    """Floating-point operations of one seed's trajectory (for the CLI's guard on long runs)."""
    return float(n) * T * K * 4


def simulate_cli(regime: Regime, n: int, *, seeds: int, key, quiet: bool, dtype: str = "float64", K: int = 10,
                 T: int = 100) -> tuple[dict, dict]:
    """What ``collapse-theory simulate --model discrete`` prints: ``({metric: {"mean", "se"}}, config that ran)``."""
    result = simulate(regime, n, Config(K=K, T=T, dtype=dtype), key=key, seeds=seeds, progress=not quiet)
    return result.summary(), result.config


@functools.lru_cache(maxsize=None)
def _collapse_path(K: int, T: int, limit: int):
    def path(key, p0):
        def go(state):
            fit, m, it = state
            fit = _draw(jax.random.fold_in(key, it + 1), fit, m, T, K)
            return fit, jnp.asarray(float(T), dtype=p0.dtype), it + 1

        def alive(state):
            fit, m, it = state
            return ((it == 0) | (jnp.max(fit) < m)) & (it < limit)

        _, _, it = lax.while_loop(alive, go, (p0, jnp.asarray(1.0, dtype=p0.dtype), 0))
        return {"collapse_iteration": jnp.reshape(it, (1,)).astype(p0.dtype)}

    return path


def collapse_times(*, key, seeds: int, K: int = 2, T: int = 100, p0=None, limit: int | None = None,
                   chunk: int | None = None) -> Result:
    """Per-seed iteration of total collapse under replace (one category holds all ``T`` points of the fit).

    Metric ``collapse_iteration`` (one entry); its mean estimates :func:`collapse_theory.discrete.collapse_time`.
    ``limit`` (default ``200 T``) caps the loop; a seed reaching it raises, so no time is silently truncated.
    """
    K, T, p0 = check(Regime("replace"), K=K, T=T, p0=p0)
    limit = _validate.integer("limit", limit if limit is not None else 200 * T)
    result = _seeds.run(_collapse_path(K, T, limit), jnp.asarray(np.asarray(p0)), key=key, seeds=seeds,
                        chunk=chunk, config={"model": "discrete-collapse", "K": K, "T": T, "p0": list(p0),
                                             "limit": limit, "seeds": seeds}, keep_values=True)
    if np.any(result.values["collapse_iteration"] >= limit):
        raise InvalidParameterError(f"some seeds had not collapsed after {limit} iterations; raise limit")
    return result
