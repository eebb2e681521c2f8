"""The neural runs behind the paper's empirical figures: which runs, where they live, and how to train one.

:func:`needed` lists every run the neural figures draw (``make neural`` and ``make figures`` train the same
list, into the same resumable run directories of :func:`simulations.neural.cli.default_run_dir`):

- every kind (VAE, diffusion, language model) under replace, accumulate and accumulate-subsample with a budget
  of ``N`` (the real set's size: the paper's fixed-compute, fixed-storage variant), over :data:`SEEDS`;
- the language model at temperature 0.3 under replace and accumulate (the paper's Table 2 compares 1 and 0.3);
- the language model at two more sizes (``small`` and ``big``, ``simulations.neural.lm.MODELS``) under
  replace and accumulate (the paper compares four models);
- the language model under accumulate with the fixed-epochs protocol (``compute="epochs"``), beside the
  default fixed-steps one; replace's pool never grows, so its two protocols are the same run.

``python -m simulations.neural.runs [--fast] [--jobs N] [--data DIR] [KIND ...]`` trains whatever is missing
(:mod:`simulations.neural.pool`); ``python -m simulations.neural.runs --worker`` is one worker process.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Spec", "SEEDS", "KIND_ORDER", "needed", "train", "finished", "main"]

#: Seeds of every run; three give a seed standard error.
SEEDS = (0, 1, 2)
#: Kinds in the order their figures are drawn.
KIND_ORDER = ("lm", "vae", "diffusion")
#: Regimes every kind runs.
REGIMES = ("replace", "accumulate", "accumulate-subsample")


@dataclass(frozen=True)
class Spec:
    """One run: a kind, a regime kind (accumulate-subsample gets budget ``N``), a seed and its variant."""

    kind: str
    regime: str
    seed: int
    temperature: float = 1.0
    compute: str = "steps"
    model: str = "base"

    def task(self, size: str):
        import importlib

        from .cli import KINDS

        module = importlib.import_module(KINDS[self.kind])
        return module.build(size, model=self.model) if self.kind == "lm" else module.build(size)

    def regime_value(self, n_real: int):
        from collapse_theory.regimes import Regime

        options = {"budget": n_real} if self.regime == "accumulate-subsample" else {}
        return Regime(self.regime, temperature=self.temperature, **options)

    def run_dir(self, size: str, n_real: int, root=None) -> Path:
        from .cli import default_run_dir

        return default_run_dir(self.kind, self.regime_value(n_real), self.seed, size=size, compute=self.compute,
                               model_size=self.model, root=root)

    @property
    def name(self) -> str:
        """The run's short label, e.g. ``lm accumulate tau0.3 epochs big seed 1``."""
        parts = [self.kind, self.regime]
        parts += [f"tau{self.temperature:g}"] * (self.temperature != 1.0) + [self.compute] * (self.compute != "steps")
        parts += [self.model] * (self.model != "base")
        return " ".join(parts + [f"seed {self.seed}"])

    def cost(self, iterations: int) -> float:
        """Work in units of one fixed-steps iteration of the base model (for scheduling and estimates)."""
        per_iteration = {"small": 0.5, "base": 1.0, "big": 2.5}[self.model]
        if self.compute == "epochs" and self.regime == "accumulate":
            return per_iteration * iterations * (iterations + 1) / 2  # iteration g trains g epochs' worth
        return per_iteration * iterations


def needed(kinds=KIND_ORDER, seeds=SEEDS) -> list:
    """Every run the neural figures of ``kinds`` draw, the main comparison first."""
    specs = [Spec(k, r, s) for k in KIND_ORDER if k in kinds for r in REGIMES for s in seeds]
    if "lm" in kinds:
        specs += [Spec("lm", r, s, temperature=0.3) for r in ("replace", "accumulate") for s in seeds]
        specs += [Spec("lm", r, s, model=m) for m in ("small", "big") for r in ("replace", "accumulate")
                  for s in seeds]
        specs += [Spec("lm", "accumulate", s, compute="epochs") for s in seeds]
    return specs


def finished(spec: Spec, size: str, root=None):
    """The run's result.json if it is complete and of the current settings, else None (nothing is trained)."""
    task = spec.task(size)
    path = spec.run_dir(size, len(task.train), root) / "result.json"
    if not path.is_file():
        return None
    result = json.loads(path.read_text())
    config = json.loads((path.parent / "config.json").read_text())
    from collapse_theory import __version__

    current = (config.get("task") == json.loads(json.dumps(task.params)) and config.get("compute") == spec.compute
               and config.get("version") == __version__ and len(result["iterations"]) == task.default_iterations)
    return result if current else None


def train(spec: Spec, size: str, root=None) -> dict:
    """Train (or resume, or read back) ``spec`` at ``size`` for its kind's default number of iterations.

    A run directory left by other settings (an older version or size table) is set aside as
    ``<dir>.superseded`` rather than mixed with the new run.
    """
    from .loop import run

    task = spec.task(size)
    run_dir = spec.run_dir(size, len(task.train), root)
    try:
        return run(task, spec.regime_value(len(task.train)), seed=spec.seed, iterations=task.default_iterations,
                   run_dir=run_dir, compute=spec.compute)
    except Exception as exc:  # a stale half-finished directory of other settings: set aside, start afresh
        if "different settings" not in str(exc):
            raise
        run_dir.rename(run_dir.with_name(run_dir.name + ".superseded"))
        return run(task, spec.regime_value(len(task.train)), seed=spec.seed, iterations=task.default_iterations,
                   run_dir=run_dir, compute=spec.compute)


def _worker() -> int:
    """Read one JSON request per line on stdin, train it, answer one JSON line on stdout; exit on EOF."""
    import time

    for line in sys.stdin:
        request = json.loads(line)
        spec = Spec(**request["spec"])
        started, cpu = time.perf_counter(), time.process_time()
        try:
            train(spec, request["size"], request.get("root"))
            answer = {"ok": True}
        except Exception as exc:  # reported by the parent, which stops handing out work
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        answer.update(spec=asdict(spec), seconds=time.perf_counter() - started, cpu=time.process_time() - cpu)
        print(json.dumps(answer), flush=True)
    return 0


def main(argv=None) -> int:
    import argparse

    from . import pool

    parser = argparse.ArgumentParser(prog="python -m simulations.neural.runs", description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", metavar="KIND", help="lm, vae, diffusion (default: all)")
    parser.add_argument("--fast", action="store_true", help="the --fast size (seconds per run)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--data", metavar="DIR", help="data folder holding neural/ (default figures/data)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker()
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    unknown = sorted(set(args.kinds) - set(KIND_ORDER))
    if unknown:
        parser.error(f"unknown kind {', '.join(unknown)}; valid: {', '.join(KIND_ORDER)}")
    specs = needed(tuple(args.kinds) or KIND_ORDER)
    pool.build(specs, "fast" if args.fast else "default", jobs=args.jobs, root=args.data)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
