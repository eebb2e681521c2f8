"""Optimal data schedules: the weight on real data that minimises the n-th or the stationary test error.

A practitioner controls how much weight the real data get (``fresh-real``: weight ``w`` on fresh real data,
``1 - w`` on ``T/k`` synthetic points from the previous model; ``mix``: weight ``lambda`` on the original real
data), how much synthetic data is generated (the ratio ``k``) and how many generations are kept (``window``).
For the linear model every regime's error is ``sigma^2 kappa F`` with ``F`` from
:mod:`collapse_theory.derivation`, so the optimum does not depend on ``d``, ``T`` or ``sigma^2``.

Method: ``F`` as a sympy expression in the control (regime parameters symbolic), lambdified for JAX; a grid
brackets the minimiser and ``brentq`` solves ``dF/dx = 0`` with ``jax.grad`` to machine precision; the
endpoints (where the closed form has removable singularities) are evaluated by the exact coefficient recursion.
Where sympy can solve ``dF/dx = 0`` (stationary objective), :func:`closed_form_optimum` returns that root.

Special case (He, Xu & Cheng): fresh-real at temperature 1 has stationary error
``F(w) = (w^2 + k (1 - w)^2) / (w (2 - w))``, minimised at ``w* = (sqrt(k (k + 4)) - k)/2``, the golden ratio
``(sqrt 5 - 1)/2`` at ``k = 1`` (:func:`golden_weight`).  For ``window`` the control is an integer: the best ``k``
in ``1..max_window`` by the exact recursion.

Only the standard library is imported at module level: the CLI loads this module at start-up.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Optional

__all__ = ["CONTROLS", "Optimum", "golden_weight", "objective", "closed_form_optimum", "optimize"]

#: The continuous control of each regime that has one.
CONTROLS = {"fresh-real": "real_weight", "mix": "real_fraction"}
_GRID = 401


@dataclass(frozen=True)
class Optimum:
    """The optimal value of a regime's control and the error it achieves.

    Attributes:
        regime: the regime with the control set to its optimum.
        control: the parameter optimised (``real_weight``, ``real_fraction`` or ``window``).
        value: its optimal value.
        factor: the error there in units of ``sigma^2 kappa``.
        test_error: ``sigma^2 kappa factor``.
        iteration: the iteration optimised, or ``None`` for the stationary (n -> oo) error.
        closed_form: sympy's root of ``dF/dx = 0`` where it exists (stationary objective).
        unique: ``False`` when other values of the control reach the same error (a flat objective, or
            windows ``k >= n`` that all equal accumulate at iteration ``n``).
        boundary: the optimum lies at an end of the control's range (0 or 1; ``max_window``).
        note: a sentence saying what is special about this optimum (trivial, flat, not attained), or ``None``.
    """

    regime: object
    control: str
    value: float
    factor: float
    test_error: float
    iteration: Optional[int] = None
    closed_form: Optional[object] = field(default=None, compare=False)
    unique: bool = True
    boundary: bool = False
    note: Optional[str] = None


def golden_weight(k: float = 1.0) -> float:
    """``(sqrt(k (k + 4)) - k) / 2``: He, Xu & Cheng's optimal stationary weight on fresh real data."""
    return (math.sqrt(k * (k + 4.0)) - k) / 2.0


def _template(kind: str):
    from .regimes import Regime

    return {"fresh-real": Regime("fresh-real", real_weight=0.5, ratio=1.0),
            "mix": Regime("mix", real_fraction=0.5)}[kind]


def _check_kind(kind: str) -> str:
    from .errors import InvalidParameterError

    if kind not in CONTROLS and kind != "window":
        raise InvalidParameterError(f"optimize supports regimes {', '.join([*CONTROLS, 'window'])}, got {kind!r}")
    return kind


@functools.lru_cache(maxsize=None)
def objective(kind: str, *, stationary: bool = True):
    """``(F, x)``: the error factor as a sympy expression in the control symbol ``x`` (other regime symbols kept).

    ``stationary=False`` gives ``F_n`` with the iteration symbol ``n`` free.
    """
    from .derivation import error_factor, limit_factor
    from .regimes import SYMBOLS

    template = _template(_check_kind(kind))
    factor = (limit_factor if stationary else error_factor)(template, symbolic=True)
    return factor, SYMBOLS[CONTROLS[kind]]


