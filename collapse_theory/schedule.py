"""From a :class:`~collapse_theory.Regime` and a horizon to the numbers every simulator scans over.

A regime is exact sympy data (:meth:`Regime.step`, :meth:`Regime.iter_weights`); simulators, the ridge algebra
and the neural loop need float arrays indexed by iteration and by source.  :func:`schedule` is the only code that
makes that translation, once per ``(regime, n)`` (cached); every consumer reads the same frozen arrays.

Sources.  Iteration ``g`` creates one or more label generations ("sources", docs/theory/formalism.md §2): the
real data at ``g = 1``; one synthetic generation per later iteration, plus a fresh real one for fresh-real.
Source ``s`` is created at ``created[s]`` in slot ``slot[s]`` (its rank among the sources of that iteration),
is drawn from the truth (``truth[s]``) or from the previous model, with multiplicity ``multiplicity[s]`` (how
many draws of the generation's size it holds) and temperature ``temperature[s]``.  Its noise has variance
``temperature^2 / multiplicity`` in units of the real data's.

Two views of the weights:

* ``alpha[g - 1, s]``: the weight iteration ``g`` puts on source ``s`` (exact rationals from
  :meth:`Regime.iter_weights`, then float64); computed on first use, since it costs ``O(n^2)``.
* the one-step view, rows ``g = 1..n``: ``history[g-1]`` (weight carried from ``alpha_{g-1}``), ``anchor[g-1]``
  (extra weight on the real data) and, per slot of the sources created at ``g``, ``new_weight``,
  ``new_previous`` (1.0 for a synthetic source), ``new_multiplicity`` and ``new_temperature``.  For windowed
  kinds ``history = anchor = 0`` and ``new_weight = 1/min(g, k)``.  Row 1 is the real data alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import _validate
from .errors import InvalidParameterError
from .regimes import Regime

__all__ = ["Schedule", "schedule"]


def _frozen(a) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Schedule:
    """The numbers of ``regime`` over iterations ``1..n``; arrays are read-only float64 (ints for indices)."""

    regime: Regime
    n: int
    layout: str                 # "markov" (one-step form), "window" (k-deep buffer) or "subsample" (pool subsets)
    window: Optional[int]       # k for "window"
    budget: Optional[int]       # B for "subsample"
    slots: int                  # sources created per iteration (2 for fresh-real, 1 otherwise)
    created: np.ndarray         # (S,) iteration that created source s
    slot: np.ndarray            # (S,) its slot within that iteration
    truth: np.ndarray           # (S,) bool: drawn from the truth (real data)
    multiplicity: np.ndarray    # (S,)
    temperature: np.ndarray     # (S,)
    history: np.ndarray         # (n,)
    anchor: np.ndarray          # (n,)
    new_weight: np.ndarray      # (n, slots)
    new_previous: np.ndarray    # (n, slots)  1.0: sampled from the previous model
    new_multiplicity: np.ndarray  # (n, slots)
    new_temperature: np.ndarray   # (n, slots)

    @property
    def variance(self) -> np.ndarray:
        """``temperature^2 / multiplicity`` per source: its noise variance relative to the real data's."""
        return self.temperature**2 / self.multiplicity

    @functools.cached_property
    def alpha(self) -> np.ndarray:
        """``(n, S)``: iteration ``g``'s weight on source ``s``, from the exact weights."""
        out = np.zeros((self.n, len(self.created)))
        for g, (_, weights) in enumerate(self.regime.iter_weights(self.n)):
            out[g, : len(weights)] = [float(w) for w in weights]
        return _frozen(out)

    def sizes(self, T: int) -> np.ndarray:
        """Points per source for generations of ``T`` points; refuses fractional sizes (``T/ratio`` not whole)."""
        sizes = self.multiplicity * T
        if np.any(sizes != np.round(sizes)) or np.any(sizes < 1):
            raise InvalidParameterError(f"each generation must hold a whole number (>= 1) of points; with T={T} "
                                        f"the regime {self.regime.label} asks for {sorted(set(sizes.tolist()))}")
        return sizes.astype(np.int64)


@functools.lru_cache(maxsize=128)
def schedule(regime: Regime, n: int) -> Schedule:
    """The :class:`Schedule` of ``regime`` for iterations ``1..n`` (cached per value)."""
    if not isinstance(regime, Regime):
        raise InvalidParameterError(f"regime must be a collapse_theory.Regime, got {type(regime).__name__}")
    n = _validate.integer("n", n)
    spec = regime.spec
    rows = [((regime.sources(1)[0], 1.0),)]
    history, anchor = np.zeros(n), np.zeros(n)
    for g in range(2, n + 1):
        if spec.window_of is not None:
            (source,) = regime.sources(g)
            rows.append(((source, 1.0 / min(g, spec.window_of(regime))),))
        else:
            step = regime.step(g)
            history[g - 1], anchor[g - 1] = float(step.history), float(step.anchor)
            rows.append(tuple((source, float(w)) for source, w in step.new))
    slots = max(len(r) for r in rows)
    new = {name: np.zeros((n, slots)) for name in ("weight", "previous", "multiplicity", "temperature")}
    new["multiplicity"][:] = 1.0
    created, slot, truth, mult, temp = [], [], [], [], []
    for g, row in enumerate(rows, start=1):
        for s, (source, w) in enumerate(row):
            m, tau = float(source.multiplicity), float(source.temperature)
            new["weight"][g - 1, s], new["previous"][g - 1, s] = w, float(source.parent == "previous")
            new["multiplicity"][g - 1, s], new["temperature"][g - 1, s] = m, tau
            created.append(g), slot.append(s), truth.append(source.parent == "truth"), mult.append(m)
            temp.append(tau)
    layout = "window" if spec.window_of is not None else ("markov" if spec.fixed_design else "subsample")
    return Schedule(
        regime=regime, n=n, layout=layout,
        window=spec.window_of(regime) if spec.window_of is not None else None,
        budget=regime.budget if layout == "subsample" else None, slots=slots,
        created=_frozen(np.array(created, dtype=np.int64)), slot=_frozen(np.array(slot, dtype=np.int64)),
        truth=_frozen(np.array(truth, dtype=bool)), multiplicity=_frozen(mult), temperature=_frozen(temp),
        history=_frozen(history), anchor=_frozen(anchor),
        **{f"new_{k}": _frozen(v) for k, v in new.items()})
