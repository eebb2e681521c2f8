"""A sweep of the accumulate Monte Carlo over T and sigma^2, its seeds sharded over every JAX device.

Run it as it is (one CPU device), then with the host CPU split into two devices::

    XLA_FLAGS=--xla_force_host_platform_device_count=2 python docs/examples/sweep.py

:func:`simulations.seeds.run` gives seed ``s`` the key ``split(key, seeds)[s]`` however the seeds are chunked and
sharded, so both runs print the same numbers; on a machine with GPUs JAX uses them without any change here.
"""

import jax

jax.config.update("jax_enable_x64", True)

import collapse_theory as ct  # noqa: E402
from simulations import linear_regression as sim  # noqa: E402

N, D, SEEDS = 5, 8, 512


def main():
    regime = ct.accumulate()
    # "projected" draws the noise X^T E in d dimensions (the same law as T label draws); T is a shape there,
    # so one T and several sigma^2 (a traced argument) cost one compilation.
    grid = sim.simulate_grid(regime, N, key=jax.random.key(0), seeds=SEEDS, d=D, Ts=(40,), sigma2s=(0.5, 1.0, 2.0),
                             sampling="projected")
    print(f"devices: {jax.device_count()}")
    for (T, sigma2), result in grid.items():
        theory = ct.linear_regression.test_error(regime, N, d=D, T=T, sigma2=sigma2)
        agrees = result.max_abs_z(theory) <= 4  # |mean - theory| <= 4 standard errors at every iteration
        print(f"T={T} sigma2={sigma2}: theory at n={N} {theory[-1]:.6f}, Monte Carlo agrees within 4 SE: {agrees}")


if __name__ == "__main__":
    main()