@functools.lru_cache(maxsize=None)
def _jax_objective(kind: str, stationary: bool):
    from .regimes import SYMBOLS
    from .symbolic import n, numeric

    factor, x = objective(kind, stationary=stationary)
    args = (x, n, SYMBOLS["ratio"], SYMBOLS["temperature"])
    return numeric(factor, args, backend="jax")


def closed_form_optimum(kind: str, *, ratio: float = 1.0, temperature: float = 1.0):
    """The stationary minimiser from sympy (``dF/dx = 0``) for these ``k`` and ``tau``, or ``None``.

    At temperature 1, fresh-real gives ``(sqrt(k (k + 4)) - k)/2`` symbolically in ``k``.
    """
    import sympy as sp

    from .regimes import SYMBOLS, _exact

    factor, x = objective(kind, stationary=True)
    values = {SYMBOLS["ratio"]: _exact(ratio), SYMBOLS["temperature"]: _exact(temperature)}
    k_symbolic = kind == "fresh-real" and temperature == 1.0
    expr = factor.subs(SYMBOLS["temperature"], 1) if k_symbolic else factor.subs(values)
    roots = sp.solve(sp.diff(sp.together(expr), x), x)
    inside = []
    for root in roots:
        value = complex(sp.N(root.subs(values)))
        if abs(value.imag) < 1e-12 and 0 < value.real <= 1:
            inside.append(sp.simplify(root))
    return inside[0] if len(inside) == 1 else None


def _endpoint(kind: str, control: float, iteration, ratio: float, temperature: float) -> float:
    """``F`` at ``x = 0`` or ``1`` from the exact recursion (the closed form is 0/0 there)."""
    from .coefficients import error_factors
    from .derivation import limit_factor
    from .regimes import Regime

    options = {"real_weight": control, "ratio": ratio} if kind == "fresh-real" else {"real_fraction": control}
    regime = Regime(kind, temperature=temperature, **options)
    if iteration is None:
        import sympy as sp

        value = limit_factor(regime)
        return math.inf if value == sp.oo else float(value)
    return float(error_factors(regime, iteration, exact=False)[-1])


