"""The built-in regime kinds: the paper's three and the toolkit's four further regimes.

Each is one :func:`collapse_theory.kinds.register` call.  A one-step kind's ``step(n, values, tau, symbolic)``
returns the :class:`~collapse_theory.regimes.Step` of iteration ``n >= 2``,

    delta_n = history * delta_{n-1} + anchor * Z_1 + sum_s weight_s (delta_{p(s)} + Z_s),

over the sources ``s`` created at ``n`` (docs/theory/formalism.md §2); ``values`` holds the kind's options as exact
numbers (or symbols), ``tau`` the temperature.  sympy is imported when a step runs, not at registration.
"""

from __future__ import annotations

from .kinds import Kind, register


def _parts():
    import sympy as sp

    from .regimes import Source, Step

    return sp, Source, Step


def _synthetic(n, tau, multiplicity=None):
    sp, Source, _ = _parts()
    return Source(n, "previous", sp.Integer(1) if multiplicity is None else multiplicity, tau)


def _replace(n, v, tau, symbolic):
    sp, _, Step = _parts()
    return Step(sp.Integer(0), sp.Integer(0), ((_synthetic(n, tau), sp.Integer(1)),))


def _accumulate(n, v, tau, symbolic):
    sp, _, Step = _parts()
    return Step((n - 1) / sp.sympify(n), sp.Integer(0), ((_synthetic(n, tau), sp.Integer(1) / n),))


def _replace_multiple(n, v, tau, symbolic):
    sp, _, Step = _parts()
    return Step(sp.Integer(0), sp.Integer(0), ((_synthetic(n, tau, sp.sympify(n)), sp.Integer(1)),))


def _mix(n, v, tau, symbolic):
    sp, _, Step = _parts()
    lam = v["real_fraction"]
    return Step(sp.Integer(0), lam, ((_synthetic(n, tau), 1 - lam),))


def _fresh_real(n, v, tau, symbolic):
    sp, Source, Step = _parts()
    w, k = v["real_weight"], v["ratio"]
    real = Source(n, "truth", sp.Integer(1), sp.Integer(1))
    return Step(sp.Integer(0), sp.Integer(0), ((real, w), (_synthetic(n, tau, 1 / k), 1 - w)))


register(Kind("replace", "fit on the newest generation only", step=_replace,
              doc="Paper Eq. 4: alpha_nn = 1; the error grows linearly in n."))
register(Kind("accumulate", "fit on all generations so far, real data included", step=_accumulate,
              doc="Paper Thm. 2: alpha_nj = 1/n; the error stays below pi^2/6 times the first."))
register(Kind("replace-multiple", "fit on nT fresh synthetic points from the previous model",
              step=_replace_multiple,
              doc="Paper App. E: as much data as accumulate but no real data; the error grows like log n."))
register(Kind("window", "fit on the last k generations with equal weight", options=("window",),
              window_of=lambda regime: regime.window, example={"window": 3},
              doc="A sliding window of the k newest generations (k = 1 is replace)."))
register(Kind("mix", "weight lambda on the real data, 1 - lambda on the newest synthetic data",
              options=("real_fraction",), step=_mix, example={"real_fraction": 0.3},
              doc="A fixed fraction of real data in every training set."))
register(Kind("fresh-real", "fresh real data with weight w plus T/k synthetic points",
              options=("real_weight", "ratio"), defaults={"ratio": 1.0}, step=_fresh_real,
              example={"real_weight": 0.5, "ratio": 1.0},
              doc="He, Xu & Cheng's golden-ratio weighting: the optimal constant weight is (sqrt(k(k+4)) - k)/2."))
register(Kind("accumulate-subsample", "accumulate a pool, fit on a uniform subset of size B",
              options=("budget",), step=_accumulate, fixed_design=False, example={"budget": 100},
              doc="A fixed compute and storage budget over an accumulating pool (the reservoir idea)."))
