"""Closed forms of the error factor ``F_n`` derived in sympy from a regime's weights (docs/theory/formalism.md §2).

``E_test(n) = sigma^2 kappa F_n`` with ``F_n = sum_s c_{n s}^2 v_s``.  Two derivations, both from the regime
value itself, neither typed in:

* **One-step regimes** (all but ``window``).  :meth:`Regime.step` gives
  ``delta_n = C delta_{n-1} + a_n Z_1 + sum_s b_s(n) Z_s`` with a constant carry ``C``; hence
  ``c_{n,1} = C^{n-1} + sum_{j=2}^n a_j C^{n-j}`` and a source created at iteration ``i`` has
  ``c_{n,s} = b_s(i) C^{n-i}``.  sympy's ``summation`` closes the sums (harmonic numbers for accumulate and
  replace-multiple, geometric series for mix and fresh-real).
* **window(k)** for a given ``k``: the error factor obeys a linear recurrence with constant coefficients once
  ``n >= k`` (the second moments of an AR(k) process).  sympy finds the minimal recurrence from exact values of
  the coefficient recursion (``find_linear_recurrence``, confirmed on as many further terms) and solves it
  with ``rsolve``.  Complex-conjugate characteristic roots are rewritten in real terms,
  ``c r^n + conj(c) conj(r)^n = 2 |r|^n (Re c cos(n arg r) - Im c sin(n arg r))`` (:func:`_real_form`), so the
  closed form is real-valued and differentiable.  Wider windows (``k > MAX_WINDOW``) have no closed form here:
  :func:`window_growth_rate` gives the exact asymptotic slope ``tau^2 (2/(k+1))^2`` per iteration and
  :func:`window_recurrence` the exact linear recurrence the factor obeys.

Both are cached per regime; tests compare them with :func:`collapse_theory.coefficients.error_factors` in exact
rationals.
"""

from __future__ import annotations

import functools

import sympy as sp

from ._cache import disk_cached
from .coefficients import error_factors
from .errors import NoClosedFormError
from .regimes import SYMBOLS, Regime
from .symbolic import generic_branch, n

__all__ = ["error_factor", "limit_factor", "window_growth_rate", "window_recurrence", "MAX_WINDOW"]

_i = sp.Symbol("i", integer=True, positive=True)
_j = sp.Symbol("j", integer=True, positive=True)
_m = sp.Symbol("m", integer=True, positive=True)
_r = sp.Symbol("r", positive=True)
#: Largest window whose recurrence is solved; beyond it the characteristic roots stop being radicals.
MAX_WINDOW = 3


@functools.lru_cache(maxsize=256)
@disk_cached
def error_factor(regime: Regime, *, symbolic: bool = False) -> sp.Expr:
    """Closed form of ``F_n`` (test error in units of ``sigma^2 kappa``) as a sympy expression in ``n``.

    ``symbolic=True`` keeps the regime parameters as the symbols of :data:`~collapse_theory.regimes.SYMBOLS`
    (the generic case, e.g. 0 < lambda < 1); otherwise their exact values are substituted before summing.
    """
    if not regime.has_closed_form:
        raise NoClosedFormError(
            "accumulate-subsample has no known closed form (each fit uses a random subset of the pool); "
            "`collapse-theory error` gives a proven lower bound and an approximation (collapse_theory.subsample), "
            "`collapse-theory simulate` the Monte Carlo"
        )
    if regime.kind == "window":
        return _window_factor(regime, symbolic=symbolic)
    return _one_step_factor(regime, symbolic=symbolic)


def _one_step_carry_form(regime: Regime, *, symbolic: bool):
    """``(F, r, carry)``: ``F_n`` written in a stand-in ``r`` for the carry, to be replaced by ``carry``.

    Summing in ``r`` (taken 0 < r < 1) keeps the geometric sums free of a branch at r = 1 and keeps the
    result readable; ``r`` is ``1`` itself when the carry is 1 (replace, accumulate, replace-multiple).
    """
    if not symbolic:
        return _numeric_carry_form(regime)
    # With the temperature and every option as symbols the derivation depends on the kind alone, so the regimes
    # of one kind (mix(0.3), mix(0.5)) share it.
    key = (regime.kind, regime.spec.step)
    if key not in _SYMBOLIC_CARRY_FORMS:
        _SYMBOLIC_CARRY_FORMS[key] = _derive_carry_form(regime, symbolic=True)
    return _SYMBOLIC_CARRY_FORMS[key]