def optimize(kind: str, *, ratio: float = 1.0, temperature: float = 1.0, iteration: Optional[int] = None,
             d: int = 10, T: int = 100, sigma2: float = 1.0, max_window: int = 64) -> Optimum:
    """Minimise the stationary error (``iteration=None``) or the error at ``iteration`` over the regime's control.

    ``kind`` is ``fresh-real`` (control ``real_weight``; ``ratio`` k applies), ``mix`` (``real_fraction``) or
    ``window`` (integer ``k`` in ``1..max_window``; ``iteration`` required, the stationary error of every window
    being infinite).
    """
    import numpy as np
    import jax
    import jax.numpy as jnp
    from scipy.optimize import brentq

    from . import _validate
    from .errors import InvalidParameterError
    from .regimes import Regime

    kind = _check_kind(str(kind).replace("_", "-"))
    ratio = _validate.positive("ratio", ratio)
    temperature = _validate.nonnegative("temperature", temperature)
    d, T = _validate.design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    scale = sigma2 * d / (T - d - 1)
    if iteration is not None:
        iteration = _validate.integer("n", iteration)
    if kind == "window":
        return _optimize_window(iteration, temperature, scale, _validate.integer("max-window", max_window))

    with jax.enable_x64(True):  # 1e-6 on the optimum needs float64 whatever the caller set
        f = _jax_objective(kind, iteration is None)
        n_value = 1.0 if iteration is None else float(iteration)

        def F(x):
            return f(x, n_value, ratio, temperature)

        grad = jax.jit(jax.grad(F))
        # A uniform grid plus a geometric one down to 1e-12: optima near 0 (fresh-real at small ratios k,
        # w* ~ sqrt(k)) fall between uniform grid points.
        grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, _GRID), np.geomspace(1e-12, 1.0, _GRID)]))
        values = np.empty(grid.size)
        values[1:-1] = np.asarray(jax.vmap(F)(jnp.asarray(grid[1:-1])), dtype=np.float64)
        for i in (0, grid.size - 1):
            values[i] = _endpoint(kind, grid[i], iteration, ratio, temperature)
        best = int(np.nanargmin(values))
        x, value = float(grid[best]), float(values[best])
        if 0 < best < grid.size - 1:
            lo, hi = grid[best - 1], grid[best + 1]
            if float(grad(lo)) < 0 < float(grad(hi)):
                x = brentq(lambda t: float(grad(t)), lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
                value = float(F(x))
        closed = closed_form_optimum(kind, ratio=ratio, temperature=temperature) if iteration is None else None
        if closed is not None:
            from .regimes import SYMBOLS

            exact = float(closed.subs(SYMBOLS["ratio"], _exact_value(ratio)))
            exact_value = float(F(exact))
            if 0 < exact <= 1 and exact_value <= value * (1 + 1e-14):
                x, value = exact, exact_value
    if not math.isfinite(value):
        raise InvalidParameterError(f"the error of {kind} is infinite for every {CONTROLS[kind]} here")
    finite = values[np.isfinite(values)]
    flat = bool(np.ptp(finite) <= 1e-12 * max(abs(value), 1e-300))
    if flat:  # report the end x = 1 (all real data), one of the equal optima
        x, value = 1.0, float(values[-1])
    boundary = x in (0.0, 1.0)
    note = _note(kind, x, value, flat, boundary, grid, values)
    boundary = boundary or (note is not None and note.startswith("the infimum"))
    field_ = CONTROLS[kind]
    options = {"real_weight": x, "ratio": ratio} if kind == "fresh-real" else {"real_fraction": x}
    return Optimum(Regime(kind, temperature=temperature, **options), field_, x, value, scale * value, iteration,
                   closed, unique=not flat, boundary=boundary, note=note)


def _exact_value(value):
    from .regimes import _exact

    return _exact(value)


def _note(kind, x, value, flat, boundary, grid, values):
    """What is special about the optimum, in one sentence (``None`` for an ordinary interior optimum)."""
    import numpy as np

    name = "lambda" if kind == "mix" else "w"
    if flat:
        return (f"the objective is flat: every {name} in [0, 1] gives the same error factor {value:.12g}, so the "
                f"optimum is not unique ({name} = 1 is reported)")
    if kind == "mix" and x == 1.0:
        return ("trivial: all weight on the original real data (lambda = 1, no synthetic data in the fit) is "
                "optimal, on the boundary of [0, 1]")
    positive = grid > 0
    smallest = int(np.argmax(positive))
    if x == grid[smallest] and values[smallest] < values[0]:
        return (f"the infimum is approached as {name} -> 0 and not attained: at {name} = 0 the error factor is "
                f"{values[0]:.12g}; the value reported is the smallest {name} tried")
    if boundary:
        return f"the optimum lies on the boundary {name} = {x:g} of [0, 1]"
    return None


def _optimize_window(iteration, temperature, scale, max_window) -> Optimum:
    import numpy as np

    from .coefficients import error_factors
    from .errors import InvalidParameterError
    from .regimes import window

    if iteration is None:
        raise InvalidParameterError("window has an infinite stationary error for every k; give --n N")
    values = np.array([float(error_factors(window(k, temperature=temperature), iteration, exact=False)[-1])
                       for k in range(1, max_window + 1)])
    best = int(np.argmin(values))
    ties = np.flatnonzero(values <= values[best] * (1 + 1e-12))
    k = best + 1
    note = None
    if k >= iteration:
        note = (f"trivial: every window k >= n = {iteration} holds all generations (it is accumulate at iteration "
                f"{iteration}), and accumulating everything is optimal; k = {k} is the smallest such window")
    elif len(ties) > 1:
        note = f"not unique: windows {', '.join(str(t + 1) for t in ties)} reach the same error"
    elif k == max_window:
        note = f"the optimum is the largest window tried (max_window = {max_window}); a wider one may be better"
    return Optimum(window(k, temperature=temperature), "window", float(k), float(values[best]),
                   scale * float(values[best]), iteration, unique=len(ties) == 1, boundary=k == max_window,
                   note=note)
