"""Theory curves of every regime with a closed form, in the paper's linear setting.

d = 32, T = 100, sigma^2 = 1, iterations 1..50, log y.  Each curve is ``sigma^2 kappa F_n`` with
``kappa = d/(T - d - 1)`` and the regime's error factor ``F_n`` derived in sympy from its coefficient recursion
(:func:`collapse_theory.linear_regression.test_error`): replace grows like n, window(k) too (slower by the
averaging), replace-multiple like log n, accumulate, mix and fresh-real stay bounded.  accumulate-subsample has
no closed form and appears only in the Monte Carlo figure ``all_regimes``.  Theory only, no seeds: about ten
seconds of sympy on an empty cache, under a second from the cache.
"""

from __future__ import annotations

import math

import numpy as np

import collapse_theory as ct
from collapse_theory.optimize import golden_weight

from . import plotting, sources, style

__all__ = ["REGIMES", "main"]

FAST_KINDS = ("replace", "accumulate", "replace-multiple")

GOLDEN = golden_weight()

#: The regimes drawn, in legend order.
REGIMES = (
    ct.replace(),
    ct.window(3),
    ct.replace_multiple(),
    ct.mix(0.3),
    ct.accumulate(),
    ct.fresh_real(round(GOLDEN, 4), 1),
)


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Draw the figure into ``out`` (``figures/out``) as ``regimes.png`` and ``regimes.pdf``."""
    d, T, sigma2, n = 32, 100, 1.0, (10 if fast else 50)
    iterations = np.arange(1, n + 1)
    # The fast mode skips the regimes whose sympy derivation takes seconds (window, mix, fresh-real).
    regimes = [r for r in REGIMES if r.kind in FAST_KINDS] if fast else REGIMES
    with plotting.styled():
        fig, ax = plotting.subplots(size="text", aspect=0.45)
        for regime in sources.progress(regimes, "theory"):
            curve = sources.theory(regime, n, d=d, T=T, sigma2=sigma2, data=data)["test_error"]
            plotting.theory(ax, iterations, curve, color=style.regime_color(regime), label=regime.label)
        ax.axhline(sigma2 * d / (T - d - 1) * math.pi**2 / 6, color=style.regime_color("accumulate"),
                   linewidth=0.7, linestyle=":", zorder=0, label=r"accumulate limit $\sigma^2\kappa\pi^2/6$")
        ax.set_yscale("log")
        ax.set_xlabel("iteration n")
        ax.set_ylabel(r"test error $E_{test}(n)$")
        ax.set_title(rf"theory (closed forms): $d={d}$, $T={T}$, $\sigma^2={sigma2:g}$")
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), title="regime")
        return plotting.save(fig, "regimes", out)
