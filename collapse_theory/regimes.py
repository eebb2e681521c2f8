"""A data regime as a value: how the training set of every iteration is built.

docs/theory/formalism.md §2.  Generation ``j`` contributes labels ``Y_j = X w_{p(j)} + E_j`` where the parent ``p(j)`` is the
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

from dataclasses import dataclass

import sympy as sp

from . import _validate
from . import kinds as _kinds
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

#: The registered regime kinds' names (:mod:`collapse_theory.kinds`).
KINDS = _kinds.names()

#: Symbols standing for the regime parameters in symbolic derivations: the temperature and every option that
#: declares one.
SYMBOLS = {"temperature": sp.Symbol("tau", nonnegative=True),
           **{o.name: sp.Symbol(o.symbol, positive=True) for o in _kinds.OPTIONS.values() if o.symbol}}


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


@dataclass(frozen=True, init=False, repr=False)
class Regime:
    """How iteration ``n``'s training set is built (docs/theory/formalism.md §2).  Build one with the constructors
    below, with :func:`from_name`, or as ``Regime(kind, temperature=..., **options)``.

    Attributes:
        kind: a registered kind (:func:`collapse_theory.kinds.names`).
        temperature: ``tau >= 0``; synthetic labels carry noise variance ``tau^2 sigma^2``.
        options: the kind's options as ``(name, value)`` pairs, in registry order; each is also an attribute
            (``regime.window``, ``regime.real_fraction``, ``regime.budget``, ...), ``None`` where not set.
    """

    kind: str
    temperature: float
    options: tuple

    def __init__(self, kind: str, temperature: float = 1.0, options=(), **named):
        spec = _kinds.kind(kind)
        given = {**dict(options), **{k: v for k, v in named.items() if v is not None}}
        unknown = [k for k in given if k not in _kinds.OPTIONS]
        if unknown:
            raise InvalidParameterError(f"unknown regime option {unknown[0]!r}; options are "
                                        + ", ".join(o.display for o in _kinds.OPTIONS.values()))
        for name, value in spec.defaults.items():
            given.setdefault(name, value)
        wanted = (*spec.options, *(o for o in spec.defaults if o not in spec.options))
        for name in given:
            if name not in wanted:
                raise InvalidParameterError(f"regime {spec.name} takes no {_kinds.OPTIONS[name].display}")
        cleaned = []
        for name in _kinds.OPTIONS:
            if name in wanted:
                option = _kinds.OPTIONS[name]
                if name not in given:
                    raise InvalidParameterError(f"regime {spec.name} needs {option.hint}")
                cleaned.append((name, option.check(option.display, given[name])))
        object.__setattr__(self, "kind", spec.name)
        object.__setattr__(self, "temperature", _validate.nonnegative("temperature", temperature))
        object.__setattr__(self, "options", tuple(cleaned))

    def __getattr__(self, name):
        # Only reached for names that are not fields: every registered option reads as an attribute.
        if name in _kinds.OPTIONS:
            return dict(object.__getattribute__(self, "options")).get(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        args = [repr(self.kind), *(f"{k}={v!r}" for k, v in self.options)]
        if self.temperature != 1.0:
            args.append(f"temperature={self.temperature!r}")
        return f"Regime({', '.join(args)})"

    def _repr_latex_(self) -> str:
        """The linear-regression closed form, for notebooks (the regime's own description otherwise)."""
        if not self.has_closed_form:
            return f"$\\text{{{self.label}: no closed form}}$"
        from . import linear_regression
        from .symbolic import latex

        return f"$E_{{\\mathrm{{test}}}}(n) = {latex(linear_regression.expression(self))}$"

    # -- description -------------------------------------------------------------------------------------

    @property
    def spec(self) -> "_kinds.Kind":
        """The registered :class:`~collapse_theory.kinds.Kind` of this regime."""
        return _kinds.kind(self.kind)

    def parameters(self) -> dict:
        """The regime's temperature and options, as plain numbers (for JSON and cache keys)."""
        return {"temperature": self.temperature, **dict(self.options)}

    def to_json(self) -> dict:
        """``{"kind": ..., "temperature": ..., **options}``: the one serialisation of a regime."""
        return {"kind": self.kind, **self.parameters()}

    @classmethod
    def from_json(cls, data) -> "Regime":
        """The inverse of :meth:`to_json` (validated like any construction)."""
        if not isinstance(data, dict) or "kind" not in data:
            raise InvalidParameterError(f"a regime in JSON is an object with a 'kind', got {data!r}")
        data = dict(data)
        return cls(data.pop("kind"), **data)

    @property
    def label(self) -> str:
        """A short legend label, e.g. ``mix(λ=0.3)`` or ``replace, τ=0.5``."""
        inner = [_kinds.OPTIONS[f].label.format(_short(v)) for f, v in self.options]
        out = self.kind + (f"({', '.join(inner)})" if inner else "")
        return out if self.temperature == 1.0 else f"{out}, τ={_short(self.temperature)}"

    @property
    def has_closed_form(self) -> bool:
        """Whether the fixed-design coefficient algebra applies (every kind but the subsampling ones)."""
        return self.spec.fixed_design

    def values(self, *, symbolic: bool = False) -> dict:
        """Parameter values for derivations: exact rationals, or the symbols of :data:`SYMBOLS`."""
        out = {}
        for field, value in (("temperature", self.temperature), *self.options):
            option = _kinds.OPTIONS.get(field)
            if field not in SYMBOLS and option is not None and option.symbol:  # an option registered later
                SYMBOLS[field] = sp.Symbol(option.symbol, positive=True)
            if field in SYMBOLS:
                out[field] = SYMBOLS[field] if symbolic else _exact(value)
        return out

    # -- the formalism ---------------------------------------------------------------------------------------

    def sources(self, n: int, *, symbolic: bool = False) -> tuple[Source, ...]:
        """The label generations created at iteration ``n`` (iteration 1: the real data)."""
        if n == 1:
            return (Source(1, "truth", sp.Integer(1), sp.Integer(1)),)
        if self.spec.window_of is not None:
            tau = SYMBOLS["temperature"] if symbolic else _exact(self.temperature)
            return (Source(n, "previous", sp.Integer(1), tau),)
        return tuple(s for s, _ in self.step(n, symbolic=symbolic).new)

    def step(self, n, *, symbolic: bool = False) -> Step:
        """The one-step form of iteration ``n >= 2`` (``n`` may be a sympy symbol).  Not defined for windows."""
        spec = self.spec
        if spec.step is None:
            raise InvalidParameterError(f"regime {self.kind} has no one-step form; use weights(n)")
        tau = SYMBOLS["temperature"] if symbolic else _exact(self.temperature)
        return spec.step(n, self.values(symbolic=symbolic), tau, symbolic)

    def weights(self, n: int) -> tuple[tuple[Source, ...], tuple[sp.Expr, ...]]:
        """All sources created up to iteration ``n`` and iteration ``n``'s exact weights ``alpha_n`` on them."""
        n = _validate.integer("n", n)
        for sources, alpha in self.iter_weights(n):
            pass
        return sources, alpha

    def iter_weights(self, n_max: int):
        """Yield ``(sources, alpha_n)`` for ``n = 1..n_max``: the sources so far and the exact weights on them."""
        n_max = _validate.integer("n", n_max)
        window = self.spec.window_of
        sources = list(self.sources(1))
        alpha = [sp.Integer(1)]
        yield tuple(sources), tuple(alpha)
        for n in range(2, n_max + 1):
            if window is not None:
                sources += self.sources(n)
                k = min(n, window(self))
                # one source per iteration, in order: the last k are those created after iteration n - k
                alpha = [sp.S.Zero] * (len(sources) - k) + [sp.Rational(1, k)] * k
            else:
                step = self.step(n)
                # history 0 (replace, mix, fresh-real: each fit forgets the previous one's weights) needs no
                # products; the list grows by the new sources every iteration, so they would cost n^2 in sympy.
                if step.history == 0:
                    alpha = [sp.S.Zero] * len(alpha)
                else:
                    alpha = [step.history * a for a in alpha]
                alpha[0] += step.anchor
                for source, w in step.new:
                    sources.append(source)
                    alpha.append(w)
            yield tuple(sources), tuple(alpha)


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
    spec = _kinds.kind(name)
    wanted = (*spec.options, *spec.defaults)
    temperature = options.pop("temperature", None)
    kept = {k: v for k, v in options.items() if v is not None and (k in wanted or k not in _kinds.OPTIONS)}
    stray = [k for k, v in options.items() if v is not None and k not in wanted and k in _kinds.OPTIONS]
    if stray:
        raise InvalidParameterError(f"regime {spec.name} takes no {_kinds.OPTIONS[stray[0]].display}")
    return Regime(spec.name, temperature=1.0 if temperature is None else temperature, **kept)
