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


def _run(args):
    from .optimize import run

    return run(args)


optimize = c.Command("optimize", "the real-data weight (or window) that minimises the stationary or n-th expected error",
                     EXAMPLE, _arguments, _run)
