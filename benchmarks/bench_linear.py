"""Linear-regression Monte Carlo against the loop a user would write, and against its own noise.

Four measurements, each a ratio against a baseline timed in the same run (issue 4):

1. ``collapse-theory simulate`` at 10^5 seeds, timed as a whole process (start-up included), per seed, against a
   numpy loop (``np.linalg.lstsq`` on the literal training set, per seed, per iteration) timed on a few seeds;
   d = 10, T = 100, 100 iterations; replace and accumulate.  Twice on a fresh cache directory: the first process
   derives and compiles, the second loads the compiled simulator from JAX's on-disk compilation cache.
2. Accumulate at 200 against 100 iterations, for the engine (linear) and for the numpy loop (quadratic).
3. The paper's figure grid (T in {100, 316, 1000} x 5 sigma^2, d = 32, 50 iterations, replace and accumulate,
   1000 seeds each) in one process, compilation included.
4. The engine against JAX drawing the normals it consumes, with the same keys, chunks and host reduction.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

D, T, N = 10, 100, 100
CLI_SEEDS = 100_000


def numpy_loop(regime: str, seeds: int, n: int = N, *, d: int = D, T: int = T) -> float:
    """Seconds per seed of the straightforward loop: refit the stacked training set with lstsq every iteration."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(seeds):
        X = rng.standard_normal((T, d))
        w_star = rng.standard_normal(d)
        w, labels = w_star, []
        for i in range(n):
            labels.append(X @ w + rng.standard_normal(T))
            if regime == "replace":
                w = np.linalg.lstsq(X, labels[-1], rcond=None)[0]
                labels.clear()
            else:
                w = np.linalg.lstsq(np.tile(X, (i + 1, 1)), np.concatenate(labels), rcond=None)[0]
    return (time.perf_counter() - start) / seeds


def cli_seconds(regime: str, seeds: int = CLI_SEEDS, n: int = N, *, cache: str | None = None) -> float:
    """Wall time of a whole ``collapse-theory simulate`` process, with ``COLLAPSE_THEORY_CACHE=cache`` if given."""
    cmd = [sys.executable, "-m", "collapse_theory", "simulate", "--model", "linear", "--regime", regime,
           "--d", str(D), "--T", str(T), "--sigma2", "1", "--n", str(n), "--seeds", str(seeds), "--seed", "0",
           "--json", "--quiet"]
    env = {**os.environ, "COLLAPSE_THEORY_CACHE": cache} if cache else None
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    elapsed = time.perf_counter() - start
    assert json.loads(out)["seeds"] == seeds
    return elapsed


def cli_cold_and_warm(regime: str) -> tuple[float, float]:
    """A first process on an empty cache (derivation and compilation included), then the same command again
    (compiled simulator loaded from the on-disk cache)."""
    with tempfile.TemporaryDirectory() as cache:
        return cli_seconds(regime, cache=cache), cli_seconds(regime, cache=cache)


def _warm_time(fn, repeats: int = 2) -> float:
    fn()  # compile
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def engine_vs_normals(seeds: int = CLI_SEEDS):
    """(engine seconds, normals-only seconds) for replace, d = 10, n = 100, warm, same chunking."""
    import jax
    import jax.numpy as jnp

    import collapse_theory as ct
    from simulations import seeds as seeds_module
    from simulations.wishart import bartlett
    from simulations.linear_regression import simulate

    key = jax.random.key(0)

    def normals(k, args):
        """Exactly the draws of the wishart-mode engine: the Bartlett factor and one (d,) normal per iteration."""
        k_design, _, _, k_noise = jax.random.split(k, 4)
        total = jnp.sum(bartlett(k_design, args["df"], D))
        gens = jnp.arange(1, N + 1)
        z = jax.vmap(lambda g: jax.random.normal(jax.random.fold_in(k_noise, 4 * g), (D,)))(gens)
        return {"test_error": total + jnp.sum(z, axis=1)}

    args = {"df": np.float64(T)}
    engine = _warm_time(lambda: simulate(ct.replace(), N, key=key, seeds=seeds, d=D, T=T))
    draws = _warm_time(lambda: seeds_module.run(normals, args, key=key, seeds=seeds))
    return engine, draws


def accumulate_scaling(seeds: int = 20_000):
    import jax

    import collapse_theory as ct
    from simulations.linear_regression import simulate

    key = jax.random.key(0)
    return {n: _warm_time(lambda n=n: simulate(ct.accumulate(), n, key=key, seeds=seeds, d=D, T=T))
            for n in (100, 200)}


def figure_grid_seconds() -> float:
    """The paper's linear figure grid in a fresh process (imports and compilation included)."""
    code = ("import jax, collapse_theory as ct\n"
            "from simulations.linear_regression import FIGURE_GRID as G, simulate_grid\n"
            "for r in (ct.replace(), ct.accumulate()):\n"
            "    simulate_grid(r, G['n'], key=jax.random.key(0), seeds=G['seeds'], d=G['d'], Ts=G['Ts'],"
            " sigma2s=G['sigma2s'])\n")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main():
    rows = []
    base = {"replace": numpy_loop("replace", 20), "accumulate": numpy_loop("accumulate", 3)}
    for regime in ("replace", "accumulate"):
        for label, wall in zip(("empty cache: compile included", "repeated: compiled code from the cache"),
                               cli_cold_and_warm(regime)):
            per_seed = wall / CLI_SEEDS
            rows.append((f"CLI {regime}, {CLI_SEEDS} seeds (process; {label})", f"{wall:.2f} s",
                         f"numpy loop {base[regime] * 1e3:.2f} ms/seed, CLI {per_seed * 1e6:.1f} us/seed",
                         f"{base[regime] / per_seed:.0f}x"))
    scaling = accumulate_scaling()
    rows.append(("engine accumulate 200 vs 100 iterations (20000 seeds, warm)",
                 f"{scaling[200]:.2f} s / {scaling[100]:.2f} s", "", f"{scaling[200] / scaling[100]:.2f}x"))
    loop200 = numpy_loop("accumulate", 2, 200)
    loop100 = numpy_loop("accumulate", 2, 100)
    rows.append(("numpy accumulate 200 vs 100 iterations", f"{loop200:.2f} s / {loop100:.2f} s per seed", "",
                 f"{loop200 / loop100:.2f}x"))
    grid = figure_grid_seconds()
    rows.append(("figure grid: 3 T x 5 sigma2 x 2 regimes, d=32, n=50, 1000 seeds (process)", f"{grid:.1f} s", "",
                 ""))
    engine, draws = engine_vs_normals()
    rows.append((f"engine vs its normals alone, replace, {CLI_SEEDS} seeds (warm)", f"{engine:.2f} s / {draws:.2f} s",
                 "", f"{engine / draws:.2f}x"))
    width = max(len(r[0]) for r in rows)
    for label, time_, note, ratio in rows:
        print(f"{label.ljust(width)}  {time_:>24}  {ratio:>7}  {note}", flush=True)


if __name__ == "__main__":
    main()
