"""sympy expressions as a JSON tree that is parsed, never evaluated: the derivation cache's storage format.

A node is a list ``[class_name, ...]``:

* ``["Symbol", name, {assumption: bool}]`` (the assumptions the symbol was created with);
* ``["Integer", "digits"]``, ``["Rational", "p", "q"]``, ``["Float", "mpmath digits", precision_bits]``;
* ``[constant]`` for ``pi, E, oo, -oo, zoo, nan, EulerGamma, I, Catalan, GoldenRatio, true, false``;
* ``[class_name, child, ...]`` for every other node, ``class_name`` one of :data:`CLASSES` (Add, Mul, Pow,
  Piecewise, Sum, Product with their limits as Tuple nodes, the elementary and special functions the
  toolkit's closed forms use, relations and logic).

:func:`decode` only looks class names up in the fixed tables below and calls the class on already decoded
children; a name outside them, a wrong arity or a malformed leaf raises :class:`UnsupportedNode`.  Nothing is
passed to ``eval``, ``sympify`` or ``getattr``, so an entry holding code is refused, not run.  Children are
rebuilt with ``evaluate=False`` where the class accepts it, so the decoded tree equals the encoded one node for
node (``==``).  An expression outside the format (a ``Dummy``, an undefined function) raises
:class:`UnsupportedNode` on :func:`encode`; the cache then simply does not store it.
"""

from __future__ import annotations

import re

import mpmath.libmp as mlib
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.core.assumptions import _assume_defined

__all__ = ["encode", "decode", "UnsupportedNode", "CLASSES"]


class UnsupportedNode(ValueError):
    """A node that the tree format does not represent (encode) or does not accept (decode)."""


_CONSTANTS = {
    "pi": sp.pi, "E": sp.E, "oo": sp.oo, "-oo": sp.S.NegativeInfinity, "zoo": sp.zoo, "nan": sp.nan,
    "EulerGamma": sp.EulerGamma, "I": sp.I, "Catalan": sp.Catalan, "GoldenRatio": sp.GoldenRatio,
    "true": sp.true, "false": sp.false,
}
_CONSTANT_NAMES = {value: name for name, value in _CONSTANTS.items()}

# Classes rebuilt as cls(*children, evaluate=False): the result keeps the stored arguments as they are.
_UNEVALUATED = {cls.__name__: cls for cls in (
    sp.Add, sp.Mul, sp.Pow, sp.Piecewise,
    sp.Equality, sp.Unequality, sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan,
    sp.exp, sp.log, sp.Abs, sp.sign, sp.re, sp.im, sp.conjugate,
    sp.floor, sp.ceiling, sp.Heaviside, sp.KroneckerDelta,
    sp.sin, sp.cos, sp.tan, sp.atan, sp.sinh, sp.cosh, sp.tanh,
    sp.gamma, sp.loggamma, sp.polygamma, sp.digamma, sp.zeta, sp.harmonic, sp.factorial, sp.binomial,
    sp.RisingFactorial, sp.FallingFactorial, sp.beta, sp.erf, sp.erfc, sp.LambertW,
    sp.Min, sp.Max, sp.And, sp.Or, sp.Not,
)}
# Classes whose constructor takes no evaluate flag and does not simplify its arguments away.
_PLAIN = {cls.__name__: cls for cls in (sp.Tuple, ExprCondPair, sp.Sum, sp.Product, sp.Limit)}
CLASSES = frozenset(_UNEVALUATED) | frozenset(_PLAIN)


