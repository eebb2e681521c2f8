"""The batched threefry keys (simulations.threefry) against JAX's own threefry keys, in the same run.

Three ratios, JAX's keys over ours (higher is better for ours), each the median of three fresh compilations or
runs: XLA compile time of a vmapped draw (10 normals per seed, 512 seeds), XLA compile time of the linear
engine (accumulate, d = 10, T = 100, 50 iterations), and the run time of that engine at 10^4 seeds, warm.
The draws are the same bits (tests/test_threefry.py); only the lowering of the batched hash differs.
"""

from __future__ import annotations

import statistics
import time


def _compile_seconds(fn, *args) -> float:
    import jax

    start = time.perf_counter()
    jax.jit(fn).lower(*args).compile()
    return time.perf_counter() - start


def main(repeats: int = 3) -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    from collapse_theory.regimes import accumulate
    from simulations._linear_engines import trajectory
    from simulations.linear_regression import _prepare
    from simulations.seeds import draws
    from simulations.threefry import adopt

    keys = jax.random.split(jax.random.key(0), 512)
    cases = {"fry": keys, "batched": adopt(keys)}
    rows = []

    def draw(k):
        return jax.random.normal(k, (10,))

    with draws():
        times = {name: statistics.median(_compile_seconds(jax.vmap(draw), ks) for _ in range(repeats))
                 for name, ks in cases.items()}
    rows.append(("compile, vmapped normal draw", times))

    plan, args, _ = _prepare(accumulate(), 50, d=10, T=100, sigma2=1.0, engine="fast", fresh_design=False, Sigma=None,
                             sampling=None, test_points=0, conditional=False, design="gaussian")
    fn = trajectory(plan)
    with draws():
        times = {name: statistics.median(_compile_seconds(jax.vmap(fn, in_axes=(0, None)), ks, args)
                                         for _ in range(repeats)) for name, ks in cases.items()}
    rows.append(("compile, linear accumulate engine", times))

    big = jax.random.split(jax.random.key(1), 10_000)
    run = {}
    with draws():
        for name, ks in (("fry", big), ("batched", adopt(big))):
            compiled = jax.jit(jax.vmap(fn, in_axes=(0, None))).lower(ks, args).compile()
            jax.block_until_ready(compiled(ks, args))
            samples = []
            for _ in range(repeats):
                start = time.perf_counter()
                jax.block_until_ready(compiled(ks, args))
                samples.append(time.perf_counter() - start)
            run[name] = statistics.median(samples)
    rows.append(("run, linear accumulate, 10^4 seeds", run))

    print(f"{'measurement':38s} {'JAX threefry':>13s} {'batched':>9s} {'ratio':>7s}")
    for what, t in rows:
        print(f"{what:38s} {t['fry']:12.3f}s {t['batched']:8.3f}s {t['fry'] / t['batched']:6.2f}x")


if __name__ == "__main__":
    main()
