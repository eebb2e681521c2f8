"""Per-seed speed against the peers' numerics, every family x regime, and the cold start; one table (issue 20).

The peers' loops are rewritten here from their published description (Kazdan et al.'s repository, with the
tracking calls removed, one process, all seeds in it): linear regression fits the training set of each iteration
by ``np.linalg.lstsq``; the Gaussian fits ``mean`` and ``np.cov(bias=True)`` and samples
``multivariate_normal``; the KDE fits scikit-learn's ``KernelDensity`` (h = 0.3, moons) and draws from it,
scoring the same 25 held-out points per iteration that ``simulations.kde`` scores (equal work).  Every
configuration: d = 10 (KDE: 2-d moons), T = 100, 100 iterations; accumulate-subsample with a budget of T.

Both sides are timed in this run, warm (compiled once before timing), each the median of three repeats; the
ratio is peer seconds per seed over ours.  For each row below 100x the bench then times the row's random draws
alone (:data:`DRAWS`, :func:`rng_floor`): their share of the engine's time, and the ratio an engine that did
nothing but draw would reach.  The cold start times two fresh processes: the README's first
``simulate`` (accumulate, 50 iterations, 10^4 seeds, d = 10, T = 100, no compilation cache) against a bare
``import jax`` plus one jitted op.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np

D, T, N, HELD_OUT = 10, 100, 100, 25
REGIMES = ("replace", "accumulate", "accumulate-subsample")
#: Seeds per timed call: ours (vectorised, enough to amortise a call) and the peers' loop (a few suffice).
OURS = {"linear": {"replace": 10_000, "accumulate": 10_000, "accumulate-subsample": 200},
        "gaussian": {"replace": 2000, "accumulate": 2000, "accumulate-subsample": 200},
        "kde": {"replace": 200, "accumulate": 200}}
PEER_SEEDS = 2


def _pool_fit(regime, pool, rng, fit):
    """The peers' choice of training set: the newest generation, all of them, or a uniform T-subset of all."""
    if regime == "replace":
        return fit(pool[-1])
    data = np.concatenate(pool)
    if regime == "accumulate-subsample" and len(data) > T:
        data = data[rng.choice(len(data), size=T, replace=False)]
    return fit(data)


def peer_linear(regime, rng):
    X, w_star = rng.standard_normal((T, D)), rng.standard_normal(D)
    w, pool = w_star, []
    for _ in range(N):
        pool.append(np.column_stack([X, X @ w + rng.standard_normal(T)]))
        w = _pool_fit(regime, pool, rng, lambda rows: np.linalg.lstsq(rows[:, :-1], rows[:, -1], rcond=None)[0])
        if regime == "replace":
            pool.clear()
    return float(np.sum((w - w_star) ** 2))


def peer_gaussian(regime, rng):
    mu, cov, pool = np.zeros(D), np.eye(D), []
    for _ in range(N):
        pool.append(rng.multivariate_normal(mu, cov, size=T))
        mu, cov = _pool_fit(regime, pool, rng, lambda x: (x.mean(axis=0), np.cov(x, rowvar=False, bias=True)))
        if regime == "replace":
            pool.clear()
    return float(np.trace(cov))


def peer_kde(regime, rng, *, held_out):
    from sklearn.datasets import make_moons
    from sklearn.neighbors import KernelDensity

    data, pool = make_moons(T, noise=0.1, random_state=int(rng.integers(2**31)))[0], []
    for _ in range(N):
        pool.append(data)
        kde = _pool_fit(regime, pool, rng, lambda x: KernelDensity(bandwidth=0.3).fit(x))
        kde.score_samples(held_out)
        data = kde.sample(T, random_state=int(rng.integers(2**31)))
        if regime == "replace":
            pool.clear()
    return float(data.var())


def peer_seconds(family, regime) -> float:
    rng = np.random.default_rng(0)
    run = {"linear": peer_linear, "gaussian": peer_gaussian, "kde": peer_kde}[family]
    kwargs = {"held_out": rng.standard_normal((HELD_OUT, 2))} if family == "kde" else {}
    start = time.perf_counter()
    for _ in range(PEER_SEEDS):
        run(regime, rng, **kwargs)
    return (time.perf_counter() - start) / PEER_SEEDS


def ours_call(family, regime, seeds):
    import jax

    from simulations import registry

    from collapse_theory.regimes import from_name

    r = from_name(regime, **({"budget": T} if regime == "accumulate-subsample" else {}))
    params = {"kde": {"T": T, "bandwidth": 0.3, "dataset": "moons"}}.get(family, {"d": D, "T": T})
    simulate = registry.simulator(family).simulate
    return lambda: simulate(r, N, key=jax.random.key(0), seeds=seeds, **params)


