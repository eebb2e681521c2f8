"""A small on-disk cache of derived sympy expressions, so the CLI does not re-derive on every call.

Entries live under ``$COLLAPSE_THEORY_CACHE`` (default ``$XDG_CACHE_HOME/collapse-theory`` or
``~/.cache/collapse-theory``), one file per (function, regime, options, package version), holding the
expression's ``srepr``.  Writes are atomic (temporary file, then rename); an unreadable entry is re-derived.
Set ``COLLAPSE_THEORY_CACHE=off`` to disable.  The command line also keeps JAX's compiled simulators in its
``xla/`` subfolder (:func:`collapse_theory.cli._persist_compilations`).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import sympy as sp

from ._atomic import atomic_write_bytes

__all__ = ["disk_cached", "cache_dir"]


def cache_dir() -> Path | None:
    setting = os.environ.get("COLLAPSE_THEORY_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "collapse-theory"


def disk_cached(fn):
    """Cache ``fn(regime, **options) -> sympy expression`` on disk, keyed by its arguments and the version."""

    @functools.wraps(fn)
    def wrapper(regime, **options):
        from . import __version__

        directory = cache_dir()
        if directory is None:
            return fn(regime, **options)
        key = repr((fn.__module__, fn.__qualname__, regime, sorted(options.items()), __version__))
        path = directory / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".srepr")
        try:
            return sp.sympify(path.read_text()) if path.exists() else _store(fn(regime, **options), path)
        except (OSError, SyntaxError, TypeError, ValueError, sp.SympifyError):
            return fn(regime, **options)

    return wrapper


def _store(expr, path: Path):
    try:
        atomic_write_bytes(path, sp.srepr(expr).encode())
    except OSError:  # a read-only home must not stop a derivation
        pass
    return expr
