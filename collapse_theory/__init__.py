"""collapse-theory: the theory of model collapse under replace, accumulate and other data regimes.

Regimes and model families load on first use (sympy and JAX are heavy), so ``import collapse_theory`` and
``collapse-theory --help`` start at once::

    >>> import collapse_theory as ct
    >>> ct.linear_regression.test_error(ct.accumulate(), 3, d=10, T=100)
    array([0.11235955, 0.14044944, 0.15293383])
"""

import importlib

__version__ = "0.1.0"

from .errors import CollapseTheoryError, InvalidParameterError, NoClosedFormError

# Regimes need sympy; they load on first use so that `collapse-theory --help` starts at once.
_REGIME_NAMES = ("KINDS", "Regime", "accumulate", "accumulate_subsample", "fresh_real", "from_name", "mix",
                 "replace", "replace_multiple", "window")
_SUBMODULES = ("linear_regression", "coefficients", "derivation", "symbolic", "gaussian", "kde", "optimize",
               "subsample", "subsample_linear", "distribution", "ridge", "kinds", "families", "schedule")

__all__ = [
    "__version__",
    "CollapseTheoryError",
    "InvalidParameterError",
    "NoClosedFormError",
    "KINDS",
    "Regime",
    "replace",
    "accumulate",
    "replace_multiple",
    "window",
    "mix",
    "fresh_real",
    "accumulate_subsample",
    "from_name",
    *_SUBMODULES,
]


def __getattr__(name):
    if name in _REGIME_NAMES:
        return getattr(importlib.import_module(".regimes", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
