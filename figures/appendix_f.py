"""Appendix F: the linear-regression figure at d = 10 over 200 iterations.

The same grid as :mod:`figures.linear` (rows replace / accumulate, columns T in {100, 316, 1000}, hue
sigma^2 in {0.01, ..., 100}, log y) at d = 10 and 200 iterations: replace keeps growing linearly, accumulate
has long converged to ``sigma^2 kappa pi^2/6``.  The replace theory is ``sigma^2 kappa n`` (see
:mod:`figures.linear` on the published (n+1) offset).  Monte Carlo: 100 seeds per curve (the iterations are
four times as many), about 10 s of CPU with an empty cache; ``fast=True``: T = 100, sigma^2 = 1, 8
iterations, 64 seeds.
"""

from __future__ import annotations

import collapse_theory as ct

from . import linear

__all__ = ["main"]


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``appendix_f.png`` and ``.pdf``."""
    regimes = (ct.replace(), ct.accumulate())
    if fast:
        return linear.draw("appendix_f", regimes, d=10, Ts=(100,), sigma2s=(1.0,), n=8, seeds=64, out=out,
                           data=data)
    return linear.draw("appendix_f", regimes, d=10, Ts=(100, 316, 1000), sigma2s=(0.01, 0.1, 1.0, 10.0, 100.0),
                       n=200, seeds=100, out=out, data=data,
                       title=r"Linear regression, $d = 10$, 200 iterations (Appendix F)")
