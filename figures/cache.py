"""The result cache under ``figures/data/``: open formats, keyed by config, atomic writes, resumable.

An entry is two files named by :func:`key` (a SHA-256 of the canonical JSON of the config and the package
version, so a new version never reads an old entry)::

    <name>-<key>.npz    the arrays (numpy's open zip format)
    <name>-<key>.json   the sidecar: {"key", "config", "version", "revision", "arrays"}

Each file is written to a temporary file in the same directory, flushed and fsync'd, then moved into place
with ``os.replace`` (atomic on POSIX), and the directory is fsync'd.  The sidecar is written last and is the
commit mark: an entry without its sidecar does not exist.  So a run killed at any moment (even ``kill -9``)
leaves only complete files or ``.tmp-*`` leftovers, which are never read; the next run recomputes exactly the
entries whose sidecar is missing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from collapse_theory._atomic import atomic_write

from . import paths

__all__ = ["key", "entry", "load", "store", "cached", "revision", "atomic_write_bytes", "TEMP_PREFIX"]

TEMP_PREFIX = ".tmp-"


def _version() -> str:
    import collapse_theory

    return collapse_theory.__version__


def _canonical(config: Mapping) -> str:
    return json.dumps(config, sort_keys=True, separators=(",", ":"), default=_jsonable)


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"config values must be JSON numbers, strings, lists or dicts, got {type(value).__name__}")


def key(config: Mapping) -> str:
    """16 hex digits of SHA-256 over the canonical JSON of ``config`` plus the package version."""
    text = _canonical({"config": config, "version": _version()})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def revision() -> str:
    """The git revision of the working tree (``unknown`` outside a checkout), stored in every sidecar."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True,
                             timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def entry(config: Mapping, *, data=None) -> tuple[Path, Path]:
    """The ``(npz, sidecar)`` paths of ``config``'s entry (``config["name"]`` prefixes the file names)."""
    name = str(config.get("name", "result")).replace("/", "_")
    stem = f"{name}-{key(config)}"
    root = Path(data) if data is not None else paths.DATA
    return root / f"{stem}.npz", root / f"{stem}.json"


def _atomic_write(path: Path, write: Callable) -> None:
    """Write through ``write(file)`` into a ``.tmp-*`` file beside ``path``, fsync, then ``os.replace``."""
    atomic_write(path, write, prefix=TEMP_PREFIX)


def atomic_write_bytes(path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically (used for figure files as well as cache entries)."""
    _atomic_write(Path(path), lambda f: f.write(data))


def store(config: Mapping, arrays: Mapping[str, np.ndarray], *, data=None) -> Path:
    """Write ``arrays`` under ``config``'s key: the ``.npz`` first, then the sidecar that commits it."""
    npz, sidecar = entry(config, data=paths.data_dir(data))
    arrays = {name: np.asarray(value) for name, value in arrays.items()}
    _atomic_write(npz, lambda f: np.savez(f, **arrays))
    meta = {"key": key(config), "config": json.loads(_canonical(config)), "version": _version(),
            "revision": revision(), "arrays": sorted(arrays)}
    atomic_write_bytes(sidecar, (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode())
    return npz


def load(config: Mapping, *, data=None) -> dict | None:
    """The arrays stored for ``config``, or ``None`` if the entry is missing, uncommitted or unreadable."""
    npz, sidecar = entry(config, data=data)
    try:
        meta = json.loads(sidecar.read_text())
        if meta.get("key") != key(config):
            return None
        with open(npz, "rb") as handle, np.load(handle, allow_pickle=False) as f:
            arrays = {name: f[name] for name in f.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # missing, or damaged: recompute
        return None
    if sorted(arrays) != meta.get("arrays"):
        return None
    return arrays


def cached(config: Mapping, compute: Callable[[], Mapping[str, np.ndarray]], *, data=None) -> dict:
    """``load(config)`` if present, else ``compute()``, stored atomically and returned."""
    found = load(config, data=data)
    if found is not None:
        return found
    arrays = {name: np.asarray(value) for name, value in compute().items()}
    store(config, arrays, data=data)
    return arrays
