"""The ``--large`` neural configurations on whatever device JAX sees: seconds per iteration and final losses.

For each kind (VAE, diffusion, language model) this trains the large configuration under replace and
accumulate for ``--iterations`` iterations (default 3) in a temporary run directory and prints, per kind and
regime, the device, the seconds of the first iteration (compilation included) and of the later ones, and the
held-out loss at every iteration.  Nothing needs changing for a GPU but the JAX build (``jax[cuda12]``): the
loop places arrays on JAX's default device.  ``--size auto`` (the default) takes the large configuration on a
GPU or TPU and the default one on a CPU (``make bench``); ``--size large`` on a CPU runs too, slowly, and
``--steps`` caps the steps per iteration for a smoke test.

``python -m benchmarks.bench_neural_gpu [--iterations N] [--size auto|large|default|fast] [--kinds lm,vae]
[--steps S] [--json FILE]``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

KINDS = ("vae", "diffusion", "lm")


def _task(kind: str, size: str, steps: int | None):
    from simulations.neural import diffusion, lm, vae

    task = {"vae": vae, "diffusion": diffusion, "lm": lm}[kind].build(size)
    if steps is None:
        return task
    every = min(task.training.checkpoint_every, steps)
    training = dataclasses.replace(task.training, steps=steps - steps % every, checkpoint_every=every)
    return dataclasses.replace(task, training=training, params={**task.params, **vars(training)})


def bench(kind: str, regime_name: str, *, size: str, iterations: int, steps: int | None, folder: Path) -> dict:
    """Train one run and time it per iteration from the ``seconds`` each iteration's metrics record."""
    from collapse_theory import regimes
    from simulations.neural import loop

    task = _task(kind, size, steps)
    regime = getattr(regimes, regime_name)()
    started = time.perf_counter()
    result = loop.run(task, regime, seed=0, iterations=iterations, run_dir=folder / f"{kind}-{regime_name}")
    wall = time.perf_counter() - started
    seconds = [json.loads((folder / f"{kind}-{regime_name}" / f"iteration-{g:02d}" / "metrics.json").read_text())
               ["seconds"] for g in range(1, iterations + 1)]
    return {"kind": kind, "regime": regime_name, "size": size, "steps": task.training.steps,
            "batch_size": task.training.batch_size, "iterations": iterations, "wall_seconds": wall,
            "first_iteration_seconds": seconds[0],
            "later_iteration_seconds": sum(seconds[1:]) / max(len(seconds) - 1, 1) if len(seconds) > 1 else None,
            "test_loss": result["metrics"]["test_loss"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_neural_gpu", description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3, help="iterations per run (default 3)")
    parser.add_argument("--size", choices=("auto", "large", "default", "fast"), default="auto",
                        help="auto (default): large on a GPU or TPU, default on a CPU")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds (default all)")
    parser.add_argument("--regimes", default="replace,accumulate", help="comma-separated (default replace,accumulate)")
    parser.add_argument("--steps", type=int, help="cap the steps per iteration (a smoke test)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(sys.argv[1:] if argv is None and __name__ == "__main__" else argv or [])
    if args.iterations < 1 or (args.steps is not None and args.steps < 1):
        parser.error("--iterations and --steps must be at least 1")
    kinds = [k for k in args.kinds.split(",") if k]
    if set(kinds) - set(KINDS):
        parser.error(f"unknown kind in --kinds {args.kinds}; valid: {', '.join(KINDS)}")
    import jax

    device = jax.devices()[0]
    if args.size == "auto":
        args.size = "default" if device.platform == "cpu" else "large"
    print(f"device: {device.platform} ({device.device_kind}), JAX {jax.__version__}, x64 "
          f"{jax.config.jax_enable_x64}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-neural-") as folder:
        for kind in kinds:
            for regime in args.regimes.split(","):
                row = bench(kind, regime, size=args.size, iterations=args.iterations, steps=args.steps,
                            folder=Path(folder))
                row["device"] = device.platform
                rows.append(row)
                later = row["later_iteration_seconds"]
                print(f"{kind:9s} {regime:10s} {row['size']} {row['steps']} steps x batch {row['batch_size']}: "
                      f"first iteration {row['first_iteration_seconds']:.1f} s, later "
                      f"{'-' if later is None else f'{later:.1f} s'}; test loss "
                      + " ".join(f"{v:.4f}" for v in row["test_loss"]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
