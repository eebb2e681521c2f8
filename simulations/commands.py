"""The Monte Carlo subcommands ``simulate``, ``check`` and ``neural`` (entry points in ``setup.cfg``).

``simulate`` runs the registered simulator of a family (:mod:`simulations.registry`); ``check`` runs it beside
the family's theory and turns the comparison into an exit status a script can rely on:

* z-score per iteration ``z = (mean - theory) / SE``; the check fails (exit 1, the failing iterations on stderr)
  when ``|z| > --max-z`` at any iteration (default 4).  The threshold is applied at every iteration with no
  correction; for a correct theory the chance of a false alarm over ``n`` iterations is at most
  ``n * P(|Z| > max_z)`` (Bonferroni), ``n * 6.3e-5`` at the default.
* A metric whose per-seed values are whole numbers (a count, an indicator) has variance at least ``f (1 - f)``,
  ``f`` the fractional part of its expected value; that floor stands under the sample SE, so a rare event no seed
  hit (sample SE 0) is not taken as evidence against a tiny expectation.
* Where the error's variance is infinite the SE means nothing: for linear regression with ``T <= d + 3``
  (``E tr (X^T X)^{-2}`` diverges) a ``warning:`` says so and the check compares the conditional error factor
  ``E_test / (sigma^2 tr (X^T X)^{-1})`` (finite variance, mean ``F_n`` exactly) instead.

Only argparse loads at import; JAX loads when a command runs, and compiled simulators are kept in JAX's on-disk
compilation cache (beside the derivation cache) when the command runs as a process.
"""

from __future__ import annotations

import sys

from collapse_theory import command as c

__all__ = ["simulate", "check", "neural"]

EXAMPLES = {
    "simulate": "collapse-theory simulate --model linear --regime accumulate --d 10 --T 100 --sigma2 1 --n 100 "
                "--seeds 2000 --seed 0 --json",
    "check": "collapse-theory check --model linear --regime replace --d 10 --T 100 --n 50 --seeds 2000",
}


