"""Atomic file writes, shared by the derivation cache, the figure cache and the neural run directories.

The data go to a temporary file beside the target, are flushed and fsync'd, then ``os.replace`` (atomic on
POSIX) puts them in place and the directory is fsync'd: a reader sees the old file or the new one, never half
of one, whenever the writer is killed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Optional

__all__ = ["atomic_write", "atomic_write_bytes"]


def atomic_write(path, write: Callable, *, prefix: Optional[str] = None) -> None:
    """Write ``path`` through ``write(binary_file)`` atomically; ``prefix`` names the temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix or f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # mkstemp makes 0600; results are meant to be read by others
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def atomic_write_bytes(path, data: bytes, *, prefix: Optional[str] = None) -> None:
    """Replace ``path`` by ``data`` atomically."""
    atomic_write(path, lambda handle: handle.write(data), prefix=prefix)
