"""The registry of model families: each family's metrics, parameters and theory standing, declared once.

A model family (linear regression, the Gaussian, the KDE, ...) is a :class:`Family` value: its name, the module
with its closed forms (``formulas``, ``errors``, ``limits``), the metrics it reports and what each means, its
parameters with defaults and validation, and, for every registered regime kind, the standing of its theory
(:data:`STANDINGS`).  The CLI builds its ``--model`` choices and parameter options from here, the docs their
family pages, the tests their parametrised (family, regime) grid; simulators register against a family name
from :mod:`simulations` (:mod:`simulations.registry`), so the theory never imports them.

Adding a family is its theory module plus one :func:`register` call in a module listed in :data:`MODULES`
(docs/tutorials/new-family.md).  This module imports neither sympy nor JAX.
"""

from __future__ import annotations

import argparse
import importlib
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from . import _validate
from ._registry import Registry
from .errors import InvalidParameterError

__all__ = ["Parameter", "Metric", "Family", "STANDINGS", "register", "families", "family", "names", "MODULES"]

#: What a family's number for a regime is: a closed form, an exact recursion evaluated numerically, a proven bound
#: beside an approximation, Monte Carlo only, or nothing (the family does not run that regime).
STANDINGS = ("exact", "recursion", "bound", "simulation", "none")


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes:
        name: keyword name (``sigma2``); the CLI flag is ``--sigma2`` (``_`` -> ``-``).
        kind: ``"int"`` (with ``minimum``), ``"positive"``, ``"nonnegative"``, ``"unit"`` (in [0, 1]), ``"flag"``,
            ``"choice"`` (one of ``choices``) or ``"text"``.
        default: the value used when it is not given (``None``: off).
        help: one line for ``--help`` and the docs.
    """

    name: str
    kind: str
    default: Any
    help: str
    minimum: int = 1
    choices: tuple = ()
    metavar: Optional[str] = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def condition(self) -> str:
        return {"int": f"an integer >= {self.minimum}", "positive": "a finite number > 0",
                "nonnegative": "a finite number >= 0", "unit": "a number in [0, 1]", "flag": "on or off",
                "choice": "one of " + ", ".join(map(str, self.choices)), "text": "a name"}[self.kind]

    def check(self, value):
        """The cleaned value, or ``InvalidParameterError`` naming the parameter and what is valid."""
        if self.kind == "int":
            return _validate.integer(self.name, value, minimum=self.minimum)
        if self.kind == "positive":
            return _validate.positive(self.name, value)
        if self.kind == "nonnegative":
            return _validate.nonnegative(self.name, value)
        if self.kind == "unit":
            return _validate.unit_interval(self.name, value)
        if self.kind == "flag":
            return bool(value)
        if self.kind == "choice" and value not in self.choices:
            raise InvalidParameterError(f"{self.name} must be {self.condition}, got {value!r}")
        return value

    def parse(self, text: str):
        """``argparse`` type: parse and check the text, raising ``ArgumentTypeError`` with the condition."""
        try:
            if self.kind == "int":
                value = int(text)
            elif self.kind in ("positive", "nonnegative", "unit"):
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError
            else:
                value = text
            return self.check(value)
        except (ValueError, InvalidParameterError):
            raise argparse.ArgumentTypeError(f"expected {self.condition}, got {text!r}") from None


@dataclass(frozen=True)
class Metric:
    """One reported quantity: its JSON key and what it means (with its formula).

    ``integer``: each seed's value is a whole number (a count, or a 0/1 indicator).  Then its variance is at
    least ``f (1 - f)`` with ``f`` the fractional part of its mean, a floor ``check`` puts under the sample SE:
    a rare event that no seed hit has sample SE 0, which is no evidence against a tiny expected value.
    """

    name: str
    meaning: str
    integer: bool = False


@dataclass(frozen=True)
class Family:
    """One model family.

    Attributes:
        name: the ``--model`` value.
        theory: module with ``formulas(regime, *, symbolic)``, ``errors(regime, n, **params)`` and
            ``limits(regime, **params)``.
        summary: one line for ``--help`` and the docs.
        metrics: what it reports.
        parameters: its parameters, in CLI order.
        standing: ``kind name -> standing`` (one of :data:`STANDINGS`); kinds not listed get ``fixed_design``
            for fixed-design kinds and ``pooled`` for the others, so a newly registered regime is covered.
        theory_overrides: ``kind name -> module`` for regimes whose theory lives elsewhere.
    """

    name: str
    theory: str
    summary: str
    metrics: tuple
    parameters: tuple
    standing: Mapping = field(default_factory=dict)
    fixed_design: str = "exact"
    pooled: str = "simulation"
    theory_overrides: Mapping = field(default_factory=dict)
    doc: str = ""

    def standing_of(self, kind) -> str:
        """The standing of this family's theory for the regime kind (a name or a :class:`Kind`)."""
        from . import kinds

        spec = kinds.kind(kind) if isinstance(kind, str) else kind
        return self.standing.get(spec.name, self.fixed_design if spec.fixed_design else self.pooled)

    def module(self, kind: Optional[str] = None):
        """The theory module (for ``kind``, its override if any), imported on first use."""
        return importlib.import_module(self.theory_overrides.get(kind, self.theory))

    @property
    def metric_names(self) -> tuple:
        return tuple(m.name for m in self.metrics)

    @property
    def parameter_names(self) -> tuple:
        return tuple(p.name for p in self.parameters)

    def params(self, given: Mapping) -> dict:
        """Defaults filled in and every value checked; a parameter of another family is an error."""
        own = {p.name: p for p in self.parameters}
        stray = [k for k, v in given.items() if v is not None and k not in own]
        if stray:
            raise InvalidParameterError(
                f"{stray[0]} does not apply to model {self.name}; it takes " + ", ".join(own))
        return {name: p.default if given.get(name) is None else p.check(given[name]) for name, p in own.items()}


#: Modules whose import registers families (built-ins first); a new family adds its module here.
MODULES = ["collapse_theory._builtin_families"]
_FAMILIES = Registry("model", MODULES)


def register(family: Family) -> Family:
    bad = [s for s in (*family.standing.values(), family.fixed_design, family.pooled) if s not in STANDINGS]
    if bad:
        raise TypeError(f"family {family.name}: standings must be among {STANDINGS}, got {bad}")
    _FAMILIES.add(family.name, family)
    return family


def families() -> tuple:
    """Every registered :class:`Family`, in registration order."""
    return _FAMILIES.values()


def names() -> tuple:
    return _FAMILIES.names()


def family(name: str) -> Family:
    """The family called ``name``; ``InvalidParameterError`` naming the valid ones."""
    return _FAMILIES.get(name)


def parameters() -> dict:
    """Every parameter of every family by name (the CLI's option set; shared names must agree)."""
    out = {}
    for f in families():
        for p in f.parameters:
            out.setdefault(p.name, p)
    return out

