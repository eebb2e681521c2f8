"""Monte Carlo of the Gaussian loop: fit mean and covariance, sample ``T`` points, refit (docs/theory/formalism.md §3).

Truth ``N(0, I_d)`` (every metric is affine invariant, see :mod:`collapse_theory.gaussian`).  Generation ``j``
holds ``N_j = m_j T`` points from its parent (the truth, or model ``j - 1`` sampled with covariance
``tau^2 Sigma_{j-1}``); iteration ``n`` fits the regime's weighted ML mean and covariance
``mu_n = sum_j alpha_{n j} xbar_j``, ``C_n = sum_j alpha_{n j} (S_j / N_j + xbar_j xbar_j^T) - mu_n mu_n^T``
(``Sigma_n = C_n``, or ``C_n / (1 - sum_j alpha_{n j}^2 / N_j)`` with ``unbiased=True``).  Per seed and iteration
it reports ``mean_error = ||mu_n||^2``, ``cov_trace_ratio = tr Sigma_n / d`` and
``kl = KL(N(0, I) || N(mu_n, Sigma_n))``; their expectations are :func:`collapse_theory.gaussian.errors`.

Engines (how a generation's mean ``xbar`` and scatter ``S`` are drawn; the fit is the same):

* ``"literal"``: the ``N`` points themselves, ``x = mu + tau L z`` with ``z ~ N(0, I)``, ``T d`` normals.
* ``"fast"``: their exact joint law, ``xbar ~ N(mu, tau^2 Sigma / N)`` independent of
  ``S ~ Wishart(N - 1, tau^2 Sigma)`` (Bartlett: ``d`` chi-squares and ``d(d-1)/2`` normals).  Equal to the
  literal engine in distribution (tested by Monte Carlo), not draw for draw.

The regime is data: the one-step form (:meth:`Regime.step`) gives per-iteration weights on the previous fit, the
real data and the new generations, passed as traced arrays; window keeps its last ``k`` generations in a buffer;
accumulate-subsample keeps the pool of points (both engines then draw points).  Generation ``g`` uses
``jax.random.fold_in(key, g)`` only.
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
from collapse_theory._gaussian_moments import unbiased_factor
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import Regime
from collapse_theory.schedule import schedule

from . import precision as _precision
from . import seeds as _seeds
from ._config import merge
from .wishart import bartlett
from .result import Result
from .subsample import uniform_subset

__all__ = ["Config", "ENGINES", "METRICS", "simulate", "simulate_cli", "work"]

ENGINES = ("fast", "literal")
METRICS = ("mean_error", "cov_trace_ratio", "kl")


# -- one generation and one fit --------------------------------------------------------------------------------

def _draw(key, mu, scale, size, *, engine: str, max_size: int, d: int):
    """``(xbar, S)`` of ``size`` points from ``N(mu, scale scale^T)``; ``size`` may be traced (<= ``max_size``)."""
    k_mean, k_scatter = jax.random.split(key)
    if engine == "literal":
        z = jax.random.normal(k_mean, (max_size, d))  # (N_max, d)
        mask = (jnp.arange(max_size) < size)[:, None]
        zbar = jnp.sum(jnp.where(mask, z, 0.0), axis=0) / size
        centred = jnp.where(mask, z - zbar[None, :], 0.0)
        scatter = centred.T @ centred  # (d, d)
    else:
        zbar = jax.random.normal(k_mean, (d,)) / jnp.sqrt(size)
        A = bartlett(k_scatter, size - 1.0, d)  # the centred scatter of N points: Wishart(N - 1, I)
        scatter = A @ A.T
    return mu + scale @ zbar, scale @ scatter @ scale.T


def _metrics(mu, sigma):
    """Model ``N(mu, sigma)`` against the truth ``N(0, I)``; returns the metrics and the Cholesky factor."""
    d = mu.shape[0]
    L = jnp.linalg.cholesky(sigma)
    L_inv = jax.scipy.linalg.solve_triangular(L, jnp.eye(d), lower=True)
    y = L_inv @ mu
    logdet = 2.0 * jnp.sum(jnp.log(jnp.diag(L)))
    kl = 0.5 * (jnp.sum(L_inv**2) + y @ y - d + logdet)
    return {"mean_error": mu @ mu, "cov_trace_ratio": jnp.trace(sigma) / d, "kl": kl}, L


def _second(xbar, scatter, size):
    """``S / N + xbar xbar^T``: a generation's contribution to the weighted second moment."""
    return scatter / size + jnp.outer(xbar, xbar)


