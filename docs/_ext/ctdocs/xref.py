"""Cross-references that resolve the way the code is imported, so the site builds in nitpicky mode.

Two habits of the docstrings need help from Sphinx:

* **Re-exports.** ``collapse_theory`` re-exports its public names, and the docstrings cite them as users import
  them (:class:`collapse_theory.Regime`), while autodoc documents each object once, where it is defined
  (``collapse_theory.regimes.Regime``).  A reference that Sphinx cannot find is imported; if it names an object
  defined elsewhere, the reference goes to the object's definition.
* **Short names.** A docstring may cite a name of another module by its last components (``Regime.step``,
  ``FAMILIES``); when exactly one documented object ends with that name, the reference goes there.

Anything else stays unresolved, and nitpicky mode fails the build.

Napoleon reads the first line of a data or attribute docstring written as ``Text: more`` as
``type: description``, which turns prose such as ``#: Widths in inches: ...`` into a type reference; those
docstrings are passed on unchanged.
"""

from __future__ import annotations

import importlib

__all__ = ["setup", "canonical_name"]


def canonical_name(target: str) -> str | None:
    """``module.qualname`` where the object that ``target`` names is defined, or None if it is not importable."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attribute in parts[cut:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return None
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if cut == len(parts) or not (isinstance(module, str) and isinstance(qualname, str)):
            return None
        return f"{module}.{qualname}"
    return None


def _documented(domain) -> set:
    return set(domain.objects) | set(domain.modules)


def _on_missing_reference(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    target = node["reftarget"].lstrip("~.")
    known = _documented(domain)
    candidates = []
    canonical = canonical_name(target)
    if canonical and canonical != target and canonical in known:
        candidates = [canonical]
    else:
        candidates = [name for name in known if name.endswith("." + target)]
    if len(candidates) != 1:
        return None
    resolved = domain.resolve_any_xref(env, node.get("refdoc", ""), app.builder, candidates[0], node, contnode)
    return resolved[0][1] if resolved else None


def _wrap_napoleon(app):
    try:
        from sphinx.ext import napoleon
    except ImportError:
        return
    listeners = app.events.listeners.get("autodoc-process-docstring", [])
    for listener in list(listeners):
        if listener.handler is napoleon._process_docstring:
            app.disconnect(listener.id)

            def process(app, what, name, obj, options, lines, _napoleon=napoleon._process_docstring):
                if what not in ("data", "attribute"):
                    _napoleon(app, what, name, obj, options, lines)

            app.connect("autodoc-process-docstring", process, priority=listener.priority)


def setup(app):
    app.connect("missing-reference", _on_missing_reference)
    _wrap_napoleon(app)
