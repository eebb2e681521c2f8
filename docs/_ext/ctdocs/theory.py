"""Theory pages rendered from the sympy expressions that :mod:`collapse_theory` evaluates.

Every formula on these pages is printed with :func:`collapse_theory.symbolic.latex` from
:func:`collapse_theory.derivation.error_factor`, :func:`~collapse_theory.derivation.limit_factor`,
:func:`collapse_theory.linear_regression.expression` and :func:`~collapse_theory.linear_regression.limit_expression`
at build time; nothing is typed in.  Each page also compares the closed form with the exact coefficient
recursion (:func:`collapse_theory.coefficients.error_factors`) at the first iterations and refuses to build if
they differ, so a page can never show a formula the code does not satisfy.
"""

from __future__ import annotations

import sympy as sp

import collapse_theory as ct
from collapse_theory import coefficients, derivation, families, kinds, linear_regression, symbolic
from collapse_theory.errors import NoClosedFormError

from ._markdown import docstring, inline_math, math_block, table

__all__ = ["pages", "regime_page", "accumulate_derivation", "example", "CHECKED_ITERATIONS"]



def example(kind: str):
    """The instance of a regime kind shown on its page: the registry's example options (kinds.Kind.example)."""
    spec = kinds.kind(kind)
    return ct.Regime(spec.name, **spec.example)
#: Iterations at which each closed form is checked against the exact recursion while the page is written.
CHECKED_ITERATIONS = 8
#: Parameters of the numeric tables.
NUMERIC = {"d": 10, "T": 100, "sigma2": 1.0}

_L = symbolic.latex
_ERROR = r"E_{\mathrm{test}}(n)"
_LIMIT = r"\lim_{n \to \infty}"


def _description(kind: str) -> str:
    """The constructor's docstring where the kind has one, else the registry's summary and doc."""
    constructor = getattr(ct, kind.replace("-", "_"), None)
    if constructor is not None:
        return docstring(constructor) + f"\n\nConstructor: {{py:func}}`collapse_theory.{kind.replace('-', '_')}`.\n"
    spec = kinds.kind(kind)
    return f"{spec.summary[:1].upper()}{spec.summary[1:]}. {spec.doc}\n\nBuild it with `ct.Regime({kind!r}, ...)`.\n"


def _exact_check(regime) -> list:
    """Exact ``F_n`` from the recursion, asserted equal to the closed form at ``n = 1..CHECKED_ITERATIONS``."""
    exact = coefficients.error_factors(regime, CHECKED_ITERATIONS, exact=True)
    closed = derivation.error_factor(regime)
    values = []
    for j, value in enumerate(exact, start=1):
        value = sp.Rational(value.numerator, value.denominator)
        at = closed.subs(symbolic.n, j)
        if abs(sp.N(at - value, 40)) > sp.Float("1e-30"):
            raise RuntimeError(f"{regime.label}: closed form gives {at} at n={j}, the recursion {value}")
        values.append(value)
    return values


def _step_section(regime) -> str:
    if regime.kind == "window":
        return (
            "## Weights\n\nIteration {math}`n` fits the last {math}`k` generations with weight {math}`1/\\min(n, k)` "
            "each; the error factor satisfies a linear recurrence with constant coefficients from "
            "{math}`n = k` on, which sympy finds from exact values and solves "
            "(closed forms are derived for " + inline_math(f"k \\le {derivation.MAX_WINDOW}") + ").\n"
        )
    m = sp.Symbol("n", integer=True, positive=True)
    step = regime.step(m, symbolic=True)
    rows = [[source.parent, inline_math(_L(weight)), inline_math(_L(source.multiplicity)),
             inline_math(_L(source.temperature)), inline_math(_L(sp.simplify(source.variance)))]
            for source, weight in step.new]
    out = [
        "## One-step form\n",
        "From {py:meth}`collapse_theory.Regime.step`: iteration {math}`n \\ge 2` gives",
        math_block(r"\delta_n = h_n\,\delta_{n-1} + a_n Z_1 + \sum_s b_s(n)\,(\delta_{p(s)} + Z_s),"
                   r"\qquad \delta_n = \hat w_n - w^*,\ Z_s = X^{+} E_s"),
        "with",
        math_block(f"h_n = {_L(step.history)}", f"a_n = {_L(step.anchor)}",
                   f"C = h_n + \\sum_{{p(s) = n-1}} b_s(n) = {_L(sp.simplify(step.carry))}"),
        "and the new generations of iteration {math}`n`:\n",
        table(["parent", "weight b_s(n)", "multiplicity m", "temperature", "noise variance τ²/m"], rows),
    ]
    return "\n".join(out)


