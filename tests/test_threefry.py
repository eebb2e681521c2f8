"""simulations.threefry: JAX's threefry numbers, bit for bit, under vmap (once and nested) and unbatched."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from simulations.seeds import draws
from simulations.threefry import IMPL, adopt

DRAWS = {
    "normal": lambda k: jax.random.normal(k, (7,)),
    "uniform": lambda k: jax.random.uniform(k, (3, 4)),
    "normal-f32": lambda k: jax.random.normal(k, (5,), dtype=jnp.float32),
    "split": lambda k: jax.random.key_data(jax.random.split(k, 3)),
    "fold_in": lambda k: jax.random.key_data(jax.random.fold_in(k, 2**31 + 7)),
    "randint": lambda k: jax.random.randint(k, (9,), 0, 1000),
    "permutation": lambda k: jax.random.permutation(k, 11),
    "choice": lambda k: jax.random.choice(k, 50, (6,), replace=False),
    **{f"bits{w}": (lambda w: lambda k: jax.random.bits(k, (3, 5), dtype=getattr(jnp, f"uint{w}")))(w)
       for w in (8, 16, 32, 64)},
}


def _keys(seed, n):
    return jax.random.split(jax.random.key(seed), n)


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_vmapped_draws_equal_jax_threefry(name):
    draw = DRAWS[name]
    keys = _keys(3, 6)
    with draws():
        expected = np.asarray(jax.jit(jax.vmap(draw))(keys))
        got = np.asarray(jax.jit(jax.vmap(draw))(adopt(keys)))
        nested = np.asarray(jax.jit(jax.vmap(jax.vmap(draw)))(adopt(keys).reshape(2, 3)))
        single = np.asarray(draw(adopt(keys)[4]))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(nested.reshape(expected.shape), expected)
    np.testing.assert_array_equal(single, expected[4])


@pytest.mark.parametrize("seed", [0, 1, 2**32 + 5, 2**63 - 1, -1])
def test_seeding_and_scan_of_fold_ins_equal_jax_threefry(seed):
    assert np.array_equal(jax.random.key_data(jax.random.key(seed, impl=IMPL)),
                          jax.random.key_data(jax.random.key(seed)))

    def path(key):  # the simulators' pattern: one fold_in per generation inside a scan
        def step(total, g):
            return total + jax.random.normal(jax.random.fold_in(key, g), (4,)), None
        return jax.lax.scan(step, jnp.zeros(4), jnp.arange(5))[0]

    keys = _keys(seed % 2**32, 4)
    with draws():
        np.testing.assert_array_equal(jax.jit(jax.vmap(path))(adopt(keys)), jax.jit(jax.vmap(path))(keys))


def test_adopt_takes_threefry_keys_typed_or_raw_and_leaves_other_generators_alone():
    typed = _keys(0, 3)
    assert str(jax.random.key_impl(adopt(typed))) == str(jax.random.key_impl(jax.random.key(0, impl=IMPL)))
    raw = jax.random.key_data(typed)
    np.testing.assert_array_equal(jax.random.key_data(adopt(raw)), raw)
    rbg = jax.random.split(jax.random.key(0, impl="rbg"), 3)
    assert adopt(rbg) is rbg
    ints = jnp.arange(6).reshape(3, 2)  # not uint32: not a key
    assert adopt(ints) is ints