def encode(expr) -> list:
    """The JSON tree of ``expr`` (lists, strings, ints, bools, dicts only)."""
    expr = sp.sympify(expr) if isinstance(expr, (int, bool)) else expr
    if not isinstance(expr, sp.Basic):
        raise UnsupportedNode(f"not a sympy expression: {type(expr).__name__}")
    try:
        name = _CONSTANT_NAMES.get(expr)
    except TypeError:
        name = None
    if name is not None and _CONSTANTS[name] is expr:
        return [name]
    if isinstance(expr, (sp.Dummy, sp.Wild)) or type(expr) is not sp.Symbol and isinstance(expr, sp.Symbol):
        raise UnsupportedNode(f"{type(expr).__name__} {expr} is not stored (its identity is per process)")
    if isinstance(expr, sp.Symbol):
        assumptions = {k: bool(v) for k, v in sorted(expr._assumptions_orig.items())}
        return ["Symbol", expr.name, assumptions]
    if isinstance(expr, sp.Integer):
        return ["Integer", str(int(expr))]
    if isinstance(expr, sp.Rational):
        return ["Rational", str(expr.p), str(expr.q)]
    if isinstance(expr, sp.Float):
        return ["Float", mlib.to_str(expr._mpf_, mlib.repr_dps(expr._prec)), int(expr._prec)]
    cls_name = type(expr).__name__
    if cls_name not in CLASSES or (_UNEVALUATED.get(cls_name) or _PLAIN.get(cls_name)) is not type(expr):
        raise UnsupportedNode(f"sympy class {cls_name} is not in the tree format")
    return [cls_name, *(encode(arg) for arg in expr.args)]


def decode(tree):
    """The sympy expression of a tree made by :func:`encode`; :class:`UnsupportedNode` on anything else."""
    if not isinstance(tree, list) or not tree or not isinstance(tree[0], str):
        raise UnsupportedNode("a node must be a non-empty list starting with a class name")
    head, rest = tree[0], tree[1:]
    if head in _CONSTANTS:
        if rest:
            raise UnsupportedNode(f"constant {head} takes no arguments")
        return _CONSTANTS[head]
    if head == "Symbol":
        return _symbol(rest)
    if head in ("Integer", "Rational", "Float"):
        return _number(head, rest)
    if head in _UNEVALUATED:
        return _UNEVALUATED[head](*(decode(arg) for arg in rest), evaluate=False)
    if head in _PLAIN:
        return _PLAIN[head](*(decode(arg) for arg in rest))
    raise UnsupportedNode(f"unknown node {head[:40]!r}")


_FLOAT = re.compile(r"-?[0-9]+(\.[0-9]*)?(e[-+]?[0-9]+)?")
_ASSUMPTION_NAMES = frozenset(_assume_defined)


def _symbol(rest):
    if len(rest) != 2 or not isinstance(rest[0], str) or not isinstance(rest[1], dict):
        raise UnsupportedNode("Symbol takes a name and an assumptions object")
    name, assumptions = rest
    if any(k not in _ASSUMPTION_NAMES or not isinstance(v, bool) for k, v in assumptions.items()):
        raise UnsupportedNode("Symbol assumptions must be known sympy assumptions with boolean values")
    return sp.Symbol(name, **assumptions)


def _digits(text) -> int:
    if not isinstance(text, str) or not text.lstrip("-").isdigit() or len(text) > 100_000:
        raise UnsupportedNode("an integer must be a string of decimal digits")
    return int(text)


def _number(head, rest):
    if head == "Integer" and len(rest) == 1:
        return sp.Integer(_digits(rest[0]))
    if head == "Rational" and len(rest) == 2:
        q = _digits(rest[1])
        if q == 0:
            raise UnsupportedNode("a Rational's denominator must not be 0")
        return sp.Rational(_digits(rest[0]), q)
    if head == "Float" and len(rest) == 2 and isinstance(rest[0], str) and type(rest[1]) is int:
        if not 1 <= rest[1] <= 100_000 or len(rest[0]) > 100_000 or not _FLOAT.fullmatch(rest[0]):
            raise UnsupportedNode("a Float is a decimal literal and a precision of 1..100000 bits")
        return sp.Float(rest[0], precision=rest[1])
    raise UnsupportedNode(f"malformed {head} node")