def _closed_section(regime) -> str:
    factor = derivation.error_factor(regime)
    limit = derivation.limit_factor(regime)
    out = [
        "## Closed form\n",
        f"For `{_call(regime)}` (temperature 1, the paper's setting), from "
        "{py:func}`collapse_theory.derivation.error_factor` and {py:func}`~collapse_theory.derivation.limit_factor`:",
        math_block(f"{_ERROR} = \\sigma^2 \\kappa\\, F_n, \\qquad \\kappa = {_L(linear_regression.KAPPA)}"),
        math_block(f"F_n = {_L(factor)}"),
        math_block(f"{_LIMIT} F_n = {_L(limit)}"),
        "The test error itself, from {py:func}`collapse_theory.linear_regression.expression` and "
        "{py:func}`~collapse_theory.linear_regression.limit_expression`:",
        math_block(f"{_ERROR} = {_L(linear_regression.expression(regime))}"),
        math_block(f"{_LIMIT} {_ERROR} = {_L(linear_regression.limit_expression(regime))}"),
    ]
    try:
        general = derivation.error_factor(regime, symbolic=True)
        general_limit = derivation.limit_factor(regime, symbolic=True)
    except NoClosedFormError:
        return "\n".join(out)
    names = ", ".join(inline_math(_L(ct.regimes.SYMBOLS[f])) for f in regime.values(symbolic=True))
    out += [
        f"\nWith the regime's parameters as symbols ({names}; the generic case, from `symbolic=True`):",
        math_block(f"F_n = {_L(general)}"),
        math_block(f"{_LIMIT} F_n = {_L(general_limit)}"),
    ]
    return "\n".join(out)


def _values_section(regime) -> str:
    exact = _exact_check(regime)
    rows = [[j, inline_math(_L(v)), f"{float(v):.10g}"] for j, v in enumerate(exact, start=1)]
    iterations = (1, 2, 5, 10, 50)
    values = linear_regression.test_error(regime, max(iterations), **NUMERIC)
    limit = linear_regression.limit(regime, **NUMERIC)
    numeric = [[j, f"{values[j - 1]:.6g}"] for j in iterations] + [["∞", f"{limit:.6g}"]]
    params = ", ".join(f"{k} = {v:g}" for k, v in NUMERIC.items())
    return "\n".join([
        "## Exact values\n",
        f"{inline_math('F_n')} from the coefficient recursion ({{py:func}}`collapse_theory.coefficients.error_factors`, "
        f"exact rationals); the closed form above equals these at every {inline_math('n')} shown "
        "(checked while this page is written).\n",
        table(["n", "F_n", "float"], rows),
        f"\nTest error from {{py:func}}`collapse_theory.linear_regression.test_error` at {params}:\n",
        table(["n", "test error"], numeric),
    ])


def _assumptions() -> str:
    return (
        "## Assumptions\n\n"
        "Rows {math}`x \\sim N(0, \\Sigma)` in {math}`\\mathbb{R}^d` (any {math}`\\Sigma`), one design {math}`X` "
        "reused at every iteration, ordinary least squares without ridge, labels {math}`y = x^\\top w^* + "
        "\\varepsilon` with {math}`\\varepsilon \\sim N(0, \\sigma^2)`, iteration 1 fitted on real labels, and "
        "{math}`T \\ge d + 2` (for {math}`T \\le d + 1` the expectation is infinite and the toolkit raises "
        "{py:class}`~collapse_theory.InvalidParameterError`). Symbolic limits assume the generic case "
        "{math}`0 < C < 1` where the carry {math}`C` depends on a parameter.\n"
    )


def _call(regime) -> str:
    # Registry option order is the constructors' positional order (window, real_fraction, real_weight, ...).
    args = [f"{v:g}" if isinstance(v, float) else str(v) for _, v in regime.options]
    if hasattr(ct, regime.kind.replace("-", "_")):
        return f"ct.{regime.kind.replace('-', '_')}({', '.join(args)})"
    return f"ct.Regime({', '.join([repr(regime.kind), *(f'{k}={v!r}' for k, v in regime.options)])})"


