"""``python -m figures [NAME ...] [--fast] [--out DIR] [--data DIR]``: build figures, skipping absent data.

Without names, every figure of :data:`figures.FIGURES` is built.  A figure whose data source is missing
(:class:`figures.sources.MissingData`) prints how to produce it and is skipped; the exit status stays 0 so
``make figures`` builds the rest.  An unknown name exits 2 with one ``error:`` line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

from . import FIGURES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m figures", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"figures to build: {', '.join(FIGURES)}")
    parser.add_argument("--fast", action="store_true", help="few seeds and iterations (seconds; for tests)")
    parser.add_argument("--out", help="output folder (default figures/out)")
    parser.add_argument("--data", help="cache folder (default figures/data)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in FIGURES]
    if unknown:
        print(f"error: unknown figure {', '.join(unknown)}; valid: {', '.join(FIGURES)}", file=sys.stderr)
        return 2
    # The figures compare float64 theory with simulation.  This process is the entry point, so it chooses;
    # environment variables rather than jax.config keep JAX unimported for figures that do not need it.
    os.environ.setdefault("JAX_ENABLE_X64", "1")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    from .sources import MissingData

    for name in args.names or list(FIGURES):
        start = time.perf_counter()
        module = importlib.import_module(FIGURES[name])
        try:
            written = module.main(fast=args.fast, out=args.out, data=args.data)
        except MissingData as e:
            print(f"figures: {name} skipped: {e}", file=sys.stderr)
            continue
        files = ", ".join(str(p) for p in written)
        print(f"figures: {name} done in {time.perf_counter() - start:.1f} s: {files}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
