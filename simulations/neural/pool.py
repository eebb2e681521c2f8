"""Train a list of neural runs in worker processes, with a progress line per run and an estimate of what is left.

Each worker is a ``python -m simulations.neural.runs --worker`` process that trains one run at a time from a shared
queue (:func:`simulations.workers.serve`; the costliest first, so the two workers finish together), reusing its
compiled functions across runs of a kind.  Workers train in float32 on one thread each (what
``collapse-theory neural`` computes, and the same numbers whichever worker or build trains a run), and keep their
compiled code in JAX's on-disk cache beside the derivation cache, so a second build compiles nothing.  A run
killed half-way resumes from its last checkpoint (:mod:`simulations.neural.checkpoint`), so an interrupted build
finishes with the same results.

The estimate of what is left is the remaining work (:meth:`Spec.cost`) times the seconds per unit measured on
the runs finished so far in this build (per kind; before the first, the rates in :data:`RATES`, measured on
2 shared CPU cores), divided by the number of workers.
"""

from __future__ import annotations

import sys
from dataclasses import asdict

from .. import workers
from . import runs

__all__ = ["build", "RATES", "estimate"]

#: Wall seconds per unit of work (one fixed-steps iteration of the base model) at each size, per kind.
RATES = {"default": {"lm": 4.0, "vae": 1.5, "diffusion": 3.0}, "fast": {"lm": 0.3, "vae": 0.3, "diffusion": 0.3}}


def estimate(specs, size: str, jobs: int, rates=None) -> float:
    """Seconds of wall time the ``specs`` take on ``jobs`` workers at the given per-kind rates."""
    rates = {**RATES.get(size, RATES["default"]), **(rates or {})}
    return sum(spec.cost(_iterations(spec, size)) * rates[spec.kind] for spec in specs) / max(jobs, 1)


def _iterations(spec, size):
    return spec.task(size).default_iterations


def _environment() -> dict:
    env = workers.environment()
    env["JAX_ENABLE_X64"] = "0"  # the CLI's float32, whatever the figures process chose for itself
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false "
                        "intra_op_parallelism_threads=1").strip()
    return env


def build(specs, size: str = "default", *, jobs: int = 2, root=None, log=None) -> list:
    """Train every spec not yet finished at ``size``; return the specs trained.  Raises if a run fails."""
    log = log or sys.stderr
    todo = [spec for spec in specs if runs.finished(spec, size, root) is None]
    if not todo:
        return []
    todo.sort(key=lambda spec: -spec.cost(_iterations(spec, size)))
    jobs = max(1, min(jobs, len(todo)))
    print(f"neural: {len(todo)} of {len(specs)} runs to train at the {size} size on {jobs} worker(s), "
          f"estimated {_minutes(estimate(todo, size, jobs))}", file=log, flush=True)
    done, measured = [], {}  # measured: kind -> [seconds, cost units]

    def answered(spec, answer, unfinished):
        done.append(spec)
        seconds, units = measured.get(spec.kind, (0.0, 0.0))
        measured[spec.kind] = (seconds + answer["seconds"], units + spec.cost(_iterations(spec, size)))
        rates = {kind: s / c for kind, (s, c) in measured.items() if c > 0}
        print(f"neural: [{len(done)}/{len(todo)}] {spec.name} in {answer['seconds']:.0f} s "
              f"(CPU {answer['cpu']:.0f} s); about {_minutes(estimate(unfinished, size, jobs, rates))} left",
              file=log, flush=True)

    where = None if root is None else str(root)
    workers.serve([sys.executable, "-m", "simulations.neural.runs", "--worker"], todo, jobs=jobs, env=_environment(),
                  request=lambda spec: {"spec": asdict(spec), "size": size, "root": where},
                  name=lambda spec: spec.name, on_answer=answered, what="neural runs")
    return done


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"
