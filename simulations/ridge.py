"""Monte Carlo of ridge (and minimum-norm) regression on a fixed design, any regime of the weight formalism.

The counterpart of :mod:`collapse_theory.ridge`: ``X`` and ``w*`` are given (the same in every seed), each
source ``j`` gets labels ``Y_j = X w_{p(j)} + E_j`` and iteration ``n`` fits
``w_n = (X^T X + lam I)^{+} X^T sum_j alpha_{nj} Y_j``.  Only ``X^T Y_j`` enters, so a source is kept as that
``d``-vector, drawn exactly: ``X^T E_j ~ N(0, v_j sigma^2 X^T X)`` is ``sqrt(v_j) sigma V diag(sqrt(l)) z``.
Source ``i`` of generation ``g`` draws ``z`` from ``fold_in(fold_in(key, g), i)``: generation ``g``'s noise
depends only on ``(key, g)``.  Metric ``test_error = ||w_n - w*||^2`` (``Sigma = I``).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from collapse_theory import _validate
from collapse_theory.errors import InvalidParameterError
from collapse_theory.ridge import fixed_design_schedule

from . import seeds as _seeds
from .result import Result

__all__ = ["simulate"]


@functools.lru_cache(maxsize=None)
def _path(n: int, S: int, d: int):
    def path(key, args):
        created, rank, truth, scale, alpha = args["created"], args["rank"], args["truth"], args["scale"], args["alpha"]
        root, solve, gram, w_star = args["root"], args["solve"], args["gram"], args["w_star"]
        z = jax.vmap(lambda g, i: jax.random.normal(jax.random.fold_in(jax.random.fold_in(key, g), i), (d,)))(
            created, rank)  # (S, d)
        noise = scale[:, None] * (z @ root.T)  # (S, d): X^T E_j

        def iteration(carry, m):
            stats, w = carry  # stats: (S, d) X^T Y_j of the sources created so far; w: the previous model
            parent = jnp.where(truth[:, None], w_star[None, :], w[None, :])  # (S, d)
            new = (created == m)[:, None]
            stats = jnp.where(new, parent @ gram + noise, stats)
            w = solve @ (alpha[m - 1] @ stats)
            return (stats, w), jnp.sum((w - w_star) ** 2)

        _, err = lax.scan(iteration, (jnp.zeros((S, d)), jnp.zeros(d)), jnp.arange(1, n + 1))
        return {"test_error": err}

    return path


def simulate(regime, n: int, *, key, seeds: int, X, w_star, sigma2: float = 1.0, ridge: float = 0.0,
             keep_values: bool = False, chunk=None) -> Result:
    """Monte Carlo ``E[||w_n - w*||^2 | X]`` at iterations ``1..n`` for ridge ``lam = ridge`` (0: minimum norm)."""
    n = _validate.integer("n", n)
    sigma2 = _validate.positive("sigma2", sigma2)
    lam = _validate.nonnegative("ridge", ridge)
    X = np.asarray(X, dtype=np.float64)
    w_star = np.asarray(w_star, dtype=np.float64)
    if X.ndim != 2 or w_star.shape != (X.shape[1],):
        raise InvalidParameterError(f"X must be T x d and w_star of length d, got {X.shape}, {w_star.shape}")
    d = X.shape[1]
    sched = fixed_design_schedule(regime, n)
    # Pad to 2n sources (the most any regime creates: fresh-real's two per iteration) so that every regime
    # with the same n and d shares one compilation; padding sources are never created and carry no weight.
    S = 2 * n
    pad = S - len(sched.created)
    created = np.concatenate([sched.created, np.full(pad, n + 1)])
    truth = np.concatenate([sched.truth, np.zeros(pad, dtype=bool)])
    variance = np.concatenate([sched.variance, np.zeros(pad)])
    alpha = np.pad(sched.alpha, ((0, 0), (0, pad)))
    rank = np.concatenate([sched.slot, np.zeros(pad, dtype=np.int64)])  # index of each source in its generation
    gram = X.T @ X
    l, V = np.linalg.eigh(gram)
    solve = np.linalg.pinv(gram + lam * np.eye(d), rcond=1e-10, hermitian=True)  # cut-off as in the theory
    args = {"created": jnp.asarray(created), "rank": jnp.asarray(rank), "truth": jnp.asarray(truth),
            "scale": jnp.asarray(np.sqrt(sigma2 * variance)), "alpha": jnp.asarray(alpha),
            "root": jnp.asarray(V * np.sqrt(np.clip(l, 0.0, None))), "solve": jnp.asarray(solve),
            "gram": jnp.asarray(gram), "w_star": jnp.asarray(w_star)}
    config = {"model": "linear-ridge", "regime": regime.parameters(), "kind": regime.kind, "n": n, "ridge": lam,
              "sigma2": sigma2}
    return _seeds.run(_path(n, S, d), args, key=key, seeds=seeds, keep_values=keep_values, chunk=chunk,
                      config=config)
