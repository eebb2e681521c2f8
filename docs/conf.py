"""Sphinx configuration for the collapse-theory documentation (built offline, warnings are errors)."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE / "_ext")]
# The API pages import the simulations; keep JAX on the CPU and plotting headless while documenting.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
# Notebooks run in a kernel subprocess: it imports this tree's packages, as the build does.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")]))

import collapse_theory  # noqa: E402

project = "collapse-theory"
author = "the collapse-theory developers"
copyright = "2026, " + author
release = version = collapse_theory.__version__

extensions = [
    "myst_nb",  # MyST-NB includes the MyST parser and runs the notebook tutorials
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax served from _static/, so formulas typeset without a network
    "ctdocs",
]
root_doc = "index"
exclude_patterns = ["_build", "_ext", "_check", "generated/notebooks", "generated/snippets", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Notebook tutorials are executed at every build (never a stale cached output), with a short timeout.
nb_execution_mode = "force"
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True

# Every cross-reference must resolve; only types from other projects' APIs, which this site does not document.
nitpicky = True
nitpick_ignore = [
    # Named in simulations/neural/markov.py's docstring, but no such function exists (yet).
]
nitpick_ignore_regex = [
    # Private modules and helpers have no page of their own.
    ("py:.*", r"(.*\.)?_[A-Za-z]\w*(\..*)?"),
    ("py:.*", r"(numpy|np|jax|jnp|jaxtyping|equinox|eqx|optax|sympy|sp|matplotlib|scipy|pandas|xarray|argparse"
              r"|pathlib|typing|collections|dataclasses|os|concurrent|enum|types|fractions)(\..*)?"),
    ("py:.*", r"(Path|Fraction|Mapping|Sequence|Iterable|Iterator|Callable|Any|Optional|Union|Literal|Array"
              r"|ArrayLike|PRNGKeyArray|Float|Int|Figure|Axes|Expr|Symbol|ndarray|PyTree|Self|TextIO|Namespace)"),
]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# "Attributes:" sections become fields: the dataclass fields are documented once, by autodoc itself.
napoleon_use_ivar = True

html_theme = "furo"
html_title = f"collapse-theory {release}"
html_static_path = []
# Furo's default is fine offline (system fonts, bundled icons); no analytics, no remote assets.
