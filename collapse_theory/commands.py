"""The theory subcommands ``formula``, ``error`` and ``limit`` (entry points in ``setup.cfg``).

Each reads the family and regime from the registries and calls the family's theory module (or the module the
family names for that regime, e.g. :mod:`collapse_theory.subsample` for linear accumulate-subsample).  sympy loads
when a command runs, never at ``--help``.
"""

from __future__ import annotations

import argparse
import math

from . import command as c

__all__ = ["formula", "error", "limit", "EXAMPLES"]

EXAMPLES = {
    "formula": "collapse-theory formula --model linear --regime accumulate --latex",
    "error": "collapse-theory error --model linear --regime accumulate --d 10 --T 100 --sigma2 1 --n 100 --json",
    "limit": "collapse-theory limit --model linear --regime accumulate --d 10 --T 100 --sigma2 1 --json",
}


def _theory(family, regime, params):
    """The module with the family's theory for ``regime``, and the note its numbers need (computed for the
    configuration where the module can), if any."""
    module = family.module(regime.kind)
    if family.standing_of(regime.kind) != "bound":
        return module, None
    note = getattr(module, "note", None)
    return module, (note(regime, **params) if callable(note) else getattr(module, "LINEAR_NOTE", None))


def _methods() -> dict:
    """Estimators beyond the closed form, found as entry points (``collapse_theory.error_methods``): the theory
    names none of them (a semi-analytic estimator is Monte Carlo over part of the randomness)."""
    return {ep.name: ep for ep in c.installed_entry_points("collapse_theory.error_methods")}


def _formula_arguments(p):
    c.add_model_options(p, with_params=False)
    p.add_argument("--latex", action="store_true", help="print LaTeX")


def _formula(args):
    import sympy as sp

    from . import kinds
    from .regimes import SYMBOLS
    from .symbolic import latex

    family = c.family_from_args(args)
    spec = kinds.kind(args.regime)
    # Regime options left out on the command line stay symbolic where they have a symbol; given ones are
    # substituted.  An option without a symbol (a window's k, a budget) must be given.
    placeheld = set()
    for name in spec.options:
        option = kinds.OPTIONS[name]
        if getattr(args, name) is None and name not in spec.defaults:
            if option.symbol is None:
                raise c.UsageError(f"regime {spec.name} needs {option.flag} {option.metavar} for its formula")
            placeheld.add(name)
            setattr(args, name, spec.example.get(name, 0.5))  # any valid value: the symbolic derivation ignores it
    regime = c.regime_from_args(args)
    given = {SYMBOLS[f]: value for f, value in regime.values().items() if f not in placeheld}
    out = {}
    for metric, (expr, lim) in family.module().formulas(regime, symbolic=bool(placeheld)).items():
        out[metric] = tuple(e.subs(given) if placeheld else e for e in (expr, lim))
    form = c.output_format(args)
    if form == "csv":
        raise c.UsageError("formula prints text (or LaTeX with --latex) or JSON, not csv")
    if form == "json":
        c.dump({"model": args.model, "regime": regime.kind, "params": regime.parameters(),
                "formulas": {m: {"expression": str(e), "latex": latex(e), "limit": str(lim),
                                 "limit_latex": latex(lim)} for m, (e, lim) in out.items()}})
        return
    for metric, (expr, lim) in out.items():
        if args.latex:
            print(f"{metric}(n) = {latex(expr)}")
            print(f"{metric}(\\infty) = {latex(lim)}")
        else:
            print(f"{metric}(n) = {sp.sstr(expr)}")
            print(f"{metric}(oo) = {sp.sstr(lim)}")
    if not regime.has_closed_form:  # accumulate-subsample has none at finite T: say which case was printed
        c.note("the closed form of B = T as T -> oo (B = beta T: collapse_theory.subsample.large_population_factor); "
               "`error` gives the exact values at finite T and B")


