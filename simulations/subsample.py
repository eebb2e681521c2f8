"""Monte Carlo of accumulate-subsample: a pool of every generation, each fit on a uniform random subset.

Two models, the same pool and the same subset draw (:mod:`collapse_theory.subsample` gives their theory):

* ``simulate_gaussian_mean``: generation ``n`` is ``T`` points ``mu_{n-1} + sqrt(v_n) sigma N(0, I_d)``; the fit
  is the subset mean; metric ``mean_error = ||mu_n - mu||^2`` (exact theory: ``gaussian_mean_error``).
* ``simulate_linear``: one design ``X`` (``T x d``, standard Gaussian rows) shared by every generation; the subset
  picks (generation, row) pairs, the fit is least squares on them; metric ``test_error = ||w_n - w*||^2``.
  Used to check the linear-regression bounds and approximation until the shared linear engine covers it.

The subset of size ``b_n = min(B, nT)`` is drawn uniformly without replacement from the ``nT`` pool slots by
Floyd's algorithm from a pre-allocated pool of ``nT`` slots (static shapes).  Generation ``g``'s noise and subset depend
only on ``fold_in(key, g)``; the design uses ``fold_in(key, 0)``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from collapse_theory import _validate
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import Regime

from . import seeds as _seeds
from .result import Result

__all__ = ["simulate_gaussian_mean", "simulate_linear"]


def _subset(key, n, *, size: int, T: int):
    """Indices (``size``,) of a uniform subset of the first ``nT`` slots and weights ``1/b_n`` (0 beyond b_n).

    Floyd's algorithm: for ``j = N - b, ..., N - 1`` draw ``t`` uniform in ``0..j`` and take ``t``, or ``j`` if
    ``t`` is already taken; every ``b``-subset is equally likely.  O(b^2) compares, independent of the pool
    size, where sorting scores over the whole pool costs O(nT log nT) per iteration.
    """
    filled = n * T
    b = jnp.minimum(size, filled)
    u = jax.random.uniform(key, (size,))

    def pick(i, chosen):
        j = filled - b + i
        t = jnp.floor(u[i] * (j + 1)).astype(j.dtype)
        taken = jnp.any(chosen == t)
        return chosen.at[i].set(jnp.where(i < b, jnp.where(taken, j, t), -1))

    chosen = lax.fori_loop(0, size, pick, jnp.full((size,), -1, dtype=jnp.asarray(filled).dtype))
    active = jnp.arange(size) < b
    return jnp.where(active, chosen, 0), jnp.where(active, 1.0 / b, 0.0)


def _generation_noise(key, n, T: int, shape):
    """Standard noise of generation ``n``'s ``T`` points, from ``fold_in(key, n)`` only."""
    return jax.random.normal(jax.random.fold_in(jax.random.fold_in(key, n), 0), (T, *shape))


@functools.lru_cache(maxsize=None)
def _gaussian_path(n_max: int, d: int, T: int, budget: int):
    size = min(budget, n_max * T)

    def path(key, args):
        sigma, tau = args

        def generation(carry, n):
            pool, mean = carry  # pool: (n_max T, d), filled up to generation n - 1
            scale = sigma * jnp.where(n == 1, 1.0, tau)
            points = mean[None, :] + scale * _generation_noise(key, n, T, (d,))  # (T, d)
            pool = lax.dynamic_update_slice(pool, points, ((n - 1) * T, 0))
            index, weight = _subset(jax.random.fold_in(jax.random.fold_in(key, n), 1), n, size=size, T=T)
            mean = weight @ pool[index]  # (d,)
            return (pool, mean), jnp.sum(mean**2)

        init = (jnp.zeros((n_max * T, d)), jnp.zeros(d))
        _, err = lax.scan(generation, init, jnp.arange(1, n_max + 1))
        return {"mean_error": err}

    return path


@functools.lru_cache(maxsize=None)
def _linear_path(n_max: int, d: int, T: int, budget: int):
    size = min(budget, n_max * T)

    def path(key, args):
        sigma, tau = args
        X = jax.random.normal(jax.random.fold_in(key, 0), (T, d))

        def generation(carry, n):
            labels, w = carry  # labels: (n_max T,), filled up to generation n - 1
            scale = sigma * jnp.where(n == 1, 1.0, tau)
            y = X @ w + scale * _generation_noise(key, n, T, ())  # (T,)
            labels = lax.dynamic_update_slice(labels, y, ((n - 1) * T,))
            index, weight = _subset(jax.random.fold_in(jax.random.fold_in(key, n), 1), n, size=size, T=T)
            rows = X[index % T]  # (size, d): the same row of X recurs across generations
            gram = rows.T @ (weight[:, None] * rows)  # (d, d)
            w = jnp.linalg.solve(gram, rows.T @ (weight * labels[index]))
            return (labels, w), jnp.sum(w**2)

        init = (jnp.zeros(n_max * T), jnp.zeros(d))
        _, err = lax.scan(generation, init, jnp.arange(1, n_max + 1))
        return {"test_error": err}

    return path


def _check(regime: Regime, n, d, T, sigma2):
    if not isinstance(regime, Regime) or regime.kind != "accumulate-subsample":
        raise InvalidParameterError(f"expected an accumulate-subsample regime, got {getattr(regime, 'kind', regime)!r}")
    n = _validate.integer("n", n)
    d = _validate.integer("d", d)
    T = _validate.integer("T", T)
    sigma2 = _validate.positive("sigma2", sigma2)
    args = (jnp.asarray(sigma2**0.5), jnp.asarray(float(regime.temperature)))
    return n, d, T, args


def simulate_gaussian_mean(regime: Regime, n: int, *, key, seeds: int, d: int, T: int, sigma2: float = 1.0,
                           keep_values: bool = False, chunk=None) -> Result:
    """Monte Carlo ``E ||mu_n - mu||^2`` (metric ``mean_error``) at iterations ``1..n`` over ``seeds`` seeds."""
    n, d, T, args = _check(regime, n, d, T, sigma2)
    config = {"model": "gaussian-mean", "regime": regime.parameters(), "n": n, "d": d, "T": T, "sigma2": sigma2}
    return _seeds.run(_gaussian_path(n, d, T, regime.budget), args, key=key, seeds=seeds,
                      keep_values=keep_values, chunk=chunk, config=config)


def simulate_linear(regime: Regime, n: int, *, key, seeds: int, d: int, T: int, sigma2: float = 1.0,
                    keep_values: bool = False, chunk=None) -> Result:
    """Monte Carlo linear-regression ``E ||w_n - w*||^2`` (metric ``test_error``), shared design, Sigma = I."""
    n, d, T, args = _check(regime, n, d, T, sigma2)
    if regime.budget < d + 2 or T < d + 2:
        raise InvalidParameterError(f"need B >= d + 2 and T >= d + 2, got B={regime.budget}, T={T}, d={d}")
    config = {"model": "linear", "regime": regime.parameters(), "n": n, "d": d, "T": T, "sigma2": sigma2}
    return _seeds.run(_linear_path(n, d, T, regime.budget), args, key=key, seeds=seeds,
                      keep_values=keep_values, chunk=chunk, config=config)
