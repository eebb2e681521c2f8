"""Unit tests of the neural loop's parts: the exact language, the regime plan, the pool, the models, the run dir."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from collapse_theory import regimes
from collapse_theory.errors import InvalidParameterError
from simulations.neural import checkpoint, diffusion, lm, loop, markov
from conftest import assert_agrees


def assert_within_4se(actual, expected, se, what):
    assert_agrees(actual, se, expected, what=what)


# -- the exact language ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source():
    return markov.make_source(8, 2, 4, seed=0)


def test_stationary_law_is_stationary(source):
    V, C = source.vocab, source.vocab**source.order
    pushed = np.zeros(C)
    for c in range(C):
        pushed[(c * V) % C + np.arange(V)] += source.stationary[c] * source.probs[c]
    np.testing.assert_allclose(pushed, source.stationary, atol=1e-12)
    assert source.stationary.min() >= 0 and abs(source.stationary.sum() - 1) < 1e-12
    np.testing.assert_allclose(source.probs.sum(axis=1), 1.0, atol=1e-12)
    assert ((source.probs > 0).sum(axis=1) == 4).all()


@pytest.mark.slow
def test_entropy_rate_matches_sampled_log_loss(source):
    """-log P(x_t | context) over stationary samples averages to H (2,000 sequences of 40 tokens, key 0)."""
    seqs = source.sample(jax.random.PRNGKey(0), 2000, 40)
    ctx = markov.contexts(seqs, source.vocab, source.order)  # (n, 38)
    nll = -np.log(source.probs[ctx, seqs[:, source.order:]]).mean(axis=1)  # per sequence: independent draws
    assert_within_4se(nll.mean(), source.entropy_rate, nll.std(ddof=1) / np.sqrt(len(nll)), "entropy rate")


def test_stationary_start_gives_stationary_first_tokens(source):
    seqs = source.sample(jax.random.PRNGKey(1), 4000, 2)
    first = np.bincount(seqs[:, 0] * source.vocab + seqs[:, 1], minlength=source.vocab**2) / 4000
    se = np.sqrt(source.stationary * (1 - source.stationary) / 4000)
    i = np.argmax(source.stationary)
    assert_within_4se(first[i], source.stationary[i], se[i], "stationary start")


class _Oracle(eqx.Module):
    """A 'model' that predicts with the source's exact conditionals (uniform before the context is full)."""

    probs: jnp.ndarray
    vocab: int = eqx.field(static=True)
    order: int = eqx.field(static=True)

    def log_probs(self, seq):
        L, V, k = seq.shape[0], self.vocab, self.order
        ctx = jnp.zeros((L - k,), dtype=seq.dtype)
        for i in range(k):
            ctx = ctx * V + seq[i:L - k + i]
        head = jnp.full((k, V), -jnp.log(V))
        return jnp.concatenate([head, jnp.log(self.probs[ctx])], axis=0)


@pytest.mark.slow
def test_exact_model_has_zero_kl_and_entropy_rate_loss(source):
    seqs = source.sample(jax.random.PRNGKey(2), 1000, 24)
    oracle = _Oracle(jnp.asarray(source.probs), source.vocab, source.order)
    evaluate = eqx.filter_jit(lm._markov_evaluate(source.probs, source.order, source.entropy_rate))
    out = evaluate(oracle, jnp.asarray(seqs))
    assert abs(float(out["kl"])) < 1e-12
    ctx = markov.contexts(seqs, source.vocab, source.order)
    per_seq = -np.log(source.probs[ctx, seqs[:, 2:]]).mean(axis=1)
    se = per_seq.std(ddof=1) / np.sqrt(len(per_seq))
    assert abs(float(out["test_loss"]) - per_seq.mean()) < 1e-10
    assert_within_4se(float(out["test_loss"]), source.entropy_rate, se, "oracle cross-entropy")
    assert abs(float(out["excess"]) - (float(out["test_loss"]) - source.entropy_rate)) < 1e-12


def test_make_source_rejects_bad_structure():
    with pytest.raises(InvalidParameterError, match="support"):
        markov.make_source(4, 2, 5)


# -- the regime plan and the weighted pool ---------------------------------------------------------------------


def test_plan_weights_and_sizes():
    p = loop.plan(regimes.replace(), 3, 10)
    assert p.weights == {1: {1: 1.0}, 2: {2: 1.0}, 3: {3: 1.0}} and p.capacity == 10
    p = loop.plan(regimes.accumulate(), 3, 10)
    assert p.weights[3] == pytest.approx({1: 1 / 3, 2: 1 / 3, 3: 1 / 3}) and p.capacity == 30
    p = loop.plan(regimes.replace_multiple(), 3, 10)
    assert [p.sizes[g] for g in (1, 2, 3, 4)] == [10, 20, 30, 40] and p.capacity == 30
    p = loop.plan(regimes.mix(0.3), 3, 10)
    assert p.weights[3] == pytest.approx({1: 0.3, 3: 0.7}) and p.capacity == 20
    p = loop.plan(regimes.accumulate_subsample(15), 3, 10)
    assert p.capacity == 15 and p.pool_size(1) == 10
    with pytest.raises(InvalidParameterError, match="fresh real data"):
        loop.plan(regimes.fresh_real(0.5), 3, 10)


