# Mesa: `make run` for a person, `make test` for truth, `make bench` for figures.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest -q -p no:cacheprovider
LINT_PATHS := $(wildcard clustering deliberation web tests benchmarks)

.PHONY: setup run test e2e faults bench lint clean distclean

setup: $(VENV)/.installed

$(PY):
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than both requirement files once they are installed.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: setup
	$(PY) -m clustering analyze tests/data/polis-open-data/15-per-hour-seattle --summary

# tests/browser and tests/faults have their own targets.
test: setup
	$(PYTEST) tests --ignore=tests/browser --ignore=tests/faults

# pytest exits 5 when it collects no test: an empty suite is not a failure here.
e2e: setup
	@if [ -d tests/browser ]; then $(PYTEST) tests/browser || [ $$? -eq 5 ]; \
	else echo "e2e: no tests/browser folder, nothing to run"; fi

faults: setup
	@if [ -d tests/faults ]; then $(PYTEST) tests/faults || [ $$? -eq 5 ]; \
	else echo "faults: no tests/faults folder, nothing to run"; fi

bench: setup
	$(PY) -m benchmarks.run

lint: setup
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m ruff format --check $(LINT_PATHS)

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache bench-out tests/artifacts *.egg-info

distclean: clean
	rm -rf $(VENV)