def _subsample_section(regime) -> str:
    """What is known without a closed form: :mod:`collapse_theory.subsample`'s bound and approximation."""
    from collapse_theory import subsample_linear as subsample

    iterations = (1, 2, 5, 10, 50, 100)
    n = max(iterations)
    lower = subsample.linear_lower_bound(regime, n, **NUMERIC)
    approx = subsample.linear_approximation(regime, n, **NUMERIC)
    accumulate = linear_regression.test_error(ct.accumulate(temperature=regime.temperature), n, **NUMERIC)
    rows = [[i, f"{accumulate[i - 1]:.6g}", f"{lower[i - 1]:.6g}", f"{approx[i - 1]:.6g}"] for i in iterations]
    setting = ", ".join(f"{k} = {v:g}" for k, v in NUMERIC.items())
    return "\n".join([
        "\n## What is known\n",
        "See {py:mod}`collapse_theory.subsample` for the derivations.  The Gaussian-mean model has an exact "
        "recursion, whose limit {py:mod}`collapse_theory.subsample_limit` encloses with a proven error bound.  For linear regression the error factorises exactly as "
        + inline_math(r"E_{\mathrm{test}}(n) = \mathbb{E}\|\tilde\delta_n\|^2/(T-d-1)") +
        " (orthonormal design; `design=\"orthonormal\"` in the simulator), and it is at least accumulate's "
        "error (a proven bound, below); the approximation is not exact once the pool exceeds the budget.\n",
        f"Linear regression, `{_call(regime)}`, {setting} (`collapse-theory error --regime accumulate-subsample "
        f"--budget {regime.budget}`):\n",
        table(["n", "accumulate", "proven lower bound", "approximation"], rows),
    ]) + "\n"


def regime_page(kind: str) -> str:
    """The page of one regime kind."""
    regime = example(kind)
    head = f"# {kind}\n\n{_description(kind)}"
    if not regime.has_closed_form:
        try:
            derivation.error_factor(regime)
        except NoClosedFormError as exc:
            reason = str(exc)
        return head + f"\n## Closed form\n\nNone: `{_call(regime)}` raises `NoClosedFormError`: {reason}.\n" + \
            _subsample_section(regime)
    return "\n".join([head, _step_section(regime), _closed_section(regime), _values_section(regime), _assumptions()])


def _index_page(names) -> str:
    rows = []
    for kind in names:
        regime = example(kind)
        if regime.has_closed_form:
            rows.append([f"[{kind}](<{kind}.md>)", f"`{_call(regime)}`", inline_math(_L(derivation.error_factor(regime))),
                         inline_math(_L(derivation.limit_factor(regime)))])
        else:
            rows.append([f"[{kind}](<{kind}.md>)", f"`{_call(regime)}`", "no closed form", "simulated"])
    return "\n".join([
        "# Regimes\n",
        "Every regime's test error is {math}`E_{\\mathrm{test}}(n) = \\sigma^2 \\kappa F_n` with "
        + inline_math("\\kappa = " + _L(linear_regression.KAPPA))
        + "; the error factor {math}`F_n` and its limit, as the code derives them:\n",
        table(["regime", "instance", "F_n", "limit"], rows),
        "\n```{toctree}\n:maxdepth: 1\n\n" + "\n".join(names) + "\n```\n",
    ])


