"""Semi-analytic accumulate-subsample against the plain Monte Carlo, at equal CPU time (issue 14).

Both estimate linear-regression ``E_test(g)``, ``g = 1..n``, for accumulate-subsample at d = 10, T = 100,
B in {30, 100, 300}: the plain Monte Carlo (:func:`simulations.linear_regression.simulate`, the pool engine,
every label drawn) and :func:`simulations.subsample_semi.simulate` (label noise integrated out exactly, subsets
and design drawn).  Each is run once to compile, then timed on a fresh key; CPU time is the process's (every
thread).  The figure of merit is the standard error at equal CPU time, ``se * sqrt(cpu seconds)`` (the SE of
one CPU second's worth of seeds), per iteration; the report gives the median and the worst ratio over
iterations.  ``python -m benchmarks.bench_subsample_semi [n] [plain seeds] [semi seeds]``.
"""

from __future__ import annotations

import sys
import time

import jax
import numpy as np

D, T, BUDGETS = 10, 100, (30, 100, 300)


def _timed(fn, key):
    fn(jax.random.key(99))                                                    # compile (same shapes)
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(key)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def measure(B: int, n: int, plain_seeds: int, semi_seeds: int) -> dict:
    import collapse_theory as ct
    from simulations import linear_regression, subsample_semi

    regime = ct.accumulate_subsample(B)
    plain, plain_wall, plain_cpu = _timed(
        lambda k: linear_regression.simulate(regime, n, key=k, seeds=plain_seeds, d=D, T=T), jax.random.key(1))
    semi, semi_wall, semi_cpu = _timed(
        lambda k: subsample_semi.simulate(regime, n, key=k, seeds=semi_seeds, d=D, T=T), jax.random.key(2))
    se_p, se_s = plain.se["test_error"], semi.se["test_error"]
    # iterations where the semi-analytic SE is exactly 0 (n = 1, B >= T: the value is exact) are left out of the ratio
    live = se_s > 0
    ratio = se_p[live] * np.sqrt(plain_cpu) / (se_s[live] * np.sqrt(semi_cpu))
    z = (plain.mean["test_error"] - semi.mean["test_error"]) / np.hypot(se_p, se_s)
    return {"B": B, "n": n, "plain_seeds": plain_seeds, "semi_seeds": semi_seeds,
            "plain_cpu": plain_cpu, "semi_cpu": semi_cpu, "plain_wall": plain_wall, "semi_wall": semi_wall,
            "plain_se_last": float(se_p[-1]), "semi_se_last": float(se_s[-1]),
            "plain_mean_last": float(plain.mean["test_error"][-1]), "semi_mean_last": float(semi.mean["test_error"][-1]),
            "ratio_median": float(np.median(ratio)), "ratio_min": float(ratio.min()), "max_abs_z": float(np.abs(z).max())}


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    n, plain_seeds, semi_seeds = (int(a) for a in (list(argv) + ["20", "400", "100"][len(argv):]))
    print(f"d={D} T={T} n={n}: SE at equal CPU time, plain / semi-analytic (>1: semi-analytic better)")
    for B in BUDGETS:
        m = measure(B, n, plain_seeds, semi_seeds)
        print(f"B={B:4d} plain {m['plain_seeds']} seeds {m['plain_cpu']:.2f} s cpu ({m['plain_wall']:.2f} s wall) "
              f"se(n)={m['plain_se_last']:.2e} | semi {m['semi_seeds']} seeds {m['semi_cpu']:.2f} s cpu "
              f"({m['semi_wall']:.2f} s wall) se(n)={m['semi_se_last']:.2e} | ratio median {m['ratio_median']:.1f} "
              f"worst {m['ratio_min']:.1f} | max|z| {m['max_abs_z']:.2f}", flush=True)


if __name__ == "__main__":
    main()