#: The random numbers each engine draws per seed and iteration at the bench's configuration, (normals, uniforms),
#: counted from the code; a lower bound where a rejection sampler draws more (the chi-squares of the Bartlett
#: factor, about 3 rounds of 2 draws per diagonal entry, are left out).
#: linear (wishart engine): the d-dimensional noise X^T E, and for accumulate-subsample the T labels and the
#: subset's uniforms; Gaussian: the Bartlett factor's d x d normals and the mean's d, and under
#: accumulate-subsample the T x d points and the subset's uniforms; KDE on moons: the T points' source and
#: position uniforms and their 2-d kernel noise, and T more uniforms for the (unused) real draw.
DRAWS = {("linear", "replace"): (D, 0), ("linear", "accumulate"): (D, 0),
         ("linear", "accumulate-subsample"): (T, T),
         ("gaussian", "replace"): (D * D + D, 0), ("gaussian", "accumulate"): (D * D + D, 0),
         ("gaussian", "accumulate-subsample"): (T * D, T),
         ("kde", "replace"): (2 * T, 3 * T), ("kde", "accumulate"): (2 * T, 3 * T)}


def rng_floor(normals: int, uniforms: int, seeds: int) -> float:
    """Seconds per seed of a vmapped scan over the N iterations that only draws ``normals`` float64 standard
    normals and ``uniforms`` uniforms per iteration, keyed as the engines key them: what the draws alone cost."""
    import jax
    import jax.numpy as jnp

    from simulations import seeds as keying
    from simulations import threefry

    keys = threefry.adopt(keying.chunk_keys(jax.random.key(0), seeds, 0, seeds))
    with keying.draws(), jax.enable_x64(True):
        def per_seed(key):
            def body(total, g):
                k_normal, k_uniform = jax.random.split(jax.random.fold_in(key, g))
                z = jnp.sum(jax.random.normal(k_normal, (max(normals, 1),), dtype=jnp.float64))
                u = jnp.sum(jax.random.uniform(k_uniform, (max(uniforms, 1),), dtype=jnp.float64))
                return total + z + u, None

            return jax.lax.scan(body, 0.0, jnp.arange(1, N + 1))[0]

        run = jax.jit(jax.vmap(per_seed))
        run(keys).block_until_ready()
        return median_of_three(lambda: run(keys).block_until_ready()) / seeds


def median_of_three(fn) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def process_seconds(code: str) -> float:
    """Wall time of a fresh process running ``code``, with no on-disk compilation cache."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=600, env=env)
    return time.perf_counter() - start


BARE = "import jax, jax.numpy as jnp; jax.jit(lambda x: x * 2 + 1)(jnp.ones(3)).block_until_ready()"
README = ("import jax, collapse_theory as ct, simulations.linear_regression as mc; "
          "mc.simulate(ct.accumulate(), 50, key=jax.random.key(0), seeds=10_000, d=10, T=100)")


def main(families=("linear", "gaussian", "kde")) -> None:
    rows = []
    for family in families:
        for regime, seeds in OURS[family].items():
            call = ours_call(family, regime, seeds)
            call()  # compile
            ours = median_of_three(call) / seeds
            peer = median_of_three(lambda: peer_seconds(family, regime)) / 1
            rows.append((family, regime, ours, peer))
            print(f"  {family} {regime}: ours {ours:.3g} s/seed, peer {peer:.3g} s/seed", file=sys.stderr, flush=True)
    print(f"per-seed speed, d = {D}, T = {T}, {N} iterations, warm, medians of three ({PEER_SEEDS} peer seeds each)")
    print(f"{'family':>9} {'regime':>21} {'ours s/seed':>12} {'peer s/seed':>12} {'ratio':>8}")
    for family, regime, ours, peer in rows:
        print(f"{family:>9} {regime:>21} {ours:12.3g} {peer:12.3g} {peer / ours:7.1f}x")
    below = [row for row in rows if row[3] / row[2] < 100]
    if below:
        print("below 100x: what the random draws alone cost (same keys, same counts, float64; DRAWS), and the "
              "ratio an engine doing nothing else would reach")
        print(f"{'family':>9} {'regime':>21} {'draws/iter':>11} {'RNG s/seed':>12} {'RNG share':>10} {'RNG bound':>10}")
        for family, regime, ours, peer in below:
            normals, uniforms = DRAWS[family, regime]
            floor = rng_floor(normals, uniforms, OURS[family][regime])
            print(f"{family:>9} {regime:>21} {normals + uniforms:11d} {floor:12.3g} {floor / ours:9.0%} "
                  f"{peer / floor:9.0f}x")
    for family in families:
        missing = [r for r in REGIMES if r not in OURS[family]]
        if missing:
            print(f"{family:>9} {', '.join(missing):>21} {'(no simulator for this regime)':>34}")
    bare, cold = process_seconds(BARE), process_seconds(README)
    print(f"cold start: README simulate {cold:.2f} s, bare import jax + one jit {bare:.2f} s, ratio {cold / bare:.2f}")


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("linear", "gaussian", "kde"))
