"""The diffusion figure of the paper's §2 layout: test loss against iteration, replace beside accumulate.

Drawn by :func:`figures.neural.draw` from the runs ``make neural`` writes under
``figures/data/neural/diffusion/``; skipped, with the command to produce them, when there are none.
"""

from __future__ import annotations

from . import neural

__all__ = ["main"]


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``neural_diffusion.png`` and ``.pdf`` (``fast`` changes nothing: the figure only draws)."""
    return neural.draw("diffusion", out=out, data=data)
