"""The result cache under ``figures/data/``: open formats, keyed by config and code, checksummed, resumable.

An entry is two files named by :func:`key`, a SHA-256 of the canonical JSON of the config, the package version
and :func:`source_hash` of the packages that compute it (``collapse_theory`` for a ``theory-*`` entry, also
``simulations`` for every other one).  So a new version, or any edit of a module that computes the numbers,
never reads an old entry: the entry is recomputed, as Snakemake's code-change trigger does::

    <name>-<key>.npz    the arrays (numpy's open zip format)
    <name>-<key>.json   the sidecar: {"key", "config", "version", "revision", "code", "arrays", "sha256"}

``sha256`` is the digest of the ``.npz`` bytes, checked on every read: an entry whose arrays were damaged or
rewritten after the fact is recomputed, with one line on stderr saying so.

Each file is written to a temporary file in the same directory, flushed and fsync'd, then moved into place
with ``os.replace`` (atomic on POSIX), and the directory is fsync'd.  The sidecar is written last and is the
commit mark: an entry without its sidecar does not exist.  So a run killed at any moment (even ``kill -9``)
leaves only complete files or ``.tmp-*`` leftovers, which are never read; the next run recomputes exactly the
entries whose sidecar is missing.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from collapse_theory._atomic import atomic_write

from . import paths

__all__ = ["key", "entry", "load", "store", "cached", "revision", "source_hash", "packages_for",
           "atomic_write_bytes", "TEMP_PREFIX"]

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


def packages_for(config: Mapping) -> tuple[str, ...]:
    """The packages whose source computes ``config``'s entry: the theory alone, or theory and simulators."""
    if str(config.get("name", "")).startswith("theory-"):
        return ("collapse_theory",)
    return ("collapse_theory", "simulations")


@functools.lru_cache(maxsize=None)
def _package_hash(package: str) -> str:
    """SHA-256 over the relative path and bytes of every ``.py`` file of ``package``, in path order."""
    spec = importlib.util.find_spec(package)
    digest = hashlib.sha256(package.encode())
    for root in sorted(spec.submodule_search_locations or ()):
        for path in sorted(Path(root).rglob("*.py")):
            digest.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def source_hash(packages) -> str:
    """16 hex digits over the sources of ``packages`` (each hashed once per process)."""
    text = ",".join(f"{p}:{_package_hash(p)}" for p in sorted(packages))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def key(config: Mapping) -> str:
    """16 hex digits of SHA-256 over the canonical JSON of ``config``, the package version and the source
    hash of the packages that compute it (:func:`packages_for`)."""
    text = _canonical({"config": config, "version": _version(), "code": source_hash(packages_for(config))})
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
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    payload = buffer.getvalue()
    atomic_write_bytes(npz, payload)
    packages = packages_for(config)
    meta = {"key": key(config), "config": json.loads(_canonical(config)), "version": _version(),
            "revision": revision(), "code": {"packages": list(packages), "sha256": source_hash(packages)},
            "arrays": sorted(arrays), "sha256": hashlib.sha256(payload).hexdigest()}
    atomic_write_bytes(sidecar, (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode())
    return npz


def _read(config: Mapping, data=None):
    """``(arrays, None)``, ``(None, None)`` for an absent or uncommitted entry, ``(None, why)`` if damaged."""
    npz, sidecar = entry(config, data=data)
    try:
        text = sidecar.read_bytes()
    except FileNotFoundError:
        return None, None  # never committed (or killed before the sidecar): recompute silently
    except OSError as e:
        return None, f"unreadable sidecar ({e.strerror})"
    try:
        meta = json.loads(text)
        if not isinstance(meta, dict) or meta.get("key") != key(config):
            return None, "sidecar does not match its key"
        payload = npz.read_bytes()
    except FileNotFoundError:
        return None, "arrays file missing"
    except (OSError, ValueError) as e:
        return None, f"unreadable entry ({type(e).__name__})"
    if hashlib.sha256(payload).hexdigest() != meta.get("sha256"):
        return None, "checksum mismatch"
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as f:
            arrays = {name: f[name] for name in f.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        return None, f"unreadable arrays ({type(e).__name__})"
    if sorted(arrays) != meta.get("arrays"):
        return None, "arrays differ from the sidecar"
    return arrays, None


def load(config: Mapping, *, data=None) -> dict | None:
    """The arrays stored for ``config``, or ``None`` if the entry is missing, uncommitted or damaged."""
    return _read(config, data)[0]


def cached(config: Mapping, compute: Callable[[], Mapping[str, np.ndarray]], *, data=None) -> dict:
    """``load(config)`` if present and intact, else ``compute()``, stored atomically and returned.

    A damaged entry (checksum, sidecar or arrays not as committed) prints one line on stderr.
    """
    found, problem = _read(config, data)
    if found is not None:
        return found
    if problem is not None:
        print(f"figures: cache entry {entry(config, data=data)[0].name} is damaged ({problem}); recomputing",
              file=sys.stderr, flush=True)
    arrays = {name: np.asarray(value) for name, value in compute().items()}
    store(config, arrays, data=data)
    return arrays
