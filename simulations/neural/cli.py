"""``collapse-theory neural``: the generic loop from the command line.

::

    collapse-theory neural --kind vae|diffusion|lm --regime R [--iterations N] [--fast | --large] [--seed S]
                           [--temperature T] [--compute steps|epochs] [--model-size small|base|big]
                           [--dataset NAME] [--text FILE] [--run-dir DIR] [--json] [--quiet]

The default run directory is
``figures/data/neural/<kind>[-<model size>]/<regime>[-<budget>][-tau<T>][-epochs]-seed<S>/`` (the path the figure
pipeline reads); ``--fast`` and ``--large`` runs go under ``figures/data/neural-fast`` and ``neural-large`` so
they never mix with the default size.  Rerunning the same command resumes an interrupted run and reads a
finished one back.  Only argparse loads at import: JAX and the models load when the command runs.  Every check
on the input happens before anything is written, so bad input leaves the disk as it was.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

__all__ = ["add_arguments", "run", "KINDS", "accepted_regimes", "default_run_dir"]

KINDS = {"vae": "simulations.neural.vae", "diffusion": "simulations.neural.diffusion", "lm": "simulations.neural.lm"}
_ROOT = Path(__file__).resolve().parents[2] / "figures" / "data"


def accepted_regimes() -> tuple:
    """The registered regime kinds the neural loop runs: those whose every later source is the previous model's
    samples (fresh real data at every iteration is what the fixed neural data sets cannot supply)."""
    from collapse_theory import kinds
    from collapse_theory.regimes import Regime
    from collapse_theory.schedule import schedule

    return tuple(k.name for k in kinds.kinds() if not schedule(Regime(k.name, **k.example), 3).truth[1:].any())


def add_arguments(p) -> None:
    from collapse_theory import command as c

    p.add_argument("--kind", choices=tuple(KINDS), required=True, help="model kind")
    c.add_regime_options(p, kinds=accepted_regimes())
    p.add_argument("--iterations", type=int, metavar="N",
                   help="number of iterations (default: vae 10 (0..9), diffusion 6 (0..5), lm 5 (1..5))")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--fast", action="store_true", help="tiny models, well under a minute (tests, CI)")
    size.add_argument("--large", action="store_true", help="the larger configuration, meant for a GPU")
    p.add_argument("--seed", type=int, default=0, help="PRNG seed (default 0)")
    p.add_argument("--compute", choices=("steps", "epochs"), default="steps",
                   help="training compute per iteration: a fixed number of steps (default: regimes then differ "
                        "in their data only), or a fixed number of epochs over the pool (the paper's protocol: "
                        "accumulate's compute grows with its pool)")
    p.add_argument("--model-size", choices=("small", "base", "big"), default="base",
                   help="lm: the transformer's size at the chosen --fast/default/--large scale (default base)")
    p.add_argument("--dataset", help="diffusion data: digits (default), moons, circles, swiss-roll, blobs")
    p.add_argument("--text", metavar="FILE", help="lm: train on this UTF-8 text file, character level")
    p.add_argument("--run-dir", metavar="DIR", help="run directory (default under figures/data/neural)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def default_run_dir(kind: str, regime, seed: int, *, size: str = "default", dataset: str | None = None,
                    text: str | None = None, compute: str = "steps", model_size: str = "base",
                    root: Path | None = None) -> Path:
    """``<root>/neural[-size]/<kind>[-model size][-dataset]/<regime>[-<param>][-tau<T>][-epochs]-seed<S>``.

    ``root`` defaults to ``figures/data``.
    """
    root = (_ROOT if root is None else Path(root)) / ("neural" if size == "default" else f"neural-{size}")
    folder = kind if model_size == "base" else f"{kind}-{model_size}"
    if dataset not in (None, "digits"):
        folder += f"-{dataset}"
    if text is not None:
        folder += f"-text-{Path(text).stem}"
    name = regime.kind
    for _, value in regime.options:
        name += f"-{value:g}"
    if regime.temperature != 1.0:
        name += f"-tau{regime.temperature:g}"
    if compute != "steps":
        name += f"-{compute}"
    return root / folder / f"{name}-seed{seed}"


def _check(args):
    """Every check on the input, before any file is touched; returns (regime, size)."""
    from collapse_theory import _validate
    from collapse_theory import command as c
    from collapse_theory.errors import InvalidParameterError

    if args.iterations is not None:
        _validate.integer("iterations", args.iterations)
    _validate.integer("seed", args.seed, minimum=0)
    regime = c.regime_from_args(args)
    if args.text is not None and args.kind != "lm":
        raise InvalidParameterError(f"--text applies to --kind lm only, got --kind {args.kind}")
    if args.model_size != "base" and args.kind != "lm":
        raise InvalidParameterError(f"--model-size applies to --kind lm only, got --kind {args.kind}")
    if args.dataset is not None and args.kind != "diffusion":
        raise InvalidParameterError(f"--dataset applies to --kind diffusion only, got --kind {args.kind}")
    if args.dataset is not None:
        from .data import DATASETS

        if args.dataset not in DATASETS:
            raise InvalidParameterError(f"dataset must be one of {', '.join(DATASETS)}, got {args.dataset!r}")
    return regime, "fast" if args.fast else "large" if args.large else "default"


def run(args) -> None:
    regime, size = _check(args)
    module = importlib.import_module(KINDS[args.kind])
    options = {"dataset": args.dataset or "digits"} if args.kind == "diffusion" else {}
    if args.kind == "lm":
        options.update(text=args.text, model=args.model_size)
    task = module.build(size, **options)  # reads the data; raises on an unreadable or empty text file
    iterations = args.iterations or task.default_iterations
    run_dir = Path(args.run_dir) if args.run_dir else default_run_dir(
        args.kind, regime, args.seed, size=size, dataset=args.dataset, text=args.text, compute=args.compute,
        model_size=args.model_size)
    from .loop import Plan, run as run_loop

    Plan(regime, iterations, len(task.train))  # rejects regimes the loop cannot run, before writing
    progress = not args.quiet and sys.stderr.isatty()
    result = run_loop(task, regime, seed=args.seed, iterations=iterations, run_dir=run_dir, progress=progress,
                      compute=args.compute)
    if args.json:
        print(json.dumps(result))
        return
    metrics = result["metrics"]
    names = [m for m in ("test_loss", "excess", "kl", "recon_error", "train_loss") if m in metrics]
    print(f"{result['kind']} {result['params']['regime_label']} seed {args.seed}  ({run_dir})")
    print("iteration " + " ".join(f"{m:>12}" for m in names))
    for i, label in enumerate(result["iterations"]):
        print(f"{label:9d} " + " ".join(f"{metrics[m][i]:12.5f}" for m in names))
