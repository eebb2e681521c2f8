"""The pieces every ``collapse-theory`` subcommand shares: the plugin value, argument types, output formatting.

A subcommand is a :class:`Command` value named by an entry point of the group ``collapse_theory.commands``
(``setup.cfg``), the way pytest finds its plugins: the theory's commands live in :mod:`collapse_theory`, the
Monte Carlo's (``simulate``, ``check``, ``neural``) in :mod:`simulations`.  The console script
(:mod:`collapse_theory.cli`) imports only the plugin that runs.

Regime and model options are generated from the registries (:mod:`collapse_theory.kinds`,
:mod:`collapse_theory.families`), so a new regime or family appears on every subcommand without an edit here.
Only argparse, json and math load at import.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
from dataclasses import dataclass
from typing import Callable

from . import families as _families
from . import kinds as _kinds

__all__ = ["Command", "UsageError", "Parser", "add_regime_options", "add_model_options", "regime_from_args",
           "params_from_args", "family_from_args", "integer_at_least", "number", "dump", "table", "fmt", "note",
           "add_guard_option", "guard", "WORK_LIMIT", "MAX_ITERATIONS", "add_output_options", "output_format",
           "rows_out", "installed_entry_points"]


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one line of help, an example, and two functions.

    ``add_arguments(parser)`` declares the options (argparse only: nothing heavy); ``run(args)`` does the work
    and returns the exit status (``None`` for 0).  Bad input raises :class:`UsageError` or a
    :class:`~collapse_theory.errors.CollapseTheoryError`: one ``error:`` line, exit status 2.
    """

    name: str
    help: str
    example: str
    add_arguments: Callable
    run: Callable


def installed_entry_points(group: str) -> tuple:
    """The installed entry points of ``group``.

    Reading every distribution's metadata takes milliseconds, and ``main`` needs it for the subcommands and the
    estimators; the scan is kept until a folder on ``sys.path`` changes (installing or removing a package adds or
    removes its metadata there), so a process that runs many commands scans once.
    """
    return _scan(group, tuple(_stamp(entry) for entry in sys.path))


def _stamp(entry: str):
    try:
        return entry, os.path.abspath(entry or "."), os.stat(entry or ".").st_mtime_ns
    except (OSError, TypeError, ValueError):
        return entry, None, None


@functools.lru_cache(maxsize=16)
def _scan(group: str, stamps) -> tuple:
    from importlib.metadata import entry_points

    return tuple(entry_points(group=group))


class UsageError(Exception):
    """Bad command-line input: reported as one ``error:`` line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose own errors follow the CLI contract: one ``error:`` line, exit 2."""

    def error(self, message):
        """Raise :class:`UsageError` with argparse's message instead of printing usage and exiting."""
        raise UsageError(message)


def integer_at_least(minimum: int):
    """``argparse`` type for an integer ``>= minimum``."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value
    parse.__name__ = f"integer >= {minimum}"
    return parse


def real(condition: str, test: Callable):
    """``argparse`` type for a finite number satisfying ``test``."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number {condition}, got {text!r}") from None
        if not math.isfinite(value) or not test(value):
            raise argparse.ArgumentTypeError(f"expected a finite number {condition}, got {text!r}")
        return value
    parse.__name__ = f"number {condition}"
    return parse


positive = real("> 0", lambda x: x > 0)
nonnegative = real(">= 0", lambda x: x >= 0)


def _option_type(option):
    wanted = option.condition if option.condition.startswith("an ") else f"a finite number {option.condition}"

    def parse(text):
        # The registry's own check, so the CLI and the Python API accept exactly the same values.
        from .errors import InvalidParameterError

        try:
            value = float(text) if "." in text or "e" in text.lower() else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        try:
            return option.check(option.display, value)
        except InvalidParameterError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
    parse.__name__ = option.condition
    return parse


def add_regime_options(p, *, kinds=None, required: bool = True) -> None:
    """``--regime`` (choices from the registry, or ``kinds``) and one flag per registered regime option."""
    names = tuple(kinds) if kinds is not None else _kinds.names()
    p.add_argument("--regime", choices=names, required=required, help="data regime")
    g = p.add_argument_group("regime options")
    for option in _kinds.OPTIONS.values():
        g.add_argument(option.flag, type=_option_type(option), metavar=option.metavar, help=option.help)
    g.add_argument("--temperature", type=nonnegative, metavar="TAU", help="sampling temperature (default 1)")


