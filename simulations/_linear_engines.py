"""Per-seed trajectories of the linear-regression loop: the fast engine, the literal engine, subsampling.

Every function here maps ``(key, args) -> {metric: array (n,)}`` for one seed and is written for
``jax.vmap`` over seeds (:func:`simulations.seeds.run` does that, and the ``jit``).  ``args`` holds the traced
numbers (noise variance, the regime's per-iteration coefficients from :mod:`simulations._linear_plan`, the
Cholesky factor of Sigma); the static :class:`~simulations._linear_plan.Plan` picks the code path.

Randomness, the same in every engine so that equal sampling modes give equal numbers::

    design, truth, test, noise = split(key, 4)
    generation g, source slot s:  k_gs = fold_in(noise, 4 g + s)      (s = 0, 1; slot 3: the subsample draw)
        label noise   E  = normal(k_gs, (copies, T))                 (wishart / projected: (d,) instead)
        fresh design  X  = normal(fold_in(k_gs, 1), (copies, T, d)) @ chol(Sigma)^T
    fixed design  X = normal(design, (T, d)) @ chol(Sigma)^T,  w* = normal(truth, (d,))

so generation g's noise depends only on ``(key, g)``, whatever the loop shape or the chunking of seeds.

The fast engine works in the error ``delta = w - w*`` (the process is linear in it, w* drops out) and on
sufficient statistics: with a fixed design every source enters through ``Z = X^+ E = K e`` for a noise map
``K`` computed once per seed (``X^+`` in labels mode; ``L^{-T}`` with ``L L^T = X^T X`` once ``X^T E`` is
drawn in d dimensions, which is exact in distribution since ``X^T E ~ N(0, sigma^2 X^T X)``).  Under the
wishart mode ``X^T X = A A^T`` with ``A`` drawn by the Bartlett decomposition (``d(d+1)/2`` draws instead of
``T d``) and Sigma = I: the metrics are invariant under ``x -> Sigma^{1/2} x`` (docs/theory/formalism.md §1:
``kappa = d/(T-d-1)`` for every Sigma), so this is exact in distribution for any Sigma.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy.linalg import cho_solve, solve_triangular

from ._linear_plan import Plan
from .subsample import marked_subset
from .wishart import bartlett

__all__ = ["trajectory"]

#: Key slots per generation: sources use 0 and 1, the subsample draw uses _SUBSET.
_SLOTS, _SUBSET = 4, 3


def _source_key(k_noise, g, s):
    """One hash per source: generation g's keys depend only on (key, g)."""
    return jax.random.fold_in(k_noise, _SLOTS * g + s)


def _copy_mean(values, copies):
    """Mean over the first ``copies`` entries of the leading axis (the rest are padding)."""
    mask = (jnp.arange(values.shape[0]) < copies).astype(values.dtype)
    return jnp.tensordot(mask, values, axes=1) / copies


def _rows(key, shape, chol):
    """Gaussian design rows ``x ~ N(0, Sigma)``: ``shape + (d,)`` standard normals times ``chol^T``."""
    return jax.random.normal(key, shape + chol.shape[:1]) @ chol.T


def _fixed_design(plan: Plan, key, chol):
    """The shared design ``X`` (``T x d``), or with ``plan.orthonormal`` an orthonormal basis ``U`` of its column space.

    For Gaussian rows the column space of ``X`` is uniform and independent of ``X^T X`` (``X -> H X`` for any
    orthogonal ``H`` leaves the law of ``X`` unchanged), and every fixed-design fit depends on ``X`` only through
    ``U`` and ``X^T X`` (:mod:`collapse_theory.subsample`); any basis of the column space gives the same error.
    """
    X = _rows(key, (plan.T,), chol)
    return jnp.linalg.qr(X)[0] if plan.orthonormal else X


def _metrics(plan: Plan, deltas, args, k_test, *, white: bool, K=None):
    """``||delta||^2_Sigma`` per iteration, and the held-out MSE on ``test_points`` noiseless points if asked.

    With ``plan.conditional``, also ``error_factor = ||delta||^2_Sigma / (sigma^2 kappa_X)`` where
    ``kappa_X = tr(Sigma (X^T X)^{-1}) = ||chol^T K||_F^2`` for the noise map ``K`` (``K K^T = (X^T X)^{-1}``).
    Given ``X``, ``E ||delta_n||^2_Sigma = sigma^2 kappa_X F_n`` (docs/theory/formalism.md §2), so its mean is ``F_n`` exactly,
    and unlike the error itself it has a finite variance even for ``T <= d + 3``.
    """
    # v = chol^T delta: Sigma-norm of delta = Euclidean norm of v, and x^T delta = g^T v for x = chol g.
    v = deltas if white else deltas @ args["chol"]                                # (n, d)
    out = {"test_error": jnp.sum(v * v, axis=-1)}
    if plan.conditional:
        whitened = K if white else args["chol"].T @ K
        out["error_factor"] = out["test_error"] / (args["sigma2"] * jnp.sum(whitened * whitened))
    if plan.test_points:
        points = jax.random.normal(k_test, (plan.test_points, plan.d))             # (M, d)
        out["test_mse"] = jnp.mean((v @ points.T) ** 2, axis=-1)
    return out


