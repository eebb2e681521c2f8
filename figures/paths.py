"""Where figures and their cached data live (one place, as in showyourwork's ``paths`` module).

``OUT`` (``figures/out/``) holds the PNG and PDF files and ``DATA`` (``figures/data/``) the result cache; both
are generated and git-ignored.  Every figure's ``main`` takes ``out=`` and ``data=`` so tests can point them at
a temporary folder.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FIGURES", "ROOT", "OUT", "DATA", "NEURAL", "out_dir", "data_dir"]

#: The ``figures/`` package directory.
FIGURES = Path(__file__).resolve().parent
#: The repository root.
ROOT = FIGURES.parent
#: Generated figures (PNG for eyes, PDF for papers).
OUT = FIGURES / "out"
#: The result cache: ``.npz`` files with JSON sidecars, keyed by a hash of the config.
DATA = FIGURES / "data"
#: Where the neural loop writes ``<kind>/<regime>-seed<S>/result.json``.
NEURAL = DATA / "neural"


def out_dir(out=None) -> Path:
    """The output folder (``OUT`` unless given), created if missing."""
    path = Path(out) if out is not None else OUT
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir(data=None) -> Path:
    """The cache folder (``DATA`` unless given), created if missing."""
    path = Path(data) if data is not None else DATA
    path.mkdir(parents=True, exist_ok=True)
    return path
