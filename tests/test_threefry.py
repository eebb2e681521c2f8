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
    **{f"bits{w}": (lambda w: lambda k: jax.random.bits(k, (3, 5), dtype=getattr(jnp, f"uint{w}")))(w)
       for w in (8, 16, 32, 64)},
}


def _keys(seed, n):
    return jax.random.split(jax.random.key(seed), n)


def _all_draws(key):
    return {name: draw(key) for name, draw in DRAWS.items()}


def test_vmapped_draws_equal_jax_threefry():
    """Every kind of draw, vmapped once and twice and unbatched: the same bits as JAX's threefry (unbatched,
    one key at a time, which is what JAX's vmapped draws equal)."""
    keys = _keys(3, 6)
    with draws():
        one = jax.jit(_all_draws)
        per_key = [one(k) for k in keys]
        expected = {name: np.stack([np.asarray(p[name]) for p in per_key]) for name in DRAWS}
        got = jax.jit(jax.vmap(_all_draws))(adopt(keys))
        nested = jax.jit(jax.vmap(jax.vmap(_all_draws)))(adopt(keys).reshape(2, 3))
        single = one(adopt(keys)[4])
    for name in DRAWS:
        want = np.asarray(expected[name])
        np.testing.assert_array_equal(got[name], want, err_msg=name)
        np.testing.assert_array_equal(np.asarray(nested[name]).reshape(want.shape), want, err_msg=name)
        np.testing.assert_array_equal(single[name], want[4], err_msg=name)


@pytest.mark.parametrize("seed", [0, 1, 2**32 + 5, 2**63 - 1, -1])
def test_seeding_equals_jax_threefry(seed):
    assert np.array_equal(jax.random.key_data(jax.random.key(seed, impl=IMPL)),
                          jax.random.key_data(jax.random.key(seed)))


def test_a_scan_of_fold_ins_equals_jax_threefry():

    def path(key):  # the simulators' pattern: one fold_in per generation inside a scan
        def step(total, g):
            return total + jax.random.normal(jax.random.fold_in(key, g), (4,)), None
        return jax.lax.scan(step, jnp.zeros(4), jnp.arange(5))[0]

    keys = _keys(7, 4)
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
