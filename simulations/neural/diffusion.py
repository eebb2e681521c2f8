"""A denoising diffusion model (DDPM, Ho et al. 2020) on the digits or on a 2-D data set.

Forward process over ``T`` steps with a cosine schedule ``abar_t`` (Nichol & Dhariwal 2021):
``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps``, ``eps ~ N(0, I)``.  An MLP ``eps_theta(x_t, t)`` with a
sinusoidal time embedding is trained on the denoising objective::

    L(theta) = E_{x_0, t, eps} || eps - eps_theta(x_t, t) ||^2 / D.

``test_loss`` is that objective on the held-out real data at ``EVAL_STEPS`` fixed timesteps with noise from a
fixed key (common random numbers: every iteration, seed and regime is scored on the same ``(x_0, t, eps)``, so
differences between iterations are differences between models).  Sampling is ancestral,
``x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) eps_theta) / sqrt(alpha_t) + tau sigma_t z`` with the posterior
variance ``sigma_t^2 = beta_t (1 - abar_{t-1}) / (1 - abar_t)``, from ``x_T ~ N(0, tau^2 I)``; the temperature
``tau`` scales all sampling noise.  Digits live in [-1, 1] here and samples are clipped to it at the end
(returned in [0, 1], like the real digits).
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from . import data
from .task import Task, Training

__all__ = ["Denoiser", "SIZES", "build", "schedule"]

SIZES = {
    "fast": dict(n_train=400, width=64, steps_T=50, training=Training(400, 64, 2e-3, 100)),
    "default": dict(n_train=None, width=128, steps_T=100, training=Training(1500, 128, 1e-3, 500)),
    "large": dict(n_train=None, width=1024, steps_T=1000, training=Training(40000, 256, 3e-4, 2000)),
}
EVAL_STEPS = 10
_EVAL_KEY = 11
_EMBED = 32


def schedule(T: int):
    """Cosine schedule: ``(beta, alpha, abar)``, each ``(T,)``; ``abar_t = f(t+1)/f(0)``, ``beta`` <= 0.999."""
    s = 0.008
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    beta = np.clip(1 - f[1:] / f[:-1], 0.0, 0.999)
    alpha = 1 - beta
    return beta, alpha, np.cumprod(alpha)


class Denoiser(eqx.Module):
    mlp: eqx.nn.MLP
    T: int = eqx.field(static=True)

    def __init__(self, features: int, width: int, T: int, *, key):
        self.mlp = eqx.nn.MLP(features + _EMBED, features, width, depth=3, activation=jax.nn.silu, key=key)
        self.T = T

    def __call__(self, x, t):  # x: (D,), t: () int -> eps_hat: (D,)
        freqs = jnp.exp(-jnp.log(1000.0) * jnp.arange(_EMBED // 2) / (_EMBED // 2))  # (E/2,)
        angle = (t / self.T) * 1000.0 * freqs
        return self.mlp(jnp.concatenate([x, jnp.sin(angle), jnp.cos(angle)]))


def _noised(model, x0, t, eps):
    _, _, abar = (jnp.asarray(a, dtype=x0.dtype) for a in schedule(model.T))
    return jnp.sqrt(abar[t]) * x0 + jnp.sqrt(1 - abar[t]) * eps


def _denoising_error(model, x0, t, eps):  # one example: x0, eps: (D,), t: ()
    return jnp.mean((eps - model(_noised(model, x0, t, eps), t)) ** 2)


def _make(scale, offset):
    """Loss, metrics and sampler for data stored as ``x`` and modelled as ``scale * x + offset``."""

    def loss(model, batch, key):  # batch: (B, D)
        kt, ke = jax.random.split(key)
        t = jax.random.randint(kt, (batch.shape[0],), 0, model.T)
        eps = jax.random.normal(ke, batch.shape, dtype=batch.dtype)
        return jnp.mean(jax.vmap(lambda x, s, e: _denoising_error(model, x, s, e))(scale * batch + offset, t, eps))

    def evaluate(model, test):  # test: (M, D)
        ts = jnp.linspace(0, model.T - 1, EVAL_STEPS).round().astype(jnp.int32)  # (S,)
        eps = jax.random.normal(jax.random.PRNGKey(_EVAL_KEY), (EVAL_STEPS, *test.shape), dtype=test.dtype)
        x0 = scale * test + offset
        err = jax.vmap(lambda t, e: jax.vmap(lambda x, ee: _denoising_error(model, x, t, ee))(x0, e))(ts, eps)
        return {"test_loss": jnp.mean(err)}  # err: (S, M)

    def sample(model, key, n, temperature):
        beta, alpha, abar = schedule(model.T)
        abar_prev = np.concatenate([[1.0], abar[:-1]])
        sigma = np.sqrt(beta * (1 - abar_prev) / (1 - abar))
        k0, k1 = jax.random.split(key)
        D = model.mlp.in_size - _EMBED
        x = temperature * jax.random.normal(k0, (n, D))  # (n, D)
        per_step = (jnp.arange(model.T)[::-1], jnp.asarray(beta[::-1]), jnp.asarray(alpha[::-1]),
                    jnp.asarray(abar[::-1]), jnp.asarray(sigma[::-1]), jax.random.split(k1, model.T))

        def step(x, inputs):
            t, b, a, ab, s, k = inputs
            eps_hat = jax.vmap(model, in_axes=(0, None))(x, t)  # (n, D)
            mean = (x - b / jnp.sqrt(1 - ab) * eps_hat) / jnp.sqrt(a)
            return mean + temperature * s * jax.random.normal(k, x.shape, dtype=x.dtype), None

        x, _ = jax.lax.scan(step, x, per_step)
        if scale != 1.0 or offset != 0.0:  # bounded data (digits): keep samples in the data's range
            x = jnp.clip(x, -1.0, 1.0)
        return (x - offset) / scale

    return loss, evaluate, sample


@functools.lru_cache(maxsize=None)  # the same Task object reuses its compiled functions within a process
def build(size: str = "default", *, dataset: str = "digits") -> Task:
    """The diffusion task at ``size`` on ``dataset`` (digits or a 2-D set of :data:`data.DATASETS`)."""
    s = SIZES[size]
    if dataset == "digits":
        split = data.digits(s["n_train"])
        loss, evaluate, sample = _make(2.0, -1.0)  # [0, 1] -> [-1, 1]
        preview = 16
    else:
        split = data.two_d(dataset, s["n_train"] or 2000)
        loss, evaluate, sample = _make(1.0, 0.0)
        preview = 500
    features = split.train.shape[1]
    return Task(
        kind="diffusion",
        params={"size": size, "dataset": dataset, "n_train": len(split.train), "n_test": len(split.test),
                "width": s["width"], "diffusion_steps": s["steps_T"], **vars(s["training"])},
        train=split.train, test=split.test,
        init=lambda key: Denoiser(features, s["width"], s["steps_T"], key=key),
        loss=loss, evaluate=evaluate, sample=sample, training=s["training"],
        first_iteration=0, default_iterations=6, preview=preview,
    )