# -- the three process shapes -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _trajectory(shape: str, n: int, d: int, T: int, engine: str, real: bool, max_size: int, buffer: int,
                dtype: str = "float64"):
    """Per-seed function ``(key, schedule) -> {metric: (n,)}`` for ``shape`` in {step, window, subsample}.

    Built inside the precision scope of ``dtype`` (its constants take that precision; one cache entry each)."""
    draw = functools.partial(_draw, engine=engine, max_size=max_size, d=d)
    eye = jnp.eye(d)

    def fit(A, B, rho):
        return A, rho * (B - jnp.outer(A, A))

    # Iteration 1 runs inside the scan like every other: its parent is the truth (mu = 0, L = I, tau = 1 in the
    # schedule), so the draw and the metrics are compiled once.
    def step_path(key, s):
        def body(carry, x):
            A, B, A1, B1, L, mu = carry
            k_gen = jax.random.fold_in(key, x["g"])
            m, S = draw(k_gen, mu, x["tau"] * L, x["size"])
            second = _second(m, S, x["size"])
            first = x["g"] == 1
            A1, B1 = jnp.where(first, m, A1), jnp.where(first, second, B1)  # the real data, kept for `anchor`
            A = x["history"] * A + x["anchor"] * A1 + x["weight"] * m
            B = x["history"] * B + x["anchor"] * B1 + x["weight"] * second
            if real:  # fresh real data beside the synthetic generation
                mr, Sr = draw(jax.random.fold_in(k_gen, 1), jnp.zeros(d), eye, T)
                A = A + x["real"] * mr
                B = B + x["real"] * _second(mr, Sr, T)
            mu, sigma = fit(A, B, x["rho"])
            out, L = _metrics(mu, sigma)
            return (A, B, A1, B1, L, mu), out

        zero_d, zero_dd = jnp.zeros(d), jnp.zeros((d, d))
        _, out = lax.scan(body, (zero_d, zero_dd, zero_d, zero_dd, eye, zero_d), s)
        return out

    def window_path(key, s):
        def body(carry, x):
            means, seconds, L, mu = carry
            m, S = draw(jax.random.fold_in(key, x["g"]), mu, x["tau"] * L, T)
            slot = (x["g"] - 1) % buffer
            means, seconds = means.at[slot].set(m), seconds.at[slot].set(_second(m, S, T))
            kept = jnp.minimum(x["g"], buffer)
            mu, sigma = fit(jnp.sum(means, 0) / kept, jnp.sum(seconds, 0) / kept, x["rho"])
            out, L = _metrics(mu, sigma)
            return (means, seconds, L, mu), out

        init = (jnp.zeros((buffer, d)), jnp.zeros((buffer, d, d)), eye, jnp.zeros(d))
        _, out = lax.scan(body, init, s)
        return out

    def subsample_path(key, s):
        slots, size = n * T, min(buffer, n * T)

        def body(carry, x):
            pool, L, mu = carry
            g = x["g"]
            k_gen = jax.random.fold_in(key, g)
            # The same normals as the literal engine's generation g, so budget >= nT reproduces accumulate.
            z = jax.random.normal(jax.random.split(k_gen)[0], (T, d))
            scale = x["tau"] * L
            pool = lax.dynamic_update_slice(pool, mu[None, :] + z @ scale.T, ((g - 1) * T, 0))
            # A uniform subset without replacement of the filled slots, drawn as the linear engine draws it.
            index, w = uniform_subset(jax.random.fold_in(k_gen, 2), g * T, size)
            count = jnp.minimum(size, g * T)
            points = pool[index]  # (size, d)
            mu = w @ points
            centred = points - mu[None, :]
            sigma = (centred.T * w[None, :]) @ centred * jnp.where(x["unbiased"], count / (count - 1.0), 1.0)
            out, L = _metrics(mu, sigma)
            return (pool, L, mu), out

        _, out = lax.scan(body, (jnp.zeros((slots, d)), eye, jnp.zeros(d)), s)
        return out

    return {"step": step_path, "window": window_path, "subsample": subsample_path}[shape]


