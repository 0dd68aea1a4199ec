# Mesa: `make run` for a person, `make test` for truth, `make bench` for figures.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest -q -p no:cacheprovider
LINT_PATHS := $(wildcard clustering deliberation web tests benchmarks loadtest gunicorn.conf.py)

.PHONY: setup run test test-all e2e faults loadtest bench lint translations clean distclean

setup: $(VENV)/.installed

$(PY):
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than both requirement files once they are installed. The math's numba
# kernels are compiled here once (about a minute), not by the first map, test or worker.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m clustering.precompile
	touch $@

# Migrate, load the demo conversation (once), then serve; the app computes groups meanwhile.
run: setup
	$(VENV)/bin/flask --app web db upgrade
	$(VENV)/bin/flask --app web load-demo
	$(VENV)/bin/flask --app web run --host 127.0.0.1 --port 5000

# tests/browser, tests/interop and tests/faults have their own targets. `make test` leaves out
# the tests marked slow (UMAP's numba compile, the spawned child process: tens of seconds on a
# cold machine); `make e2e` runs them with the browser tests, `make test-all` with the rest.
UNIT_TESTS := tests --ignore=tests/browser --ignore=tests/interop --ignore=tests/faults

test: setup
	$(PYTEST) -m "not slow" $(UNIT_TESTS)

test-all: setup
	$(PYTEST) $(UNIT_TESTS)

# pytest exits 5 when it collects no test: an empty suite is not a failure here.
e2e: setup
	$(PYTEST) -m slow $(UNIT_TESTS) || [ $$? -eq 5 ]
	@if [ -d tests/browser ]; then $(PYTEST) tests/browser || [ $$? -eq 5 ]; \
	else echo "e2e: no tests/browser folder, nothing to run"; fi
	$(PYTEST) tests/interop

faults: setup
	@if [ -d tests/faults ]; then $(PYTEST) tests/faults || [ $$? -eq 5 ]; \
	else echo "faults: no tests/faults folder, nothing to run"; fi

# gunicorn + a recompute worker on 127.0.0.1, 500 votes/s for 60 s, then the highest rate
# that keeps p99 <= 250 ms; on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set
# (that database is wiped). A few minutes. Options: make loadtest LOADTEST_ARGS="--no-search".
loadtest: setup
	$(PY) -m loadtest $(LOADTEST_ARGS)

bench: setup
	$(PY) -m benchmarks.run

lint: setup
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m ruff format --check $(LINT_PATHS)

# Page messages: extract from web/, merge into each language's .po, compile the .mo (committed,
# so a fresh clone needs no build step). Translate the new msgids in the .po, then run it again.
translations: setup
	$(VENV)/bin/pybabel extract -F web/babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output --project Mesa -o web/translations/messages.pot .
	$(VENV)/bin/pybabel update -i web/translations/messages.pot -d web/translations \
		--width 100
	$(VENV)/bin/pybabel compile -d web/translations --statistics

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache bench-out tests/artifacts *.egg-info

distclean: clean
	rm -rf $(VENV)
