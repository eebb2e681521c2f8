"""Frozen simulation configs: one dataclass per family, overridable by keywords."""

from __future__ import annotations

from dataclasses import fields, replace

from collapse_theory.errors import InvalidParameterError

__all__ = ["merge"]


def merge(cls, config, options: dict):
    """``config`` (an instance of ``cls`` or ``None``) with the keyword ``options`` applied; unknown names refused."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise InvalidParameterError(f"unknown simulation option {unknown[0]!r}; options are {', '.join(sorted(known))}")
    if config is not None and not isinstance(config, cls):
        raise InvalidParameterError(f"config must be a {cls.__module__}.{cls.__qualname__}, got {config!r}")
    return replace(config or cls(), **options)
