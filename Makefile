# collapse-theory: `make test` and `make figures` work on a machine with only python3, pip and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs
PYTEST_FLAGS ?= -n 2 --dist loadfile

.PHONY: install test test-fast figures docs docs-check bench clean

# The package and its test tools; the documentation's tools (Sphinx, MyST-NB, a Jupyter kernel: a third of the
# install's time) only for the targets that build the site.
$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -e '.[test,docs]'
	touch $(DOCS_STAMP)

install: $(STAMP)

# Everything but the checks of the built site, which `make docs-check` runs on the site `make docs` builds.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_FLAGS) -m "not site"

test-fast: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_FLAGS) -m "not slow"

-include figures/figures.mk

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis figures/out docs/_build
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Nitpicky (every reference resolves), offline (MathJax bundled), notebooks executed; warnings are errors.
docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

# The built site's tests (tests/test_docs_html.py: pages, signatures, inventory, nothing loaded from outside, the
# notebook's output), then headless Chromium (installed with apt when missing) on the built pages, network cut
# off; screenshots in docs/_build/screenshots/.
docs-check: docs
	COLLAPSE_THEORY_SITE=docs/_build/html $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_docs_html.py
	$(BIN)/python docs/_check/browser.py docs/_build/html

# Neural models at their default CPU size (resumable, finished runs are read back; FAST=1: the fast size): the
# runs the neural figures draw (simulations/neural/runs.py: replace, accumulate and accumulate-subsample for
# every kind over 3 seeds; the language model also at temperature 0.3, at two more sizes and under the
# fixed-epochs protocol), in two worker processes.  `make figures` trains the same runs when they are missing.
.PHONY: neural
neural: $(STAMP)
	$(BIN)/python -m simulations.neural.runs --jobs 2 $(if $(FAST),--fast)
	$(BIN)/python -m simulations.neural.summary $(if $(FAST),figures/data/neural-fast)
