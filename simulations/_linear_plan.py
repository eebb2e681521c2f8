"""From a :class:`~collapse_theory.Regime` to the numbers the linear-regression simulators scan over.

A regime is exact sympy data (:meth:`Regime.step`, :meth:`Regime.iter_weights`); the simulators need float
arrays indexed by iteration.  This module does that translation once per ``(regime, n)`` and splits it into

* a static :class:`Plan` (shapes and code paths: hashable, so one compilation serves every call with the same
  plan), and
* traced coefficient arrays (weights, parents, noise scales, copy counts): changing a regime's parameter, the
  noise variance or the key changes only these, never the compiled code.

Sources.  Iteration ``g`` creates ``sources`` label generations (two for fresh-real: real and synthetic; one
otherwise), stored in slots ``s = 0, 1``.  A source of multiplicity ``m`` (docs/theory/formalism.md §2) is built literally as
``m`` copies of the design with independent labels when ``m`` is a whole number (replace-multiple: ``m_n = n``);
otherwise (fresh-real with ratio ``k``: ``m = 1/k``) as one copy whose labels carry ``k`` times the variance,
which gives the same ``Z = X^+ E`` covariance ``tau^2 sigma^2 / m (X^T X)^{-1}``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

import numpy as np

from collapse_theory.regimes import Regime
from collapse_theory.schedule import schedule

__all__ = ["Plan", "Coefficients", "coefficients", "literal_weights"]


@dataclass(frozen=True)
class Plan:
    """The static part of a simulation: everything that fixes shapes or code paths.

    Attributes:
        kind: ``"markov"`` (one-step form), ``"window"`` (k-deep buffer) or ``"subsample"`` (pool of rows).
        engine: ``"fast"`` (sufficient statistics) or ``"literal"`` (stacked training set, least squares).
        sampling: ``"labels"`` (T-dimensional label noise, design rows), ``"projected"`` (design rows, noise
            drawn as d-dimensional ``X^T E``) or ``"wishart"`` (``X^T X`` from the Bartlett decomposition and
            d-dimensional noise).
        n, d: iterations and dimension.
        T: samples per iteration; ``None`` when it is not a shape (wishart: it is only a degree of freedom).
        sources, copies: slots per iteration and the largest multiplicity built literally.
        window, budget: the window depth and the subsample size, where they apply.
        fresh: a new design every iteration.
        test_points: size of the held-out noiseless test set (0: no ``test_mse``).
        conditional: also report ``error_factor``, the error divided by ``sigma^2 tr(Sigma (X^T X)^{-1})``.
        orthonormal: replace the fixed design by an orthonormal basis of its column space (``X^T X = I``).
    """

    kind: str
    engine: str
    sampling: str
    n: int
    d: int
    T: Optional[int]
    sources: int
    copies: int
    window: Optional[int] = None
    budget: Optional[int] = None
    fresh: bool = False
    test_points: int = 0
    conditional: bool = False
    orthonormal: bool = False


@dataclass(frozen=True)
class Coefficients:
    """Per-iteration numbers of a regime, rows ``g = 1..n`` (float64 numpy; the simulators make them traced).

    ``delta_g = history_g delta_{g-1} + anchor_g Z_1 + sum_s weight_{g s} (previous_{g s} delta_{g-1} + Z_{g s})``
    for one-step regimes; for ``window`` the weights are ``1/min(g, k)`` on the buffer.  ``scale`` is the
    standard deviation factor of one copy's label noise (``tau``, or ``tau sqrt(k)``), ``copies`` the number
    of literal copies (1 for every regime but replace-multiple).
    """

    history: np.ndarray   # (n,)
    anchor: np.ndarray    # (n,)
    weight: np.ndarray    # (n, S)
    previous: np.ndarray  # (n, S)  1.0 where the source is sampled from the previous model, 0.0 from the truth
    scale: np.ndarray     # (n, S)
    copies: np.ndarray    # (n, S)  int

    def arrays(self) -> dict:
        return {"history": self.history, "anchor": self.anchor, "weight": self.weight,
                "previous": self.previous, "scale": self.scale, "copies": self.copies}


def _copies_and_scale(multiplicity: np.ndarray, temperature: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Literal copies and per-copy noise standard deviation factor of each source (see the module docstring)."""
    # Beyond a few thousand copies the literal build is pointless (and unbounded for a tiny ratio): the equivalent
    # single copy with scaled noise has the same Z = X^+ E covariance.
    whole = (multiplicity >= 1) & (multiplicity == np.round(multiplicity)) & (multiplicity <= 4096)
    copies = np.where(whole, np.round(multiplicity), 1).astype(np.int64)
    return copies, np.where(whole, temperature, temperature / np.sqrt(multiplicity))


@functools.lru_cache(maxsize=64)
def coefficients(regime: Regime, n: int) -> Coefficients:
    """The per-iteration coefficients of ``regime`` for iterations ``1..n`` (from :func:`collapse_theory.schedule`)."""
    s = schedule(regime, n)
    copies, scale = _copies_and_scale(s.new_multiplicity, s.new_temperature)
    used = np.zeros(s.new_weight.shape, dtype=bool)
    used[s.created - 1, s.slot] = True
    # Slots an iteration leaves empty hold one copy with no noise, as the engines expect.
    copies, scale = np.where(used, copies, 1), np.where(used, scale, 0.0)
    return Coefficients(np.array(s.history), np.array(s.anchor), np.array(s.new_weight),
                        np.array(s.new_previous), scale, copies)


@functools.lru_cache(maxsize=16)
def literal_weights(regime: Regime, n: int) -> np.ndarray:
    """``alpha[g-1, j-1, s]``: the weight iteration ``g`` puts on source ``s`` created at iteration ``j``.

    Taken from the schedule's exact weights (:meth:`Regime.iter_weights`) so that the literal engine does not
    reuse the one-step recursion the fast engine is built on.
    """
    s = schedule(regime, n)
    alpha = np.zeros((n, n, s.slots))
    alpha[:, s.created - 1, s.slot] = s.alpha
    return alpha
