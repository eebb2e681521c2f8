"""What a model kind hands the generic loop: data, a fresh model, a loss, held-out metrics and a sampler.

A kind (VAE, diffusion, language model) is a module with ``SIZES`` and ``build(size, **options) -> Task``.
The loop (:mod:`simulations.neural.loop`) knows nothing else about it, so a new kind is one module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Task", "Training"]


@dataclass(frozen=True)
class Training:
    """Optimisation settings shared by every iteration: Adam with a cosine-decayed step size.

    ``steps`` is the number of steps of iteration 1 (on the real data); under the fixed-steps protocol every
    iteration takes that many, under the fixed-epochs protocol iteration ``g`` scales it with its pool
    (:func:`simulations.neural.loop.iteration_steps`).  ``checkpoint_every`` must divide ``steps``.
    """

    steps: int
    batch_size: int
    learning_rate: float
    checkpoint_every: int

    def __post_init__(self):
        if self.steps % self.checkpoint_every:
            raise ValueError(f"checkpoint_every ({self.checkpoint_every}) must divide steps ({self.steps})")


@dataclass(frozen=True, eq=False)
class Task:
    """One model kind on one data set.

    Attributes:
        kind: "vae", "diffusion" or "lm".
        params: JSON-able description (sizes, data set), stored in the run's config and result.
        train, test: the real training set ``(N, ...)`` and the held-out real test set.
        init: ``init(key) -> model`` (an equinox module), freshly initialised.
        loss: ``loss(model, batch, key) -> scalar``, the training objective on a minibatch.
        evaluate: ``evaluate(model, test) -> {metric: scalar}``; deterministic (its noise, if any, comes from a
            fixed key, the same at every iteration: common random numbers).
        sample: ``sample(model, key, n, temperature) -> (n, ...)`` data like ``train``.
        constants: metrics that do not depend on the model (e.g. the entropy rate), repeated per iteration.
        first_iteration: label of the real-data iteration (0 for the paper's VAE and diffusion plots, 1 for LM).
    """

    kind: str
    params: dict
    train: np.ndarray
    test: np.ndarray
    init: Callable
    loss: Callable
    evaluate: Callable
    sample: Callable
    training: Training
    first_iteration: int = 1
    default_iterations: int = 5
    preview: int = 16
    constants: dict = field(default_factory=dict)
