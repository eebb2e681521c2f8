"""A named registry filled by importing its modules on first use: what the regime kinds and the families share.

Registration happens at import of the modules in ``modules`` (built-ins first; a new regime or family adds its
module name to that list), the first time anything is looked up, so importing the registry itself stays light.
"""

from __future__ import annotations

import importlib

__all__ = ["Registry"]


class Registry:
    """Values by name, in registration order; ``what`` names them in error messages (``regime``, ``model``)."""

    def __init__(self, what: str, modules: list):
        self.what, self.modules = what, modules
        self._values: dict = {}
        self._loaded = False

    def add(self, name: str, value) -> None:
        self._values[name] = value

    def remove(self, name: str) -> None:
        self._values.pop(name, None)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self.modules:
                importlib.import_module(module)

    def values(self) -> tuple:
        self._load()
        return tuple(self._values.values())

    def names(self) -> tuple:
        self._load()
        return tuple(self._values)

    def get(self, name: str):
        """The value called ``name``; ``InvalidParameterError`` naming the valid ones."""
        self._load()
        if name not in self._values:
            from .errors import InvalidParameterError

            raise InvalidParameterError(f"{self.what} must be one of {', '.join(self._values)}, got {name!r}")
        return self._values[name]
