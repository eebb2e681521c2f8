"""The data sets of the kernel density family: exact Gaussians and the 2-D sets everyone knows.

``gaussian-1d`` and ``gaussian-2d`` are ``N(0, I)``, sampled exactly.  ``moons``, ``circles``, ``swiss-roll``
(the ``(x, z)`` plane of the roll, divided by 10 to the scale of the others) and ``blobs`` come from
scikit-learn's generators with noise 0.05; as they are fixed grids plus noise rather than densities, the truth
here is the empirical distribution of one reference sample of :data:`REFERENCE_SIZE` points (``random_state=0``),
and real data are drawn from it uniformly with replacement.  Its variance is then known exactly, so the theory
stays exact for every data set.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .errors import InvalidParameterError

__all__ = ["DATASETS", "REFERENCE_SIZE", "Dataset", "dataset"]

DATASETS = ("gaussian-1d", "gaussian-2d", "moons", "circles", "swiss-roll", "blobs")
REFERENCE_SIZE = 10_000
NOISE = 0.05


@dataclass(frozen=True)
class Dataset:
    """A truth: its name, dimension, total variance ``tr Sigma_0`` and reference points (None: ``N(0, I)``)."""

    name: str
    dim: int
    total_variance: float
    reference: Optional[np.ndarray]

    def __hash__(self):
        return hash(self.name)

    def __eq__(self, other):
        return isinstance(other, Dataset) and other.name == self.name


def _reference(name: str) -> np.ndarray:
    from sklearn import datasets as sk

    if name == "moons":
        x, _ = sk.make_moons(REFERENCE_SIZE, noise=NOISE, random_state=0)
    elif name == "circles":
        x, _ = sk.make_circles(REFERENCE_SIZE, noise=NOISE, factor=0.5, random_state=0)
    elif name == "swiss-roll":
        x3, _ = sk.make_swiss_roll(REFERENCE_SIZE, noise=NOISE, random_state=0)
        x = x3[:, [0, 2]] / 10.0
    else:  # blobs: three fixed centres, cluster standard deviation = the noise
        x, _ = sk.make_blobs(REFERENCE_SIZE, centers=np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.5]]),
                             cluster_std=NOISE, random_state=0)
    return np.ascontiguousarray(x, dtype=np.float64)


@functools.lru_cache(maxsize=None)
def dataset(name: str) -> Dataset:
    """The data set called ``name`` (one of :data:`DATASETS`)."""
    if name not in DATASETS:
        raise InvalidParameterError(f"dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    if name.startswith("gaussian-"):
        dim = int(name[-2])
        return Dataset(name, dim, float(dim), None)
    x = _reference(name)
    # Population variance of the reference (divisor M): the truth is the reference's empirical distribution.
    return Dataset(name, x.shape[1], float(np.sum(x.var(axis=0))), x)
