"""The documentation builds without warnings, its formulas come from the code, and every example in it runs.

Conventions the docs follow (checked here): Python examples are ``pycon`` blocks (doctest syntax, all blocks of
a page share one namespace, run in page order); shell examples are ``console`` blocks where ``$ collapse-theory
...`` runs the CLI (``python -m collapse_theory``), ``$ python FILE`` runs a script with the test's Python, both
from the repository root and optionally after ``VAR=value`` assignments, and the lines up to the next ``$`` are
the output (stdout and stderr together; output starting with ``error:`` means exit status 2); ``$ make TARGET``
is checked with ``make -n``.  Other fences may only hold math, text or Sphinx directives.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The docs import the repository's packages (figures included) and the docs' own extension.
sys.path[:0] = [str(DOCS / "_ext"), str(ROOT)]

FENCE = re.compile(r"^(?P<fence>`{3,})(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
EXECUTED = {"pycon", "console"}
INERT = {"text", "{literalinclude}", "{math}", "{toctree}", "{automodule}", "{note}", "{warning}", "{figure}", "{image}",
         "{include}"}
#: Notebook cells: executed by MyST-NB during the docs build (tests/test_docs_html.py), which fails on any error.
NOTEBOOK = {"{code-cell}"}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _pages():
    """Hand-written pages (the generated ones are checked through the build and the generator tests)."""
    return sorted(p for p in DOCS.rglob("*.md") if not {"_build", "generated", "_ext"} & set(p.relative_to(DOCS).parts))


def _blocks(path: Path, language: str):
    text = path.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        if match["info"].strip().split(" ")[0] == language:
            yield text[:match.start()].count("\n") + 2, match["body"]


def _is_notebook(text: str) -> bool:
    """A MyST-NB text notebook: front matter naming a kernel (conf.py executes it at every build)."""
    return text.startswith("---\n") and "\nkernelspec:" in text.split("\n---\n", 1)[0]


def _ids(path):
    return path.relative_to(DOCS).as_posix()


PAGES = _pages()


def test_every_code_block_is_executed():
    unknown = []
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            info, _, argument = match["info"].strip().partition(" ")
            if info not in EXECUTED | INERT | (NOTEBOOK if _is_notebook(text) else set()):
                unknown.append(f"{path.relative_to(DOCS)}: ```{info}")
            # A script shown on a page must also be run on it.
            script = (path.parent / argument.strip()).resolve().relative_to(ROOT).as_posix() if argument else ""
            if info == "{literalinclude}" and f"python {script}" not in text:
                unknown.append(f"{path.relative_to(DOCS)}: {script} is shown but never run")
    assert not unknown, "code blocks that make test would not run (use pycon or console): " + ", ".join(unknown)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in PAGES if any(_blocks(p, "pycon"))], ids=_ids)
def test_python_examples(path):
    parser = doctest.DocTestParser()
    examples = []
    for line, body in _blocks(path, "pycon"):
        for example in parser.get_examples(body):
            example.lineno += line - 1
            examples.append(example)
    test = doctest.DocTest(examples, {"__name__": "__docs__"}, str(path.relative_to(ROOT)), str(path), 0, None)
    report = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def _commands(body: str):
    command, expected = None, []
    for line in body.splitlines():
        if line.startswith("$ "):
            if command is not None:
                yield command, "\n".join(expected)
            command, expected = line[2:], []
        else:
            expected.append(line)
    if command is not None:
        yield command, "\n".join(expected)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in PAGES if any(_blocks(p, "console"))], ids=_ids)
def test_console_examples(path):
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "MPLBACKEND": "Agg", "COLUMNS": "100",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    checker = doctest.OutputChecker()
    for line, body in _blocks(path, "console"):
        for command, expected in _commands(body):
            argv = shlex.split(command)
            extra = {}
            while argv and "=" in argv[0] and argv[0].split("=")[0].isidentifier():  # leading VAR=value
                name, value = argv.pop(0).split("=", 1)
                extra[name] = value
            if argv[0] == "make":
                done = subprocess.run(["make", "-n", *argv[1:]], cwd=ROOT, capture_output=True, text=True, env=env,
                                      timeout=60)
                assert done.returncode == 0, f"{path.name}:{line}: `{command}` is not a make target\n{done.stderr}"
                continue
            programs = {"collapse-theory": [sys.executable, "-m", "collapse_theory"], "python": [sys.executable]}
            assert argv[0] in programs, f"{path.name}:{line}: docs may only run collapse-theory, python or make"
            done = subprocess.run(programs[argv[0]] + argv[1:], cwd=ROOT, env={**env, **extra},
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
            status = 2 if expected.startswith("error:") else 0
            assert done.returncode == status, f"{path.name}:{line}: `{command}` exited {done.returncode}\n{done.stdout}"
            assert checker.check_output(expected + "\n", done.stdout, FLAGS), (
                f"{path.name}:{line}: `{command}`\nexpected:\n{expected}\ngot:\n{done.stdout}")


@pytest.mark.parametrize("path", PAGES, ids=_ids)
def test_inline_commands_are_valid(path):
    """Commands quoted inline (`collapse-theory ...`, `make ...`) parse, so prose cannot name a stale option."""
    from collapse_theory import cli

    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    for command in re.findall(r"`((?:collapse-theory|make) [^`]+)`", text):
        argv = shlex.split(command)
        if argv[0] == "make":
            done = subprocess.run(["make", "-n", *argv[1:]], cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, f"{path.name}: `{command}` is not a make target"
            continue
        parser, _ = cli.build_parser(argv[1] if len(argv) > 1 and argv[1] in cli.plugins() else None)
        if len(argv) == 2:  # naming a subcommand in prose
            assert argv[1] in parser.format_usage() + parser.format_help(), f"{path.name}: no subcommand {argv[1]}"
            continue
        try:
            parser.parse_args(argv[1:])
        except (cli.UsageError, SystemExit) as exc:
            pytest.fail(f"{path.name}: `{command}` does not parse: {exc}")


def test_accumulate_page_is_rendered_from_the_code(monkeypatch):
    """Change the expression and the page changes: the generator prints what derivation returns."""
    import sympy as sp

    from collapse_theory import derivation
    from ctdocs import theory

    page = theory.regime_page("accumulate")
    assert r"\lim_{n \to \infty} F_n = \frac{\pi^{2}}{6}" in page
    assert r"F_n = H_{n}^{(2)}" in page
    original = derivation.limit_factor
    monkeypatch.setattr(derivation, "limit_factor",
                        lambda regime, **kw: sp.pi**2 / 7 if regime.kind == "accumulate" else original(regime, **kw))
    changed = theory.regime_page("accumulate")
    assert r"\frac{\pi^{2}}{7}" in changed and r"\frac{\pi^{2}}{6}" not in changed.split("## Closed form")[1].split(
        "The test error itself")[0]


def test_generated_pages_refuse_a_formula_the_recursion_contradicts(monkeypatch):
    import sympy as sp

    from collapse_theory import derivation, symbolic
    from ctdocs import theory

    monkeypatch.setattr(derivation, "error_factor", lambda regime, **kw: symbolic.n + sp.Rational(1, 10))
    with pytest.raises(RuntimeError, match="closed form gives"):
        theory.regime_page("replace")


def _modules_with_examples():
    from ctdocs import reference

    out = []
    for name in reference.api_modules():
        path = ROOT.joinpath(*name.split("."))
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if ">>>" in source.read_text(encoding="utf-8"):
            out.append(name)
    return out


@pytest.mark.parametrize("module", _modules_with_examples())
def test_api_docstring_examples(module):
    """The API pages show the modules' docstrings, so their examples are documentation examples too."""
    import importlib

    imported = importlib.import_module(module)
    report = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(imported, module):
        runner.run(test, out=report.append)
    assert runner.tries > 0 and runner.failures == 0, "".join(report)
