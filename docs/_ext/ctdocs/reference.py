"""Reference pages: the CLI from its argparse parser, and one autodoc page per public module.

The CLI page is the parser's own help (:func:`collapse_theory.cli.build_parser`), so a new option or
subcommand appears without editing the docs.  The API pages list the modules present in the tree when the docs
are built: a package another team has not landed yet is simply absent, never a broken page.
"""

from __future__ import annotations

import argparse
import os
from contextlib import contextmanager
from pathlib import Path

from ._markdown import docstring

__all__ = ["pages", "cli_page", "api_modules", "PACKAGES", "ROOT"]

ROOT = Path(__file__).resolve().parents[3]
#: Packages whose public modules get an API page, in this order.
PACKAGES = ("collapse_theory", "simulations", "figures")


@contextmanager
def _columns(width: int):
    """argparse wraps help to the terminal width; pin it so the page does not depend on who builds it."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            return [(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return []


def cli_page() -> str:
    from collapse_theory import cli

    with _columns(100):
        parser, _ = cli.build_parser()
        out = [
            "# Command line\n",
            "Generated from {py:func}`collapse_theory.cli.build_parser`: each section below is the output of "
            "`collapse-theory COMMAND --help`. The same command runs as `python -m collapse_theory`.\n",
            docstring(cli).split("\n\n", 1)[1] + "\n" if "\n\n" in docstring(cli) else "",
            "## collapse-theory\n",
            "```text\n" + parser.format_help() + "```\n",
        ]
        for name, text, _ in _subparsers(parser):
            # Each plugin's options are declared only when it is loaded: build its parser to show them.
            (sub,) = [s for n, _, s in _subparsers(cli.build_parser(name)[0]) if n == name]
            out += [f"## {name}\n", (text[:1].upper() + text[1:] + ".\n") if text else "",
                    "```text\n" + sub.format_help() + "```\n"]
    out += [
        "## Exit status and errors\n",
        "Invalid input prints one line starting with `error:` on standard error, saying what is valid, and exits "
        "with status 2 (never a traceback). `--json` prints exactly one JSON object on standard output.\n",
    ]
    return "\n".join(out)


def _public(path: Path) -> bool:
    return not any(part.startswith("_") and part != "__init__.py" for part in path.parts) \
        and path.name != "__main__.py"


def api_modules() -> list:
    """Dotted names of the public modules present in the tree (packages first, then their modules)."""
    names = []
    for package in PACKAGES:
        base = ROOT / package
        if not (base / "__init__.py").exists():
            continue
        for path in sorted(base.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if not _public(relative) or "out" in relative.parts or "data" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if not all((ROOT.joinpath(*parts[:k]) / "__init__.py").exists() for k in range(1, len(parts))):
                continue  # a folder without __init__.py is not importable as a package
            names.append(".".join(parts))
    return sorted(set(names), key=lambda name: (PACKAGES.index(name.split(".")[0]), name))


def _autodoc(name: str, *options: str) -> str:
    """An ``automodule`` directive in an ``{eval-rst}`` block.

    autodoc writes reStructuredText; inside a MyST page it must be parsed as such, or the page shows the raw
    ``.. py:function::`` lines instead of rendered signatures.
    """
    lines = [f"   :{o.partition(': ')[0]}:" + (f" {o.partition(': ')[2]}" if ": " in o else "") for o in options]
    return "```{eval-rst}\n" + f".. automodule:: {name}\n" + "".join(line + "\n" for line in lines) + "```\n"


def _undocumented_constants(name: str) -> list:
    """``(name, short repr or None)`` for the constants in ``__all__`` that have no ``#:`` comment.

    autodoc documents a module-level constant only when it has such a comment; the other public ones are
    declared here (name and value, no docstring: a constant's ``__doc__`` is its type's), so that references
    to them resolve.
    """
    import importlib
    import inspect

    from sphinx.pycode import ModuleAnalyzer

    module = importlib.import_module(name)
    commented = {attribute for _, attribute in ModuleAnalyzer.for_module(name).find_attr_docs()}
    out = []
    for member in getattr(module, "__all__", ()):
        value = getattr(module, member, None)
        if member in commented or value is None or inspect.isclass(value) or inspect.isroutine(value) \
                or inspect.ismodule(value):
            continue
        text = repr(value)
        out.append((member, text if len(text) <= 120 and "\n" not in text else None))
    return out


def _commented_constants(name: str) -> list:
    import importlib

    from sphinx.pycode import ModuleAnalyzer

    exported = getattr(importlib.import_module(name), "__all__", ())
    commented = {attribute for _, attribute in ModuleAnalyzer.for_module(name).find_attr_docs()}
    return [member for member in exported if member in commented]


def _module_page(name: str, names: list) -> str:
    is_package = (ROOT.joinpath(*name.split(".")) / "__init__.py").exists()
    if is_package:
        # A package re-exports its modules' names; documenting them here too would describe each object twice.
        children = [m for m in names if m.rsplit(".", 1)[0] == name and m != name]
        listing = "".join(f"- {{py:mod}}`{m}`\n" for m in children)
        own = _commented_constants(name)  # constants the package itself defines (and comments with #:)
        options = ["members: " + ", ".join(own)] if own else []
        return f"# {name}\n\n{_autodoc(name, *options)}\n" + (f"Modules:\n\n{listing}" if listing else "")
    page = f"# {name}\n\n{_autodoc(name, 'members', 'undoc-members', 'show-inheritance')}"
    constants = _undocumented_constants(name)
    if constants:
        blocks = [f".. py:data:: {member}\n" + (f"   :value: {value}\n" if value else "") for member, value in constants]
        page += f"\n```{{eval-rst}}\n.. py:currentmodule:: {name}\n\n" + "\n".join(blocks) + "```\n"
    return page


def _api_index(names: list) -> str:
    return ("# Python API\n\nOne page per public module, from its docstrings. The theory "
            "(`collapse_theory`) never imports the simulations; the simulations take their regimes and exact "
            "answers from the theory; the figures use both.\n\n```{toctree}\n:maxdepth: 1\n\n"
            + "\n".join(names) + "\n```\n")


def pages() -> dict:
    names = api_modules()
    out = {f"reference/api/{name}.md": _module_page(name, names) for name in names}
    out["reference/api/index.md"] = _api_index(names)
    out["reference/cli.md"] = cli_page()
    return out
