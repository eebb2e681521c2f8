"""From a :class:`~collapse_theory.Regime` to the numbers the linear-regression simulators scan over.

A regime is exact sympy data (:meth:`Regime.step`, :meth:`Regime.iter_weights`); the simulators need float
arrays indexed by iteration.  This module does that translation once per ``(regime, n)`` and splits it into

* a static :class:`Plan` (shapes and code paths: hashable, so one compilation serves every call with the same
  plan), and
* traced coefficient arrays (weights, parents, noise scales, copy counts): changing a regime's parameter, the
  noise variance or the key changes only these, never the compiled code.

Sources.  Iteration ``g`` creates ``sources`` label generations (two for fresh-real: real and synthetic; one
otherwise), stored in slots ``s = 0, 1``.  A source of multiplicity ``m`` (THEORY.md §2) is built literally as
``m`` copies of the design with independent labels when ``m`` is a whole number (replace-multiple: ``m_n = n``);
otherwise (fresh-real with ratio ``k``: ``m = 1/k``) as one copy whose labels carry ``k`` times the variance,
which gives the same ``Z = X^+ E`` covariance ``tau^2 sigma^2 / m (X^T X)^{-1}``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

import numpy as np
import sympy as sp

from collapse_theory.regimes import Regime

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


def _copies_and_scale(source) -> tuple[int, float]:
    """Literal copies and per-copy noise standard deviation factor of one source (see the module docstring)."""
    m = sp.nsimplify(source.multiplicity)
    tau = float(source.temperature)
    if m.is_integer and m >= 1:
        return int(m), tau
    return 1, tau / float(sp.sqrt(m))


def source_count(regime: Regime) -> int:
    return 2 if regime.kind == "fresh-real" else 1


@functools.lru_cache(maxsize=64)
def coefficients(regime: Regime, n: int) -> Coefficients:
    """The per-iteration coefficients of ``regime`` for iterations ``1..n``."""
    S = source_count(regime)
    history, anchor = np.zeros(n), np.zeros(n)
    weight, previous, scale = np.zeros((n, S)), np.zeros((n, S)), np.zeros((n, S))
    copies = np.ones((n, S), dtype=np.int64)
    weight[0, 0], scale[0, 0] = 1.0, 1.0  # iteration 1: the real data alone
    for g in range(2, n + 1):
        row = g - 1
        if regime.kind == "window":
            k = min(g, regime.window)
            (source,) = regime.sources(g)
            history[row] = 0.0
            weight[row, 0] = 1.0 / k
            pairs = ((source, 1.0 / k),)
        else:
            step = regime.step(g)
            history[row], anchor[row] = float(step.history), float(step.anchor)
            pairs = tuple((source, float(w)) for source, w in step.new)
        for s, (source, w) in enumerate(pairs):
            weight[row, s] = w
            previous[row, s] = 1.0 if source.parent == "previous" else 0.0
            copies[row, s], scale[row, s] = _copies_and_scale(source)
    return Coefficients(history, anchor, weight, previous, scale, copies)


@functools.lru_cache(maxsize=16)
def literal_weights(regime: Regime, n: int) -> np.ndarray:
    """``alpha[g-1, j-1, s]``: the weight iteration ``g`` puts on source ``s`` created at iteration ``j``.

    Taken from :meth:`Regime.iter_weights` (exact rationals) so that the literal engine does not reuse the
    one-step recursion the fast engine is built on.
    """
    S = source_count(regime)
    alpha = np.zeros((n, n, S))
    for g, (sources, weights) in enumerate(regime.iter_weights(n), start=1):
        slot = {}
        for source, w in zip(sources, weights):
            s = slot.get(source.iteration, 0)
            slot[source.iteration] = s + 1
            alpha[g - 1, source.iteration - 1, s] = float(w)
    return alpha