def test_pool_draws_follow_regime_weights_and_never_padding():
    """mix(0.3) at iteration 3: 20,000 draws, the real share is 0.3 within 4 SE; no draw lands in padding."""
    p = loop.plan(regimes.mix(0.3), 4, 50)
    gens = {1: np.zeros((50, 1)), 2: np.ones((50, 1)), 3: np.full((50, 1), 2.0)}
    pool, cdf, size = loop._pool(p, 3, gens, jax.random.PRNGKey(0), gens[1])
    assert size == 100 and pool.shape == (p.capacity, 1)
    u = jax.random.uniform(jax.random.PRNGKey(3), (20000,))
    idx = np.asarray(jnp.searchsorted(jnp.asarray(cdf), u, side="right"))
    assert idx.max() < size
    drawn = pool[idx, 0]
    share = float((drawn == 0).mean())
    assert_within_4se(share, 0.3, np.sqrt(0.3 * 0.7 / 20000), "real share under mix(0.3)")
    assert set(np.unique(drawn)) == {0.0, 2.0}  # generation 2 has weight 0 at iteration 3


def test_subsample_pool_is_a_subset_of_budget_size():
    p = loop.plan(regimes.accumulate_subsample(30), 3, 20)
    gens = {g: np.arange(20.0)[:, None] + 100 * g for g in (1, 2, 3)}
    pool, cdf, size = loop._pool(p, 3, gens, jax.random.PRNGKey(0), gens[1])
    assert size == 30 and len(np.unique(pool[:, 0])) == 30
    assert np.isin(pool[:, 0], np.concatenate([gens[g][:, 0] for g in (1, 2, 3)])).all()


# -- the models ------------------------------------------------------------------------------------------------


def test_diffusion_schedule():
    beta, alpha, abar = diffusion.schedule(50)
    assert (np.diff(abar) < 0).all() and 0 < abar[-1] < abar[0] < 1 and beta.max() <= 0.999
    np.testing.assert_allclose(abar, np.cumprod(1 - beta), rtol=1e-12)


# -- the run directory -----------------------------------------------------------------------------------------


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    checkpoint.atomic_write_bytes(tmp_path / "a" / "f.json", b"1")
    checkpoint.atomic_write_bytes(tmp_path / "a" / "f.json", b"2")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["f.json"]
    assert (tmp_path / "a" / "f.json").read_bytes() == b"2"


def test_run_dir_refuses_foreign_or_different_runs(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(InvalidParameterError, match="no config.json"):
        checkpoint.RunDir(foreign).claim({"kind": "vae"})
    assert (foreign / "notes.txt").read_text() == "keep me"
    rd = checkpoint.RunDir(tmp_path / "run")
    rd.claim({"kind": "vae", "seed": 0})
    rd.claim({"kind": "vae", "seed": 0})  # same settings: resumes
    with pytest.raises(InvalidParameterError, match="seed"):
        rd.claim({"kind": "vae", "seed": 1})
    state = (jnp.arange(3.0), jnp.asarray(7))
    rd.write_state(1, state)
    back = rd.read_state(1, (jnp.zeros(3), jnp.asarray(0)))
    np.testing.assert_array_equal(np.asarray(back[0]), np.arange(3.0))
    assert int(back[1]) == 7


@pytest.mark.slow
def test_transformer_is_causal_and_cached_decoding_matches_the_full_pass():
    """Step-by-step decoding with the key/value cache gives the full forward pass's log-probabilities."""
    model = eqx.filter_jit(lambda k: lm.GPT(5, 8, 2, 2, 16, key=k))(jax.random.PRNGKey(0))
    seq = jnp.array([3, 1, 4, 1, 0, 2, 2, 4], dtype=jnp.int32)

    @eqx.filter_jit
    def stepwise(model, seq):
        inputs = jnp.concatenate([jnp.array([model.vocab], dtype=seq.dtype), seq[:-1]])

        def body(caches, t):
            logits, caches = model.step(inputs[t], t, caches)
            return caches, jax.nn.log_softmax(logits)

        return jax.lax.scan(body, model.init_cache(jnp.float64), jnp.arange(8))[1]

    log_probs = eqx.filter_jit(lambda m, s: m.log_probs(s))
    full = log_probs(model, seq)
    np.testing.assert_allclose(np.asarray(stepwise(model, seq)), np.asarray(full), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.exp(np.asarray(full)).sum(axis=1), 1.0, rtol=1e-12)
    changed = log_probs(model, seq.at[5].set(4))  # causal: row t sees x_<t only
    np.testing.assert_array_equal(np.asarray(full[:6]), np.asarray(changed[:6]))
    assert not np.allclose(np.asarray(full[6:]), np.asarray(changed[6:]))
    greedy = np.asarray(eqx.filter_jit(lm._sample)(model, jax.random.PRNGKey(1), 4, 0.0))
    assert greedy.shape == (4, 8) and (greedy == greedy[0]).all()
