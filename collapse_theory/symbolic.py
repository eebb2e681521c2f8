"""Shared sympy machinery: symbols, LaTeX printing, and turning expressions into numpy or JAX functions.

sympy runs at derivation time only; :func:`numeric` hands back a plain function that evaluates the expression
with numpy/scipy or with ``jax.numpy`` (so ``jax.grad`` and ``jax.vmap`` go through it).  Special functions
are rewritten first into forms both back ends know: harmonic numbers become Hurwitz zeta and digamma.
"""

from __future__ import annotations

import functools
import keyword
import re

import numpy as np
import sympy as sp
from sympy.printing.latex import LatexPrinter

__all__ = ["n", "d", "T", "sigma2", "latex", "numeric", "generic_branch", "identifier"]

#: Iteration index (1-indexed: iteration 1 fits the real data).
n = sp.Symbol("n", integer=True, positive=True)
#: Dimension and samples per iteration.
d = sp.Symbol("d", integer=True, positive=True)
T = sp.Symbol("T", integer=True, positive=True)
#: Noise variance sigma^2 (one symbol, printed as \sigma^{2}).
sigma2 = sp.Symbol("sigma^2", positive=True)


class _Printer(LatexPrinter):
    """LaTeX with the notation of the paper: H_n^{(2)} for generalised harmonic numbers."""

    def _print_harmonic(self, expr, exp=None):
        if len(expr.args) == 1 or expr.args[1] == 1:
            out = r"H_{%s}" % self._print(expr.args[0])
        else:
            out = r"H_{%s}^{(%s)}" % (self._print(expr.args[0]), self._print(expr.args[1]))
        return out if exp is None else r"\left(%s\right)^{%s}" % (out, exp)


def latex(expr) -> str:
    """LaTeX of ``expr`` in the toolkit's notation."""
    return _Printer().doprint(expr)


def generic_branch(expr):
    """Replace every Piecewise by its last (generic) branch.

    sympy's geometric sums split off the degenerate ratio 1 (for instance lambda = 0 in ``mix``); the
    symbolic display shows the generic case, and numeric regimes are derived with their values substituted
    first, so they never reach a degenerate branch.
    """
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1][0])


def _for_numerics(expr):
    # Harmonic numbers are not in numpy or jax; their zeta/digamma forms are in scipy and jax.scipy.
    expr = expr.replace(
        lambda e: isinstance(e, sp.harmonic) and len(e.args) == 2 and e.args[1] != 1,
        lambda e: sp.zeta(e.args[1]) - sp.zeta(e.args[1], e.args[0] + 1),
    )
    return expr.replace(
        lambda e: isinstance(e, sp.harmonic), lambda e: sp.polygamma(0, e.args[0] + 1) + sp.EulerGamma
    )


@functools.lru_cache(maxsize=None)
def _jax_modules():
    import jax.scipy.special as jss

    return [{"zeta": jss.zeta, "polygamma": jss.polygamma}, "jax"]


def identifier(name: str) -> str:
    """A Python argument name for a symbol: ``sigma^2`` -> ``sigma2``, ``lambda`` -> ``lambda_``."""
    out = re.sub(r"\W", "", name)
    out = out if out and not out[0].isdigit() else "x" + out
    return out + "_" if keyword.iskeyword(out) else out


def _as_float(value):
    # numpy refuses integers to negative integer powers (2**-n); the formulas are real-valued anyway.
    if isinstance(value, np.ndarray) and value.dtype.kind in "iub":
        return value.astype(np.float64)
    if isinstance(value, (np.integer, np.bool_)):
        return np.float64(value)
    return value


def numeric(expr, args, *, backend: str = "numpy"):
    """``sympy.lambdify(args, expr)`` for ``backend`` in {"numpy", "jax"}, special functions rewritten.

    Arguments keep their symbols' names (made valid identifiers by :func:`identifier`, so ``sigma^2`` is
    ``sigma2``), positional or keyword.  The numpy function broadcasts over array arguments and accepts integer
    arrays; the JAX one is traceable (``jax.grad``, ``jax.vmap``, ``jax.jit``).
    """
    if backend not in ("numpy", "jax"):
        raise ValueError(f"backend must be 'numpy' or 'jax', got {backend!r}")
    clean = {a: sp.Symbol(identifier(a.name), **a.assumptions0) for a in args if identifier(a.name) != a.name}
    expr, args = sp.sympify(expr).xreplace(clean), [clean.get(a, a) for a in args]
    expr = sp.sympify(_for_numerics(expr)).evalf() if expr.has(sp.EulerGamma) else _for_numerics(expr)
    modules = ["scipy", "numpy"] if backend == "numpy" else _jax_modules()
    f = sp.lambdify(args, expr, modules=modules)
    if backend == "jax":
        return f

    @functools.wraps(f)
    def evaluate(*values, **named):
        return f(*map(_as_float, values), **{key: _as_float(v) for key, v in named.items()})

    return evaluate