_SYMBOLIC_CARRY_FORMS: dict = {}


@functools.lru_cache(maxsize=256)
def _numeric_carry_form(regime: Regime):
    return _derive_carry_form(regime, symbolic=False)


def _derive_carry_form(regime: Regime, *, symbolic: bool):
    carry = sp.simplify(regime.step(_m, symbolic=symbolic).carry)
    if carry.has(_m):  # no regime has one; the formalism would need a product here
        raise NoClosedFormError(f"regime {regime.kind} has an iteration-dependent carry {carry}")
    step = regime.step(_i, symbolic=symbolic)
    injected = sum((w**2 * s.variance for s, w in step.new), sp.Integer(0))
    anchor = regime.step(_j, symbolic=symbolic).anchor
    if carry == 0:  # each fit forgets the previous model: only iteration n's own sources and the anchor remain
        later = sp.simplify(anchor.subs(_j, n) ** 2 + injected.subs(_i, n))
        return sp.Piecewise((sp.Integer(1), sp.Eq(n, 1)), (later, True)), None, carry
    r = _r if carry != 1 else sp.Integer(1)
    c1 = r ** (n - 1) + sp.summation(anchor * r ** (n - _j), (_j, 2, n))
    noise = sp.summation(r ** (2 * (n - _i)) * injected, (_i, 2, n))
    factor = sp.simplify(generic_branch(c1**2 + noise))
    if factor.has(sp.harmonic):
        factor = sp.collect(sp.expand(factor), [s for s in factor.free_symbols if s != n])
        return factor, None, carry
    if r == 1:
        return factor, None, carry
    # Write the regime symbol through r (lambda = 1 - r for mix) so that the result reads as a geometric
    # approach to the stationary value, then collect by the decaying powers of r.
    for symbol in carry.free_symbols:
        factor = factor.subs(symbol, sp.solve(sp.Eq(carry, r), symbol)[0])
    factor = sp.collect(sp.powsimp(sp.expand(sp.simplify(factor)), force=True), [r**n, r ** (2 * n)], sp.factor)
    return factor, r, carry


def _one_step_factor(regime: Regime, *, symbolic: bool) -> sp.Expr:
    factor, r, carry = _one_step_carry_form(regime, symbolic=symbolic)
    return factor if r is None else factor.subs(r, carry)


def _window_factor(regime: Regime, *, symbolic: bool) -> sp.Expr:
    k = regime.window
    if k == 1:
        return _one_step_factor(Regime("replace", temperature=regime.temperature), symbolic=symbolic)
    if k > MAX_WINDOW:
        raise NoClosedFormError(
            f"window closed forms are derived for k <= {MAX_WINDOW} (wider windows take sympy minutes); "
            f"`collapse-theory error` still gives the exact expectation for k={k} from the coefficient recursion"
        )
    if symbolic:
        # F_n = A_n + tau^2 B_n: the real data's share and the synthetic generations' share.
        head_a, real = _window_closed(Regime("window", temperature=0.0, window=k))
        head_b, full = _window_closed(Regime("window", temperature=1.0, window=k))
        tau2 = SYMBOLS["temperature"] ** 2
        head = [a + tau2 * (b - a) for a, b in zip(head_a, head_b)]
        closed = sp.powsimp(sp.expand(real + tau2 * (full - real)), force=True)
    else:
        head, closed = _window_closed(regime)
    return sp.Piecewise(*[(value, sp.Eq(n, j + 1)) for j, value in enumerate(head)], (closed, True))


