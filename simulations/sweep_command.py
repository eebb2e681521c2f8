"""The ``collapse-theory sweep`` subcommand: a grid of regimes x d x T x sigma^2 into one netCDF dataset.

Entry point (``setup.cfg``, group ``collapse_theory.commands``): ``sweep = simulations.sweep_command:sweep``.
The work is :func:`simulations.sweep.sweep`; this module parses the axes, guards the estimated cost, keeps the
per-cell files beside the output (``FILE.nc.cells/`` unless ``--cells`` says otherwise) so that a killed or
repeated sweep resumes, and writes the dataset atomically.  Only argparse loads at import.
"""

from __future__ import annotations

import argparse
import sys

from collapse_theory import command as c

__all__ = ["sweep"]

EXAMPLE = ("collapse-theory sweep --model linear --regimes replace,accumulate,accumulate-subsample --d 1,3,10,32,100 "
           "--T 10,32,100,316,1000 --sigma2 0.1,1,10 --n 100 --seeds 100 --out kazdan-linear.nc")


def _list(kind, name):
    def parse(text):
        items = [x.strip() for x in text.split(",") if x.strip()]
        if not items:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {name}, got {text!r}")
        try:
            values = [kind(x) for x in items]
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(f"{name}: {exc}") from None
        if len(set(values)) != len(values):
            raise argparse.ArgumentTypeError(f"{name} lists a value twice: {text!r}")
        return values
    parse.__name__ = f"list of {name}"
    return parse


def _regime_name(text):
    from collapse_theory import kinds

    if text not in kinds.names():
        raise argparse.ArgumentTypeError(f"unknown regime {text!r}; regimes are {', '.join(kinds.names())}")
    return text


def _arguments(p):
    from collapse_theory import families, kinds

    p.add_argument("--model", choices=families.names(), default="linear", help="model family (default linear)")
    p.add_argument("--regimes", type=_list(_regime_name, "regimes"), required=True,
                   help="comma-separated regime names, e.g. replace,accumulate,accumulate-subsample")
    p.add_argument("--d", type=_list(c.integer_at_least(1), "d"), required=True, help="dimensions, e.g. 1,3,10")
    p.add_argument("--T", type=_list(c.integer_at_least(3), "T"), required=True,
                   help="samples per iteration; cells with T < d + 2 are left empty (NaN)")
    p.add_argument("--sigma2", type=_list(c.positive, "sigma2"), default=[1.0], help="noise variances (default 1)")
    p.add_argument("--n", type=c.integer_at_least(1), default=100, help="iterations 1..n (default 100)")
    p.add_argument("--seeds", type=c.integer_at_least(2), default=100, help="seeds per cell (default 100)")
    p.add_argument("--seed", type=c.integer_at_least(0), default=0, help="PRNG seed (default 0)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64", help="precision (default float64)")
    p.add_argument("--out", required=True, metavar="FILE.nc", help="netCDF file to write")
    p.add_argument("--cells", metavar="DIR", help="folder of per-cell results for resuming (default FILE.nc.cells)")
    p.add_argument("--jobs", type=c.integer_at_least(1), default=1, metavar="N",
                   help="worker processes computing the cells, the same numbers (default 1; one per core is fastest)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    g = p.add_argument_group("regime options (budget defaults to T)")
    for option in kinds.OPTIONS.values():
        g.add_argument(option.flag, type=c._option_type(option), metavar=option.metavar, help=option.help)
    g.add_argument("--temperature", type=c.nonnegative, metavar="TAU", help="sampling temperature (default 1)")
    c.add_guard_option(p)


def _run(args):
    from pathlib import Path

    from collapse_theory import kinds

    if args.model != "linear":
        raise c.UsageError(f"sweep runs the linear model (sigma^2 scales its error exactly); got --model {args.model}")
    options = {name: getattr(args, name) for name in kinds.OPTIONS if getattr(args, name, None) is not None}
    if args.temperature is not None:
        options["temperature"] = args.temperature
    from . import commands
    from . import linear_regression
    from . import sweep as _sweep
    from .seeds import key_from_seed

    grid = _sweep.cells(args.regimes, args.d, args.T, options)
    if not grid:
        raise c.UsageError("no cell of this grid has T >= d + 2")
    seconds = sum(args.seeds * linear_regression.work(cell.regime, args.n, d=cell.d, T=cell.T) for cell in grid) * 1e-9
    c.guard(seconds, args=args, what=f"{len(grid)} cells of {args.seeds:,} seeds")
    out = Path(args.out)
    if out.is_dir():
        raise c.UsageError(f"--out {out} is a directory; name a file")
    if getattr(args, "process", False):
        commands._persist_compilations()
    dataset = _sweep.sweep(args.regimes, ds=args.d, Ts=args.T, sigma2s=args.sigma2, n=args.n, seeds=args.seeds,
                           key=key_from_seed(args.seed), seed_label=str(args.seed), options=options,
                           cells_dir=Path(args.cells) if args.cells else out.with_name(out.name + ".cells"),
                           dtype=args.dtype, progress=not args.quiet and sys.stderr.isatty(), jobs=args.jobs)
    _sweep.save(dataset, out)
    print(f"wrote {out}: {len(grid)} cells, {len(args.sigma2)} sigma^2 values, {args.n} iterations, "
          f"{args.seeds} seeds per cell")
    return None


sweep = c.Command("sweep", "Monte Carlo and theory over a grid of regimes, d, T and sigma^2 into one netCDF file",
                  EXAMPLE, _arguments, _run)
