"""Monte Carlo of the Gaussian loop: fit mean and covariance, sample ``T`` points, refit (THEORY.md §3).

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

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from collapse_theory import _validate
from collapse_theory._gaussian_moments import unbiased_factor
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import Regime

from . import seeds as _seeds
from .result import Result
from .subsample import uniform_subset

__all__ = ["ENGINES", "METRICS", "simulate", "simulate_cli"]

ENGINES = ("fast", "literal")
METRICS = ("mean_error", "cov_trace_ratio", "kl")


# -- one generation and one fit --------------------------------------------------------------------------------

def _gamma(key, alpha):
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
        k_chi, k_off = jax.random.split(k_scatter)
        dof = size - 1.0 - jnp.arange(d)  # Bartlett: A_ii^2 ~ chi^2(N - 1 - i), i = 0..d-1
        diag = jnp.sqrt(2.0 * _gamma(k_chi, dof / 2.0))
        A = jnp.tril(jax.random.normal(k_off, (d, d)), -1) + jnp.diag(diag)
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
def _trajectory(shape: str, n: int, d: int, T: int, engine: str, real: bool, max_size: int, buffer: int):
    """Per-seed function ``(key, schedule) -> {metric: (n,)}`` for ``shape`` in {step, window, subsample}."""
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
    """Traced per-iteration arrays: the one-step weights, generation sizes, temperature and unbiased factor."""
    g = np.arange(1, n + 1)
    tau = np.full(n, float(regime.temperature))
    tau[0] = 1.0  # iteration 1 samples the truth
    if regime.kind == "accumulate-subsample":
        return {"g": g, "tau": tau, "unbiased": np.full(n, bool(unbiased))}, False, T
    rho = []
    for sources, alpha in regime.iter_weights(n):
        sizes = [float(s.multiplicity) * T for s in sources]
        factor = float(unbiased_factor([float(a) for a in alpha], sizes)) if unbiased else 1.0
        if not np.isfinite(factor) or factor <= 0:
            raise InvalidParameterError("the unbiased fit needs more than one effective point per iteration")
        rho.append(factor)
    s = {"g": g, "tau": tau, "rho": np.array(rho)}
    if regime.kind == "window":
        return s, False, T
    history, anchor, weight, real, size = (np.zeros(n) for _ in range(5))
    for i in range(2, n + 1):
        step = regime.step(i)
        history[i - 1], anchor[i - 1] = float(step.history), float(step.anchor)
        for source, w in step.new:
            if source.parent == "truth":
                real[i - 1] = float(w)
            else:
                weight[i - 1], size[i - 1] = float(w), float(source.multiplicity) * T
    size[0], weight[0] = T, 1.0  # iteration 1: the real data alone
    if np.any(size != np.round(size)):
        raise InvalidParameterError(f"each synthetic generation must hold a whole number of points; T/ratio = "
                                    f"{T / regime.ratio:g} is not an integer")
    s.update(history=history, anchor=anchor, weight=weight, real=real, size=size)
    return s, bool(np.any(real > 0)), int(size.max())


def simulate(regime: Regime, n: int, *, key, seeds: int, d: int = 10, T: int = 100, unbiased: bool = False,
             engine: str = "fast", keep_values: bool = False, chunk: int | None = None,
             progress: bool = False) -> Result:
    """Monte Carlo of the Gaussian loop at iterations ``1..n``: metrics ``mean_error``, ``cov_trace_ratio``, ``kl``.

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
    schedule, real, max_size = _schedule(regime, n, T, bool(unbiased))
    if regime.kind == "accumulate-subsample":
        shape, buffer = "subsample", regime.budget
        if min(regime.budget, T) < d + 1:
            raise InvalidParameterError(f"budget must be >= d + 1 for a nonsingular fit, got budget={regime.budget}")
        per_seed = n * T * d
    elif regime.kind == "window":
        shape, buffer, per_seed = "window", regime.window, regime.window * d * d
    else:
        shape, buffer, per_seed = "step", 0, max_size * d if engine == "literal" else d * d
    if engine == "fast" and shape == "step" and np.min(schedule["size"][schedule["weight"] > 0], initial=T) < d + 1:
        raise InvalidParameterError("the fast engine's Wishart draw needs generations of >= d + 1 points; "
                                    "use engine='literal'")
    if chunk is None:
        chunk = int(max(1, min(_seeds.DEFAULT_CHUNK, 2.5e7 // max(per_seed, 1))))
    engine_used = "literal" if shape == "subsample" else engine
    # max_size only shapes the literal engine's draws; leaving it out of the fast key shares one compilation.
    fn = _trajectory(shape, n, d, T, engine_used, real, max_size if engine_used == "literal" else T, buffer)
    config = {"model": "gaussian", "regime": regime.kind, **regime.parameters(), "n": n, "d": d, "T": T,
              "unbiased": bool(unbiased), "engine": engine, "seeds": seeds}
    args = {k: jnp.asarray(v) for k, v in schedule.items()}
    return _seeds.run(fn, args, key=key, seeds=seeds, chunk=chunk, keep_values=keep_values, progress=progress,
                      description=f"{regime.label} seeds", config=config)


def simulate_cli(regime: Regime, n: int, *, seeds: int, seed: int, quiet: bool, d: int = 10, T: int = 100,
                 unbiased: bool = False) -> dict:
    """What ``collapse-theory simulate --model gaussian`` prints: ``{metric: {"mean": array, "se": array}}``.

    Fast engine in float64, key ``jax.random.key(seed)``; a progress bar on stderr unless ``quiet``.
    """
    jax.config.update("jax_enable_x64", True)  # the command line works in float64, like the tests
    seed = _validate.integer("seed", seed, minimum=0)
    return simulate(regime, n, key=jax.random.key(seed), seeds=seeds, d=d, T=T, unbiased=unbiased,
                    progress=not quiet).summary()
