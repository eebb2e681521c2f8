"""The ``collapse-theory`` command (also ``python -m collapse_theory``).

Subcommands follow the contract in DESIGN.md: ``formula``, ``error``, ``limit``, ``simulate``, ``check``.
Only argparse is imported at start-up, so ``--help`` and bad-input errors answer at once; sympy and JAX load
in the subcommands that need them.  Bad input prints one ``error: ...`` line on stderr and exits with status 2.

Model families are modules with a small interface (``NAME``, ``METRICS``, ``PARAMETERS``, ``formulas``,
``errors``, ``limits``); simulators are modules of :mod:`simulations` with ``simulate_cli``.  A new family
is one entry in :data:`FAMILIES` and one in :data:`SIMULATORS`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys

__all__ = ["main", "build_parser", "FAMILIES", "SIMULATORS", "SUBCOMMANDS"]

FAMILIES = {
    "linear": "collapse_theory.linear_regression",
    "gaussian": "collapse_theory.gaussian",
    "kde": "collapse_theory.kde",
}
SIMULATORS = {
    "linear": "simulations.linear_regression",
    "gaussian": "simulations.gaussian",
    "kde": "simulations.kde",
}
REGIMES = ("replace", "accumulate", "replace-multiple", "window", "mix", "fresh-real", "accumulate-subsample")
#: Extra subcommands contributed by other modules: name -> module with ``add_parser(sub)`` and ``run(args)``.
SUBCOMMANDS = {
    "neural": "simulations.neural.cli",
    "optimize": "collapse_theory.optimize",
}

EXAMPLES = {
    "formula": "collapse-theory formula --model linear --regime accumulate --latex",
    "error": "collapse-theory error --model linear --regime accumulate --d 10 --T 100 --sigma2 1 --n 100 --json",
    "limit": "collapse-theory limit --model linear --regime accumulate --d 10 --T 100 --sigma2 1 --json",
    "simulate": "collapse-theory simulate --model linear --regime accumulate --d 10 --T 100 --sigma2 1 --n 100 "
                "--seeds 2000 --seed 0 --json",
    "check": "collapse-theory check --model linear --regime replace --d 10 --T 100 --n 50 --seeds 2000",
}


class UsageError(Exception):
    """Bad command-line input: reported as one ``error:`` line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors follow the same one-line contract
        raise UsageError(message)


# -- argument types: one clear message per violated condition -------------------------------------------------

def _int_at_least(minimum):
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


def _real(condition, test):
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


positive = _real("> 0", lambda x: x > 0)


