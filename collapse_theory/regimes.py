"""A data regime as a value: how the training set of every iteration is built.

THEORY.md §2.  Generation ``j`` contributes labels ``Y_j = X w_{p(j)} + E_j`` where the parent ``p(j)`` is the
previous model (synthetic data) or the truth (real data), and ``E_j`` has per-entry variance
``tau_j^2 sigma^2 / m_j`` (``tau``: sampling temperature, ``m``: multiplicity, how many label draws on ``X`` the
generation averages).  Iteration ``n`` fits weighted least squares on all generations so far with weights
``alpha_{n j} >= 0`` summing to one.  With ``delta_n = w_n - w*`` and ``Z_j = X^+ E_j``::

    delta_n = sum_j alpha_{n j} (delta_{p(j)} + Z_j),      delta_truth = 0.

A :class:`Regime` is that choice of ``(alpha, p, tau, m)``; the same value drives the closed forms, the Monte
Carlo, the neural loop and the figure legends.  Every regime except :func:`window` has a one-step (Markov) form

    alpha_n restricted to old sources = history(n) * alpha_{n-1} + anchor(n) * e_1,

plus weights on the sources created at iteration ``n``; :meth:`Regime.step` returns it, symbolically in ``n``,
and :meth:`Regime.weights` expands it into the ``alpha`` vector that :mod:`collapse_theory.coefficients` and the
simulators consume.  Iteration 1 always fits the real data alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import sympy as sp

from . import _validate
from .errors import InvalidParameterError

__all__ = [
    "KINDS",
    "Regime",
    "Source",
    "Step",
    "replace",
    "accumulate",
    "replace_multiple",
    "window",
    "mix",
    "fresh_real",
    "accumulate_subsample",
    "from_name",
    "SYMBOLS",
]

KINDS = ("replace", "accumulate", "replace-multiple", "window", "mix", "fresh-real", "accumulate-subsample")

#: Symbols standing for the regime parameters in symbolic derivations.
SYMBOLS = {
    "temperature": sp.Symbol("tau", nonnegative=True),
    "real_fraction": sp.Symbol("lambda", positive=True),
    "real_weight": sp.Symbol("w", positive=True),
    "ratio": sp.Symbol("k", positive=True),
}


@dataclass(frozen=True)
class Source:
    """One generation of labels: created at ``iteration``, drawn from ``parent`` ("truth" or "previous").

    Its noise ``Z = X^+ E`` has covariance ``variance * sigma^2 (X^T X)^{-1}`` with
    ``variance = temperature^2 / multiplicity``.
    """

    iteration: int
    parent: str
    multiplicity: sp.Expr
    temperature: sp.Expr

    @property
    def variance(self) -> sp.Expr:
        return self.temperature**2 / self.multiplicity


@dataclass(frozen=True)
class Step:
    """The one-step form of iteration ``n >= 2``.

    ``delta_n = history * delta_{n-1} + anchor * Z_1 + sum_s weight_s (delta_{p(s)} + Z_s)`` over the new
    sources ``s``; ``history + anchor + sum_s weight_s = 1``.
    """

    history: sp.Expr
    anchor: sp.Expr
    new: tuple[tuple[Source, sp.Expr], ...]

    @property
    def carry(self) -> sp.Expr:
        """Coefficient of ``delta_{n-1}`` in ``delta_n``: history plus the weight of previous-model sources."""
        return self.history + sum((w for s, w in self.new if s.parent == "previous"), sp.Integer(0))


def _exact(value) -> sp.Expr:
    """The exact rational a user meant by a decimal (0.3 -> 3/10), so exact recursions stay exact."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, int):
        return sp.Integer(value)
    return sp.Rational(repr(float(value)))


