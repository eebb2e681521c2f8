"""Streaming a per-seed simulation over many seeds: vmap in chunks, sharded over devices, bounded memory.

``run(fn, args, key=key, seeds=S)`` evaluates ``fn(key_s, args) -> {metric: array (n,)}`` for
``key_s = jax.random.split(key, S)[s]``.  Seeds go through in fixed-size chunks (the last one padded, so one
compilation serves every chunk), each chunk's seed axis is sharded over all JAX devices, and the per-chunk
moments are merged on the host in float64.  Seed ``s`` sees the same key whatever the chunk size or the
number of devices, so results agree bit for bit across both.

``args`` is a pytree of arrays passed as traced arguments: changing sigma^2 or the key never recompiles, only
a change of shapes or of ``fn`` does.

On a CPU, keep the default single device: XLA already spreads one device's work over every core, and splitting
the host into several devices (``XLA_FLAGS=--xla_force_host_platform_device_count=K``) gains nothing.  With as
many forced devices as cores it can also hang: with 2 devices on 2 cores, jax 0.10.2 never returned once a chunk
held 500 seeds (400 ran).  Several forced CPU devices serve only to test the sharding, on small chunks.
"""

from __future__ import annotations

import functools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .result import Moments, Result

__all__ = ["run", "DEFAULT_CHUNK"]

DEFAULT_CHUNK = 4096


@functools.lru_cache(maxsize=None)
def _compiled(fn: Callable, devices: int):
    batched = jax.vmap(fn, in_axes=(0, None))
    if devices == 1:
        return jax.jit(batched)
    mesh = jax.sharding.Mesh(np.array(jax.devices()), ("seeds",))
    seeds = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("seeds"))
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    return jax.jit(batched, in_shardings=(seeds, replicated), out_shardings=seeds)


def run(fn: Callable, args, *, key, seeds: int, chunk: int | None = None, keep_values: bool = False,
        progress: bool = False, description: str = "seeds", config=None) -> Result:
    """Run ``fn`` for ``seeds`` seeds and return the per-iteration :class:`Result`.

    Args:
        fn: pure ``(key, args) -> {metric: array (n,)}``; must be hashable (a module-level function or a
            cached closure) so its compilation is reused.
        args: pytree of arrays, traced (not baked into the compiled code).
        key: a ``jax.random`` key; seed ``s`` uses ``jax.random.split(key, seeds)[s]``.
        seeds: number of seeds, >= 1.
        chunk: seeds per vmapped call (default ``min(seeds, 4096)``, rounded up to the device count).
        keep_values: also return the raw ``(seeds, n)`` values (memory grows with ``seeds``).
        progress: show a tqdm bar on stderr.
    """
    if isinstance(seeds, bool) or int(seeds) != seeds or seeds < 1:
        from collapse_theory.errors import InvalidParameterError

        raise InvalidParameterError(f"seeds must be an integer >= 1, got {seeds!r}")
    seeds = int(seeds)
    devices = jax.device_count()
    chunk = min(seeds, DEFAULT_CHUNK) if chunk is None else int(chunk)
    chunk = -(-chunk // devices) * devices
    compiled = _compiled(fn, devices)
    keys = jax.random.split(key, seeds)
    moments, kept = {}, {}
    starts = range(0, seeds, chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=description, unit="chunk", leave=False)
    for start in starts:
        block = keys[start:start + chunk]
        size = block.shape[0]
        if size < chunk:  # pad with repeats so the compiled shape never changes; padding is discarded
            block = jnp.concatenate([block, jnp.repeat(block[-1:], chunk - size, axis=0)])
        out = compiled(block, args)
        for metric, values in out.items():
            values = np.asarray(values, dtype=np.float64)[:size]
            if not np.all(np.isfinite(values)):
                raise FloatingPointError(f"non-finite {metric} in seeds {start}..{start + size - 1}")
            step = Moments.of(values)
            moments[metric] = moments[metric].merge(step) if metric in moments else step
            if keep_values:
                kept.setdefault(metric, []).append(values)
    values = {m: np.concatenate(v) for m, v in kept.items()} if keep_values else None
    return Result.from_moments(moments, values=values, config=config)