def _levels(text):
    try:
        values = [float(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated levels in (0, 1), got {text!r}") from None
    if not values or not all(0 < v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated levels in (0, 1), got {text!r}")
    return values
nonnegative = _real(">= 0", lambda x: x >= 0)
unit = _real("in [0, 1]", lambda x: 0 <= x <= 1)


def _add_model_options(p, *, with_params=True, with_n=True):
    p.add_argument("--model", choices=sorted(FAMILIES), default="linear", help="model family (default linear)")
    p.add_argument("--regime", choices=REGIMES, required=True, help="data regime")
    g = p.add_argument_group("regime options")
    g.add_argument("--window", type=_int_at_least(1), metavar="K", help="generations kept (window)")
    g.add_argument("--real-fraction", type=unit, metavar="L", help="weight on the real data (mix)")
    g.add_argument("--real-weight", type=unit, metavar="W", help="weight on fresh real data (fresh-real)")
    g.add_argument("--ratio", type=positive, metavar="K", help="real:synthetic size K:1 (fresh-real, default 1)")
    g.add_argument("--budget", type=_int_at_least(1), metavar="B", help="training-set size (accumulate-subsample)")
    g.add_argument("--temperature", type=nonnegative, metavar="TAU", help="sampling temperature (default 1)")
    if with_params:
        m = p.add_argument_group("model parameters")
        m.add_argument("--d", type=_int_at_least(1), help="dimension (default 10)")
        m.add_argument("--T", type=_int_at_least(1), help="samples per iteration (default 100)")
        m.add_argument("--sigma2", type=positive, help="noise variance sigma^2 (linear; default 1)")
        m.add_argument("--bandwidth", type=positive, help="kernel bandwidth h (kde; default 0.3)")
        m.add_argument("--dataset", help="data set (kde; default gaussian-1d)")
        m.add_argument("--unbiased", action="store_true", default=None,
                       help="covariance with the unbiased divisor (gaussian; default maximum likelihood)")
        m.add_argument("--bandwidth-rule", choices=("scott", "silverman"),
                       help="re-estimate h every iteration (kde; default: fixed --bandwidth)")
        if with_n:
            m.add_argument("--n", type=_int_at_least(1), default=50, help="iterations 1..n (default 50)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="collapse-theory",
        description="Model collapse under replace, accumulate and other data regimes: exact theory and Monte Carlo.",
        epilog="example: " + EXAMPLES["error"],
    )
    from . import __version__
    parser.add_argument("--version", action="version", version=f"collapse-theory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    helps = {
        "formula": "print the closed form of the expected error (and its limit)",
        "error": "expected error at iterations 1..n from the closed form",
        "limit": "limit of the expected error as n -> infinity",
        "simulate": "Monte Carlo of the same process (JAX, vectorised over seeds)",
        "check": "theory against Monte Carlo: z-score per iteration",
    }
    for name, text in helps.items():
        p = sub.add_parser(name, help=text, description=text + ".", epilog="example: " + EXAMPLES[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        _add_model_options(p, with_params=name != "formula", with_n=name != "limit")
        if name == "formula":
            p.add_argument("--latex", action="store_true", help="print LaTeX")
        if name == "error":
            p.add_argument("--quantiles", type=_levels, metavar="P,...",
                           help="also the exact quantiles of the error at these levels, e.g. 0.05,0.5,0.95 (linear)")
        if name in ("simulate", "check"):
            p.add_argument("--seeds", type=_int_at_least(1), default=2000, help="Monte Carlo seeds (default 2000)")
            p.add_argument("--seed", type=_int_at_least(0), default=0, help="PRNG seed (default 0)")
            p.add_argument("--quiet", action="store_true", help="no progress bar")
    for name, module in SUBCOMMANDS.items():
        try:
            importlib.import_module(module).add_parser(sub)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise
    return parser


# -- helpers ----------------------------------------------------------------------------------------------------

def _family(model: str, registry=FAMILIES):
    try:
        return importlib.import_module(registry[model])
    except ModuleNotFoundError as exc:
        if exc.name is not None and registry[model].startswith(exc.name):
            raise UsageError(f"model {model} is not available in this version; available: linear") from None
        raise


def _regime(args):
    from .regimes import from_name

    temperature = 1.0 if args.temperature is None else args.temperature
    return from_name(args.regime, temperature=temperature, window=args.window, real_fraction=args.real_fraction,
                     real_weight=args.real_weight, ratio=args.ratio, budget=args.budget)


DEFAULTS = {"d": 10, "T": 100, "sigma2": 1.0, "bandwidth": 0.3, "dataset": "gaussian-1d", "unbiased": False,
            "bandwidth_rule": None}


def _params(args, family) -> dict:
    """The family's parameters from the command line, with defaults; a parameter it does not take is an error."""
    out = {}
    for name in DEFAULTS:
        given = getattr(args, name, None)
        if name in family.PARAMETERS:
            out[name] = DEFAULTS[name] if given is None else given
        elif given is not None:
            raise UsageError(f"--{name.replace('_', '-')} does not apply to model {family.NAME}; it takes "
                             + ", ".join(f"--{p.replace('_', '-')}" for p in family.PARAMETERS))
    return out


def _number(x):
    x = float(x)
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def _dump(obj):
    print(json.dumps(obj, allow_nan=False))


def _table(header, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def _fmt(x):
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def _theory(family, regime, params):
    """The module with the regime's theory: the family's closed forms, or for linear accumulate-subsample
    (no closed form) :mod:`collapse_theory.subsample` (approximation and proven lower bound)."""
    if regime.kind == "accumulate-subsample" and family.NAME == "linear":
        from . import subsample

        # Two numbers of different standing share the output: say which is which.
        print(f"note: {subsample.LINEAR_NOTE}", file=sys.stderr)
        return subsample
    return family


# -- subcommands ------------------------------------------------------------------------------------------------

def _cmd_formula(args):
    import sympy as sp

    from .regimes import SYMBOLS
    from .symbolic import latex

    family = _family(args.model)
    # Regime parameters left out on the command line stay symbolic; given ones are substituted.
    if args.regime == "window" and args.window is None:
        raise UsageError("regime window needs --window K for its closed form (K <= 3)")
    symbolic_fields = {"mix": ("real_fraction",), "fresh-real": ("real_weight",)}.get(args.regime, ())
    placeheld = {f for f in symbolic_fields if getattr(args, f) is None}
    symbolic = bool(placeheld)
    for field in placeheld:
        setattr(args, field, 0.5)  # any valid value: the symbolic derivation does not use it
    regime = _regime(args)
    given = {SYMBOLS[f]: value for f, value in regime.values().items() if f not in placeheld}
    out = {}
    for metric, (expr, lim) in family.formulas(regime, symbolic=symbolic).items():
        expr, lim = (e.subs(given) if symbolic else e for e in (expr, lim))
        out[metric] = (expr, lim)
    if args.json:
        _dump({"model": args.model, "regime": regime.kind, "params": regime.parameters(),
               "formulas": {m: {"expression": str(e), "latex": latex(e), "limit": str(lim), "limit_latex": latex(lim)}
                            for m, (e, lim) in out.items()}})
        return
    for metric, (expr, lim) in out.items():
        if args.latex:
            print(f"{metric}(n) = {latex(expr)}")
            print(f"{metric}(\\infty) = {latex(lim)}")
        else:
            print(f"{metric}(n) = {sp.sstr(expr)}")
            print(f"{metric}(oo) = {sp.sstr(lim)}")


def _cmd_error(args):
    family = _family(args.model)
    regime = _regime(args)
    params = _params(args, family)
    values = _theory(family, regime, params).errors(regime, args.n, **params)
    if getattr(args, "quantiles", None):
        if family.NAME != "linear":
            raise UsageError("--quantiles is available for --model linear")
        from .distribution import quantiles

        levels = quantiles(regime, args.n, args.quantiles, **params)
        if args.json:
            values["test_error_quantiles"] = {f"{p:g}": row for p, row in zip(args.quantiles, levels)}
        else:
            values.update({f"q{p:g}": row for p, row in zip(args.quantiles, levels)})
    if args.json:
        _dump({"model": args.model, "regime": regime.kind, "params": {**regime.parameters(), **params, "n": args.n},
               "iterations": list(range(1, args.n + 1)),
               "metrics": {m: ({q: [_number(x) for x in row] for q, row in v.items()} if isinstance(v, dict)
                               else [_number(x) for x in v]) for m, v in values.items()}})
        return
    _table(["iteration", *values], [[i + 1, *(_fmt(float(v[i])) for v in values.values())] for i in range(args.n)])


def _cmd_limit(args):
    family = _family(args.model)
    regime = _regime(args)
    params = _params(args, family)
    values = _theory(family, regime, params).limits(regime, **params)
    if args.json:
        _dump({"model": args.model, "regime": regime.kind, "params": {**regime.parameters(), **params},
               "metrics": {m: _number(v) for m, v in values.items()}})
        return
    for metric, value in values.items():
        print(f"{metric} -> {_fmt(float(value))}")


def _persist_compilations() -> None:
    """Keep compiled simulators on disk (JAX's compilation cache, beside the derivation cache) across processes.

    Compilation is most of a short simulation's wall time; a repeated command then loads the executable instead
    of rebuilding it.  Only for a real process (``main()`` reading ``sys.argv``): JAX's configuration is
    process-wide, so a caller of ``main([...])`` inside Python keeps its own.
    """
    from ._cache import cache_dir

    directory = cache_dir()
    if directory is None:
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", str(directory / "xla"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # the default 1 s would skip ours


def _cmd_simulate(args, *, check=False):
    if args.process:
        _persist_compilations()
    family = _family(args.model)
    regime = _regime(args)
    params = _params(args, family)
    simulator = _family(args.model, SIMULATORS)
    quiet = args.quiet or not sys.stderr.isatty()
    if check and not regime.has_closed_form:  # before spending the simulation
        raise UsageError(f"regime {regime.kind} has no closed form to check against; use simulate")
    # The theory first, too: a parameter without theory (a kde bandwidth rule) fails before the simulation.
    theory = family.errors(regime, args.n, **params) if check else {}
    summary = simulator.simulate_cli(regime, args.n, seeds=args.seeds, seed=args.seed, quiet=quiet, **params)
    metrics = {m: {"mean": [float(x) for x in s["mean"]], "se": [float(x) for x in s["se"]]}
               for m, s in summary.items()}
    if check:
        if not theory:
            raise UsageError(f"regime {regime.kind} has no closed form to check against; use simulate")
        for m, t in theory.items():
            if m in metrics:
                mean, se = metrics[m]["mean"], metrics[m]["se"]
                metrics[m]["theory"] = [float(x) for x in t]
                metrics[m]["z"] = [(a - b) / s if s > 0 else (0.0 if a == b else math.inf)
                                   for a, b, s in zip(mean, t, se)]
    if args.json:
        _dump({"model": args.model, "regime": regime.kind, "params": {**regime.parameters(), **params, "n": args.n},
               "seeds": args.seeds, "iterations": list(range(1, args.n + 1)),
               "metrics": {m: {k: [_number(x) for x in v] for k, v in s.items()} for m, s in metrics.items()}})
        return
    for m, s in metrics.items():
        print(f"# {m}: {args.seeds} seeds, seed {args.seed}")
        cols = [c for c in ("theory", "mean", "se", "z") if c in s]
        _table(["iteration", *cols], [[i + 1, *(_fmt(s[c][i]) for c in cols)] for i in range(args.n)])
        if "z" in s:
            worst = max(abs(z) for z in s["z"])
            print(f"# max |z| = {worst:.3g} over {args.n} iterations")


COMMANDS = {"formula": _cmd_formula, "error": _cmd_error, "limit": _cmd_limit, "simulate": _cmd_simulate,
            "check": lambda args: _cmd_simulate(args, check=True)}


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.process = argv is None
        if args.command is None:
            parser.print_help()
            return 2
        if args.command in COMMANDS:
            COMMANDS[args.command](args)
        else:
            importlib.import_module(SUBCOMMANDS[args.command]).run(args)
        return 0
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # the toolkit's own errors are ValueError subclasses with a clear message
        from .errors import CollapseTheoryError

        if not isinstance(exc, CollapseTheoryError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
