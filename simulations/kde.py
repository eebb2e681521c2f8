"""Monte Carlo of the kernel density loop: fit a Gaussian KDE, sample ``T`` points from it, refit.

The fit of iteration ``n`` is ``sum_p w_p N(x_p, h_n^2 I)`` over the points of every generation, with point
weights ``w_p = alpha_{n s} / N_s`` from the regime (:meth:`Regime.iter_weights`); sampling it picks a stored
point by weight (a generation by ``alpha``, then a point uniformly within it) and adds ``h N(0, I)``.  The
bandwidth is fixed or re-estimated each iteration from the training set (``rule``: Scott's
``sigma n_eff^(-1/(dim+4))`` or Silverman's ``sigma (n_eff (dim+2)/4)^(-1/(dim+4))``, ``sigma^2`` the mean
per-coordinate variance, ``n_eff = 1 / sum_p w_p^2``; scipy's conventions).  Per seed and iteration:

* ``variance_ratio = tr Cov(fit) / tr Sigma_0`` (its expectation: :func:`collapse_theory.kde.variance_ratio`);
* ``nll``: the negative log-likelihood of held-out real data, averaged over ``held_out`` points drawn once from
  the truth with a fixed evaluation key (the same for every seed), Monte Carlo only.

The fit's moments come from per-source sums (a source's points never change once written), and at a fixed
bandwidth so does its held-out density, ``log sum_s alpha_s D_s(x)`` with ``D_s`` the mean kernel of source
``s`` at ``x``: an iteration then costs O(T + sources), not O(live points), which under accumulate is ``n T``.

Data sets: :data:`collapse_theory.kde.DATASETS`.  Every generation is stored in a pre-allocated pool (static
shapes; a generation's slot and size come from the regime), so memory grows like the regime's total number of
points.  accumulate-subsample is not simulated for this family.  Generation ``g`` uses
``jax.random.fold_in(key, g)`` only.  :func:`snapshots` returns samples of the fitted KDE for figures.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from collapse_theory import _validate, kinds
from collapse_theory.errors import InvalidParameterError
from collapse_theory.kde import check
from collapse_theory.regimes import Regime
from collapse_theory.schedule import schedule

from . import precision as _precision
from . import seeds as _seeds
from ._config import merge
from .result import Result

__all__ = ["Config", "METRICS", "EVALUATION_SEED", "simulate", "simulate_cli", "snapshots", "work"]

METRICS = ("variance_ratio", "nll")
#: Seed of the held-out evaluation points (their own key, independent of every simulation key).
EVALUATION_SEED = 20240401


def _plan(regime: Regime, n: int, T: int):
    """Static layout and traced schedule of the pool: one slot range per generation (source)."""
    if not regime.has_closed_form:
        raise InvalidParameterError(f"the kde simulation does not implement {regime.kind}; it runs the fixed-pool "
                                    "regimes " + ", ".join(k.name for k in kinds.kinds() if k.fixed_design))
    sched = schedule(regime, n)
    sizes, alpha = sched.sizes(T), np.array(sched.alpha)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    synthetic, real = -np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64)
    for s, (created, truth) in enumerate(zip(sched.created, sched.truth)):
        (real if truth else synthetic)[created - 1] = s
    # The points the fit of each iteration weighs (padded to the largest count): the fit and the NLL only touch
    # these, so replace costs T per iteration rather than the whole pool.
    starts = np.concatenate([[0], np.cumsum(sizes)])
    live = [np.concatenate([np.arange(starts[s], starts[s + 1]) for s in np.flatnonzero(row > 0)]) for row in alpha]
    width = max(len(x) for x in live)
    arrays = {"g": np.arange(1, n + 1), "alpha": alpha, "previous": np.vstack([alpha[:1] * 0, alpha[:-1]]),
              "synthetic": synthetic, "real": real,
              "live": np.stack([np.pad(x, (0, width - len(x))) for x in live]),
              "used": np.stack([np.arange(width) < len(x) for x in live])}
    layout = {"sizes": sizes, "offsets": offsets, "owner": np.repeat(np.arange(len(sizes)), sizes)}
    return arrays, layout, int(sizes.sum()), int(sizes.max())


def _log_kernel(x, points, bw):
    """``log N(x_i; p_j, bw^2 I)`` for every held-out point ``x_i`` and fitted point ``p_j``: ``(H, P)``."""
    d2 = jnp.sum((x[:, None, :] - points[None, :, :]) ** 2, axis=-1)
    return -0.5 * d2 / bw**2 - 0.5 * x.shape[-1] * jnp.log(2 * jnp.pi * bw**2)


def _factor(rule, n_eff, dim):
    if rule == "scott":
        return n_eff ** (-1.0 / (dim + 4))
    return (n_eff * (dim + 2) / 4.0) ** (-1.0 / (dim + 4))


@functools.lru_cache(maxsize=None)
def _trajectory(n: int, T: int, dim: int, pool: int, max_size: int, rule, nll: bool,
                reference: int, samples: bool, by_source: bool = True):
    """Per-seed ``(key, args) -> {metric: (n,)}`` (plus ``"samples": (n, T, dim)`` when ``samples``).

    ``by_source=False`` scores the live points at every iteration even at a fixed bandwidth: the direct
    computation that the per-source densities are tested against."""
    by_source = by_source and rule is None
    slots = jnp.arange(max_size)

    def truth(key, size):
        if reference:  # uniform draws from the reference sample
            return lambda a: a["reference"][jax.random.randint(key, (size,), 0, reference)]
        return lambda a: jax.random.normal(key, (size, dim))

    def from_model(key, pool_x, weights, bw, a, size):
        """``size`` points of the KDE with source weights ``weights`` (S,) and bandwidth ``bw``."""
        k_src, k_pos, k_noise = jax.random.split(key, 3)
        # Inverse CDF: one uniform per point, where categorical draws one Gumbel per point per source.  A source
        # of weight 0 owns an empty interval [cdf_{i-1}, cdf_i) and is never chosen; cdf[-1] = total/total = 1.
        cdf = jnp.cumsum(weights) / jnp.sum(weights)
        src = jnp.minimum(jnp.searchsorted(cdf, jax.random.uniform(k_src, (size,)), side="right"),
                          weights.shape[0] - 1)
        pos = jnp.floor(jax.random.uniform(k_pos, (size,)) * a["sizes"][src]).astype(jnp.int32)
        return pool_x[a["offsets"][src] + pos] + bw * jax.random.normal(k_noise, (size, dim))

    def add(pool_x, summary, points, source, a, bw):
        """Write ``points`` into ``source``'s slots of the pool and record that source's statistics (its sum, its
        sum of squares and, when kept, its held-out log-density); ``source = -1`` changes nothing."""
        sums, squares, log_density = summary
        size = jnp.where(source >= 0, a["sizes"][jnp.maximum(source, 0)], 0)
        keep = slots < size
        index = a["offsets"][jnp.maximum(source, 0)] + slots
        current = pool_x.at[index].get(mode="fill", fill_value=0.0)
        pool_x = pool_x.at[index].set(jnp.where(keep[:, None], points, current), mode="drop")
        target = jnp.where(source >= 0, source, a["sizes"].shape[0])  # out of range: dropped
        masked = jnp.where(keep[:, None], points, 0.0)
        sums = sums.at[target].set(jnp.sum(masked, axis=0), mode="drop")
        squares = squares.at[target].set(jnp.sum(masked**2), mode="drop")
        if log_density is not None:
            log_k = _log_kernel(a["held_out"], points, bw)                              # (H, max_size)
            log_mean = jax.nn.logsumexp(jnp.where(keep[None, :], log_k, -jnp.inf), axis=1) - jnp.log(
                jnp.maximum(size, 1))  # no source (-1): a finite row, dropped
            log_density = log_density.at[target].set(log_mean, mode="drop")
        return pool_x, (sums, squares, log_density)

    def path(key, a):
        sources = a["sizes"].shape[0]

        def body(carry, x):
            pool_x, bw, summary = carry
            k_gen = jax.random.fold_in(key, x["g"])
            k_syn, k_real, k_sample = jax.random.split(k_gen, 3)
            first = x["g"] == 1
            real_points = truth(k_real, max_size)(a)
            synthetic = from_model(k_syn, pool_x, jnp.where(first, 1.0, x["previous"]), bw, a, max_size)
            pool_x, summary = add(pool_x, summary, synthetic, x["synthetic"], a, bw)
            # iteration 1's data, and fresh real data
            pool_x, summary = add(pool_x, summary, real_points, x["real"], a, bw)
            sums, squares, log_density = summary
            # The fit weighs source s by alpha_s, spread evenly over its N_s points: its moments, its effective
            # sample size and (fixed bandwidth) its density come from per-source sums, O(sources) per iteration
            # where the points themselves cost O(live points): accumulate's pool grows to n T.
            share = x["alpha"] / a["sizes"]                                                # (S,)
            mean = share @ sums                                                           # (dim,)
            var = share @ squares - jnp.sum(mean**2)
            if rule is None:
                bw = a["bandwidth"]
            else:
                bw = jnp.sqrt(var / dim) * _factor(rule, 1.0 / jnp.sum(x["alpha"] * share), dim)
            out = {"variance_ratio": (var + dim * bw**2) / a["total_variance"]}
            if nll and by_source:
                log_alpha = jnp.where(x["alpha"] > 0, jnp.log(jnp.where(x["alpha"] > 0, x["alpha"], 1.0)), -jnp.inf)
                out["nll"] = -jnp.mean(jax.nn.logsumexp(log_alpha[:, None] + log_density, axis=0))
            elif nll:  # under a rule the bandwidth changes every iteration: score the live points themselves
                owner = a["owner"][x["live"]]
                w = jnp.where(x["used"], x["alpha"][owner] / a["sizes"][owner], 0.0)  # (L,) weights of the live points
                log_w = jnp.where(w > 0, jnp.log(jnp.where(w > 0, w, 1.0)), -jnp.inf)
                log_k = _log_kernel(a["held_out"], pool_x[x["live"]], bw)                  # (H, L)
                out["nll"] = -jnp.mean(jax.nn.logsumexp(log_w[None, :] + log_k, axis=1))
            if samples:
                out["samples"] = from_model(k_sample, pool_x, x["alpha"], bw, a, T)
            return (pool_x, bw, (sums, squares, log_density)), out

        held = a["held_out"].shape[0]
        summary = (jnp.zeros((sources, dim)), jnp.zeros(sources),
                   jnp.zeros((sources, held)) if nll and by_source else None)
        _, out = lax.scan(body, (jnp.zeros((pool, dim)), a["bandwidth"], summary), a["schedule"])
        return out

    return path


def _prepare(regime, n, *, T, bandwidth, dataset, bandwidth_rule, nll, held_out, samples=False, by_source=True):
    T, bandwidth, data, rule = check(regime, T=T, bandwidth=bandwidth, dataset_name=dataset,
                                     bandwidth_rule=bandwidth_rule)
    n = _validate.integer("n", n)
    held_out = _validate.integer("held_out", held_out)
    arrays, layout, pool, max_size = _plan(regime, n, T)
    max_size = max(max_size, T)
    eval_key = jax.random.key(EVALUATION_SEED)
    if data.reference is None:
        points = jax.random.normal(eval_key, (held_out, data.dim))
        reference = jnp.zeros((1, data.dim))
    else:
        reference = jnp.asarray(data.reference)
        points = reference[jax.random.randint(eval_key, (held_out,), 0, reference.shape[0])]
    args = {"schedule": {k: jnp.asarray(v) for k, v in arrays.items()},
            **{k: jnp.asarray(v) for k, v in layout.items()},
            "bandwidth": jnp.asarray(float(bandwidth)), "total_variance": jnp.asarray(data.total_variance),
            "reference": reference, "held_out": points}
    fn = _trajectory(n, T, data.dim, pool, max_size, rule, bool(nll),
                     0 if data.reference is None else int(data.reference.shape[0]), samples, by_source)
    config = {"model": "kde", "regime": regime.to_json(), "n": n, "T": T, "bandwidth": bandwidth,
              "dataset": data.name, "bandwidth_rule": rule, "held_out": held_out}
    # Per seed in memory: the pool, and the held-out scores (against every live point under a rule; against one
    # generation, plus one row per source, at a fixed bandwidth).
    scored = pool if rule is not None else max_size + len(layout["sizes"])
    return fn, args, config, pool * data.dim + (held_out * scored if nll else 0)


@dataclass(frozen=True)
class Config:
    """What a KDE simulation runs: ``T``, ``bandwidth``, ``dataset``, ``bandwidth_rule`` (the family's
    parameters), ``nll`` and ``held_out`` (the held-out likelihood) and ``dtype`` (``"float64"`` by default)."""

    T: int = 100
    bandwidth: float = 0.3
    dataset: str = "gaussian-1d"
    bandwidth_rule: Optional[str] = None
    nll: bool = True
    held_out: int = 25
    dtype: str = "float64"


def simulate(regime: Regime, n: int, config: Optional[Config] = None, *, key, seeds: int,
             keep_values: bool = False, chunk: int | None = None, progress: bool = False, **options) -> Result:
    """Monte Carlo of the KDE loop at iterations ``1..n``: ``variance_ratio`` and (``nll=True``) ``nll``.

    Args:
        regime: replace, accumulate, replace-multiple, window, mix or fresh-real, temperature 1.
        key: a ``jax.random`` key; seed ``s`` uses ``jax.random.split(key, seeds)[s]``.
        T: points per generation (>= 2); bandwidth: ``h > 0`` (the initial one under a ``bandwidth_rule``).
        dataset: one of :data:`collapse_theory.kde.DATASETS`.
        bandwidth_rule: None (fixed ``h``), ``"scott"`` or ``"silverman"``.
        nll, held_out: also report the held-out negative log-likelihood on ``held_out`` real points (fixed
            across seeds).  At a fixed bandwidth each generation is scored once, when it is written, and each
            iteration combines one row of log-densities per source; under a ``bandwidth_rule`` every iteration
            scores all the fitted points, ``held_out`` times the live pool (hence the small default).
        chunk: seeds per vmapped call (default: what fits in about 200 MB).
    """
    c = merge(Config, config, options)
    dtype = _precision.check(c.dtype)
    seeds = _validate.integer("seeds", seeds)
    with _precision.scope(dtype):
        fn, args, recorded, per_seed = _prepare(regime, n, T=c.T, bandwidth=c.bandwidth, dataset=c.dataset,
                                                bandwidth_rule=c.bandwidth_rule, nll=c.nll, held_out=c.held_out)
        if chunk is None:
            chunk = _seeds.chunk_size(seeds, per_seed=per_seed)
        return _seeds.run(fn, args, key=key, seeds=seeds, chunk=chunk, keep_values=keep_values, progress=progress,
                          description=f"{regime.label} seeds",
                          config={**recorded, "engine": "points", "dtype": dtype, "seeds": seeds})


def snapshots(regime: Regime, iterations, *, key, T: int = 100, bandwidth: float = 0.3,
              dataset: str = "gaussian-1d", bandwidth_rule=None) -> dict:
    """``{iteration: (T, dim) array}``: ``T`` samples of the KDE fitted at each requested iteration (one run).

    For figures: the run is the same process :func:`simulate` averages (seed ``key`` itself, not split), and
    the samples use their own key per iteration, so they do not disturb the run.
    """
    iterations = sorted({_validate.integer("iteration", i) for i in iterations})
    if not iterations:
        raise InvalidParameterError("give at least one iteration")
    fn, args, _, _ = _prepare(regime, iterations[-1], T=T, bandwidth=bandwidth, dataset=dataset,
                              bandwidth_rule=bandwidth_rule, nll=False, held_out=1, samples=True)
    with _seeds.draws():  # the draws of the run simulate averages
        out = jax.jit(fn)(key, args)["samples"]
    return {i: np.asarray(out[i - 1]) for i in iterations}


def work(regime: Regime, n: int, *, T: int, bandwidth_rule=None, **_) -> float:
    """Floating-point operations of one seed's trajectory (for the CLI's guard on long runs): the held-out NLL
    scores 25 points against each new generation and one row per source at a fixed bandwidth, and against
    every live point of the pool under a bandwidth rule."""
    if bandwidth_rule is None:
        return float(n) * (T + n) * 30
    live = T * (n + 1) / 2 if regime.kind != "replace" else T
    return float(n) * live * 30


def simulate_cli(regime: Regime, n: int, *, seeds: int, key, quiet: bool, dtype: str = "float64", T: int = 100,
                 bandwidth: float = 0.3, dataset: str = "gaussian-1d", bandwidth_rule=None) -> tuple[dict, dict]:
    """What ``collapse-theory simulate --model kde`` prints: ``({metric: {"mean", "se"}}, config that ran)``."""
    result = simulate(regime, n, Config(T=T, bandwidth=bandwidth, dataset=dataset, bandwidth_rule=bandwidth_rule,
                                        dtype=dtype), key=key, seeds=seeds, progress=not quiet)
    return result.summary(), result.config