def accumulate_derivation() -> str:
    """Theorem 1 and 2 of the paper, step by step, each step computed from the accumulate regime value."""
    regime = ct.accumulate()
    m = sp.Symbol("n", integer=True, positive=True)
    i = sp.Symbol("i", integer=True, positive=True)
    step = regime.step(m)
    (source, weight), = step.new
    carry = sp.simplify(step.carry)
    coefficient = sp.simplify(weight.subs(m, i) * carry ** (m - i))
    first = sp.simplify(carry ** (m - 1))
    unsummed = first**2 + sp.Sum(coefficient**2 * source.variance, (i, 2, m))
    summed = unsummed.doit()
    delta_previous = sp.Symbol(r"\delta_{n-1}")
    closed = derivation.error_factor(regime)
    if sp.simplify(summed.rewrite(sp.harmonic) - closed.subs(symbolic.n, m)) != 0:
        raise RuntimeError(f"accumulate: the step-by-step sum {summed} differs from the derived {closed}")
    exact = _exact_check(regime)
    partial = [sum(sp.Rational(1, j * j) for j in range(1, k + 1)) for k in range(1, len(exact) + 1)]
    rows = [[k, inline_math(_L(e)), inline_math(_L(p)), f"{float(sp.pi**2 / 6 - e):.6f}"]
            for k, (e, p) in enumerate(zip(exact, partial), start=1)]
    return "\n".join([
        "# Accumulate, step by step\n",
        "The accumulate recursion of the paper's Theorem 1, each line computed from the regime value "
        "{py:func}`collapse_theory.accumulate` by the same functions the toolkit uses.\n",
        "**1. Weights.** Iteration {math}`n` fits all {math}`nT` rows with equal weight, so the old generations keep "
        "the share {math}`h_n` and the new synthetic generation gets {math}`b_n` "
        "({py:meth}`Regime.step <collapse_theory.Regime.step>`):",
        math_block(f"h_n = {_L(step.history)}", f"b_n = {_L(weight)}"),
        "**2. One step.** With {math}`\\delta_n = \\hat w_n - w^*` and {math}`Z_n = X^+ E_n` (the stacked normal "
        "equations give {math}`\\hat w_n = \\frac1n \\sum_i X^+ Y_i`):",
        math_block(f"\\delta_n = h_n \\delta_{{n-1}} + b_n (\\delta_{{n-1}} + Z_n) = "
                   + _L(carry * delta_previous + weight * sp.Symbol("Z_n"))),
        "**3. Unrolled** (Theorem 1): the noise of iteration {math}`i` enters with the coefficient",
        math_block(f"c_{{n,1}} = C^{{n-1}} = {_L(first)}, \\qquad c_{{n,i}} = b_i\\, C^{{n-i}} = {_L(coefficient)}"
                   f" \\quad (i \\ge 2), \\qquad \\delta_n = "
                   + _L(first * sp.Symbol("Z_1") + sp.Sum(coefficient * sp.IndexedBase("Z")[i], (i, 2, m)))),
        "**4. Error.** The {math}`Z_i` are independent with covariance "
        + inline_math(_L(source.variance * symbolic.sigma2) + r"\,(X^\top X)^{-1}") + ", and "
        r"{math}`\mathbb{E}\,\mathrm{tr}\,\Sigma (X^\top X)^{-1} = \kappa`, so",
        math_block(f"F_n = c_{{n,1}}^2 + \\sum_{{i=2}}^{{n}} c_{{n,i}}^2 \\tau_i^2 / m_i = {_L(unsummed)} = {_L(closed)}"),
        "**5. Limit** (Theorem 2), from {py:func}`collapse_theory.derivation.limit_factor`:",
        math_block(f"{_LIMIT} F_n = {_L(derivation.limit_factor(regime))}"),
        math_block(f"{_LIMIT} {_ERROR} = {_L(linear_regression.limit_expression(regime))}"),
        "**6. Check.** The exact recursion ({py:func}`collapse_theory.coefficients.error_factors`) against the "
        "partial sums of {math}`1/i^2`, and the remaining gap to the limit:\n",
        table(["n", "F_n (recursion)", "Σ 1/i²", "π²/6 − F_n"], rows),
        "\nThe gap shrinks like {math}`1/n`: the error is bounded because iteration {math}`i`'s noise is "
        "diluted by the {math}`i` generations fitted with it, not because there is more data "
        "([replace-multiple](regimes/replace-multiple) has as much data and diverges like {math}`H_n`).\n",
    ])


def family_page(family) -> str:
    """A registered family's page: its metrics and parameters (from the registry) and closed forms per regime."""
    module = family.module()
    out = [f"# {family.name}\n", f"{family.summary[:1].upper()}{family.summary[1:]}.  Module "
           f"{{py:mod}}`{module.__name__}`.\n",
           table(["metric", "meaning"], [[f"`{m.name}`", m.meaning] for m in family.metrics]),
           "\n" + table(["parameter", "default", "meaning"],
                        [[f"`{p.flag}`", f"`{p.default}`", p.help] for p in family.parameters]),
           "\n" + table(["regime", "theory"], [[k.name, family.standing_of(k)] for k in kinds.kinds()]),
           "\n" + docstring(module) + "\n"]
    for spec in kinds.kinds():
        kind = spec.name
        if family.standing_of(kind) == "none":
            continue
        regime = example(kind)
        out.append(f"## {kind}\n")
        try:
            formulas = module.formulas(regime)
        except ct.CollapseTheoryError as exc:
            out.append(f"No closed form for `{_call(regime)}`: {exc}.\n")
            continue
        for metric, (expression, limit) in formulas.items():
            name = r"\mathrm{" + metric.replace("_", r"\_") + "}"
            out += [f"`{metric}` for `{_call(regime)}`:",
                    math_block(f"{name}(n) = {_L(expression)}"),
                    math_block(f"{_LIMIT} {name}(n) = {_L(limit)}")]
    return "\n".join(out)


def _families() -> dict:
    """The registered model families other than linear regression (whose pages are the regime pages)."""
    return {f.name: f for f in families.families() if f.name != "linear"}


def pages() -> dict:
    names = kinds.names()
    out = {f"theory/regimes/{kind}.md": regime_page(kind) for kind in names}
    others = _families()
    for name, family in others.items():
        out[f"theory/families/{name}.md"] = family_page(family)
    out["theory/families/index.md"] = (
        "# Other model families\n\nThe same regimes drive other fitted models; each family's closed forms as its "
        "module derives them (linear regression: [the regime pages](../regimes/index)).\n\n"
        "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(others) + "\n```\n"
        if others else "# Other model families\n\nNo other model family is present in this tree.\n")
    out["theory/regimes/index.md"] = _index_page(names)
    out["theory/accumulate-derivation.md"] = accumulate_derivation()
    return out
