"""``collapse-theory optimize``: the real-data weight (or window) that minimises the expected error.

The subcommand of :mod:`collapse_theory.optimize` (the library); argparse only at import.
"""

from __future__ import annotations

from . import command as c

__all__ = ["optimize"]

EXAMPLE = "collapse-theory optimize --model linear --regime fresh-real --ratio 1 --json"
#: Regimes with a control to optimise: the weight on real data, or the window length.
REGIMES = ("fresh-real", "mix", "window")


def _arguments(p) -> None:
    p.add_argument("--model", choices=["linear"], default="linear", help="model family (linear)")
    p.add_argument("--regime", choices=REGIMES, required=True, help="regime whose control is optimised")
    p.add_argument("--ratio", type=c.positive, default=1.0, metavar="K", help="real:synthetic size K:1 (fresh-real)")
    p.add_argument("--temperature", type=c.nonnegative, default=1.0, metavar="TAU", help="sampling temperature")
    p.add_argument("--n", type=c.integer_at_least(1), help="optimise the error at iteration N (default: n -> infinity)")
    p.add_argument("--max-window", type=c.integer_at_least(1), default=64, help="largest window tried (window)")
    p.add_argument("--d", type=c.integer_at_least(1), default=10, help="dimension (default 10)")
    p.add_argument("--T", type=c.integer_at_least(1), default=100, help="samples per iteration (default 100)")
    p.add_argument("--sigma2", type=c.positive, default=1.0, help="noise variance sigma^2 (default 1)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    c.add_guard_option(p)


def _run(args) -> None:
    """Print the optimum (JSON with ``--json``); a ``note:`` on stderr after it where the optimum needs one."""
    from .optimize import optimize

    if args.n is not None:  # the n-th error is searched over the iterations' exact values: linear in n
        per = 2e-3 * args.max_window if args.regime == "window" else 1e-2
        c.guard(per * args.n, args=args, what=f"optimize at iteration {args.n:,}")

    best = optimize(args.regime, ratio=args.ratio, temperature=args.temperature, iteration=args.n, d=args.d,
                    T=args.T, sigma2=args.sigma2, max_window=args.max_window)
    params = {"temperature": args.temperature, "d": args.d, "T": args.T, "sigma2": args.sigma2,
              "n": args.n if args.n is not None else "inf"}
    if args.regime == "fresh-real":
        params["ratio"] = args.ratio
    value = int(best.value) if best.control == "window" else best.value
    if args.json:
        out = {"model": args.model, "regime": args.regime, "params": params,
               "optimum": {best.control: value, "unique": best.unique, "boundary": best.boundary,
                           "note": best.note},
               "metrics": {"test_error": best.test_error}}
        if best.closed_form is not None:
            out["optimum"]["closed_form"] = str(best.closed_form)
        c.dump(out)
    else:
        where = "n -> infinity" if args.n is None else f"iteration {args.n}"
        print(f"optimal {best.control.replace('_', '-')} = {value:.12g}  ({where})")
        print(f"test_error = {best.test_error:.12g}")
        print(f"unique: {'yes' if best.unique else 'no'}; on the boundary: {'yes' if best.boundary else 'no'}")
        if best.closed_form is not None:
            print(f"closed form: {best.closed_form}")
    if best.note is not None:  # only after the result: a failed call prints its error line alone
        c.note(best.note)


optimize = c.Command("optimize", "the real-data weight (or window) minimising the stationary or n-th error",
                     EXAMPLE, _arguments, _run)
