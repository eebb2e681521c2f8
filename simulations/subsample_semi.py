"""Semi-analytic accumulate-subsample for linear regression: the label noise integrated out exactly.

The process is that of :func:`simulations.linear_regression.simulate` with an accumulate-subsample regime: one
design ``X`` (``T x d``, rows ``N(0, I_d)``); generation ``k`` labels every design point, ``y_{kj} = x_j^T
w_{k-1} + s_k sigma eps_{kj}`` (``w_0 = w*``, ``s_1 = 1``, ``s_k = tau``); iteration ``g`` fits least squares on a
uniform subset ``S_g`` of ``b_g = min(B, gT)`` of the ``gT`` pool rows, independent of everything before.

**Exact part (given X and the subsets).**  With ``delta_g = w_g - w*``, ``A_g = (X_S^T X_S)^+`` and ``G_{gk}``
the Gram matrix of the rows of ``S_g`` from generation ``k``,

    delta_g = A_g sum_k G_{gk} delta_{k-1} + zeta_g,      zeta_g = A_g sum_{p in S_g} s_p x_p eps_p,

so ``delta_g = sum_{h<=g} Phi_{gh} zeta_h`` with ``d x d`` propagators ``Phi_{gg} = I``, ``Phi_{gh} = A_g sum_k
G_{gk} Phi_{k-1,h}``.  The ``zeta_h`` are jointly Gaussian with ``Cov(zeta_h, zeta_h') = sigma^2 A_h Gamma_{hh'}
A_h'``, ``Gamma_{hh'} = sum_{p in S_h and S_h'} s_p^2 x_p x_p^T`` (the points two subsets share), hence

    E[ ||delta_g||^2 | X, S_1..S_g ] = sigma^2 sum_{h,h'<=g} tr(Phi_{gh} A_h Gamma_{hh'} A_h' Phi_{gh'}^T),

computed exactly (to rounding) per seed: ``O(n^2 d^3 + n B d^2)`` per iteration, ``O(n^2 d^2)`` memory, where
carrying the coefficient of every pool point would cost ``O(n^2 T d^2)``.  The pseudo-inverse is the
minimum-norm fit the literal engine uses should a subset be rank deficient.

**Monte Carlo part.**  The average of that conditional error over subset draws (and, for ``design="gaussian"``,
over designs): each seed draws its subsets (Floyd's algorithm, :func:`simulations.subsample.uniform_subset`)
and its design; the mean over seeds and its standard error are reported.  ``design="orthonormal"`` (default)
also removes the variance of ``X^T X`` exactly: ``X = U R`` with ``U`` uniform and independent of ``R``, so
``E_test(g) = E ||delta~_g||^2 / (T - d - 1)`` for the recursion run on ``U``
(:mod:`collapse_theory.subsample_linear`); only ``U`` is drawn.  Either way the test error is in the identity
metric, which equals any ``Sigma``'s in expectation.

The estimate is computed at ``sigma^2 = 1`` and scaled by ``sigma^2`` on the host (the error is exactly
proportional to it).
"""

from __future__ import annotations

import functools
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from collapse_theory import _validate
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import Regime

from . import precision as _precision
from . import seeds as _seeds
from .result import Result
from .subsample import uniform_subset

__all__ = ["DESIGNS", "simulate", "estimate", "work"]

DESIGNS = ("orthonormal", "gaussian")

#: Bytes of per-seed state a chunk of seeds may hold at once (the chunk is sized from it).
_CHUNK_BYTES = 1 << 27


