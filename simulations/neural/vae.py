"""A variational autoencoder on scikit-learn's 8x8 handwritten digits (the paper's VAE experiment, §2).

Encoder ``q(z | x) = N(mu(x), diag exp(logvar(x)))`` and decoder ``p(x | z) = N(m(z), s^2 I)`` with mean
``m(z) = sigmoid(decoder(z))`` in [0, 1] and a fixed pixel scale ``s = PIXEL_SCALE``; the prior is ``N(0, I)``.
Per image of ``F = 64`` pixels::

    -ELBO(x) = E_{q(z|x)}[ ||x - m(z)||^2 / (2 s^2) ] + (F/2) log(2 pi s^2) + KL(q(z | x) || N(0, I)),
    KL = 1/2 sum_j (mu_j^2 + exp(logvar_j) - 1 - logvar_j).

A fixed, small ``s`` keeps the reconstruction term large against the KL term, so the model does not fall into
posterior collapse (a decoder that ignores ``z`` and draws the mean digit), which a Bernoulli likelihood on
grey levels invites on data this small.  Metrics on the held-out digits: ``test_loss`` = -ELBO per image
(nats; the expectation by 4 draws of ``z`` from a fixed key, the same at every iteration) and ``recon_error`` =
mean squared error per pixel of ``m(mu(x))``.  A synthetic image is a draw from the fitted model,
``x = m(z) + tau s eps`` with ``z ~ N(0, tau^2 I)``, ``eps ~ N(0, I)`` (``tau`` the temperature), clipped to
the real digits' range [0, 1].  (Taking the decoder mean alone, as sampled images are often shown, makes the
synthetic digits smoother than any the model would draw; with the pixel noise, accumulate degrades less.)
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp

from . import data
from .task import Task, Training

__all__ = ["VAE", "SIZES", "build"]

#: fast: tests and CI; default: the CPU size behind the figures; large: a GPU configuration.
SIZES = {
    "fast": dict(n_train=400, width=64, latent=8, training=Training(400, 64, 2e-3, 100)),
    "default": dict(n_train=None, width=128, latent=8, training=Training(1000, 128, 1e-3, 250)),
    "large": dict(n_train=None, width=1024, latent=32, training=Training(20000, 256, 5e-4, 2000)),
}
PIXEL_SCALE = 0.1  # s: the decoder's fixed pixel standard deviation (grey levels in [0, 1])
_EVAL_KEY = 7  # fixed evaluation noise: common random numbers across iterations, seeds and regimes
_EVAL_DRAWS = 4


class VAE(eqx.Module):
    encoder: eqx.nn.MLP
    decoder: eqx.nn.MLP
    latent: int = eqx.field(static=True)

    def __init__(self, features: int, width: int, latent: int, *, key):
        k1, k2 = jax.random.split(key)
        self.encoder = eqx.nn.MLP(features, 2 * latent, width, depth=2, activation=jax.nn.gelu, key=k1)
        self.decoder = eqx.nn.MLP(latent, features, width, depth=2, activation=jax.nn.gelu, key=k2)
        self.latent = latent

    def encode(self, x):  # x: (F,) -> mu, logvar: (Z,), (Z,)
        h = self.encoder(x)
        return h[:self.latent], h[self.latent:]

    def neg_elbo(self, x, key):
        """One-sample -ELBO of one image ``x: (F,)``."""
        mu, logvar = self.encode(x)
        z = mu + jnp.exp(0.5 * logvar) * jax.random.normal(key, mu.shape)  # (Z,)
        mean = jax.nn.sigmoid(self.decoder(z))  # (F,)
        recon = jnp.sum((x - mean) ** 2) / (2 * PIXEL_SCALE**2) + 0.5 * x.shape[0] * math.log(2 * math.pi *
                                                                                         PIXEL_SCALE**2)
        kl = 0.5 * jnp.sum(mu**2 + jnp.exp(logvar) - 1.0 - logvar)
        return recon + kl


def _loss(model, batch, key):  # batch: (B, F)
    keys = jax.random.split(key, batch.shape[0])
    return jnp.mean(jax.vmap(model.neg_elbo)(batch, keys))


def _evaluate(model, test):  # test: (M, F)
    keys = jax.random.split(jax.random.PRNGKey(_EVAL_KEY), _EVAL_DRAWS * test.shape[0])
    keys = keys.reshape(_EVAL_DRAWS, test.shape[0], *keys.shape[1:])
    per_draw = jax.vmap(lambda k: jax.vmap(model.neg_elbo)(test, k))(keys)  # (draws, M)
    mu = jax.vmap(lambda x: model.encode(x)[0])(test)  # (M, Z)
    recon = jax.nn.sigmoid(jax.vmap(model.decoder)(mu))  # (M, F)
    return {"test_loss": jnp.mean(per_draw), "recon_error": jnp.mean((recon - test) ** 2)}


def _sample(model, key, n, temperature):
    kz, kx = jax.random.split(key)
    z = temperature * jax.random.normal(kz, (n, model.latent))  # (n, Z)
    mean = jax.nn.sigmoid(jax.vmap(model.decoder)(z))  # (n, F)
    x = mean + temperature * PIXEL_SCALE * jax.random.normal(kx, mean.shape, dtype=mean.dtype)
    return jnp.clip(x, 0.0, 1.0)  # grey levels stay in the real digits' range


@functools.lru_cache(maxsize=None)  # the same Task object reuses its compiled functions within a process
def build(size: str = "default") -> Task:
    """The VAE task at ``size`` ("fast", "default" or "large")."""
    s = SIZES[size]
    split = data.digits(s["n_train"])
    features = split.train.shape[1]
    return Task(
        kind="vae",
        params={"size": size, "dataset": "digits", "n_train": len(split.train), "n_test": len(split.test),
                "width": s["width"], "latent": s["latent"], "likelihood": "gaussian",
                "pixel_scale": PIXEL_SCALE, **vars(s["training"])},
        train=split.train, test=split.test,
        init=lambda key: VAE(features, s["width"], s["latent"], key=key),
        loss=_loss, evaluate=_evaluate, sample=_sample, training=s["training"],
        first_iteration=0, default_iterations=10, preview=16,
    )
