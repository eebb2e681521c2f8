"""The figure gallery: one entry per figure module present in ``figures/`` when the docs are built.

A figure module is a module of the ``figures`` package that defines ``main`` (DESIGN.md: get data, call the
plotting layer, save).  Modules are read with :mod:`ast`, not imported, so the gallery costs nothing to build and
a figure that needs a long computation never runs here.  The entry gives the module's docstring (what the figure
shows), the ``make`` target that builds it, and the image when ``make figures`` has already produced it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ._markdown import table

__all__ = ["pages", "figure_modules", "make_targets"]

ROOT = Path(__file__).resolve().parents[3]
FIGURES = ROOT / "figures"
OUT = FIGURES / "out"
#: Images are copied beside the generated gallery page: Sphinx only reads files inside its source folder.
IMAGES = ROOT / "docs" / "generated" / "gallery"


def make_targets() -> set:
    """``fig-*`` targets named in the Makefiles."""
    targets = set()
    for makefile in (ROOT / "Makefile", FIGURES / "figures.mk"):
        if makefile.exists():
            targets |= set(re.findall(r"^(fig-[\w.-]+)\s*:", makefile.read_text(encoding="utf-8"), re.M))
    return targets


def figure_modules() -> list:
    """``(name, docstring)`` for each module of ``figures/`` with a top-level ``main``."""
    if not (FIGURES / "__init__.py").exists():
        return []
    found = []
    for path in sorted(FIGURES.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body):
            found.append((path.stem, ast.get_docstring(tree) or ""))
    return found


def _command(name: str, targets: set) -> str:
    for target in (f"fig-{name}", f"fig-{name.replace('_', '-')}"):
        if target in targets:
            return f"make {target}"
    return f"python -m figures.{name}"


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


def _entry(name: str, doc: str, targets: set) -> str:
    out = [f"## {name}\n", doc + "\n" if doc else "", f"Built by `{_command(name, targets)}` (and by `make figures`).\n"]
    for image in _copy_images(name):
        out.append(f"```{{image}} {IMAGES.name}/{image}\n:alt: {name}\n:width: 100%\n```\n")
    return "\n".join(out)


def pages() -> dict:
    modules = figure_modules()
    targets = make_targets()
    head = [
        "# Figure gallery\n",
        "Every figure that `make figures` builds (PNG and PDF under `figures/out/`), with the command that builds it "
        "alone and what it shows. Images appear here once `make figures` has run; the list itself comes from the "
        "figure modules in the tree.\n",
    ]
    if not modules:
        return {"gallery.md": "\n".join(head + ["No figure modules are present in this tree.\n"])}
    rows = [[f"[{name}](#{name.replace('_', '-')})", f"`{_command(name, targets)}`"] for name, _ in modules]
    body = [table(["figure", "command"], rows)] + [_entry(name, doc, targets) for name, doc in modules]
    return {"gallery.md": "\n".join(head + body)}
