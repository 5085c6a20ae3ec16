# Two commands do all the set-up on a fresh Debian machine with Python 3.11:
#   make demo    run the main demo (worked examples, pictures, a short training run)
#   make test    run the whole test suite
# Both create .venv if it is missing, install microgradpp into it (editable) with its extras,
# and install Debian's graphviz (the system's `dot`; pip's extra brings graphviz-pure, a `dot` for
# everyone else), fonts-noto-cjk (Chinese text) and chromium (the browser tests of the pages) when
# they are missing and we are root. `make lint` also installs ESLint (tools/eslint, with npm ci).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ESLINT := tools/eslint/node_modules/.bin/eslint

.PHONY: demo test setup system-deps lint format bench notebooks web clean

demo: setup
	$(BIN)/python -m microgradpp demo

test: setup
	$(BIN)/python -m pytest -n 2 -q

setup: system-deps $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo ">> installing python3-venv (needed to create .venv)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else \
	    echo "Python's venv module is missing. Run:  $(SUDO) apt-get install python3-venv"; exit 1; \
	  fi; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[all,test,dev,web]"
	touch $(STAMP)

system-deps:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo ">> installing Debian's fonts-noto-cjk (Chinese text in pictures and pages)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk; \
	  else \
	    echo "No font with Chinese characters: pages in zh-Hant/zh-Hans would show boxes."; \
	    echo "    $(SUDO) apt-get install fonts-noto-cjk   (Debian/Ubuntu)"; \
	  fi; }
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo ">> installing Debian's graphviz (for the dot program that draws graphs)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; \
	  else \
	    echo "Graphviz's dot program is missing: pictures use graphviz-pure (installed by pip with"; \
	    echo "microgradpp[viz]), which draws no PDF. For PDF, and the tests that compare the two:"; \
	    echo "    $(SUDO) apt-get install graphviz     (Debian/Ubuntu)"; \
	    echo "    brew install graphviz                (macOS)"; \
	  fi; }
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo ">> installing Debian's chromium (the browser tests of the step and exercise pages)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	      || echo "!! could not install chromium: the browser tests will be skipped (the run lists them)"; \
	  else \
	    echo "Chromium is missing: the browser tests of the pages will be skipped (the run lists them)."; \
	    echo "    $(SUDO) apt-get install chromium     (Debian)"; \
	  fi; }

# npm, for ESLint and the playground: Debian's, installed when it is missing and we are root.
# $(1): what installing it is for; $(2): the same said after "npm is missing" (may be empty).
define need_npm
@command -v npm >/dev/null 2>&1 || { \
  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
    echo ">> installing Debian's npm ($(1))"; \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; \
  else \
    echo "npm is missing$(2): $(SUDO) apt-get install npm"; exit 1; \
  fi; }
endef

# ESLint, pinned in tools/eslint/package-lock.json, installed there with npm (Debian's npm if needed)
$(ESLINT): tools/eslint/package-lock.json
	$(call need_npm,installs ESLint for make lint, (make lint installs ESLint with it))
	npm ci --prefix tools/eslint --no-audit --no-fund --loglevel=error
	touch $(ESLINT)

lint: setup $(ESLINT)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy
	$(ESLINT) --config tools/eslint/eslint.config.mjs microgradpp

format: setup
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

notebooks: setup
	@$(BIN)/python -c 'import jupyterlab' 2>/dev/null || $(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab notebooks/

# The playground: microgradpp in one offline web page (playground/microgradpp-playground.html).
# The pinned packages (Pyodide, Graphviz in WebAssembly, graphviz) are downloaded once into
# ~/.cache/microgradpp-web (outside git) with npm and pip, and checked by SHA-256 at every build;
# the browser tests use the same cache (and are skipped, with the reason, without it).
web: setup
	$(call need_npm,downloads the playground's pinned packages,)
	$(BIN)/python -m microgradpp web --out playground

bench: setup
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/moons.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis demo-output playground