@dataclass(frozen=True)
class Regime:
    """How iteration ``n``'s training set is built (THEORY.md §2).  Build one with the constructors below.

    Attributes:
        kind: one of :data:`KINDS`.
        temperature: ``tau >= 0``; synthetic labels carry noise variance ``tau^2 sigma^2``.
        window: ``k >= 1`` generations kept (``window`` only).
        real_fraction: weight ``lambda`` in [0, 1] on the original real data (``mix`` only).
        real_weight: weight ``w`` in [0, 1] on fresh real data (``fresh-real`` only).
        ratio: ``k > 0``, real:synthetic size ``k:1`` (``fresh-real`` only).
        budget: training-set size ``B >= 1`` drawn from the pool (``accumulate-subsample`` only).
    """

    kind: str
    temperature: float = 1.0
    window: Optional[int] = None
    real_fraction: Optional[float] = None
    real_weight: Optional[float] = None
    ratio: Optional[float] = None
    budget: Optional[int] = None

    def __post_init__(self):
        kind = str(self.kind).replace("_", "-")
        if kind not in KINDS:
            raise InvalidParameterError(f"regime must be one of {', '.join(KINDS)}, got {self.kind!r}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "temperature", _validate.nonnegative("temperature", self.temperature))
        required = {
            "window": ("window",),
            "mix": ("real_fraction",),
            "fresh-real": ("real_weight", "ratio"),
            "accumulate-subsample": ("budget",),
        }.get(kind, ())
        for field in ("window", "real_fraction", "real_weight", "ratio", "budget"):
            value = getattr(self, field)
            if field in required and value is None:
                raise InvalidParameterError(f"regime {kind} needs {_HINTS[field]}")
            if field not in required and value is not None:
                raise InvalidParameterError(f"regime {kind} takes no {field.replace('_', '-')}")
        if self.window is not None:
            object.__setattr__(self, "window", _validate.integer("window", self.window))
        if self.budget is not None:
            object.__setattr__(self, "budget", _validate.integer("budget", self.budget))
        if self.real_fraction is not None:
            object.__setattr__(self, "real_fraction", _validate.unit_interval("real-fraction", self.real_fraction))
        if self.real_weight is not None:
            object.__setattr__(self, "real_weight", _validate.unit_interval("real-weight", self.real_weight))
        if self.ratio is not None:
            object.__setattr__(self, "ratio", _validate.positive("ratio", self.ratio))

    # -- description -------------------------------------------------------------------------------------

    def parameters(self) -> dict:
        """The regime's parameters that are set, as plain numbers (for JSON and cache keys)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name != "kind" and getattr(self, f.name) is not None}

    @property
    def label(self) -> str:
        """A short legend label, e.g. ``mix(λ=0.3)`` or ``replace, τ=0.5``."""
        parts = {"window": "k={}", "real_fraction": "λ={}", "real_weight": "w={}", "ratio": "k={}",
                 "budget": "B={}"}
        inner = [fmt.format(_short(getattr(self, f))) for f, fmt in parts.items() if getattr(self, f) is not None]
        out = self.kind + (f"({', '.join(inner)})" if inner else "")
        return out if self.temperature == 1.0 else f"{out}, τ={_short(self.temperature)}"

    @property
    def has_closed_form(self) -> bool:
        return self.kind != "accumulate-subsample"

    def values(self, *, symbolic: bool = False) -> dict:
        """Parameter values for derivations: exact rationals, or the symbols of :data:`SYMBOLS`."""
        out = {}
        for field, symbol in SYMBOLS.items():
            value = getattr(self, field)
            if value is not None:
                out[field] = symbol if symbolic else _exact(value)
        return out

    # -- the formalism ---------------------------------------------------------------------------------------

    def sources(self, n: int, *, symbolic: bool = False) -> tuple[Source, ...]:
        """The label generations created at iteration ``n`` (iteration 1: the real data)."""
        if n == 1:
            return (Source(1, "truth", sp.Integer(1), sp.Integer(1)),)
        if self.kind == "window":
            tau = SYMBOLS["temperature"] if symbolic else _exact(self.temperature)
            return (Source(n, "previous", sp.Integer(1), tau),)
        return tuple(s for s, _ in self.step(n, symbolic=symbolic).new)

    def step(self, n, *, symbolic: bool = False) -> Step:
        """The one-step form of iteration ``n >= 2`` (``n`` may be a sympy symbol).  Not defined for ``window``."""
        v = self.values(symbolic=symbolic)
        tau = SYMBOLS["temperature"] if symbolic else _exact(self.temperature)
        one, zero = sp.Integer(1), sp.Integer(0)

        def synthetic(m=one):
            return Source(n, "previous", m, tau)

        if self.kind == "replace":
            return Step(zero, zero, ((synthetic(), one),))
        if self.kind in ("accumulate", "accumulate-subsample"):
            return Step((n - 1) / sp.sympify(n), zero, ((synthetic(), one / n),))
        if self.kind == "replace-multiple":
            return Step(zero, zero, ((synthetic(sp.sympify(n)), one),))
        if self.kind == "mix":
            lam = v["real_fraction"]
            return Step(zero, lam, ((synthetic(), 1 - lam),))
        if self.kind == "fresh-real":
            w, k = v["real_weight"], v["ratio"]
            real = Source(n, "truth", one, one)
            return Step(zero, zero, ((real, w), (synthetic(1 / k), 1 - w)))
        raise InvalidParameterError(f"regime {self.kind} has no one-step form; use weights(n)")

    def weights(self, n: int) -> tuple[tuple[Source, ...], tuple[sp.Expr, ...]]:
        """All sources created up to iteration ``n`` and iteration ``n``'s exact weights ``alpha_n`` on them."""
        n = _validate.integer("n", n)
        for sources, alpha in self.iter_weights(n):
            pass
        return sources, alpha

    def iter_weights(self, n_max: int):
        """Yield ``(sources, alpha_n)`` for ``n = 1..n_max``: the sources so far and the exact weights on them."""
        n_max = _validate.integer("n", n_max)
        sources = list(self.sources(1))
        alpha = [sp.Integer(1)]
        yield tuple(sources), tuple(alpha)
        for n in range(2, n_max + 1):
            if self.kind == "window":
                sources += self.sources(n)
                k = min(n, self.window)
                alpha = [sp.Rational(1, k) if s.iteration > n - k else sp.Integer(0) for s in sources]
            else:
                step = self.step(n)
                alpha = [step.history * a for a in alpha]
                alpha[0] += step.anchor
                for source, w in step.new:
                    sources.append(source)
                    alpha.append(w)
            yield tuple(sources), tuple(alpha)


_HINTS = {
    "window": "window (--window K, an integer >= 1)",
    "real_fraction": "real-fraction (--real-fraction L, in [0, 1])",
    "real_weight": "real-weight (--real-weight W, in [0, 1])",
    "ratio": "ratio (--ratio K > 0)",
    "budget": "budget (--budget B, an integer >= 1)",
}


def _short(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


# -- constructors ----------------------------------------------------------------------------------------------


def replace(*, temperature: float = 1.0) -> Regime:
    """Fit on the newest generation only (paper Eq. 4): ``alpha_{nn} = 1``."""
    return Regime("replace", temperature=temperature)


def accumulate(*, temperature: float = 1.0) -> Regime:
    """Fit on all generations so far, real data included (paper Thm. 2): ``alpha_{nj} = 1/n``."""
    return Regime("accumulate", temperature=temperature)


def replace_multiple(*, temperature: float = 1.0) -> Regime:
    """Fit on ``nT`` fresh synthetic points drawn from the previous model, no real data (paper App. E)."""
    return Regime("replace-multiple", temperature=temperature)


def window(k: int, *, temperature: float = 1.0) -> Regime:
    """Fit on the last ``k`` generations with equal weight (``k = 1`` is replace)."""
    return Regime("window", temperature=temperature, window=k)


def mix(real_fraction: float, *, temperature: float = 1.0) -> Regime:
    """Weight ``lambda`` on the original real data, ``1 - lambda`` on the newest synthetic generation."""
    return Regime("mix", temperature=temperature, real_fraction=real_fraction)


def fresh_real(real_weight: float, ratio: float = 1.0, *, temperature: float = 1.0) -> Regime:
    """Fresh real data each iteration with weight ``w``, plus ``T/k`` synthetic points with weight ``1 - w``.

    The optimal stationary weight is ``(sqrt(k(k+4)) - k)/2`` (He, Xu & Cheng's golden ratio at ``k = 1``).
    """
    return Regime("fresh-real", temperature=temperature, real_weight=real_weight, ratio=ratio)


def accumulate_subsample(budget: int, *, temperature: float = 1.0) -> Regime:
    """Accumulate a pool of all generations, then fit on a uniform random subset of size ``budget``.

    No closed form in ``n``.  :mod:`collapse_theory.subsample` has the exact expected error of the Gaussian-mean
    model (a recursion), and for linear regression the exact values where they exist, a proven lower bound and
    an approximation; the Monte Carlo simulates every model.
    """
    return Regime("accumulate-subsample", temperature=temperature, budget=budget)


def from_name(name: str, **options) -> Regime:
    """Build a regime from its CLI name and options (unset options are ignored where the regime takes none)."""
    kind = str(name).replace("_", "-")
    if kind not in KINDS:
        raise InvalidParameterError(f"regime must be one of {', '.join(KINDS)}, got {name!r}")
    defaults = {"window": None, "real_fraction": None, "real_weight": None, "ratio": None, "budget": None}
    if kind == "fresh-real" and options.get("ratio") is None:
        options = {**options, "ratio": 1.0}
    options = {key: value for key, value in {**defaults, **options}.items() if value is not None}
    return Regime(kind, **options)
