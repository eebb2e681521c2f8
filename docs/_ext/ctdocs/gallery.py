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

__all__ = ["pages", "figure_modules", "image_name"]

ROOT = Path(__file__).resolve().parents[3]
FIGURES = ROOT / "figures"
OUT = FIGURES / "out"
#: Images are copied beside the generated gallery page: Sphinx only reads files inside its source folder.
IMAGES = ROOT / "docs" / "generated" / "gallery"


def figure_modules() -> list:
    """``(name, module, docstring)`` for each figure ``make figures`` builds, in the registry's order.

    The names come from the registry ``figures.FIGURES`` (name -> module; importing the package is light).
    """
    if not (FIGURES / "__init__.py").exists():
        return []
    found = []
    for name, module in _registry().items():
        path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) if path.exists() else None
        found.append((name, module, doc or ""))
    return found


def _registry() -> dict:
    import importlib

    return dict(importlib.import_module("figures").FIGURES)


def image_name(name: str) -> str:
    """The PNG a registered figure writes: ``plotting.save(fig, stem)`` with the registry key's ``-`` as ``_``."""
    return name.replace("-", "_") + ".png"


def _copy_image(name: str) -> str | None:
    image = OUT / image_name(name)
    if not image.exists():
        return None
    target = IMAGES / image.name
    data = image.read_bytes()
    if not target.exists() or target.read_bytes() != data:
        IMAGES.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return image.name


def _entry(name: str, module: str, doc: str) -> str:
    out = [f"## {name}\n", docstring_markdown(doc) + "\n" if doc else "",
           f"Built by `make fig-{name}` (module {{py:mod}}`{module}`; `make figures` builds them all) into "
           f"`figures/out/{image_name(name)}`.\n"]
    image = _copy_image(name)
    if image:
        out.append(f"```{{image}} {IMAGES.name}/{image}\n:alt: {name}\n:width: 100%\n```\n")
    else:
        out.append(f"*Not built yet:* `make fig-{name}` writes it.\n")
    return "\n".join(out)


def pages() -> dict:
    modules = figure_modules()
    head = [
        "# Figure gallery\n",
        "Every figure that `make figures` builds (PNG and PDF under `figures/out/`), with the command that builds it "
        "alone and what it shows. Images appear here once `make figures` has run; the list itself is the figure "
        "registry {py:data}`figures.FIGURES`.\n",
    ]
    if not modules:
        return {"gallery.md": "\n".join(head + ["No figure modules are present in this tree.\n"])}
    rows = [[f"[{name}](#{name})", f"`make fig-{name}`", "built" if (OUT / image_name(name)).exists() else "not built yet"]
            for name, _, _ in modules]
    body = [table(["figure", "command", "image"], rows)] + [_entry(*entry) for entry in modules]
    # An image whose figure is gone from figures/out (or from the registry) must not linger beside the page.
    current = {image_name(name) for name, _, _ in modules if (OUT / image_name(name)).exists()}
    for stale in IMAGES.glob("*.png") if IMAGES.exists() else ():
        if stale.name not in current:
            stale.unlink()
    return {"gallery.md": "\n".join(head + body)}
