"""Exceptions raised on invalid input.

Every error is a :class:`ValueError` subclass whose message names the violated condition and what is valid,
so a caller can catch ``ValueError`` and the CLI can print the message as one ``error:`` line.
"""

from __future__ import annotations

__all__ = ["CollapseTheoryError", "InvalidParameterError", "NoClosedFormError"]


class CollapseTheoryError(ValueError):
    """Base class of every error the toolkit raises on bad input."""


class InvalidParameterError(CollapseTheoryError):
    """A parameter is outside its valid domain (for instance T <= d + 1, where the expectation is infinite)."""


class NoClosedFormError(CollapseTheoryError):
    """The requested quantity has no known closed form for this regime; the message says what to use instead."""
