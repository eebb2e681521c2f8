"""Monte Carlo of accumulate-subsample for the Gaussian-mean model, and the subset draw shared with the linear engine.

* ``simulate_gaussian_mean``: generation ``n`` is ``T`` points ``mu_{n-1} + sqrt(v_n) sigma N(0, I_d)``
  (``v_1 = 1``, ``v_n = tau^2``); the pool keeps every generation; the fit is the mean of a uniform subset of
  ``b_n = min(B, nT)`` pool points; metric ``mean_error = ||mu_n - mu||^2`` (exact theory:
  :func:`collapse_theory.subsample.gaussian_mean_error`).  Linear regression with a shared design is
  simulated by :mod:`simulations.linear_regression`, whose subset draw is :func:`uniform_subset`.
* ``uniform_subset``: a uniform subset without replacement by Floyd's algorithm, static shapes;
  ``marked_subset`` draws the same subset in O(size) with a mark array over the pool instead of O(size^2)
  compares.

The pool is pre-allocated (``nT`` slots).  Generation ``g``'s noise and subset depend only on
``fold_in(key, g)``.
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

__all__ = ["simulate_gaussian_mean", "uniform_subset", "marked_subset"]


def uniform_subset(key, filled, size: int):
    """A uniform ``b``-subset of slots ``0..filled-1``, ``b = min(size, filled)``: indices ``(size,)`` and weights
    ``1/b`` (0 on the ``size - b`` unused entries, whose index is 0).

    Floyd's algorithm: for ``j = filled - b, ..., filled - 1`` draw ``t`` uniform in ``0..j`` and take ``t``, or
    ``j`` if ``t`` is already taken; every ``b``-subset is equally likely.  O(size^2) compares whatever the
    pool size, where ranking random keys over the whole pool costs O(filled log filled) per draw.
    """
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


def marked_subset(key, filled, size: int, marks, tag):
    """:func:`uniform_subset`'s draw, the same indices for the same key, with membership read from ``marks``.

    ``marks`` is an int array over the pool's slots (``>= filled``); a slot is taken in this draw when its mark
    equals ``tag``, which must differ from every earlier draw's tag (a generation counter): nothing is ever
    cleared, and each of the ``size`` steps reads and writes one slot, so a draw costs O(size) whatever the
    pool size.  Returns ``(indices, weights, marks)``.
    """
    b = jnp.minimum(size, filled)
    u = jax.random.uniform(key, (size,))

    def pick(i, state):
        chosen, marks = state
        j = filled - b + i
        t = jnp.floor(u[i] * (j + 1)).astype(j.dtype)
        value = jnp.where(marks[t] == tag, j, t)
        active = i < b
        marks = marks.at[jnp.where(active, value, 0)].set(jnp.where(active, tag, marks[0]))
        return chosen.at[i].set(jnp.where(active, value, 0)), marks

    dtype = jnp.asarray(filled).dtype
    chosen, marks = lax.fori_loop(0, size, pick, (jnp.zeros((size,), dtype=dtype), marks))
    return chosen, jnp.where(jnp.arange(size) < b, 1.0 / b, 0.0), marks


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
            index, weight = uniform_subset(jax.random.fold_in(jax.random.fold_in(key, n), 1), n * T, size)
            mean = weight @ pool[index]  # (d,)
            return (pool, mean), jnp.sum(mean**2)

        init = (jnp.zeros((n_max * T, d)), jnp.zeros(d))
        _, err = lax.scan(generation, init, jnp.arange(1, n_max + 1))
        return {"mean_error": err}

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
