"""``python -m figures [NAME ...] [--fast] [--jobs N] [--out DIR] [--data DIR] [--stamps DIR]``: build figures.

Without names, every figure of :data:`figures.FIGURES` is built.  One process builds them all, so the
imports and the JAX compilations that figures share are paid once; ``--jobs 2`` splits them over two worker
processes along :data:`figures.LANES` (figures sharing compilations stay together), one per CPU core.  A figure whose data source is missing
(:class:`figures.sources.MissingData`) prints how to produce it and is skipped; a figure that fails prints
its traceback and the others still build (exit status 1 at the end).  ``--stamps DIR`` touches ``DIR/NAME``
after each figure built or skipped, which is how ``make`` knows it is up to date.  An unknown name exits 2
with one ``error:`` line.  With ``--jobs 2`` the build fails (exit 1 or the worker's status) when any worker
fails or dies by a signal (``kill -9``), naming the figures it was building.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from . import FIGURES, LANES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m figures", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"figures to build: {', '.join(FIGURES)}")
    parser.add_argument("--fast", action="store_true", help="few seeds and iterations (seconds; for tests)")
    parser.add_argument("--out", help="output folder (default figures/out)")
    parser.add_argument("--data", help="cache folder (default figures/data)")
    parser.add_argument("--stamps", help="folder of make's stamp files, touched per finished figure")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (1 or 2; default 1)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in FIGURES]
    if unknown:
        print(f"error: unknown figure {', '.join(unknown)}; valid: {', '.join(FIGURES)}", file=sys.stderr)
        return 2
    # The simulators compute in the precision their config names (float64 by default), so nothing global is
    # set for it here; the platform is chosen by environment so JAX stays unimported where it is not needed.
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    from .sources import MissingData

    names = list(dict.fromkeys(args.names)) or list(FIGURES)
    if args.jobs > 1:
        return _parallel(names, args)
    failed = []
    for i, name in enumerate(names, 1):
        start, cpu = time.perf_counter(), time.process_time()
        print(f"figures: [{i}/{len(names)}] {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(FIGURES[name])
            written = module.main(fast=args.fast, out=args.out, data=args.data)
        except MissingData as e:
            print(f"figures: {name} skipped: {e}", file=sys.stderr)
        except Exception:  # one broken figure must not stop the others; make still sees the failure
            traceback.print_exc()
            print(f"figures: {name} FAILED", file=sys.stderr)
            failed.append(name)
            continue
        else:
            files = ", ".join(str(p) for p in written)
            print(f"figures: {name} done in {time.perf_counter() - start:.1f} s "
                  f"(CPU {time.process_time() - cpu:.1f} s): {files}", file=sys.stderr)
        if args.stamps:
            stamp = Path(args.stamps) / name
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
    if failed:
        print(f"figures: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _parallel(names, args) -> int:
    """Run the names of each lane in its own ``python -m figures`` process; fail if any worker fails."""
    lanes = [[n for n in names if LANES.get(n, 1) == lane] for lane in (0, 1)]
    options = ["--fast"] * args.fast + [f"--{o}={v}" for o in ("out", "data", "stamps")
                                        if (v := getattr(args, o)) is not None]
    workers = [(lane, subprocess.Popen([sys.executable, "-m", "figures", *options, *lane])) for lane in lanes if lane]
    return _status([(lane, worker.wait()) for lane, worker in workers])


def _status(finished) -> int:
    """The build's exit status from ``(lane names, worker returncode)`` pairs: 0 only if every worker exited 0.

    A worker killed by a signal has a negative returncode (``-9`` for ``kill -9``); taking the largest code
    would count it as success while its figures are missing, so any non-zero code fails the build, with one
    line naming the figures that worker was building.
    """
    status = 0
    for lane, code in finished:
        if code == 0:
            continue
        if code < 0:
            try:
                how = f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit status {code}"
        print(f"figures: worker building {', '.join(lane)} failed ({how})", file=sys.stderr, flush=True)
        status = max(status, code if code > 0 else 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
