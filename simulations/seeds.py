"""Streaming a per-seed simulation over many seeds: vmap in chunks, spread over devices, bounded memory.

``run(fn, args, key=key, seeds=S)`` evaluates ``fn(key_s, args) -> {metric: array (n,)}`` for
``key_s = jax.random.split(key, S)[s]``.  Seeds go through in fixed-size chunks (the last one padded, so one
compilation serves every chunk) and the per-chunk moments are merged on the host in float64.  Seed ``s`` sees
the same key whatever the chunk size or the number of devices, so results agree bit for bit across both.

Keys are made per chunk, never all at once, so memory does not grow with ``S``.  With JAX's default
(partitionable) threefry, ``split(key, S)[s]`` is ``threefry2x32(key, (s >> 32, s & 0xffffffff))``, a function
of ``s`` alone: :func:`chunk_keys` evaluates it on the chunk's indices only, bit for bit the same keys.

Several devices: the chunk is cut into one block per device, and each block goes to its device as a separate
call of the same single-device program (dispatch is asynchronous, so the devices still run at once); the
blocks are joined on the host.  One program spanning the devices (``jit`` with a seed sharding, or
``jax.shard_map``) hung in jax 0.10.2 with 2 forced host devices on 2 cores once a chunk held 500 seeds (400
ran): both devices' halves of one executable then share XLA's intra-op (Eigen) thread pool, and with
``--xla_cpu_multi_thread_eigen=false`` the same program finishes.  The ``jit`` sharding also turns the
``while`` loops of the rejection samplers (``jax.random.gamma`` in the chi-square draws) into loops whose
stopping test is an ``all-reduce`` over devices on every trip.  Separate per-device calls have neither
problem, and each seed's computation is then the same program on one device or several.

``args`` is a pytree of arrays passed as traced arguments: changing sigma^2 or the key never recompiles, only
a change of shapes or of ``fn`` does.  :func:`key_from_seed` maps an integer seed in ``[0, 2**64)`` to its key.
"""

from __future__ import annotations

import functools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from collapse_theory.errors import InvalidParameterError

from . import threefry
from .result import Moments, Result

__all__ = ["run", "chunk_size", "draws", "merge_chunk", "key_from_seed", "chunk_keys", "DEFAULT_CHUNK", "MIN_CHUNK",
           "MAX_SEED", "MAX_SEEDS"]

DEFAULT_CHUNK = 4096
#: The smallest default chunk: runs of a few seeds share one compiled program.
MIN_CHUNK = 8
MAX_SEED = 2**64 - 1
#: Counts stay exact in float64 below 2**53; the seed index is a 64-bit threefry counter.
MAX_SEEDS = 2**53
#: Without partitionable threefry, split keys are materialised: at most this many (128 MiB).
_MATERIALISED = 2**24