@functools.lru_cache(maxsize=None)
def _path(n: int, d: int, T: int, budget: int, orthonormal: bool):
    size = min(budget, n * T)

    def path(key, args):
        (tau,) = args
        k_design, k_subset = jax.random.split(key)
        X = jax.random.normal(k_design, (T, d), tau.dtype)
        eye = jnp.eye(d, dtype=X.dtype)
        if orthonormal:
            X = jnp.linalg.qr(X)[0]

        def step(carry, g):
            phi, gamma, inverse, member = carry  # (n, n, d, d), (n, n, d, d), (n, d, d), (n, n T)
            index, weight = uniform_subset(jax.random.fold_in(k_subset, g), g * T, size)
            keep = (weight > 0).astype(X.dtype)
            generation = index // T                                                   # 0-based: generation - 1
            x = X[index % T] * keep[:, None]                                          # (size, d), unused rows 0
            s2 = jnp.where(generation == 0, 1.0, tau**2) * keep
            A = jnp.linalg.pinv(x.T @ x, hermitian=True)
            # Rows of generation k >= 2 carry delta_{k-1} (array row k - 2); generation 1's parent error is 0.
            outer = x[:, :, None] * x[:, None, :]
            parent = jnp.where(generation >= 1, generation - 1, n)                    # n: dropped
            grams = jnp.zeros((n, d, d), X.dtype).at[parent].add(outer, mode="drop")
            new_phi = A[None] @ jnp.einsum("mab,mhbc->hac", grams, phi)
            new_phi = new_phi.at[g - 1].set(eye)
            phi = phi.at[g - 1].set(new_phi)
            inverse = inverse.at[g - 1].set(A)
            member = member.at[g - 1, index].add(keep)                                # unused entries add 0 at 0
            column = jnp.einsum("hr,r,rab->hab", member[:, index], s2, outer)         # Gamma_{h g}, (n, d, d)
            gamma = gamma.at[:, g - 1].set(column).at[g - 1, :].set(jnp.swapaxes(column, -1, -2))
            psi = new_phi @ inverse                                                   # Phi_{gh} A_h, 0 for h > g
            error = jnp.einsum("hab,hkbc,kac->", psi, gamma, psi)
            return (phi, gamma, inverse, member), error

        zeros = jnp.zeros((n, n, d, d), X.dtype)
        init = (zeros, zeros, jnp.zeros((n, d, d), X.dtype), jnp.zeros((n, n * T), X.dtype))
        _, errors = lax.scan(step, init, jnp.arange(1, n + 1))
        scale = 1.0 / (T - d - 1) if orthonormal else 1.0
        return {"test_error": errors * scale}

    return path


def _check(regime, n, d, T, sigma2, design):
    if not isinstance(regime, Regime) or regime.kind != "accumulate-subsample":
        raise InvalidParameterError(f"expected an accumulate-subsample regime, got {getattr(regime, 'kind', regime)!r}")
    n = _validate.integer("n", n)
    d, T = _validate.design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    if regime.budget < d + 2:
        raise InvalidParameterError(f"budget must satisfy B >= d + 2 (the expected error is infinite for "
                                    f"B <= d + 1), got B={regime.budget}, d={d}")
    if design not in DESIGNS:
        raise InvalidParameterError(f"design must be one of {', '.join(DESIGNS)}, got {design!r}")
    return n, d, T, sigma2


