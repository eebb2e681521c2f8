"""Exact Wishart draws by the Bartlett decomposition, shared by every simulator that needs ``X^T X`` or a scatter.

``A A^T ~ Wishart(df, I_d)`` for lower-triangular ``A`` with ``A_ii^2 ~ chi^2(df - i)`` (``i = 0..d-1``) and
``A_ij ~ N(0, 1)`` below the diagonal: ``d(d+1)/2`` draws instead of the ``df d`` of the rows themselves.  The
chi-squares come from :func:`gamma`, a written-out Marsaglia-Tsang sampler: ``jax.random.gamma`` (and
``chisquare``) take seconds to compile inside a vmapped scan, most of a short simulation's compile time.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

__all__ = ["gamma", "bartlett"]


def gamma(key, alpha):
    """Gamma(alpha, 1) variates, elementwise, by Marsaglia and Tsang's exact rejection method.

    Shapes below 1 use ``Gamma(alpha) = Gamma(alpha + 1) U^(1/alpha)``.  Written out because
    ``jax.random.gamma`` takes seconds to compile inside a vmapped scan; acceptance is above 95% per round.
    """
    k_boost, key = jax.random.split(key)
    a = jnp.where(alpha < 1.0, alpha + 1.0, alpha)
    dd = a - 1.0 / 3.0
    c = 1.0 / jnp.sqrt(9.0 * dd)

    def propose(state):
        key, value, done = state
        key, k_x, k_u = jax.random.split(key, 3)
        x = jax.random.normal(k_x, a.shape)
        v = (1.0 + c * x) ** 3
        log_u = jnp.log(jax.random.uniform(k_u, a.shape))
        ok = (v > 0) & (log_u < 0.5 * x * x + dd - dd * v + dd * jnp.log(jnp.where(v > 0, v, 1.0)))
        return key, jnp.where(done, value, dd * v), done | ok

    _, value, _ = lax.while_loop(lambda s: ~jnp.all(s[2]), propose,
                                 (key, jnp.zeros_like(a), jnp.zeros(a.shape, dtype=bool)))
    boost = jax.random.uniform(k_boost, a.shape) ** (1.0 / alpha)
    return jnp.where(alpha < 1.0, value * boost, value)



def bartlett(key, df, d: int):
    """Lower-triangular ``A`` with ``A A^T ~ Wishart(df, I_d)``; ``df`` may be traced, and needs ``df > d - 1``."""
    k_diag, k_below = jax.random.split(key)
    diag = jnp.sqrt(2.0 * gamma(k_diag, (df - jnp.arange(d)) / 2.0))
    return jnp.tril(jax.random.normal(k_below, (d, d)), -1) + jnp.diag(diag)
