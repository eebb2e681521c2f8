"""The figure gallery: one entry per figure that ``make figures`` builds, as present when the docs are built.

The list is the figure registry ``figures.FIGURES`` (the ``make fig-<name>`` names).  Figure modules are read
with :mod:`ast`, not imported, so the gallery costs nothing to build and no figure is computed here.  Each entry
gives the module's docstring (what the figure shows), the ``make`` target that builds it, and the image when
``make figures`` has already produced it (copied beside the page; a fresh clone shows the text only).
"""

from __future__ import annotations

import ast
from pathlib import Path

from ._markdown import docstring_markdown, table

__all__ = ["pages", "figure_modules"]

ROOT = Path(__file__).resolve().parents[3]
FIGURES = ROOT / "figures"
OUT = FIGURES / "out"
#: Images are copied beside the generated gallery page: Sphinx only reads files inside its source folder.
IMAGES = ROOT / "docs" / "generated" / "gallery"


def figure_modules() -> list:
    """``(name, module, docstring)`` for each figure ``make figures`` builds.

    The names come from the registry ``figures.FIGURES`` (name -> module; importing the package is light);
    without a registry, every module of ``figures/`` with a top-level ``main`` counts, under its own name.
    """
    if not (FIGURES / "__init__.py").exists():
        return []
    registry = _registry()
    if registry is None:
        registry = {}
        for path in sorted(FIGURES.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if not path.name.startswith("_") and any(
                    isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body):
                registry[path.stem] = f"figures.{path.stem}"
    found = []
    for name, module in registry.items():
        path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) if path.exists() else None
        found.append((name, module, doc or ""))
    return found


def _registry():
    import importlib

    try:
        return dict(importlib.import_module("figures").FIGURES)
    except (ImportError, AttributeError):
        return None


def _copy_images(name: str) -> list:
    names = []
    for image in sorted(OUT.glob(f"{name}*.png")) if OUT.exists() else ():
        target = IMAGES / image.name
        data = image.read_bytes()
        if not target.exists() or target.read_bytes() != data:
            IMAGES.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        names.append(image.name)
    return names


def _entry(name: str, module: str, doc: str) -> str:
    out = [f"## {name}\n", docstring_markdown(doc) + "\n" if doc else "",
           f"Built by `make fig-{name}` (module {{py:mod}}`{module}`; `make figures` builds them all).\n"]
    for image in _copy_images(name):
        out.append(f"```{{image}} {IMAGES.name}/{image}\n:alt: {name}\n:width: 100%\n```\n")
    return "\n".join(out)


def pages() -> dict:
    modules = figure_modules()
    head = [
        "# Figure gallery\n",
        "Every figure that `make figures` builds (PNG and PDF under `figures/out/`), with the command that builds it "
        "alone and what it shows. Images appear here once `make figures` has run; the list itself comes from the "
        "figure modules in the tree.\n",
    ]
    if not modules:
        return {"gallery.md": "\n".join(head + ["No figure modules are present in this tree.\n"])}
    rows = [[f"[{name}](#{name.replace('_', '-')})", f"`make fig-{name}`"] for name, _, _ in modules]
    body = [table(["figure", "command"], rows)] + [_entry(*entry) for entry in modules]
    return {"gallery.md": "\n".join(head + body)}
