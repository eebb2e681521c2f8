"""Several processes (hosts) sharing the seed axis of a simulation, with the bits of one process.

``initialize(coordinator, num_processes, process_id)`` starts ``jax.distributed`` with the CPU collectives (gloo)
so that ``jax.devices()`` lists every process's devices; ``run(fn, args, key=key, seeds=S)`` then evaluates
``fn(key_s, args)`` for ``key_s = jax.random.split(key, S)[s]`` exactly as :func:`simulations.seeds.run` does:
the same keys, the same fixed-size chunks (the last padded), the chunk's seed axis sharded over all devices of
all processes, the per-seed values gathered to every process (``process_allgather``) and merged on the host in
float64 by :class:`~simulations.result.Moments` in chunk order.  Each process computes only its own shard of
every chunk; every process returns the whole :class:`~simulations.result.Result`.  With the same ``chunk`` the
result equals one process's ``seeds.run`` bit for bit (the per-seed values do not depend on how a chunk is
split over devices, and the merge tree is the same).

Launch on several hosts: the same program on every host, each with its own ``process_id``::

    # host 0 (also the coordinator), host 1, ...: the same command with PROCESS_ID = 0, 1, ...
    COORDINATOR=host0:12355 NUM_PROCESSES=2 PROCESS_ID=0 python my_sweep.py

where ``my_sweep.py`` calls ``initialize()`` (which reads those variables) before any other JAX call, then
``run``.  See docs/tutorials/devices.md.
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np

from .result import Result
from .seeds import merge_chunk

__all__ = ["initialize", "run"]


def initialize(coordinator: str | None = None, num_processes: int | None = None, process_id: int | None = None,
               *, timeout_s: int = 60) -> None:
    """``jax.distributed.initialize`` with the CPU collectives; unset arguments come from ``COORDINATOR``,
    ``NUM_PROCESSES`` and ``PROCESS_ID``.  Must run before anything else touches a JAX device."""
    import jax

    coordinator = coordinator or os.environ["COORDINATOR"]
    num_processes = int(num_processes if num_processes is not None else os.environ["NUM_PROCESSES"])
    process_id = int(process_id if process_id is not None else os.environ["PROCESS_ID"])
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes, process_id=process_id,
                               initialization_timeout=timeout_s)


def _compiled(fn: Callable, mesh, impl):
    import jax

    from .threefry import adopt

    def batched(key_data, args):  # typed keys are wrapped inside the program: only uint32 data cross processes
        return jax.vmap(fn, in_axes=(0, None))(adopt(jax.random.wrap_key_data(key_data, impl=impl)), args)

    P = jax.sharding.PartitionSpec
    seeds = jax.sharding.NamedSharding(mesh, P("seeds"))
    keys = jax.sharding.NamedSharding(mesh, P("seeds", None))
    replicated = jax.sharding.NamedSharding(mesh, P())
    return jax.jit(batched, in_shardings=(keys, replicated), out_shardings=seeds), keys


def run(fn: Callable, args, *, key, seeds: int, chunk: int | None = None, config=None) -> Result:
    """:func:`simulations.seeds.run` over every device of every process (module docstring)."""
    import jax
    from jax.experimental import multihost_utils

    from .seeds import chunk_size, draws

    devices = jax.device_count()
    chunk = chunk_size(seeds) if chunk is None else int(chunk)
    chunk = -(-chunk // devices) * devices
    mesh = jax.sharding.Mesh(np.array(jax.devices()), ("seeds",))
    # Every process derives the same keys from `key`, as seeds.run does, and feeds only its own shard.
    keys = np.asarray(jax.random.key_data(jax.random.split(key, seeds)))
    compiled, sharding = _compiled(fn, mesh, jax.random.key_impl(key))
    moments = {}
    for start in range(0, seeds, chunk):
        block = keys[start:start + chunk]
        size = block.shape[0]
        if size < chunk:  # the same padding as seeds.run: repeats of the last key, discarded
            block = np.concatenate([block, np.repeat(block[-1:], chunk - size, axis=0)])
        local = jax.make_array_from_callback(block.shape, sharding, lambda index: block[index])
        with draws():  # the per-seed draws of seeds.run
            out = compiled(local, args)
        gathered = multihost_utils.process_allgather(out, tiled=True) if jax.process_count() > 1 else out
        merge_chunk(moments, gathered, start=start, size=size)
    return Result.from_moments(moments, config=config)