def _xs(args, n):
    names = ("history", "anchor", "weight", "previous", "scale", "copies")
    return {"g": jnp.arange(1, n + 1), **{k: args[k] for k in names}}


# -- fast engine, fixed design ----------------------------------------------------------------------------------

def _fast_fixed(plan: Plan, key, args):
    k_design, _, k_test, k_noise = jax.random.split(key, 4)
    d, S = plan.d, plan.sources
    eye = jnp.eye(d)
    if plan.sampling == "wishart":
        A = eye if plan.orthonormal else bartlett(k_design, args["df"], d)
        K = solve_triangular(A, eye, lower=True).T                                 # A^{-T}, (d, d)
    else:
        X = _fixed_design(plan, k_design, args["chol"])                            # (T, d)
        L = jnp.linalg.cholesky(X.T @ X)
        if plan.sampling == "projected":
            K = solve_triangular(L, eye, lower=True).T                             # L^{-T}, (d, d)
        else:
            K = cho_solve((L, True), X.T)                                          # X^+, (d, T)
    sigma = jnp.sqrt(args["sigma2"])

    def noise(x):
        """``Z_s`` of generation ``x["g"]`` for every source slot: (S, d)."""
        out = []
        for s in range(S):
            ks = _source_key(k_noise, x["g"], s)
            c = x["copies"][s]
            if plan.sampling == "labels":
                e = _copy_mean(jax.random.normal(ks, (plan.copies, plan.T)), c)
            else:  # the mean of c independent draws, drawn at once
                e = jax.random.normal(ks, (d,)) / jnp.sqrt(c)
            out.append(x["scale"][s] * sigma * (K @ e))
        return jnp.stack(out)

    if plan.kind == "window":
        def step(carry, x):
            delta, buffer = carry                                                  # (d,), (k, d)
            u = x["previous"][0] * delta + noise(x)[0]
            buffer = buffer.at[(x["g"] - 1) % plan.window].set(u)
            delta = x["weight"][0] * jnp.sum(buffer, axis=0)                      # 1/min(g, k) * sum of last k
            return (delta, buffer), delta

        init = (jnp.zeros(d), jnp.zeros((plan.window, d)))
    else:
        def step(carry, x):
            delta, z1 = carry
            Z = noise(x)                                                           # (S, d)
            u = x["previous"][:, None] * delta[None, :] + Z                        # delta_{p(s)} + Z_s
            new = x["history"] * delta + x["anchor"] * z1 + jnp.sum(x["weight"][:, None] * u, axis=0)
            return (new, jnp.where(x["g"] == 1, Z[0], z1)), new

        init = (jnp.zeros(d), jnp.zeros(d))
    _, deltas = lax.scan(step, init, _xs(args, plan.n))
    return _metrics(plan, deltas, args, k_test, white=plan.sampling == "wishart", K=K)


# -- fast engine, a fresh design every iteration ----------------------------------------------------------------

