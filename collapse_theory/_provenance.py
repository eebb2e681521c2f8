"""Where a stored result came from: the git revision of the working tree, recorded beside figures and runs."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

__all__ = ["revision"]


@functools.lru_cache(maxsize=1)
def revision() -> str:
    """The git revision of the checkout holding the package (``"unknown"`` outside one)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True,
                             timeout=10, check=True)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
