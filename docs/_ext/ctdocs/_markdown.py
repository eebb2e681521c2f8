"""Small MyST writers shared by the generated pages: math blocks, inline math, tables."""

from __future__ import annotations

import inspect

__all__ = ["math_block", "inline_math", "table", "docstring"]


def math_block(*lines: str) -> str:
    """A ``{math}`` block; several lines are aligned on their first ``=`` (Sphinx wraps them in ``split``)."""
    if len(lines) > 1:
        lines = [line.replace("=", "&=", 1) for line in lines]
    return "```{math}\n" + " \\\\\n".join(lines) + "\n```\n"


def inline_math(latex: str) -> str:
    # A table cell ends at "|": write absolute values with \vert instead.
    return "{math}`" + latex.replace("|", r"\vert ") + "`"


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def docstring(obj) -> str:
    """The object's docstring, dedented; reST double backticks are valid Markdown code spans as they are."""
    return inspect.getdoc(obj) or ""