@functools.lru_cache(maxsize=64)
def _window_closed(regime: Regime):
    """``(head, closed)``: exact values for n < k, and the closed form valid for n >= k.

    Cached: the symbolic form of ``window(k)`` solves the recurrences at tau = 0 and tau = 1, and the latter is the
    numeric form of the default ``window(k)`` (each ``rsolve`` takes seconds).
    """
    k = regime.window
    exact = [sp.Rational(x.numerator, x.denominator) for x in error_factors(regime, 4 * k * k + 20)]
    tail = exact[k - 1:]  # the recurrence has constant coefficients from n = k on
    half = len(tail) // 2
    coeffs = sp.sequence(tuple(tail[:half]), (n, 0, half - 1)).find_linear_recurrence(half)
    order = len(coeffs)
    f = sp.Function("f")
    m = sp.Dummy("m", integer=True, nonnegative=True)
    equation = f(m) - sum(c * f(m - 1 - a) for a, c in enumerate(coeffs))
    solution = sp.rsolve(equation, f(m), {f(a): tail[a] for a in range(order)})
    if solution is None:
        raise NoClosedFormError(f"sympy could not solve the window(k={k}) recurrence")
    closed = _real_form(sp.powsimp(sp.expand(solution.subs(m, n - k)), force=True))
    # The recurrence was fitted on the first half; the second half confirms it to 40 digits.
    if any(abs(sp.N(closed.subs(n, j + k) - tail[j], 50)) > sp.Float("1e-40") * (1 + abs(tail[j]))
           for j in range(len(tail))):
        raise NoClosedFormError(f"the window(k={k}) recurrence found does not reproduce the exact values")
    return tuple(exact[: k - 1]), closed