def add_model_options(p, *, with_params: bool = True, with_n: bool = True) -> None:
    """``--model`` and every registered family's parameters (each family takes its own subset)."""
    p.add_argument("--model", choices=_families.names(), default="linear", help="model family (default linear)")
    add_regime_options(p)
    if with_params:
        m = p.add_argument_group("model parameters")
        for param in _families.parameters().values():
            users = [f.name for f in _families.families() if param.name in f.parameter_names]
            where = "" if len(users) == len(_families.names()) else f" [{', '.join(users)}]"
            if param.kind == "flag":
                m.add_argument(param.flag, action="store_true", default=None, help=param.help + where)
            else:
                m.add_argument(param.flag, type=param.parse, metavar=param.metavar, help=param.help + where,
                               choices=param.choices or None)
        if with_n:
            m.add_argument("--n", type=integer_at_least(1), default=50, help="iterations 1..n (default 50)")
    add_output_options(p)


def add_output_options(p) -> None:
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--format", choices=("table", "json", "csv"), default=None,
                   help="output format (default table; --json is --format json)")


def output_format(args) -> str:
    """``table``, ``json`` or ``csv`` from ``--format`` and ``--json`` (which must not disagree)."""
    chosen = getattr(args, "format", None)
    if getattr(args, "json", False):
        if chosen not in (None, "json"):
            raise UsageError(f"--json and --format {chosen} disagree; give one")
        return "json"
    return chosen or "table"


#: Estimated seconds a command runs without asking; beyond it, ``--yes`` is needed.
WORK_LIMIT = 120.0
#: What the host can hold: more iterations than this never fit in memory, whatever ``--yes`` says.
MAX_ITERATIONS = 10**7


def add_guard_option(p) -> None:
    p.add_argument("--yes", action="store_true", help="run even when the estimated work exceeds the guard")


def guard(seconds: float, *, args, what: str) -> None:
    """Refuse work estimated above :data:`WORK_LIMIT` seconds unless ``--yes`` was given, saying how long."""
    if getattr(args, "n", None) is not None and args.n > MAX_ITERATIONS:
        raise UsageError(f"--n must be at most {MAX_ITERATIONS:,} (the per-iteration results alone would not fit in "
                         f"memory), got {args.n:,}")
    if seconds > WORK_LIMIT and not getattr(args, "yes", False):
        raise UsageError(f"{what} would take about {_duration(seconds)} on 2 cores; reduce it, or pass --yes to run "
                         "it anyway")


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.0f} seconds"


def family_from_args(args):
    return _families.family(args.model)


def regime_from_args(args):
    """The :class:`~collapse_theory.Regime` the options describe."""
    from .regimes import from_name

    options = {name: getattr(args, name, None) for name in _kinds.OPTIONS}
    return from_name(args.regime, temperature=args.temperature, **options)


def params_from_args(args, family) -> dict:
    """The family's parameters with defaults; a parameter it does not take is a :class:`UsageError`."""
    own = set(family.parameter_names)
    for name in _families.parameters():
        if name not in own and getattr(args, name, None) is not None:
            raise UsageError(f"--{name.replace('_', '-')} does not apply to model {family.name}; it takes "
                             + ", ".join(f"--{p.replace('_', '-')}" for p in family.parameter_names))
    return family.params({name: getattr(args, name, None) for name in own})


def number(x):
    """A JSON number, or ``"inf"``/``"-inf"`` for a proven divergence."""
    x = float(x)
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def dump(obj) -> None:
    print(json.dumps(obj, allow_nan=False))


def rows_out(header, rows, fmt_: str) -> None:
    """Print ``rows`` under ``header`` as an aligned table, or as CSV (full precision) for ``fmt_ == "csv"``."""
    if fmt_ == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[repr(x) if isinstance(x, float) else x for x in r] for r in rows])
    else:
        table(header, [[fmt(x) for x in r] for r in rows])


def table(header, rows) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def fmt(x) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def note(text: str) -> None:
    """A ``note:`` line on stderr: printed only after a command succeeded."""
    print(f"note: {text}", file=sys.stderr)