def _fast_fresh(plan: Plan, key, args):
    """Weighted normal equations ``G_n delta_n = r_n`` with ``G_n = sum_j alpha_nj X_j^T X_j`` (per copy mean)."""
    _, _, k_test, k_noise = jax.random.split(key, 4)
    d, S, C = plan.d, plan.sources, plan.copies
    sigma = jnp.sqrt(args["sigma2"])

    def source(x, s, delta):
        """``(G_s, b_s)``: the source's Gram matrix and ``X^T (X delta_p + E)``, averaged over its copies."""
        ks = _source_key(k_noise, x["g"], s)
        c, scale = x["copies"][s], x["scale"][s] * sigma
        if plan.sampling == "wishart":  # the sum of c Wishart(T) Gram matrices is Wishart(c T)
            A = bartlett(jax.random.fold_in(ks, 1), args["df"] * c, d)
            gram = A @ A.T / c
            xe = scale / c * (A @ jax.random.normal(ks, (d,)))
        else:
            X = _rows(jax.random.fold_in(ks, 1), (C, plan.T), args["chol"])        # (C, T, d)
            mask = (jnp.arange(C) < c).astype(X.dtype)
            grams = jnp.einsum("c,cti,ctj->ij", mask, X, X)                        # sum over the c copies
            gram = grams / c
            if plan.sampling == "labels":
                E = jax.random.normal(ks, (C, plan.T))
                xe = scale / c * jnp.einsum("c,cti,ct->i", mask, X, E)
            else:
                L = jnp.linalg.cholesky(grams)
                xe = scale / c * (L @ jax.random.normal(ks, (d,)))
        return gram, gram @ (x["previous"][s] * delta) + xe

    def sources(x, delta):
        pairs = [source(x, s, delta) for s in range(S)]
        return jnp.stack([p[0] for p in pairs]), jnp.stack([p[1] for p in pairs])  # (S, d, d), (S, d)

    if plan.kind == "window":
        def step(carry, x):
            delta, grams, bs = carry                                               # (d,), (k, d, d), (k, d)
            G, b = sources(x, delta)
            slot = (x["g"] - 1) % plan.window
            grams, bs = grams.at[slot].set(G[0]), bs.at[slot].set(b[0])
            delta = jnp.linalg.solve(jnp.sum(grams, axis=0), jnp.sum(bs, axis=0))
            return (delta, grams, bs), delta

        init = (jnp.zeros(d), jnp.zeros((plan.window, d, d)), jnp.zeros((plan.window, d)))
    else:
        def step(carry, x):
            delta, G, r, G1, r1 = carry
            Gs, bs = sources(x, delta)
            w = x["weight"]
            G = x["history"] * G + x["anchor"] * G1 + jnp.sum(w[:, None, None] * Gs, axis=0)
            r = x["history"] * r + x["anchor"] * r1 + jnp.sum(w[:, None] * bs, axis=0)
            first = x["g"] == 1
            G1, r1 = jnp.where(first, Gs[0], G1), jnp.where(first, bs[0], r1)
            delta = jnp.linalg.solve(G, r)
            return (delta, G, r, G1, r1), delta

        zero_g, zero_r = jnp.zeros((d, d)), jnp.zeros(d)
        init = (zero_r, zero_g, zero_r, zero_g, zero_r)
    _, deltas = lax.scan(step, init, _xs(args, plan.n))
    return _metrics(plan, deltas, args, k_test, white=plan.sampling == "wishart")


# -- literal engine -----------------------------------------------------------------------------------------------

def _literal(plan: Plan, key, args):
    """Build every iteration's stacked, weighted training set from stored labels and solve least squares.

    The pool holds generation j, source s, copy r as ``T`` rows ``(X, Y_jsr)``; iteration g gives each row the
    weight ``alpha_{g, (j, s)} / copies_{j s}`` (the regime's exact weights, from ``Regime.iter_weights``) and
    solves ``min_w sum_i omega_i (y_i - x_i^T w)^2`` with ``jnp.linalg.lstsq`` on ``sqrt(omega)``-scaled rows.
    """
    k_design, k_truth, k_test, k_noise = jax.random.split(key, 4)
    n, d, T, S, C = plan.n, plan.d, plan.T, plan.sources, plan.copies
    chol = args["chol"]
    sigma = jnp.sqrt(args["sigma2"])
    w_star = jax.random.normal(k_truth, (d,))
    copy_mask = (jnp.arange(C)[None, None, :] < args["copies"][:, :, None]).astype(w_star.dtype)  # (n, S, C)
    if plan.fresh:
        designs = jnp.zeros((n, S, C, T, d))
    else:
        designs = jnp.broadcast_to(_fixed_design(plan, k_design, chol), (n, S, C, T, d))

    def step(carry, x):
        w_prev, labels, designs = carry
        row = x["g"] - 1
        for s in range(S):
            ks = _source_key(k_noise, x["g"], s)
            X = _rows(jax.random.fold_in(ks, 1), (C, T), chol) if plan.fresh else designs[row, s]   # (C, T, d)
            parent = x["previous"][s] * w_prev + (1 - x["previous"][s]) * w_star
            E = jax.random.normal(ks, (C, T))
            labels = labels.at[row, s].set(X @ parent + x["scale"][s] * sigma * E)
            if plan.fresh:
                designs = designs.at[row, s].set(X)
        omega = x["alpha"][:, :, None] / args["copies"][:, :, None] * copy_mask                  # (n, S, C)
        root = jnp.sqrt(omega)[..., None]                                                        # (n, S, C, 1)
        rows = (root[..., None] * designs).reshape(-1, d)
        targets = (root * labels).reshape(-1)
        w = jnp.linalg.lstsq(rows, targets)[0]
        return (w, labels, designs), w - w_star

    xs = {**_xs(args, n), "alpha": args["alpha"]}
    init = (w_star, jnp.zeros((n, S, C, T)), designs)
    _, deltas = lax.scan(step, init, xs)
    K = None
    if plan.conditional:  # X^+ of the shared design, for kappa_X
        X = designs[0, 0, 0]
        K = jnp.linalg.solve(X.T @ X, X.T)
    return _metrics(plan, deltas, args, k_test, white=False, K=K)


