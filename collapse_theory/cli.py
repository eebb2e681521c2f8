"""The ``collapse-theory`` console script (also ``python -m collapse_theory``): subcommands found as plugins.

Subcommands are :class:`~collapse_theory.command.Command` values named by entry points of the group
``collapse_theory.commands`` (``setup.cfg``): ``formula``, ``error``, ``limit`` from :mod:`collapse_theory`,
``optimize`` from its own module, ``simulate``, ``check`` and ``neural`` from :mod:`simulations`.  Another
installed package adds a subcommand the same way.  Only the plugin that runs is imported: ``--help`` reads each
plugin's one-line help from its source without importing it, so neither sympy, JAX nor :mod:`simulations` load.

Bad input prints one ``error: ...`` line on stderr and exits with status 2 (DESIGN.md, CLI contract).
"""

from __future__ import annotations

import ast
import argparse
import functools
import importlib
import importlib.util
import sys
from pathlib import Path

from .command import Command, Parser, UsageError, installed_entry_points

__all__ = ["main", "build_parser", "plugins", "GROUP"]

GROUP = "collapse_theory.commands"
_ORDER = ("formula", "error", "limit", "simulate", "check", "sweep", "optimize", "neural")


def plugins() -> dict:
    """``{name: entry point}`` of every installed subcommand, the built-ins in their documented order."""
    found = {ep.name: ep for ep in installed_entry_points(GROUP)}
    return dict(sorted(found.items(), key=lambda kv: (_ORDER.index(kv[0]) if kv[0] in _ORDER else 99, kv[0])))


def _static_help(ep) -> str:
    """The ``help=`` of the plugin's ``Command(...)``, read from its source without importing anything."""
    module, _, attr = ep.value.partition(":")
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)  # a top-level spec imports nothing
    if spec is None:
        return ""
    path = Path(spec.origin).parent if spec.submodule_search_locations else Path(spec.origin)
    path = path.joinpath(*rest).with_suffix(".py") if rest else path
    try:
        stat = path.stat()
    except OSError:
        return ""
    return _help_in_source(str(path), attr, (stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _help_in_source(path: str, attr: str, stamp) -> str:
    # Parsing a plugin's module takes milliseconds and every command line lists every plugin: once per file
    # version (``stamp``) is enough.
    try:
        tree = ast.parse(Path(path).read_text())
    except (OSError, SyntaxError):
        return ""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == attr for t in node.targets)
                and isinstance(node.value, ast.Call) and len(node.value.args) >= 2
                and isinstance(node.value.args[1], ast.Constant)):
            return str(node.value.args[1].value)
    return ""


def _load(ep) -> Command:
    command = ep.load()
    if not isinstance(command, Command):
        raise TypeError(f"entry point {ep.name} = {ep.value} is not a collapse_theory.command.Command")
    return command


def build_parser(active=None):
    """The argument parser; ``active`` is the subcommand whose plugin is loaded (its options declared)."""
    from . import __version__
    from .commands import EXAMPLES

    parser = Parser(prog="collapse-theory",
                    description="Model collapse under replace, accumulate and other data regimes: exact theory "
                                "and Monte Carlo.",
                    epilog="example: " + EXAMPLES["error"])
    parser.add_argument("--version", action="version", version=f"collapse-theory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    loaded = None
    for name, ep in plugins().items():
        if name == active:
            loaded = _load(ep)
            p = sub.add_parser(name, help=loaded.help, description=loaded.help + ".",
                               epilog="example: " + loaded.example,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
            loaded.add_arguments(p)
        else:
            sub.add_parser(name, help=_static_help(ep), add_help=False)
    return parser, loaded


def _command_name(argv) -> str | None:
    for token in argv:
        if not token.startswith("-"):
            return token
        if token in ("-h", "--help", "--version"):
            return None
    return None


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    process = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        name = _command_name(argv)
        parser, command = build_parser(name if name in plugins() else None)
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: " + ", ".join(plugins()) + " (collapse-theory --help lists them)")
        args.process = process
        status = command.run(args)
        return 0 if status is None else int(status)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # the toolkit's own errors are ValueError subclasses with a clear message
        from .errors import CollapseTheoryError

        if not isinstance(exc, CollapseTheoryError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
