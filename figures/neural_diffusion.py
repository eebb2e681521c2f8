"""The diffusion figure of the paper's §2: held-out denoising error per iteration, and digit samples.

Replace, accumulate and accumulate-subsample over three seeds (mean and seed SE), and sample grids at the first,
middle and last iteration under replace and accumulate (:func:`figures.neural.draw`).  The runs it needs are
trained on first use (:mod:`figures.neural_runs`, the same runs ``make neural`` makes) and read back after.
"""

from __future__ import annotations

from . import neural

__all__ = ["main"]


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``neural_diffusion.png`` and ``.pdf`` (``fast``: the ``--fast`` runs, said in the title)."""
    return neural.draw("diffusion", fast=fast, out=out, data=data)