def simulate(regime: Regime, n: int, *, key, seeds: int, d: int = 10, T: int = 100, sigma2: float = 1.0,
             design: str = "orthonormal", dtype: str = "float64", chunk: int | None = None,
             keep_values: bool = False, progress: bool = False) -> Result:
    """Semi-analytic ``E_test(g)``, ``g = 1..n`` (metric ``test_error``): noise exact, subsets (and design) Monte Carlo.

    Args:
        regime: an accumulate-subsample :class:`~collapse_theory.Regime` (budget ``B >= d + 2``, any temperature).
        key, seeds: a ``jax.random`` key and the number of subset (and design) draws, >= 1.
        d, T, sigma2: dimension, samples per generation (``T >= d + 2``), label-noise variance.
        design: ``"orthonormal"`` (default; the design's ``X^T X`` integrated out exactly) or ``"gaussian"``.
        dtype: ``"float64"`` (default) or ``"float32"``.
        chunk: seeds per vectorised call (default: as many as fit in 128 MiB of state).

    Returns:
        :class:`~simulations.result.Result`; its ``se`` is the Monte Carlo error over the subsets (and design).
    """
    n, d, T, sigma2 = _check(regime, n, d, T, sigma2, design)
    seeds = _validate.integer("seeds", seeds)
    dtype = _precision.check(dtype)
    if chunk is None:
        per_seed = 8 * (2 * n * n * d * d + n * n * T + n * d * d) * 3
        chunk = _seeds.chunk_size(seeds, per_seed=per_seed, budget=_CHUNK_BYTES)
    config = {"model": "linear", "regime": regime.to_json(), "n": n, "d": d, "T": T, "sigma2": sigma2,
              "method": "semi-analytic", "design": design, "dtype": dtype, "seeds": seeds}
    with _precision.scope(dtype):
        args = (jnp.asarray(float(regime.temperature)),)
        result = _seeds.run(_path(n, d, T, regime.budget, design == "orthonormal"), args, key=key, seeds=seeds,
                            chunk=chunk, keep_values=keep_values, progress=progress,
                            description=f"{regime.label} subsets", config=config)
    if sigma2 == 1.0:
        return result
    values = None if result.values is None else {m: sigma2 * v for m, v in result.values.items()}
    return Result({m: sigma2 * v for m, v in result.mean.items()}, {m: sigma2 * v for m, v in result.se.items()},
                  result.seeds, values, result.config)


def estimate(regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0, seeds: int, key,
             dtype: str = "float64", design: str = "orthonormal") -> tuple[np.ndarray, np.ndarray]:
    """``(mean, se)`` of :func:`simulate`'s ``test_error`` at iterations ``1..n`` (float64 arrays)."""
    result = simulate(regime, n, key=key, seeds=seeds, d=d, T=T, sigma2=sigma2, design=design, dtype=dtype)
    return np.asarray(result.mean["test_error"]), np.asarray(result.se["test_error"])


def work(regime: Regime, n: int, *, d: int, T: int, **_) -> float:
    """Floating-point operations of one seed (for a guard on long runs): ``O(n^3 d^3 + n^2 B d^2 + n B^2)``."""
    B = min(regime.budget, n * T)
    return float(n) * (2.0 * n * n * d**3 + n * B * d * d + B * B)


def error_method(regime: Regime, n: int, *, family: str, seeds: int, seed: int, dtype: str, args, d: int, T: int,
                 sigma2: float = 1.0) -> tuple[dict, str]:
    """``collapse-theory error --method semi-analytic``: ``({metric: values}, note)`` for linear accumulate-subsample.

    ``test_error`` is the estimate, ``test_error_se`` its standard error over the subset draws, and
    ``test_error_lower_bound`` the proven bound beside it.
    """
    from collapse_theory import command as c
    from collapse_theory.subsample_linear import linear_lower_bound

    from .seeds import key_from_seed

    if family != "linear" or regime.has_closed_form:
        raise InvalidParameterError("--method semi-analytic estimates linear regression under accumulate-subsample "
                                    "(every other regime has a closed form: drop --method)")
    c.guard(seeds * work(regime, n, d=d, T=T) * 1e-9, args=args, what=f"{seeds:,} semi-analytic draws")
    result = simulate(regime, n, key=key_from_seed(seed), seeds=seeds, d=d, T=T, sigma2=sigma2, dtype=dtype,
                      progress=not args.quiet and sys.stderr.isatty())
    values = {"test_error": np.asarray(result.mean["test_error"]), "test_error_se": np.asarray(result.se["test_error"]),
              "test_error_lower_bound": linear_lower_bound(regime, n, d=d, T=T, sigma2=sigma2)}
    return values, (f"semi-analytic: the label noise is integrated out exactly given the subsets; test_error_se is "
                    f"the standard error over {seeds} subset draws (orthonormal design, exact factorisation); "
                    "test_error_lower_bound is proven")