def key_from_seed(seed: int):
    """The ``jax.random`` key of an integer seed in ``[0, 2**64 - 1]``, using all 64 bits.

    Threefry keys are two 32-bit words; the seed is ``(hi, lo) = (seed >> 32, seed & 0xffffffff)``, which is
    what ``jax.random.key(seed)`` builds from a 64-bit seed.  So seeds below ``2**32`` keep the key
    ``jax.random.key(seed)`` (and every earlier result), and seeds ``0`` and ``2**32`` differ.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise InvalidParameterError(f"seed must be an integer in [0, 2**64 - 1], got {seed!r}")
    seed = int(seed)
    hi, lo = seed >> 32, seed & 0xFFFFFFFF
    if str(jax.config.jax_default_prng_impl) == "threefry2x32":
        return jax.random.wrap_key_data(np.array([hi, lo], dtype=np.uint32), impl="threefry2x32")
    key = jax.random.key(lo)  # another generator: keep its own seeding, and fold the high word in
    return jax.random.fold_in(key, hi) if hi else key


def _threefry_words(key):
    """``(words (2,) uint32, typed)`` of a threefry key, or None for any other generator."""
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if str(jax.random.key_impl(key)) != "threefry2x32":
            return None
        return jax.random.key_data(key), True
    if str(jax.config.jax_default_prng_impl) != "threefry2x32":
        return None
    return jnp.asarray(key, dtype=jnp.uint32), False


@functools.partial(jax.jit, static_argnames="typed")
def _threefry_slice(words, hi, lo, typed: bool):
    from jax.extend.random import threefry2x32_p

    bits1, bits2 = threefry2x32_p.bind(words[0], words[1], hi, lo)
    data = jnp.stack([bits1, bits2], axis=-1)
    return jax.random.wrap_key_data(data, impl="threefry2x32") if typed else data


def chunk_keys(key, seeds: int, start: int, size: int):
    """``jax.random.split(key, seeds)[start:start + size]`` without the other keys (indices past ``seeds``
    give further keys of the same stream, used as padding)."""
    if jax.config.jax_threefry_partitionable and (found := _threefry_words(key)) is not None:
        words, typed = found
        index = np.uint64(start) + np.arange(size, dtype=np.uint64)
        hi = (index >> np.uint64(32)).astype(np.uint32)
        lo = (index & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        return _threefry_slice(words, hi, lo, typed)
    if seeds > _MATERIALISED:
        raise InvalidParameterError(
            f"seeds must be <= {_MATERIALISED} with this random generator (its keys are split all at once); "
            f"got {seeds}")
    block = jax.random.split(key, seeds)[start:start + size]
    pad = size - block.shape[0]
    return jnp.concatenate([block, jnp.repeat(block[-1:], pad, axis=0)]) if pad else block


def chunk_size(seeds: int, *, per_seed: float = 0.0, budget: float = 2.5e7) -> int:
    """The default number of seeds per vmapped call: a power of two.

    The smallest power of two ``>= seeds`` (at least :data:`MIN_CHUNK`), at most :data:`DEFAULT_CHUNK` and at
    most ``budget / per_seed`` (rounded down to a power of two) when a seed holds ``per_seed`` numbers.  A
    chunk's shape is part of the compiled program, so rounding to powers of two lets runs of different sizes
    share one compilation (1000 and 1024 seeds, or 2 and 8), at the price of at most doubling the padded work
    of a run's last chunk.  The results do not depend on the chunk (each seed's key is fixed).
    """
    cap = DEFAULT_CHUNK
    if per_seed > 0:
        cap = min(cap, max(1, int(budget // per_seed)))
    cap = 1 << (cap.bit_length() - 1)
    want = max(MIN_CHUNK, 1 << max(int(seeds) - 1, 0).bit_length())
    return min(cap, want)


def draws():
    """The scope the per-seed programs are traced and run in: threefry's non-partitionable lowering.

    Keys (:func:`chunk_keys`, :func:`key_from_seed`) are made outside it, with JAX's default.  Inside, each
    seed's draws are the classic threefry stream of its key: the same numbers whatever the batch or the device
    (every program is vmapped over keys and runs on one device).  Its XLA compilation is faster: a vmapped
    normal draw of 500 x 100 x 10 compiles 4x faster than under the partitionable lowering, a whole simulator
    20-40% faster (linear accumulate 10.8 s -> 8.8 s, accumulate-subsample 10.5 s -> 6.4 s, on 2 cores).  A
    scoped setting, like the precision's: the caller's configuration is left alone.
    """
    return jax.threefry_partitionable(False)


@functools.lru_cache(maxsize=None)
def _compiled(fn: Callable, devices: int):
    """The single-device program of ``fn`` over a block of seeds, the same whatever ``devices`` is (it is
    part of the cache key only, so a run on ``devices`` devices finds its compilations)."""
    return jax.jit(jax.vmap(fn, in_axes=(0, None)))


def _evaluate(compiled, keys, devices):
    """``compiled(keys, args)`` with the seed axis cut into one block per device (``devices``: pairs of a
    device and its copy of ``args``); every block is dispatched before any is read, so the devices overlap."""
    per = keys.shape[0] // len(devices)
    outs = [compiled(jax.device_put(keys[i * per:(i + 1) * per], device), local)
            for i, (device, local) in enumerate(devices)]
    return {metric: np.concatenate([np.asarray(out[metric]) for out in outs]) for metric in outs[0]}


def merge_chunk(moments: dict, out, *, start: int, size: int, kept: dict | None = None) -> None:
    """Fold one chunk's ``{metric: (chunk, n)}`` into ``moments`` (its first ``size`` rows; the rest is padding).

    Non-finite values raise ``FloatingPointError`` naming the seeds; ``kept`` collects the raw values if given.
    """
    for metric, values in out.items():
        values = np.asarray(values, dtype=np.float64)[:size]
        if not np.all(np.isfinite(values)):
            raise FloatingPointError(f"non-finite {metric} in seeds {start}..{start + size - 1}")
        step = Moments.of(values)
        moments[metric] = moments[metric].merge(step) if metric in moments else step
        if kept is not None:
            kept.setdefault(metric, []).append(values)


def run(fn: Callable, args, *, key, seeds: int, chunk: int | None = None, keep_values: bool = False,
        progress: bool = False, description: str = "seeds", config=None) -> Result:
    """Run ``fn`` for ``seeds`` seeds and return the per-iteration :class:`Result`.

    Args:
        fn: pure ``(key, args) -> {metric: array (n,)}``; must be hashable (a module-level function or a
            cached closure) so its compilation is reused.
        args: pytree of arrays, traced (not baked into the compiled code).
        key: a ``jax.random`` key; seed ``s`` uses ``jax.random.split(key, seeds)[s]``.
        seeds: number of seeds, ``1 <= seeds <= 2**53``; memory does not grow with it (unless ``keep_values``).
        chunk: seeds per vmapped call (default :func:`chunk_size`), rounded up to the device count.
        keep_values: also return the raw ``(seeds, n)`` values (memory grows with ``seeds``).
        progress: show a tqdm bar on stderr.
    """
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer, float)) or int(seeds) != seeds \
            or not 1 <= seeds <= MAX_SEEDS:
        raise InvalidParameterError(f"seeds must be an integer in [1, 2**53], got {seeds!r}")
    seeds = int(seeds)
    devices = jax.devices()
    chunk = chunk_size(seeds) if chunk is None else int(chunk)
    chunk = -(-chunk // len(devices)) * len(devices)
    compiled = _compiled(fn, len(devices))
    placed = [(device, jax.device_put(args, device)) for device in devices] if len(devices) > 1 else None
    moments, kept = {}, {}
    starts = range(0, seeds, chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=description, unit="chunk", leave=False)
    for start in starts:
        size = min(chunk, seeds - start)  # the padding keys' results are discarded
        keys = threefry.adopt(chunk_keys(key, seeds, start, chunk))
        with draws():
            out = _evaluate(compiled, keys, placed) if placed else compiled(keys, args)
        merge_chunk(moments, out, start=start, size=size, kept=kept if keep_values else None)
    values = {m: np.concatenate(v) for m, v in kept.items()} if keep_values else None
    return Result.from_moments(moments, values=values, config=config)