# -- accumulate-subsample -----------------------------------------------------------------------------------------

def _subsample(plan: Plan, key, args):
    """Pool every generation's ``T`` labelled rows; fit each iteration on a uniform subset of ``budget`` rows.

    The subset is ``min(budget, g T)`` pool rows drawn uniformly without replacement by Floyd's algorithm
    (:func:`simulations.subsample.marked_subset`: static shapes, O(budget) per draw through a mark per pool row,
    never a pass over the pool).  The fit solves the normal equations ``(R^T R) delta = R^T y`` by Cholesky
    (:func:`_subset_fit`); rows repeat design points across generations, so a small subset can be rank
    deficient, and there the minimum-norm least-squares solution is used, as ``lstsq`` gives.
    """
    k_design, _, k_test, k_noise = jax.random.split(key, 4)
    n, T = plan.n, plan.T
    size = min(plan.budget, n * T)
    X = _fixed_design(plan, k_design, args["chol"])                                # (T, d)
    sigma = jnp.sqrt(args["sigma2"])

    def step(carry, x):
        delta, pool, marks = carry                                                 # (d,), (n, T), (n T,)
        g = x["g"]
        ks = _source_key(k_noise, g, 0)
        E = jax.random.normal(ks, (1, T))[0]
        pool = pool.at[g - 1].set(X @ (x["previous"][0] * delta) + x["scale"][0] * sigma * E)
        index, weight, marks = marked_subset(_source_key(k_noise, g, _SUBSET), g * T, size, marks, g)
        keep = (weight > 0).astype(X.dtype)
        rows = X[index % T] * keep[:, None]
        targets = pool.reshape(-1)[index] * keep
        delta = _subset_fit(rows, targets)
        return (delta, pool, marks), delta

    init = (jnp.zeros(plan.d), jnp.zeros((n, T)), jnp.zeros((n * T,), dtype=jnp.arange(1, n + 1).dtype))
    _, deltas = lax.scan(step, init, _xs(args, n))
    return _metrics(plan, deltas, args, k_test, white=False)


def _cholesky_fit(rows, targets):
    """Normal equations by Cholesky, and whether the factor is trustworthy.

    A pivot ``L_ii^2`` below ``sqrt(eps)`` times the largest diagonal entry of ``R^T R`` marks a (numerically)
    rank-deficient subset; above it the normal equations lose at most about ``sqrt(eps)`` relative accuracy.
    """
    gram = rows.T @ rows
    L = jnp.linalg.cholesky(gram)
    pivots = jnp.diagonal(L) ** 2
    tol = jnp.sqrt(jnp.finfo(rows.dtype).eps) * jnp.max(jnp.diagonal(gram))
    ok = jnp.all(jnp.isfinite(L)) & (jnp.min(pivots) > tol)
    safe = jnp.where(ok, L, jnp.eye(L.shape[0], dtype=L.dtype))
    return cho_solve((safe, True), rows.T @ targets), ok


@jax.custom_batching.custom_vmap
def _subset_fit(rows, targets):
    """``argmin ||R delta - y||`` (minimum norm): Cholesky of ``R^T R``, ``lstsq`` only when that fails."""
    solution, ok = _cholesky_fit(rows, targets)
    return lax.cond(ok, lambda: solution, lambda: jnp.linalg.lstsq(rows, targets)[0])


@_subset_fit.def_vmap
def _subset_fit_batched(axis_size, in_batched, rows, targets):
    # Under vmap a per-seed cond would run both branches for every seed; here the SVD runs only when some seed
    # of the batch needs it (a rare event once the budget is well above d).
    rows = rows if in_batched[0] else jnp.broadcast_to(rows, (axis_size, *rows.shape))
    targets = targets if in_batched[1] else jnp.broadcast_to(targets, (axis_size, *targets.shape))
    solution, ok = jax.vmap(_cholesky_fit)(rows, targets)

    def fallback():
        exact = jax.vmap(lambda r, y: jnp.linalg.lstsq(r, y)[0])(rows, targets)
        return jnp.where(ok[:, None], solution, exact)

    return lax.cond(jnp.all(ok), lambda: solution, fallback), True


@functools.lru_cache(maxsize=None)
def trajectory(plan: Plan):
    """The per-seed function ``(key, args) -> {metric: (n,)}`` for ``plan``: one object per plan, so
    :func:`simulations.seeds.run` compiles it once and reuses it for every sigma^2, key and regime parameter."""
    if plan.kind == "subsample":
        body = _subsample
    elif plan.engine == "literal":
        body = _literal
    elif plan.fresh:
        body = _fast_fresh
    else:
        body = _fast_fixed
    return functools.partial(body, plan)
