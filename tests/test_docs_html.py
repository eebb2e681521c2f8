"""The built site: no warning, API pages with rendered signatures, nothing loaded from outside, notebooks run.

One ``sphinx-build -W --keep-going`` (nitpicky: every cross-reference must resolve), shared by the tests of
this module; each test then reads the HTML it produced.  ``make docs-check`` runs them on the site ``make docs``
built (``COLLAPSE_THEORY_SITE=docs/_build/html``), so the site is built once; ``make test`` leaves them out
(marker ``site``), and a plain ``pytest`` builds the site into a temporary folder first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

#: One sphinx build of the whole site (about a minute and a half): run by `make docs-check`.
pytestmark = [pytest.mark.slow, pytest.mark.site]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path[:0] = [str(DOCS / "_ext"), str(ROOT)]

#: What autodoc's reStructuredText looks like when a page shows it as text instead of rendering it.
RAW_DIRECTIVE = re.compile(r"\.\. (?:py:|auto)\w+::|:module:")
#: A reference in a page to something outside the site: absolute http(s) or protocol-relative.
EXTERNAL = re.compile(r"^(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    built = os.environ.get("COLLAPSE_THEORY_SITE")
    if built:  # a site sphinx-build already built with -W (make docs): check it as it is
        built = Path(built).resolve()
        assert (built / "index.html").is_file(), f"COLLAPSE_THEORY_SITE={built} holds no built site"
        return built
    out = tmp_path_factory.mktemp("docs") / "html"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d", str(out.parent / "doctrees"),
         str(DOCS), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "JAX_PLATFORMS": "cpu", "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, f"sphinx-build failed or warned:\n{done.stderr[-6000:]}"
    return out


def _pages(site):
    return sorted(site.rglob("*.html"))


def test_generated_pages_are_built(site):
    accumulate = (site / "generated/theory/regimes/accumulate.html").read_text(encoding="utf-8")
    assert r"\frac{\pi^{2}}{6}" in accumulate
    cli = (site / "generated/reference/cli.html").read_text(encoding="utf-8")
    for command in ("formula", "error", "limit", "simulate", "check"):
        assert f"collapse-theory {command}" in cli
    from ctdocs import gallery, reference

    for module in reference.api_modules():
        assert (site / f"generated/reference/api/{module}.html").exists(), module
    page = (site / "generated/gallery.html").read_text(encoding="utf-8")
    for name, _, _ in gallery.figure_modules():
        assert f"fig-{name}<" in page, name
        assert subprocess.run(["make", "-n", f"fig-{name}"], cwd=ROOT, capture_output=True).returncode == 0, name


def test_no_page_shows_raw_directive_text(site):
    raw = {}
    for path in _pages(site):
        found = RAW_DIRECTIVE.findall(path.read_text(encoding="utf-8"))
        if found:
            raw[path.relative_to(site).as_posix()] = sorted(set(found))
    assert not raw, f"pages showing unrendered reStructuredText: {raw}"


@pytest.mark.parametrize("name", ["test_error", "limit", "expression", "function"])
def test_linear_regression_page_renders_signatures(site, name):
    page = (site / "generated/reference/api/collapse_theory.linear_regression.html").read_text(encoding="utf-8")
    signature = re.search(rf'<dt class="sig sig-object py" id="collapse_theory\.linear_regression\.{name}">(.*?)</dt>',
                          page, re.S)
    assert signature, f"no rendered signature for {name}"
    assert f'<span class="pre">{name}</span>' in signature[1] and 'class="sig-paren"' in signature[1]


def test_inventory_holds_the_python_objects_and_the_formalism_labels(site):
    from sphinx.util.inventory import InventoryFile

    with open(site / "objects.inv", "rb") as stream:
        inventory = InventoryFile.load(stream, "", os.path.join)
    data = {kind: dict(entries) for kind, entries in getattr(inventory, "data", inventory).items()}
    assert "collapse_theory.linear_regression.test_error" in data["py:function"]
    assert "collapse_theory.regimes.Regime" in data["py:class"]
    assert "simulations.result.Result.to_pandas" in data["py:method"]
    for label in ("formalism-linear", "formalism-regimes", "formalism-beyond", "formalism-families",
                  "formalism-conventions"):
        assert label in data["std:label"], label


def _external_resources(text: str) -> list:
    found = []
    for tag in re.findall(r"<(?:script|link|img|source|iframe)\b[^>]*>", text, re.I):
        for url in re.findall(r'\b(?:src|href)\s*=\s*["\']([^"\']+)["\']', tag, re.I):
            # A <link> that only names another page (canonical, next, prev) loads nothing.
            if tag.lower().startswith("<link") and not re.search(r'rel=["\'][^"\']*(stylesheet|preload|icon|modulepreload)',
                                                                  tag, re.I):
                continue
            if EXTERNAL.match(url.strip()):
                found.append(url)
    found += [url for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text) if EXTERNAL.match(url.strip())]
    found += [url for url in re.findall(r"@import\s+['\"]([^'\"]+)", text) if EXTERNAL.match(url.strip())]
    return found


def test_the_external_resource_scan_finds_what_it_looks_for():
    page = ('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//fonts.example/a.css">'
            '<style>@font-face { src: url(https://fonts.example/a.woff2) }</style><a href="https://arxiv.org">x</a>'
            '<link rel="canonical" href="https://example.org/page"><script src="_static/local.js"></script>')
    assert _external_resources(page) == ["https://cdn.example/x.js", "//fonts.example/a.css",
                                         "https://fonts.example/a.woff2"]


def test_no_page_loads_anything_from_outside_the_site(site):
    external = {}
    for path in [*_pages(site), *site.glob("_static/**/*.css")]:
        found = _external_resources(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            external[path.relative_to(site).as_posix()] = found
    assert not external, f"external scripts, styles or fonts: {external}"
    theory = (site / "theory/index.html").read_text(encoding="utf-8")
    mathjax = re.search(r'<script[^>]*src="([^"]*mathjax[^"]*)"', theory)
    assert mathjax and not EXTERNAL.match(mathjax[1]), "the theory page does not load the bundled MathJax"
    assert (site / "theory" / mathjax[1].split("?")[0]).resolve().exists()


def test_notebook_tutorial_ran_and_shows_a_result_table(site):
    page = (site / "tutorials/notebook.html").read_text(encoding="utf-8")
    table = re.search(r"<table class='collapse-theory-result'>.*?</table>", page, re.S)
    assert table, "the notebook's Result is not rendered as its HTML table"
    assert "<th>theory</th><th>z</th>" in table[0]
    assert len(re.findall(r"<tr><th>\d+</th>", table[0])) == 10
    assert "max |z| = " in page
    assert list(site.glob("_downloads/*/notebook.ipynb")), "no downloadable notebook"