# -- schedules from the regime value ---------------------------------------------------------------------------

def _schedule(regime: Regime, n: int, T: int, unbiased: bool):
    """Traced per-iteration arrays from :func:`collapse_theory.schedule`: the one-step weights, generation sizes,
    temperature and unbiased factor."""
    sched = schedule(regime, n)
    g = np.arange(1, n + 1)
    tau = np.full(n, float(regime.temperature))
    tau[0] = 1.0  # iteration 1 samples the truth
    if sched.layout == "subsample":
        return {"g": g, "tau": tau, "unbiased": np.full(n, bool(unbiased))}, False, T
    rho = np.ones(n)
    if unbiased:
        sizes = sched.multiplicity * T
        for i, alpha in enumerate(sched.alpha):
            rho[i] = float(unbiased_factor(alpha.tolist(), sizes.tolist()))
        if not np.all(np.isfinite(rho)) or np.any(rho <= 0):
            raise InvalidParameterError("the unbiased fit needs more than one effective point per iteration")
    s = {"g": g, "tau": tau, "rho": rho}
    if sched.layout == "window":
        return s, False, T
    synthetic = sched.new_previous > 0
    real = np.where(synthetic, 0.0, sched.new_weight).sum(axis=1)
    weight = np.where(synthetic, sched.new_weight, 0.0).sum(axis=1)
    size = np.where(synthetic, sched.new_multiplicity * T, 0.0).sum(axis=1)
    size[0], weight[0] = T, 1.0  # iteration 1: the real data alone
    real[0] = 0.0
    if np.any(size != np.round(size)):
        raise InvalidParameterError(f"each synthetic generation must hold a whole number of points; T/ratio = "
                                    f"{T / regime.ratio:g} is not an integer")
    s.update(history=np.array(sched.history), anchor=np.array(sched.anchor), weight=weight, real=real, size=size)
    return s, bool(np.any(real > 0)), int(size.max())


@dataclass(frozen=True)
class Config:
    """What a Gaussian simulation runs: ``d``, ``T``, ``unbiased`` (the family's parameters), ``engine`` and
    ``dtype`` (``"float64"`` by default)."""

    d: int = 10
    T: int = 100
    unbiased: bool = False
    engine: str = "fast"
    dtype: str = "float64"


