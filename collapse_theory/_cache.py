"""A small on-disk cache of derived sympy expressions, so the CLI does not re-derive on every call.

Entries live under ``$COLLAPSE_THEORY_CACHE`` (default ``$XDG_CACHE_HOME/collapse-theory`` or
``~/.cache/collapse-theory``), one JSON file per (function, regime, options, package version)::

    {"format": 1, "key": <the key text>, "tree": <collapse_theory._exprtree tree>, "sha256": <hex>}

``sha256`` is taken over the canonical JSON of ``[key, tree]``.  An entry is read by parsing that tree
(:func:`collapse_theory._exprtree.decode`, a lookup in a fixed table of sympy classes), never by ``sympify`` or
``eval``: a file holding code is refused, not run.  An entry that does not parse, whose checksum or key does not
match (a one-byte edit, a truncation, another derivation's file) is re-derived and rewritten.  Writes are atomic
(temporary file, then rename).  Set ``COLLAPSE_THEORY_CACHE=off`` to disable.  The command line also keeps JAX's
compiled simulators in its ``xla/`` subfolder (:func:`collapse_theory.cli._persist_compilations`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from . import _exprtree
from ._atomic import atomic_write_bytes

__all__ = ["disk_cached", "cache_dir", "entry_path", "read_entry", "write_entry"]

FORMAT = 1
SUFFIX = ".expr.json"
#: Larger files are not derivation results; refusing them bounds the work of reading a planted file.
MAX_BYTES = 16 * 2**20


def cache_dir() -> Path | None:
    setting = os.environ.get("COLLAPSE_THEORY_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "collapse-theory"


def _key(fn, regime, options) -> str:
    from . import __version__

    return repr((fn.__module__, fn.__qualname__, regime, sorted(options.items()), __version__))


def entry_path(directory: Path, key: str) -> Path:
    return Path(directory) / (hashlib.sha256(key.encode()).hexdigest()[:32] + SUFFIX)


def _checksum(key: str, tree) -> str:
    return hashlib.sha256(json.dumps([key, tree], separators=(",", ":")).encode()).hexdigest()


def read_entry(path: Path, key: str):
    """The stored expression, or None if the entry is missing, damaged, foreign or outside the format."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        record = json.loads(path.read_bytes())
        if (not isinstance(record, dict) or record.get("format") != FORMAT or record.get("key") != key
                or record.get("sha256") != _checksum(key, record.get("tree"))):
            return None
        return _exprtree.decode(record["tree"])
    except (OSError, ValueError, TypeError, KeyError, RecursionError):  # ValueError covers UnsupportedNode
        return None


def write_entry(path: Path, key: str, expr) -> bool:
    """Store ``expr`` atomically; False (nothing written) when it is outside the format or the disk refuses."""
    try:
        tree = _exprtree.encode(expr)
    except (_exprtree.UnsupportedNode, RecursionError):
        return False
    record = {"format": FORMAT, "key": key, "tree": tree, "sha256": _checksum(key, tree)}
    try:
        atomic_write_bytes(path, json.dumps(record, separators=(",", ":")).encode())
    except OSError:  # a read-only home must not stop a derivation
        return False
    return True


def disk_cached(fn):
    """Cache ``fn(regime, **options) -> sympy expression`` on disk, keyed by its arguments and the version."""

    @functools.wraps(fn)
    def wrapper(regime, **options):
        directory = cache_dir()
        if directory is None:
            return fn(regime, **options)
        key = _key(fn, regime, options)
        path = entry_path(directory, key)
        found = read_entry(path, key)
        if found is not None:
            return found
        expr = fn(regime, **options)
        write_entry(path, key, expr)  # replaces a damaged entry as well as filling a missing one
        return expr

    return wrapper
