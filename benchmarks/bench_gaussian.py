"""Gaussian-family Monte Carlo against the numpy loop a user would write (issue 5, "must show" 3).

10^4 seeds x 100 iterations of the Gaussian loop (d = 10, T = 100), replace and accumulate, in one process:

1. the JAX engines (``simulations.gaussian.simulate``, fast and literal), compilation timed separately;
2. the numpy loop: per seed and iteration draw ``T`` points from the current fit, refit mean and covariance
   (``np.cov`` on the stacked pool for accumulate), timed on a few seeds and scaled to 10^4;
3. JAX drawing only the normals the literal engine consumes (``n T d`` per seed), the floor of that engine.

Prints seconds and the ratios; ``python -m benchmarks.bench_gaussian [--seeds S]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

D, T, N, SEEDS = 10, 100, 100, 10_000


def numpy_loop(regime: str, seeds: int, *, n: int = N, d: int = D, T: int = T) -> float:
    """Seconds for ``seeds`` seeds of the straightforward loop (one Python iteration per generation)."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(seeds):
        pool = rng.standard_normal((T, d))
        mu, sigma = pool.mean(0), np.cov(pool, rowvar=False, bias=True)
        for _ in range(1, n):
            new = rng.multivariate_normal(mu, sigma, size=T, method="cholesky")
            pool = new if regime == "replace" else np.vstack([pool, new])
            mu, sigma = pool.mean(0), np.cov(pool, rowvar=False, bias=True)
    return time.perf_counter() - start


def jax_seconds(regime_name: str, seeds: int, engine: str) -> tuple[float, float]:
    """``(first call, second call)`` seconds of :func:`simulations.gaussian.simulate` (first includes compiling)."""
    import jax

    from collapse_theory.regimes import from_name
    from simulations.gaussian import simulate

    regime = from_name(regime_name)
    times = []
    for _ in range(2):
        start = time.perf_counter()
        simulate(regime, N, key=jax.random.key(0), seeds=seeds, d=D, T=T, engine=engine)
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def normals_floor(seeds: int) -> float:
    """JAX drawing ``N T d`` normals per seed, in the same chunks, reduced on the host: the literal engine's floor."""
    import jax
    import jax.numpy as jnp

    from simulations.seeds import run

    def draw(key, _):
        def body(c, g):
            return c + jnp.sum(jax.random.normal(jax.random.fold_in(key, g), (T, D))), None
        return {"x": jnp.full((N,), jax.lax.scan(body, 0.0, jnp.arange(N))[0])}

    run(draw, (), key=jax.random.key(0), seeds=seeds)
    start = time.perf_counter()
    run(draw, (), key=jax.random.key(0), seeds=seeds)
    return time.perf_counter() - start


def main(argv=None) -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_gaussian")
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--loop-seeds", type=int, default=20, help="seeds timed for the numpy loop")
    parser.add_argument("--engines", default="fast,literal", help="comma-separated engines to time")
    parser.add_argument("--regimes", default="replace,accumulate", help="comma-separated regimes to time")
    args = parser.parse_args([] if argv is None else argv)
    print(f"gaussian loop: d={D}, T={T}, {N} iterations, {args.seeds} seeds, {jax.device_count()} device(s), "
          f"float64")
    for regime in args.regimes.split(","):
        loop = numpy_loop(regime, args.loop_seeds) * args.seeds / args.loop_seeds
        for engine in args.engines.split(","):
            first, warm = jax_seconds(regime, args.seeds, engine)
            print(f"  {regime:10s} {engine:7s}: {warm:7.2f} s warm ({first:6.2f} s with compilation); numpy loop "
                  f"{loop:8.1f} s (from {args.loop_seeds} seeds); speed-up {loop / warm:7.1f}x warm, "
                  f"{loop / first:6.1f}x cold")
    if "literal" in args.engines.split(","):
        floor = normals_floor(args.seeds)
        _, literal = jax_seconds("replace", args.seeds, "literal")
        print(f"  literal engine / its normals alone: {literal / floor:.2f} ({floor:.2f} s for the normals)")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
