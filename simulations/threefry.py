"""Threefry-2x32 keys whose vmapped draws compile fast: the same numbers as JAX's threefry, another lowering.

Every simulator is ``jax.vmap``-ed over seeds, so each of its draws (``normal``, ``uniform``, ``split``,
``fold_in``) becomes a threefry hash of a batch of keys.  On CPU JAX lowers that hash as a five-trip loop whose
key operands enter as ``(seeds, 1)`` broadcasts, and XLA's CPU backend takes seconds to compile such a loop (a
vmapped draw of 10 normals over 512 seeds: 1.3 s, against 0.2 s for one key's 5120 normals, on 2 cores).
:data:`IMPL` is a PRNG implementation (``jax.extend.random``) with JAX's threefry seeding, splitting, folding
and bit layout (the classic, non-partitionable one that :func:`simulations.seeds.draws` selects), whose hash
is the same 20 rounds written out in ``jax.numpy``: under ``vmap`` it is one elementwise fusion with
broadcasting, which compiles 4-5x faster and runs faster than the loop (``benchmarks/bench_threefry.py``: the
linear engine compiles 1.8x faster and runs 1.1x faster).

The bits are JAX's own, so every stream is unchanged: ``normal``, ``uniform``, ``bits``, ``randint``, ``split``
and ``fold_in`` of a key give the same numbers under either implementation (``tests/test_threefry.py``).
Values computed from them by floating-point code compiled in another fusion may differ in the last bit.

:func:`adopt` turns threefry keys (typed, or raw ``uint32`` pairs) into keys of :data:`IMPL`; keys of any other
generator pass through unchanged.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.extend.random import define_prng_impl

__all__ = ["IMPL", "adopt"]


#: Threefry-2x32's rotation constants, for rounds 0-3 and 4-7 of each group of eight.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _hash(k1, k2, x1, x2):
    """The threefry-2x32 hash (20 rounds) of counters ``(x1, x2)`` under key words ``(k1, k2)``, elementwise with
    broadcasting: the rounds written out in ``jax.numpy``, one fusion for XLA whatever the batching."""
    keys = (k1, k2, k1 ^ k2 ^ np.uint32(0x1BD11BDA))
    a, b = x1 + keys[0], x2 + keys[1]
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            a = a + b
            b = a ^ ((b << np.uint32(r)) | (b >> np.uint32(32 - r)))
        a = a + keys[(group + 1) % 3]
        b = b + keys[(group + 2) % 3] + np.uint32(group + 1)
    return a, b


def _threefry_2x32(key, count):
    """``jax.extend.random.threefry_2x32``: counters split in halves, hashed pairwise, joined."""
    flat = count.ravel()
    if flat.shape[0] % 2:
        flat = jnp.concatenate([flat, jnp.zeros((1,), np.uint32)])
    half = flat.shape[0] // 2
    out1, out2 = _hash(key[0], key[1], flat[:half], flat[half:])
    return lax.reshape(jnp.concatenate([out1, out2])[:count.size], count.shape)


def _seed(seed):
    """JAX's threefry seeding of an integer scalar: its high and low 32-bit words."""
    seed = jnp.asarray(seed)
    if jnp.dtype(seed.dtype).itemsize <= 4:
        return jnp.stack([jnp.zeros((), np.uint32), lax.convert_element_type(seed, np.uint32)])
    high = lax.shift_right_logical(seed, jnp.asarray(32, seed.dtype))
    low = lax.bitwise_and(seed, jnp.asarray(0xFFFFFFFF, seed.dtype))
    return jnp.stack([lax.convert_element_type(high, np.uint32), lax.convert_element_type(low, np.uint32)])


def _split(key, shape):
    num = math.prod(shape)
    return lax.reshape(_threefry_2x32(key, lax.iota(np.uint32, num * 2)), (*shape, 2))


def _fold_in(key, data):
    return _threefry_2x32(key, _seed(jnp.asarray(data, dtype=np.uint32)))


def _random_bits(key, bit_width, shape):
    if bit_width not in (8, 16, 32, 64):
        raise TypeError("requires 8-, 16-, 32- or 64-bit field width")
    size = math.prod(shape)
    bits = _threefry_2x32(key, lax.iota(np.uint32, -(-bit_width * size // 32)))
    dtype = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[bit_width]
    if bit_width == 64:
        high, low = (lax.convert_element_type(x, dtype) for x in jnp.split(bits, 2))
        bits = lax.shift_left(high, jnp.asarray(32, dtype=dtype)) | low
    elif bit_width < 32:  # JAX's layout: each 32-bit word cut into 32 / bit_width fields, low bits first
        fields = 32 // bit_width
        shifts = np.uint32(bit_width) * lax.iota(np.uint32, fields)
        bits = lax.shift_right_logical(bits[:, None], shifts[None, :]) & np.uint32((1 << bit_width) - 1)
        bits = lax.convert_element_type(bits.reshape(-1)[:size], dtype)
    return lax.reshape(bits, shape)


#: JAX's threefry-2x32 with a hash that keeps vmapped draws cheap to compile (module docstring).
IMPL = define_prng_impl(key_shape=(2,), seed=_seed, split=_split, random_bits=_random_bits, fold_in=_fold_in,
                        name="threefry2x32_batched", tag="fryb")


def adopt(keys):
    """``keys`` as keys of :data:`IMPL` when they are threefry keys (typed, or raw ``uint32`` of trailing size 2,
    as ``jax.random.PRNGKey`` makes them under JAX's default generator); any other keys unchanged."""
    if jnp.issubdtype(keys.dtype, jax.dtypes.prng_key):
        if str(jax.random.key_impl(keys)) != "threefry2x32":
            return keys
        return jax.random.wrap_key_data(jax.random.key_data(keys), impl=IMPL)
    if keys.dtype == np.uint32 and keys.shape[-1:] == (2,) and str(jax.config.jax_default_prng_impl) == "threefry2x32":
        return jax.random.wrap_key_data(keys, impl=IMPL)
    return keys
