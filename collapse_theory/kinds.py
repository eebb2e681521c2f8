"""The registry of data regimes: every regime kind and every regime option, declared once.

A regime kind (replace, accumulate, ...) is a :class:`Kind` value: its name, the options it takes and how
iteration ``n``'s training set is built, as a *one-step form* (``step``: the weights on the previous fit, on the
real data and on the sources created at ``n``; docs/theory/formalism.md §2) or as an equal-weight window over the
last ``k`` generations (``window_of``).  An option (``--window K``, ``--real-fraction L``, ...) is an
:class:`Option` value: its validation, its CLI flag, its symbol in the derivations.

Everything that lists regimes iterates over :func:`kinds`: :class:`~collapse_theory.regimes.Regime`'s
validation, the CLI's ``--regime`` choices and option flags, the docs' regime pages, the figure legends, the
neural loop, and the parametrised test over every (family, regime) pair.  Adding a regime is one module that
calls :func:`register` plus its name in :data:`MODULES` (docs/tutorials/new-regime.md).

This module imports neither sympy nor JAX, so ``collapse-theory --help`` can list the regimes at once; the step
functions import sympy when they run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

from . import _validate
from ._registry import Registry

__all__ = ["Option", "Kind", "OPTIONS", "register", "register_option", "unregister", "kinds", "kind", "names",
           "MODULES"]


@dataclass(frozen=True)
class Option:
    """One regime option.

    Attributes:
        name: the attribute of :class:`~collapse_theory.regimes.Regime` (``real_fraction``).
        check: ``(display name, value) -> cleaned value``, raising ``InvalidParameterError``.
        condition: what is valid, for messages and ``--help`` (``"in [0, 1]"``).
        help: one line for ``--help``.
        metavar: the CLI placeholder (``L``).
        symbol: the sympy symbol name standing for it in symbolic derivations, or ``None``.
        label: legend format, e.g. ``"λ={}"``.
    """

    name: str
    check: Callable
    condition: str
    help: str
    metavar: str
    symbol: Optional[str] = None
    label: str = "{}"

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def display(self) -> str:
        return self.name.replace("_", "-")

    @property
    def hint(self) -> str:
        """``real-fraction (--real-fraction L, in [0, 1])``: how to give it."""
        return f"{self.display} ({self.flag} {self.metavar}, {self.condition})"


@dataclass(frozen=True)
class Kind:
    """One regime kind.

    Attributes:
        name: CLI and JSON name (``fresh-real``).
        summary: one line for ``--help``, the docs and legends.
        options: the options it requires; ``defaults`` gives values for those that may be left out.
        step: ``(n, values, tau, symbolic) -> Step``, the one-step form of iteration ``n >= 2``
            (``values``: the option values as exact numbers or symbols).  ``None`` for windowed kinds.
        window_of: ``regime -> k`` for kinds that weigh the last ``k`` generations equally (``window``).
        fixed_design: ``False`` when iteration ``n`` fits a random subset of the pool, outside the fixed-design
            coefficient algebra (accumulate-subsample): no closed form in that algebra.
        example: options of a representative instance (tests and docs instantiate every kind with them).
        doc: the paper reference and what the regime models, for its docs page.
    """

    name: str
    summary: str
    options: tuple = ()
    defaults: Mapping = field(default_factory=dict)
    step: Optional[Callable] = None
    window_of: Optional[Callable] = None
    fixed_design: bool = True
    example: Mapping = field(default_factory=dict)
    doc: str = ""

    def __post_init__(self):
        if (self.step is None) == (self.window_of is None):
            raise TypeError(f"regime kind {self.name} needs exactly one of step= and window_of=")


OPTIONS: dict = {}
#: Modules whose import registers regime kinds (built-ins first); a new regime module adds its name here.
MODULES = ["collapse_theory._builtin_kinds"]
_KINDS = Registry("regime", MODULES)


def register_option(option: Option) -> Option:
    OPTIONS[option.name] = option
    return option


def register(kind: Kind) -> Kind:
    """Add ``kind`` to the registry (its options must be registered); returns it."""
    unknown = [o for o in (*kind.options, *kind.defaults) if o not in OPTIONS]
    if unknown:
        raise TypeError(f"regime kind {kind.name} uses unregistered options {unknown}")
    _KINDS.add(kind.name, kind)
    return kind


def unregister(name: str) -> None:
    """Remove a kind registered at run time (an experiment in a notebook)."""
    _KINDS.remove(name)


def kinds() -> tuple:
    """Every registered :class:`Kind`, in registration order."""
    return _KINDS.values()


def names() -> tuple:
    """The registered kinds' names: the valid values of ``--regime``."""
    return _KINDS.names()


def kind(name: str) -> Kind:
    """The kind called ``name`` (``_`` and ``-`` alike); ``InvalidParameterError`` naming the valid ones."""
    return _KINDS.get(str(name).replace("_", "-"))


# -- the options every built-in kind draws from ----------------------------------------------------------------

register_option(Option("window", lambda n, v: _validate.integer(n, v), "an integer >= 1",
                       "generations kept (window)", "K", label="k={}"))
register_option(Option("real_fraction", _validate.unit_interval, "in [0, 1]",
                       "weight on the original real data (mix)", "L", symbol="lambda", label="λ={}"))
register_option(Option("real_weight", _validate.unit_interval, "in [0, 1]",
                       "weight on fresh real data (fresh-real)", "W", symbol="w", label="w={}"))
register_option(Option("ratio", _validate.positive, "> 0", "real:synthetic size K:1 (fresh-real, default 1)",
                       "K", symbol="k", label="k={}"))
register_option(Option("budget", lambda n, v: _validate.integer(n, v), "an integer >= 1",
                       "training-set size drawn from the pool (accumulate-subsample)", "B", label="B={}"))
