"""Discover and run every ``benchmarks/bench_*.py`` module's ``main()`` (``make bench``).

``python -m benchmarks [NAME ...]`` runs only the modules whose name contains one of the NAMEs.
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv=None) -> int:
    wanted = list(sys.argv[1:] if argv is None else argv)
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    for name in names:
        if wanted and not any(w in name for w in wanted):
            continue
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
