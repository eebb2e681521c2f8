"""The paper's figures, regenerated offline: one plotting layer, a result cache, one small module per figure.

``python -m figures`` (or ``make figures``) builds every figure into ``figures/out/``; ``python -m figures
linear`` builds one.  Each module in :data:`FIGURES` has ``main(fast=False, *, out=None, data=None)`` returning
the files it wrote; ``fast=True`` is a few-second version for tests.  Importing this package loads nothing
heavy and changes no matplotlib setting.
"""

__all__ = ["FIGURES", "LANES"]

#: Figure name (the ``make fig-<name>`` target) -> module.
FIGURES = {
    "regimes": "figures.regimes",
    "linear": "figures.linear",
    "replace-multiple": "figures.replace_multiple",
    "appendix-f": "figures.appendix_f",
    "all-regimes": "figures.all_regimes",
    "temperature": "figures.temperature",
    "golden-ratio": "figures.golden_ratio",
    "gaussian": "figures.gaussian",
    "gaussian-mean": "figures.gaussian_mean",
    "kde": "figures.kde",
    "discrete": "figures.discrete",
    "sweep": "figures.sweep",
    "schematic": "figures.schematic",
    "neural-lm": "figures.neural_lm",
    "neural-vae": "figures.neural_vae",
    "neural-diffusion": "figures.neural_diffusion",
}

#: Which of two worker processes builds a figure under ``python -m figures --jobs 2``: the d = 32 linear
#: figures share their compiled simulators in lane 0; the rest, about as much work, go to lane 1.
LANES = {"regimes": 0, "linear": 0, "replace-multiple": 0, "temperature": 0, "all-regimes": 0}