def _levels(text):
    try:
        values = [float(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated levels in (0, 1), got {text!r}") from None
    # Levels closer to 0 or 1 than float64 resolves give quantiles of 0 or inf, not numbers.
    if not values or not all(1e-12 <= v <= 1 - 1e-12 for v in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated levels in [1e-12, 1 - 1e-12], got {text!r}")
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"expected distinct levels, got {text!r}")
    return values


def _error_arguments(p):
    c.add_model_options(p)
    c.add_guard_option(p)
    m = p.add_argument_group("estimators (for regimes without a closed form)")
    m.add_argument("--method", choices=("closed-form", *_methods()), default="closed-form",
                   help="closed-form (default: the theory, or its bound and approximation) or an estimator")
    m.add_argument("--seeds", type=c.integer_at_least(2), default=200, help="estimator draws (default 200)")
    m.add_argument("--seed", type=c.integer_at_least(0), default=0, help="estimator seed (default 0)")
    m.add_argument("--dtype", choices=("float64", "float32"), default="float64", help="estimator precision")
    m.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--quantiles", type=_levels, metavar="P,...",
                   help="also the exact quantiles of the error at these levels, e.g. 0.05,0.5,0.95 (linear)")


def _error(args):
    family = c.family_from_args(args)
    regime = c.regime_from_args(args)
    params = c.params_from_args(args, family)
    # A closed form costs O(1) per iteration; the exact recursions O(n) in exact weights (about 20 us each).
    per = 2e-5 * args.n if family.standing_of(regime.kind) == "recursion" else 2e-6
    c.guard(per * args.n, args=args, what=f"error at {args.n:,} iterations")
    form = c.output_format(args)
    module, note = _theory(family, regime, params)
    if args.method != "closed-form":
        estimator = _methods()[args.method].load()
        values, note = estimator(regime, args.n, family=family.name, seeds=args.seeds, seed=args.seed,
                                 dtype=args.dtype, args=args, **params)
    else:
        values = module.errors(regime, args.n, **params)
    if getattr(args, "quantiles", None):
        if family.name != "linear":
            raise c.UsageError("--quantiles is available for --model linear")
        from .distribution import quantiles

        levels = quantiles(regime, args.n, args.quantiles, **params)
        if form == "json":
            values["test_error_quantiles"] = {repr(p): row for p, row in zip(args.quantiles, levels)}
        else:
            values.update({f"q{p!r}": row for p, row in zip(args.quantiles, levels)})
    if form == "json":
        c.dump({"model": args.model, "regime": regime.kind, "params": {**regime.parameters(), **params, "n": args.n},
                "iterations": list(range(1, args.n + 1)),
                "metrics": {m: ({q: [c.number(x) for x in row] for q, row in v.items()} if isinstance(v, dict)
                                else [c.number(x) for x in v]) for m, v in values.items()}})
    else:
        c.rows_out(["iteration", *values], [[i + 1, *(float(v[i]) for v in values.values())] for i in range(args.n)],
                   form)
    if note:  # two numbers of different standing share the output: say which is which
        c.note(note)
    if hasattr(module, "unavailable_metrics"):
        for metric, reason in module.unavailable_metrics(regime, **params).items():
            c.note(f"{metric} is not reported: {reason}")


def _limit_arguments(p):
    c.add_model_options(p, with_n=False)


def _limit(args):
    family = c.family_from_args(args)
    regime = c.regime_from_args(args)
    params = c.params_from_args(args, family)
    module, note = _theory(family, regime, params)
    if hasattr(module, "limit_bounds"):
        pairs = module.limit_bounds(regime, **params)  # {metric: (value, bound[, proven])}
        values = {m: p[0] for m, p in pairs.items()}
        proven = {m: p[2] if len(p) > 2 else True for m, p in pairs.items()}
        # A limit computed exactly carries its final rounding only; report the bound of those summed numerically.
        bounds = {m: float(p[1]) for m, p in pairs.items() if math.isfinite(p[0]) and p[1] > 4 * math.ulp(p[0])}
    else:
        values, bounds = module.limits(regime, **params), {}
    form = c.output_format(args)
    if form == "csv":
        c.rows_out(["metric", "limit", "bound", "proven"],
                   [[m, float(v), bounds.get(m, ""), proven[m] if m in bounds else ""] for m, v in values.items()], form)
    elif form == "json":
        out = {"model": args.model, "regime": regime.kind, "params": {**regime.parameters(), **params},
               "metrics": {m: c.number(v) for m, v in values.items()}}
        if bounds:
            out["bounds"] = {m: {"error": b, "proven": proven[m]} for m, b in bounds.items()}
        c.dump(out)
    else:
        for metric, value in values.items():
            kind = "proven" if proven[metric] else "estimated"
            suffix = f"  (± {bounds[metric]:.2g}, {kind})" if metric in bounds else ""
            print(f"{metric} -> {c.fmt(float(value))}{suffix}")
    if note:
        c.note(note)


formula = c.Command("formula", "print the closed form of the expected error (and its limit)", EXAMPLES["formula"],
                    _formula_arguments, _formula)
error = c.Command("error", "expected error at iterations 1..n from the closed form", EXAMPLES["error"],
                  _error_arguments, _error)
limit = c.Command("limit", "limit of the expected error as n -> infinity", EXAMPLES["limit"],
                  _limit_arguments, _limit)
