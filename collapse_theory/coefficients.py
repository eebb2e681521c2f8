"""The coefficient recursion: the single source of truth for every regime's test error (docs/theory/formalism.md §2).

With ``delta_n = w_n - w*`` linear in the noise, ``delta_n = sum_s c_{n s} Z_s`` where ``Z_s = X^+ E_s`` and

    c_{n s} = alpha_{n s} + sum_{s'} alpha_{n s'} c_{p(s'), s}        (c_{truth, s} = 0),

so that, the ``Z_s`` being independent with covariance ``v_s sigma^2 (X^T X)^{-1}``,

    E_test(n) = sigma^2 kappa F_n,     F_n = sum_s c_{n s}^2 v_s,     v_s = tau_s^2 / m_s.

This module evaluates ``c`` and the error factor ``F_n`` directly from a :class:`~collapse_theory.Regime`'s
weights, exactly in rationals or in float64.  The closed forms of :mod:`collapse_theory.linear_regression`
are derived separately and tested against it.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import compress, repeat
from operator import is_not

import numpy as np
import sympy as sp

from . import _validate
from .errors import NoClosedFormError
from .regimes import Regime

__all__ = ["coefficients", "error_factors"]


def _number(x, exact: bool):
    if exact:
        p, q = x.as_numer_denom()
        return Fraction(int(p), int(q))
    return 0.0 if x is sp.S.Zero else float(x)  # most weights of a long window are zero: skip sympy's conversion


def coefficients(regime: Regime, n_max: int, *, exact: bool = True):
    """Return ``(sources, c)`` with ``c[n-1][s]`` the coefficient of source ``s`` in ``delta_n``, n = 1..n_max.

    ``exact=True`` computes in :class:`fractions.Fraction` (cost grows like ``n_max^3`` for accumulate);
    ``exact=False`` in float64 with numpy.
    """
    if not regime.has_closed_form:
        raise NoClosedFormError(
            f"regime {regime.kind} fits a random subset of the pool and is outside the fixed-design "
            "recursion; simulate it with `collapse-theory simulate`"
        )
    n_max = _validate.integer("n", n_max)
    rows = []
    sources = ()
    zero = sp.S.Zero
    numbers = {}  # a weight recurs (a window's 1/k on each of its k sources, at every iteration): convert it once
    for sources, alpha in regime.iter_weights(n_max):
        # Only the nonzero weights are converted and followed (found by identity, at C speed): a long window
        # weighs its last k sources only, and visiting every zero made wide windows quadratic in Python.
        # Any other zero (never produced by sympy's arithmetic) takes the general path, to the same value.
        nonzero = list(compress(range(len(alpha)), map(is_not, alpha, repeat(zero))))
        a = []
        for s in nonzero:
            x = alpha[s]
            value = numbers.get(x)
            if value is None:
                value = numbers[x] = _number(x, exact)
            a.append(value)
        if exact:
            c = [Fraction(0)] * len(alpha)
            for s, value in zip(nonzero, a):
                c[s] = value
        else:
            c = np.zeros(len(alpha), dtype=np.float64)
            c[nonzero] = a
        # Group the weight on previous-model sources by the model they were sampled from, so each earlier
        # coefficient vector is added once per iteration.
        parents = {}
        for s, weight in zip(nonzero, a):
            source = sources[s]
            if source.parent == "previous" and weight != 0:
                parents[source.iteration - 1] = parents.get(source.iteration - 1, 0) + weight
        for m, weight in parents.items():
            previous = rows[m - 1]
            if exact:
                for s, value in enumerate(previous):
                    c[s] += weight * value
            else:
                c[: len(previous)] += weight * previous
        rows.append(c)
    return sources, rows


def error_factors(regime: Regime, n_max: int, *, exact: bool = True):
    """``F_n = sum_s c_{n s}^2 tau_s^2 / m_s`` for ``n = 1..n_max``: test error in units of ``sigma^2 kappa``.

    Returns a list of :class:`fractions.Fraction` (``exact=True``) or a float64 array.
    """
    sources, rows = coefficients(regime, n_max, exact=exact)
    variance = [_number(s.variance, exact) for s in sources]
    if exact:
        return [sum(value * value * variance[s] for s, value in enumerate(row)) for row in rows]
    v = np.asarray(variance, dtype=np.float64)
    return np.array([float(np.sum(row**2 * v[: len(row)])) for row in rows])