def _arguments(p, *, check: bool = False):
    c.add_model_options(p)
    p.add_argument("--seeds", type=c.integer_at_least(2), default=2000,
                   help="Monte Carlo seeds, at least 2 for a standard error (default 2000)")
    p.add_argument("--seed", type=c.integer_at_least(0), default=0, help="PRNG seed, 0 <= S < 2^64 (default 0)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="precision of the simulation (default float64)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    c.add_guard_option(p)
    if check:
        p.add_argument("--max-z", type=c.positive, default=4.0, metavar="Z",
                       help="fail (exit 1) when |z| > Z at any iteration (default 4)")


def _persist_compilations() -> None:
    """Keep compiled simulators on disk across processes (JAX's compilation cache, beside the derivation cache).

    Only for a real process: JAX's configuration is process-wide, so a caller of ``main([...])`` inside Python
    keeps its own.
    """
    from collapse_theory._cache import cache_dir

    directory = cache_dir()
    if directory is None:
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", str(directory / "xla"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # the default 1 s would skip ours


def _infinite_variance(family, params) -> bool:
    return family.name == "linear" and params["T"] <= params["d"] + 3


def _run(args, *, check: bool):
    from . import registry

    form = c.output_format(args)
    family = c.family_from_args(args)
    regime = c.regime_from_args(args)
    params = c.params_from_args(args, family)
    standing = family.standing_of(regime.kind)
    if check and standing not in ("exact", "recursion"):
        raise c.UsageError(f"model {family.name} has no exact theory for regime {regime.kind} ({standing}) to check "
                           "against; use simulate")
    # The theory first: a parameter without theory fails before the simulation is spent.
    theory = family.module(regime.kind).errors(regime, args.n, **params) if check else {}
    conditional = check and _infinite_variance(family, params)
    simulator = registry.simulator(family.name)
    from .seeds import MAX_SEEDS, key_from_seed

    if args.seeds > MAX_SEEDS:  # the bound of simulations.seeds.run, checked before the work guard asks
        raise c.UsageError(f"--seeds must be at most 2^53 = {MAX_SEEDS:.4g} (the seed index is exact in float64), "
                           f"got {args.seeds:.3g}")
    c.guard(args.seeds * simulator.work(regime, args.n, **params) * 1e-9, args=args,
            what=f"{args.seeds:,} seeds of {args.n:,} iterations")

    key = key_from_seed(args.seed)  # all 64 bits; seeds below 2^32 keep jax.random.key(seed)
    if args.process:
        _persist_compilations()
    options = {"conditional": True} if conditional else {}
    try:
        summary, config = simulator.simulate_cli(regime, args.n, seeds=args.seeds, key=key,
                                                 quiet=args.quiet or not sys.stderr.isatty(), dtype=args.dtype,
                                                 **options, **params)
    except FloatingPointError as exc:  # an overflow of the simulated process itself, e.g. a huge temperature
        raise c.UsageError(f"the simulation left the {args.dtype} range ({exc}); reduce --temperature or --n"
                           + (", or use --dtype float64" if args.dtype == "float32" else "")) from None
    if conditional:  # compare the factor with finite variance instead: its mean is F_n exactly
        kappa = params["d"] / (params["T"] - params["d"] - 1)
        theory = {"error_factor": theory["test_error"] / (params["sigma2"] * kappa)}
        summary = {"error_factor": summary["error_factor"]}
    metrics = {m: {"mean": [float(x) for x in s["mean"]], "se": [float(x) for x in s["se"]]}
               for m, s in summary.items()}
    failures = []
    if check:
        import numpy as np

        from .testing import z_scores

        integer = {metric.name for metric in family.metrics if metric.integer}
        for m, t in theory.items():
            if m in metrics:
                se = np.asarray(metrics[m]["se"])
                if m in integer:  # Var >= f (1 - f) for a whole-number value with mean's fractional part f
                    f = np.asarray(t, dtype=np.float64) % 1.0
                    se = np.maximum(se, np.sqrt(f * (1.0 - f) / args.seeds))
                z = z_scores(metrics[m]["mean"], se, t)
                metrics[m]["theory"] = [float(x) for x in t]
                metrics[m]["z"] = [float(x) for x in z]
                failures += [(m, i + 1, float(x)) for i, x in enumerate(z) if not abs(x) <= args.max_z]
    if form == "json":
        c.dump({"model": args.model, "regime": regime.kind, "params": {**regime.parameters(), **params, "n": args.n},
                "seeds": args.seeds, "dtype": config["dtype"], "engine": config["engine"],
                "iterations": list(range(1, args.n + 1)),
                "metrics": {m: {k: [c.number(x) for x in v] for k, v in s.items()} for m, s in metrics.items()}})
    elif form == "csv":
        header = [f"{m}_{col}" for m, s in metrics.items() for col in s]
        c.rows_out(["iteration", *header], [[i + 1, *(s[col][i] for s in metrics.values() for col in s)]
                                             for i in range(args.n)], form)
    else:
        for m, s in metrics.items():
            print(f"# {m}: {args.seeds} seeds, seed {args.seed}, {config['dtype']}")
            cols = [col for col in ("theory", "mean", "se", "z") if col in s]
            c.table(["iteration", *cols], [[i + 1, *(c.fmt(s[col][i]) for col in cols)] for i in range(args.n)])
            if "z" in s:
                print(f"# max |z| = {max(abs(z) for z in s['z']):.3g} over {args.n} iterations")
    if conditional:
        print(f"warning: for T <= d + 3 (here d={params['d']}, T={params['T']}) the test error has infinite "
              "variance, so its standard errors mean nothing; checked the conditional error factor "
              "E_test / (sigma^2 tr (X^T X)^-1) instead, whose mean is F_n exactly", file=sys.stderr)
    if failures:
        worst = ", ".join(f"{m} at iteration {i} (z = {z:+.2f})" for m, i, z in failures[:10])
        more = f" and {len(failures) - 10} more" if len(failures) > 10 else ""
        print(f"error: theory and Monte Carlo disagree beyond |z| = {args.max_z:g}: {worst}{more}", file=sys.stderr)
        return 1
    return None


simulate = c.Command("simulate", "Monte Carlo of the same process (JAX, vectorised over seeds)",
                     EXAMPLES["simulate"], _arguments, lambda args: _run(args, check=False))
check = c.Command("check", "theory against Monte Carlo: z-score per iteration, exit 1 beyond --max-z",
                  EXAMPLES["check"], lambda p: _arguments(p, check=True), lambda args: _run(args, check=True))


def _neural_arguments(p):
    from .neural import cli

    cli.add_arguments(p)
    c.add_guard_option(p)


#: Seconds per iteration of the slowest kind at the default size on 2 cores (an upper estimate for the guard).
_NEURAL_SECONDS = {"fast": 2.0, "default": 30.0, "large": 600.0}


def _neural_run(args):
    from .neural import cli

    if args.iterations is not None and args.iterations > 0:
        size = "fast" if args.fast else "large" if args.large else "default"
        c.guard(args.iterations * _NEURAL_SECONDS[size], args=args, what=f"{args.iterations:,} neural iterations")

    try:
        return cli.run(args)
    except OSError as exc:  # an unwritable or unreadable run directory or text file: say which, no traceback
        raise c.UsageError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None


neural = c.Command("neural", "train VAE, diffusion or transformer models generation after generation",
                   "collapse-theory neural --kind lm --regime replace --iterations 5 --fast --json",
                   _neural_arguments, _neural_run)
