"""A synthetic language whose distribution is known exactly: a sparse order-k Markov source with Zipf tails.

Tokens are ``0..V-1``.  The next token depends on the previous ``k`` tokens (the context ``c``); each context
allows ``S`` of the ``V`` tokens, chosen at random, with probabilities proportional to ``r^{-a}`` over their
ranks ``r = 1..S`` (Zipf-like tails: a few likely continuations and a tail of rare ones, which is what a model
trained on its own samples loses first).  Sequences start in the stationary distribution ``pi`` of the chain on
contexts, so every position is stationary, and the entropy rate is exact::

    H = sum_c pi_c * H(P(. | c)) = - sum_c pi_c sum_x P(x | c) log P(x | c)      (nats per token).

For any model ``q`` and any position ``t >= k`` (whose context the sequence contains), the expected test
cross-entropy is ``H + E_c KL(P(. | c) || q(. | x_<t))``: ``H`` is the floor and the excess over it is exactly a
KL divergence, which the language model's evaluation (``kl`` in :mod:`simulations.neural.lm`) also computes
directly (a lower-variance estimate of the same quantity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collapse_theory import _validate
from collapse_theory.errors import InvalidParameterError

__all__ = ["MarkovSource", "make_source", "contexts"]


@dataclass(frozen=True, eq=False)
class MarkovSource:
    """An order-``k`` Markov source over ``V`` tokens.

    Attributes:
        probs: ``(V**k, V)`` next-token probabilities per context (row ``c`` encodes the context
            ``x_{t-k} .. x_{t-1}`` in base ``V``, oldest token most significant).
        stationary: ``(V**k,)`` stationary distribution of the context chain.
    """

    vocab: int
    order: int
    probs: np.ndarray
    stationary: np.ndarray

    @property
    def entropy_rate(self) -> float:
        """``H = -sum_c pi_c sum_x P(x|c) log P(x|c)`` in nats per token."""
        p = self.probs
        logp = np.log(np.where(p > 0, p, 1.0))
        return float(-(self.stationary * (p * logp).sum(axis=1)).sum())

    def sample(self, key, n: int, length: int) -> np.ndarray:
        """``(n, length)`` int32 sequences started in the stationary distribution (``length >= order``)."""
        out = _sample_chain(key, self.stationary, self.probs, n, length, self.vocab, self.order)
        return np.asarray(out, dtype=np.int32)


def _sample_chain(key, stationary, probs, n, length, V, k):
    import jax

    return jax.jit(_chain, static_argnums=(3, 4, 5, 6))(key, stationary, probs, n, length, V, k)


def _chain(key, stationary, probs, n, length, V, k):
    import jax
    import jax.numpy as jnp

    k0, k1 = jax.random.split(key)
    start = jax.random.choice(k0, V**k, shape=(n,), p=stationary)  # (n,) context index
    digits = (start[:, None] // (V ** jnp.arange(k - 1, -1, -1))[None, :]) % V  # (n, k) oldest first
    logp = jnp.log(probs)  # (V**k, V), -inf off the support

    def step(ctx, key_t):
        x = jax.random.categorical(key_t, logp[ctx])  # (n,)
        return (ctx * V) % (V**k) + x, x

    _, rest = jax.lax.scan(step, start, jax.random.split(k1, length - k))  # (length - k, n)
    return jnp.concatenate([digits, rest.T], axis=1)


def contexts(tokens: np.ndarray, vocab: int, order: int) -> np.ndarray:
    """Context index of every position ``t >= order`` of ``(n, L)`` sequences: ``(n, L - order)``."""
    tokens = np.asarray(tokens, dtype=np.int64)
    n, L = tokens.shape
    out = np.zeros((n, L - order), dtype=np.int64)
    for i in range(order):
        out = out * vocab + tokens[:, i:L - order + i]
    return out


def make_source(vocab: int = 16, order: int = 2, support: int = 6, zipf: float = 1.1, *,
                seed: int = 0) -> MarkovSource:
    """Draw the source's structure (which tokens each context allows and in what order) from ``seed``.

    The stationary distribution solves ``pi P = pi, sum pi = 1`` exactly (a linear solve, not power
    iteration); a structure with no unique stationary distribution is rejected.
    """
    vocab = _validate.integer("vocab", vocab, minimum=2)
    order = _validate.integer("order", order)
    support = _validate.integer("support", support)
    zipf = _validate.nonnegative("zipf", zipf)
    if support > vocab:
        raise InvalidParameterError(f"support must be <= vocab ({vocab}), got {support}")
    if vocab**order > 4096:
        raise InvalidParameterError(f"vocab**order must be <= 4096 contexts, got {vocab}**{order}")
    rng = np.random.default_rng(seed)
    C = vocab**order
    weights = np.arange(1, support + 1, dtype=np.float64) ** -zipf
    weights /= weights.sum()
    probs = np.zeros((C, vocab))
    for c in range(C):
        probs[c, rng.permutation(vocab)[:support]] = weights
    # context chain: c -> (c * V) mod V^k + x with probability P(x | c)
    transition = np.zeros((C, C))
    for c in range(C):
        transition[c, (c * vocab) % C + np.arange(vocab)] += probs[c]
    system = transition.T - np.eye(C)
    system[-1] = 1.0
    rhs = np.zeros(C)
    rhs[-1] = 1.0
    try:
        pi = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:
        raise InvalidParameterError(f"source seed {seed} gives a chain without a unique stationary law") from None
    if pi.min() < -1e-10 or np.abs(pi @ transition - pi).max() > 1e-10:
        raise InvalidParameterError(f"source seed {seed} gives a chain without a unique stationary law")
    pi = np.clip(pi, 0.0, None)
    return MarkovSource(vocab, order, probs, pi / pi.sum())
