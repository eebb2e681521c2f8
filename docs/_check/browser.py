"""Open built pages in headless Chromium with the network cut off; fail unless formulas and signatures render.

``python docs/_check/browser.py [HTML_DIR]`` (``make docs-check``, after ``make docs``) loads the theory page, an
API page and the notebook tutorial from ``docs/_build/html`` with every request outside the site sent to a dead
proxy (``127.0.0.1:9``), lets the page's scripts run, and checks the DOM Chromium ends with:

* formulas were typeset: MathJax output elements (``mjx-container``) are present and no raw ``\\(`` or ``\\[``
  is left in the page's text (code blocks aside);
* the API page shows rendered signatures of ``test_error``, ``limit``, ``expression`` and ``function``;
* the tutorial shows the Monte Carlo ``Result`` table.

Screenshots go to ``docs/_build/screenshots/``.  Chromium is Debian's ``chromium`` package, installed with apt
when missing (as root).  Exit status 0 when every page passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "docs" / "_build" / "html"
SCREENSHOTS = ROOT / "docs" / "_build" / "screenshots"
API = "generated/reference/api/collapse_theory.linear_regression.html"
SIGNATURES = ("test_error", "limit", "expression", "function")
#: page -> what it must show besides typeset math.
PAGES = {
    "theory/index.html": "theory",
    "theory/formalism.html": "theory",
    API: "api",
    "tutorials/notebook.html": "tutorial",
}
#: Enough virtual time for MathJax to typeset a long page; Chromium stops early once the page is idle.
BUDGET_MS = 20000


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.geteuid() != 0:
        sys.exit("error: chromium is not installed (as root: apt-get install -y chromium)")
    print("installing Debian's chromium ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    return shutil.which("chromium") or sys.exit("error: apt-get installed no chromium binary")


def _run(browser: str, profile: str, url: str, *extra: str) -> subprocess.CompletedProcess:
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-extensions", "--disable-background-networking",
               # Everything not served from the site goes to a port where nothing listens.
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               "--allow-file-access-from-files", f"--user-data-dir={profile}",
               f"--virtual-time-budget={BUDGET_MS}", *extra, url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def visible_text(dom: str) -> str:
    """The DOM's text outside scripts, styles and code (where a literal ``\\(`` is legitimate)."""
    dom = re.sub(r"<(script|style|pre|code|textarea)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", dom)


def problems(page: str, kind: str, dom: str, source: str) -> list:
    """What is wrong with ``page`` as Chromium rendered it (``dom``), given the HTML Sphinx wrote (``source``)."""
    found = []
    if not dom.strip():
        return ["Chromium returned an empty DOM"]
    # Theory and tutorial pages are made of formulas; an API page needs them only where its docstrings have math.
    if (kind != "api" or 'class="math' in source) and "<mjx-container" not in dom:
        found.append("no MathJax output (mjx-container) in the rendered page")
    text = visible_text(dom)
    for raw in (r"\(", r"\["):
        if raw in text:
            at = text.index(raw)
            found.append(f"raw {raw} left in the text: ...{' '.join(text[at - 40:at + 60].split())}...")
    if kind == "api":
        for name in SIGNATURES:
            if not re.search(rf'id="collapse_theory\.linear_regression\.{name}"[^>]*>.*?sig-paren', dom, re.S):
                found.append(f"no rendered signature for {name}")
    if kind == "tutorial" and "collapse-theory-result" not in dom:
        found.append("the Result table is missing")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", type=Path, default=HTML, help="the built site (default: %(default)s)")
    parser.add_argument("--screenshots", type=Path, default=SCREENSHOTS)
    args = parser.parse_args(argv)
    missing = [page for page in PAGES if not (args.html / page).exists()]
    if missing:
        print(f"error: not built: {', '.join(missing)} (run make docs first)", file=sys.stderr)
        return 2
    browser = chromium()
    args.screenshots.mkdir(parents=True, exist_ok=True)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="docs-check-") as profile:
        for page, kind in PAGES.items():
            url = (args.html / page).resolve().as_uri()
            done = _run(browser, profile, url, "--dump-dom")
            source = (args.html / page).read_text(encoding="utf-8")
            found = problems(page, kind, done.stdout, source) if done.returncode == 0 else [
                f"chromium exited {done.returncode}: {done.stderr[-500:]}"]
            shot = args.screenshots / (page.replace("/", "_").removesuffix(".html") + ".png")
            _run(browser, profile, url, f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars")
            status = "ok" if not found else "FAILED"
            print(f"{status:6} {page}: {done.stdout.count('<mjx-container')} formulas typeset; screenshot {shot}")
            for problem in found:
                print(f"       {problem}")
            failed += bool(found)
    print(f"{len(PAGES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
