# The two commands of a fresh machine: `make demo` and `make test` (what .ci/run runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test test-fast demo lint bench bench-export system-deps docs-graphs

# torch goes in first, from the CPU build on this machine's disk: the `export` extra's
# wide range is then already satisfied and pip never reaches for a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,export,cpu]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# --dist loadfile: each test module runs on one worker, so a module-scoped fixture (an export of
# several models) is built once. (xdist_group marks do nothing under pytest 9: xdist cannot rename
# its nodes.)
test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

# The tests but the end-to-end ones (marked e2e: the demo, the pre-commit hook, export, browsers and other
# child-process runs): about a minute while working; `make test` (and CI) still runs every test.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q -m "not e2e"

demo: $(STAMP)
	$(BIN)/python examples/demo/run.py

bench: $(STAMP)
	$(BIN)/python bench/lock.py
	$(BIN)/python bench/install.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/sources.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/check_recall.py
	$(BIN)/python bench/edge_recall.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/graph.py
	$(BIN)/python bench/fleet.py
	$(BIN)/python bench/audit.py

# optimum-cli in its own venv (docs/bench-export.md says how to make it): ptm export next to it.
bench-export: $(STAMP)
	$(BIN)/python bench/export.py --optimum-python /tmp/optimum-venv/bin/python

# Optional system tools that some tests use: Graphviz (`ptm graph --format svg`), Chromium (the HTML graph's
# browser test) and the CNCF Distribution registry (`ptm push` and installs from an OCI mirror); without them
# those tests skip. As root with apt-get they are installed, after saying what and why; SKIP_SYSTEM_DEPS=1
# skips this step.
system-deps:
	@missing=""; command -v dot >/dev/null || missing="$$missing graphviz"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v docker-registry >/dev/null || missing="$$missing docker-registry"; \
	if [ -z "$$missing" ] || [ -n "$(SKIP_SYSTEM_DEPS)" ]; then exit 0; fi; \
	echo "system-deps: the svg graph, browser and OCI registry tests need$$missing (they skip without it)"; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "system-deps: installing as root: apt-get install$$missing (SKIP_SYSTEM_DEPS=1 skips this)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null) \
			|| echo "system-deps: apt-get failed; those tests will skip"; \
	else echo "system-deps: not root or no apt-get, so not installed; for those tests: sudo apt-get install$$missing"; fi

# docs/graphs.md and docs/img/*.png from the manifests under examples/.
docs-graphs: $(STAMP)
	PYTHONPATH=. $(BIN)/python docs/render_graphs.py