def _real_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` (a sum of ``c(n) b^e`` with ``e`` linear in ``n``) with its real part written in real terms.

    Each complex power is ``b^e = |b|^e (cos(e arg b) + I sin(e arg b))``, so a term ``(A + I B) b^e``
    contributes ``|b|^e (A cos(e arg b) - B sin(e arg b))`` to the real part.  ``F_n`` is real for every ``n``,
    so the imaginary parts cancel; the caller checks the result against the exact values.
    """
    powers = {}

    def placeholder(power):
        base, exponent = power.as_base_exp()
        if base.is_number and base.is_real is False and exponent.has(n):
            return powers.setdefault((base, exponent), sp.Dummy("p"))
        return power

    linear = sp.expand(expr.replace(lambda e: isinstance(e, sp.Pow), placeholder))
    real = sp.re(sp.radsimp(linear.subs({s: 0 for s in powers.values()})))
    for (base, exponent), symbol in powers.items():
        coefficient = sp.radsimp(sp.expand(linear.coeff(symbol)))
        modulus = sp.sqrt(sp.radsimp(sp.expand(base * sp.conjugate(base))))
        angle = sp.arg(base)
        real += modulus**exponent * (sp.re(coefficient) * sp.cos(angle * exponent)
                                     - sp.im(coefficient) * sp.sin(angle * exponent))
    real = sp.expand(real)
    return sp.collect(real, sorted(real.atoms(sp.cos, sp.sin), key=str))


def window_growth_rate(regime: Regime, *, symbolic: bool = False) -> sp.Expr:
    """``lim_{n -> oo} (F_{n+1} - F_n)`` for ``window(k)``: ``tau^2 (2/(k+1))^2``.

    Derivation from the weights: once ``n > k`` a source created at iteration ``m`` has coefficients obeying
    ``c_n = sum_j alpha_j c_{n-j} + (its own weight)``, with ``alpha_j`` the weight on the generation sampled
    from model ``n - j``.  Its total own weight is ``sum_j alpha_j = 1``, so ``c_n -> 1 / sum_j j alpha_j``
    (the gain of an averaging recursion), ``= 2/(k+1)`` for equal weights; every new source adds
    ``v c_oo^2`` with ``v = tau^2`` its variance, which is the slope of ``F_n``.
    """
    if regime.kind != "window":
        raise NoClosedFormError(f"the growth rate is derived for window regimes, not {regime.kind}")
    k = regime.window
    probe = 2 * k + 1
    sources, alpha = regime.weights(probe)
    lags = [(probe - (s.iteration - 1), a) for s, a in zip(sources, alpha) if s.parent == "previous" and a != 0]
    gain = sum(a for _, a in lags) / sum(j * a for j, a in lags)
    variance = regime.sources(probe, symbolic=symbolic)[0].variance  # tau^2 / multiplicity of a new generation
    return sp.simplify(variance * gain**2)


@functools.lru_cache(maxsize=64)
def window_recurrence(regime: Regime, *, max_window: int = 6):
    """``(coefficients, initial)``: ``F_n = sum_j coefficients[j] F_{n-1-j}`` for ``n >= k + len(coefficients)``,
    ``initial = [F_1, ..., F_{k - 1 + len(coefficients)}]`` exact rationals.

    Found by ``find_linear_recurrence`` on the exact values of the coefficient recursion and confirmed on as many
    further values; windows wider than ``max_window`` take minutes and raise :class:`NoClosedFormError`.
    """
    k = regime.window
    if regime.kind != "window":
        raise NoClosedFormError(f"window_recurrence is for window regimes, not {regime.kind}")
    if k > max_window:
        raise NoClosedFormError(f"the recurrence of window(k={k}) is searched for k <= {max_window}; its growth "
                                "rate (window_growth_rate) and the coefficient recursion give the exact values")
    exact = [sp.Rational(x.numerator, x.denominator) for x in error_factors(regime, 4 * k * k + 20)]
    tail = exact[k - 1:]
    half = len(tail) // 2
    coeffs = sp.sequence(tuple(tail[:half]), (n, 0, half - 1)).find_linear_recurrence(half)
    order = len(coeffs)
    if order == 0 or any(tail[j] != sum(c * tail[j - 1 - a] for a, c in enumerate(coeffs))
                         for j in range(order, len(tail))):
        raise NoClosedFormError(f"no linear recurrence of order <= {half} reproduces window(k={k})")
    return tuple(coeffs), tuple(exact[: k - 1 + order])


@functools.lru_cache(maxsize=256)
@disk_cached
def limit_factor(regime: Regime, *, symbolic: bool = False) -> sp.Expr:
    """``lim_{n -> oo} F_n``: a number, an expression in the regime symbols, or ``sympy.oo``.

    Symbolic limits of mix and fresh-real assume the generic case 0 < carry < 1 (0 < lambda, w <= 1).
    """
    if not regime.has_closed_form:
        return error_factor(regime, symbolic=symbolic)  # raises the no-closed-form error
    if regime.kind == "window" and regime.window > 1:
        # tau = 0: every model equals the first fit (synthetic labels reproduce it), F_n = 1.  tau > 0: F_n grows
        # like window_growth_rate * n.  Symbolic: the generic case tau > 0.
        return sp.Integer(1) if not symbolic and regime.temperature == 0 else sp.oo
    if regime.kind == "window":
        factor, r, carry = error_factor(regime, symbolic=symbolic), None, None
    else:
        factor, r, carry = _one_step_carry_form(regime, symbolic=symbolic)
    if isinstance(factor, sp.Piecewise):
        factor = factor.args[-1][0]
    result = _limit(factor, r)
    if result.has(sp.sign):  # e.g. oo*sign(tau**2): infinite unless tau = 0, which the value would show
        result = sp.oo
    return sp.factor(sp.simplify(result if r is None else result.subs(r, carry)))


def _limit(expr: sp.Expr, r) -> sp.Expr:
    """Limit as n -> oo, dropping each term whose n-dependent powers decay geometrically.

    gruntz cannot decide the sign of terms like (-1/2)**n or r**n with a symbolic 0 < r < 1; their rate
    prod |base|**(d exponent / dn) is read off directly instead.
    """
    kept = []
    for term in sp.Add.make_args(sp.expand(sp.powsimp(expr, force=True))):
        rate = sp.Integer(1)
        for power in term.atoms(sp.Pow):
            base, exponent = power.as_base_exp()
            if exponent.has(n) and not base.has(n):
                rate *= sp.Abs(base) ** sp.diff(exponent, n)
        rate = sp.powsimp(sp.simplify(rate), force=True)
        decays = (rate.is_number and rate < 1) or (
            r is not None and rate.free_symbols == {r} and sp.Poly(rate, r).is_monomial
            and sp.degree(rate, r) > 0 if rate.is_polynomial(r) else False
        )
        if not decays:
            kept.append(term)
    return sp.limit(sp.Add(*kept), n, sp.oo)
