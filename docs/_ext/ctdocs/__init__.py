"""Sphinx extension that writes the pages whose content comes from the code.

At ``builder-inited`` (before Sphinx reads any source) it writes, under ``docs/generated/``:

* ``theory/<regime>.md``: each regime's closed form and limit, rendered with
  :func:`collapse_theory.symbolic.latex` from the sympy expressions the toolkit evaluates
  (:mod:`ctdocs.theory`), and the step-by-step derivation of the accumulate recursion;
* ``reference/cli.md``: the CLI reference, from :func:`collapse_theory.cli.build_parser` (:mod:`ctdocs.reference`);
* ``reference/api/<module>.md``: one autodoc page per public module present in the tree at build time (whose
  references resolve through re-exports, :mod:`ctdocs.xref`);
* ``gallery.md``: one entry per figure of the registry ``figures.FIGURES`` (:mod:`ctdocs.gallery`);
* ``notebooks/<tutorial>.ipynb``: the notebook tutorials as downloadable notebooks, and ``snippets/``: text
  that hand-written pages include, such as the landing page's figure (:mod:`ctdocs.notebooks`).

A page is rewritten only when its text changes, so an incremental ``make docs`` re-reads exactly the pages whose
formulas changed.  Nothing is fetched from the network.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["setup", "write_pages", "GENERATED"]

#: Folder (inside the Sphinx source folder) that holds the generated pages; ignored by git.
GENERATED = "generated"


def write_pages(srcdir) -> dict:
    """Write every generated page under ``srcdir/generated``; return ``{relative path: text}``.

    Pages that no longer correspond to anything (a module removed from the tree) are deleted.
    """
    from . import gallery, neural_page, notebooks, reference, theory

    root = Path(srcdir) / GENERATED
    pages = {}
    pages.update(theory.pages())
    pages.update(reference.pages())
    pages.update(gallery.pages())
    pages.update(notebooks.pages())
    pages.update(neural_page.pages())
    for relative, text in pages.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for path in [*root.rglob("*.md"), *root.rglob("*.ipynb")] if root.exists() else ():
        if path.relative_to(root).as_posix() not in pages:
            path.unlink()
    return pages


def _on_builder_inited(app):
    write_pages(app.srcdir)


def setup(app):
    from . import xref

    xref.setup(app)
    app.connect("builder-inited", _on_builder_inited)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
