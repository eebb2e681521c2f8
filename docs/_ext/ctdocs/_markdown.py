"""Small MyST writers shared by the generated pages: math blocks, inline math, tables."""

from __future__ import annotations

import inspect
import re

__all__ = ["math_block", "inline_math", "table", "docstring", "docstring_markdown"]

_ROLE = re.compile(r":(mod|func|class|meth|data|attr|obj|exc|math):`([^`]+)`")


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


def docstring_markdown(text: str) -> str:
    """A reST docstring as MyST: roles become ``{py:role}`` (or ``{math}``), ``::`` before a literal block ``:``.

    Double backticks are valid Markdown code spans as they are; indented literal blocks stay code blocks.
    """
    text = _ROLE.sub(lambda m: ("{math}" if m[1] == "math" else "{py:" + m[1] + "}") + f"`{m[2]}`", text)
    return re.sub(r"(\S)::$", r"\1:", re.sub(r"^::$", "", text, flags=re.M), flags=re.M)


def docstring(obj) -> str:
    """The object's docstring, dedented, as MyST."""
    return docstring_markdown(inspect.getdoc(obj) or "")