def simulate(regime: Regime, n: int, config: Optional[Config] = None, *, key, seeds: int,
             keep_values: bool = False, chunk: int | None = None, progress: bool = False, **options) -> Result:
    """Monte Carlo of the Gaussian loop at iterations ``1..n``: metrics ``mean_error``, ``cov_trace_ratio``, ``kl``.

    ``config`` is a :class:`Config`; its fields may also be given as keywords, which override it.

    Args:
        regime: any :class:`~collapse_theory.Regime` with temperature ``tau > 0``.
        key: a ``jax.random`` key; seed ``s`` uses ``jax.random.split(key, seeds)[s]``.
        d, T: dimension and points per generation, ``T >= d + 1`` so that every fit is nonsingular.
        unbiased: divide the spread by ``1 - sum alpha^2 / N`` (``T - 1`` for one generation) instead of the ML
            divisor.
        engine: ``"fast"`` (mean and Wishart scatter, the default) or ``"literal"`` (the points).
        chunk: seeds per vmapped call (default: what fits in about 200 MB).

    Returns:
        :class:`~simulations.result.Result`; compare with :func:`collapse_theory.gaussian.errors`.
    """
    if not isinstance(regime, Regime):
        raise InvalidParameterError(f"regime must be a collapse_theory.Regime, got {type(regime).__name__}")
    config = merge(Config, config, options)
    d, T, unbiased, engine = config.d, config.T, config.unbiased, config.engine
    dtype = _precision.check(config.dtype)
    n = _validate.integer("n", n)
    d = _validate.integer("d", d)
    T = _validate.integer("T", T, minimum=2)
    seeds = _validate.integer("seeds", seeds)
    if engine not in ENGINES:
        raise InvalidParameterError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if T < d + 1:
        raise InvalidParameterError(f"T must be >= d + 1 so that each fitted covariance is nonsingular, got d={d}, "
                                    f"T={T}")
    if regime.temperature <= 0:
        raise InvalidParameterError("temperature must be > 0 for the Gaussian simulation (tau = 0 samples a "
                                    "single point and the next fit is singular)")
    arrays, real, max_size = _schedule(regime, n, T, bool(unbiased))
    layout = schedule(regime, n).layout
    if layout == "subsample":
        shape, buffer = "subsample", min(regime.budget, n * T)  # b_n = min(B, nT): a larger B changes nothing
        if min(regime.budget, T) < d + 1:
            raise InvalidParameterError(f"budget must be >= d + 1 for a nonsingular fit, got budget={regime.budget}")
        per_seed = n * T * d
    elif layout == "window":
        shape, buffer, per_seed = "window", regime.window, regime.window * d * d
    else:
        shape, buffer, per_seed = "step", 0, max_size * d if engine == "literal" else d * d
    if engine == "fast" and shape == "step" and np.min(arrays["size"][arrays["weight"] > 0], initial=T) < d + 1:
        raise InvalidParameterError("the fast engine's Wishart draw needs generations of >= d + 1 points; "
                                    "use engine='literal'")
    if chunk is None:
        chunk = _seeds.chunk_size(seeds, per_seed=max(per_seed, 1))
    engine_used = "literal" if shape == "subsample" else engine
    recorded = {"model": "gaussian", "regime": regime.to_json(), "n": n, "d": d, "T": T, "unbiased": bool(unbiased),
                "engine": engine_used, "dtype": dtype, "seeds": seeds}
    with _precision.scope(dtype):
        # max_size only shapes the literal engine's draws; leaving it out of the fast key shares one compilation.
        fn = _trajectory(shape, n, d, T, engine_used, real, max_size if engine_used == "literal" else T, buffer, dtype)
        args = {k: jnp.asarray(v) for k, v in arrays.items()}
        return _seeds.run(fn, args, key=key, seeds=seeds, chunk=chunk, keep_values=keep_values, progress=progress,
                          description=f"{regime.label} seeds", config=recorded)


def work(regime: Regime, n: int, *, d: int, T: int, **_) -> float:
    """Floating-point operations of one seed's trajectory (for the CLI's guard on long runs)."""
    per = min(regime.budget, n * T) * d * d if not regime.has_closed_form else 10 * d**3 + 100
    return float(n) * per


def simulate_cli(regime: Regime, n: int, *, seeds: int, key, quiet: bool, dtype: str = "float64", d: int = 10,
                 T: int = 100, unbiased: bool = False) -> tuple[dict, dict]:
    """What ``collapse-theory simulate --model gaussian`` prints: ``({metric: {"mean", "se"}}, config that ran)``."""
    result = simulate(regime, n, Config(d=d, T=T, unbiased=unbiased, dtype=dtype), key=key, seeds=seeds,
                      progress=not quiet)
    return result.summary(), result.config
