# The README's two commands: `make reproduce` and `make test`.
# Each creates .venv with the machine's python3 and (re)installs the project when
# pyproject.toml is newer than the last install.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: reproduce reproduce-quick test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

reproduce: $(STAMP)
	$(VENV)/bin/lectoolkit reproduce

reproduce-quick: $(STAMP)
	$(VENV)/bin/lectoolkit reproduce --quick

# The second pass re-runs the unit tests with numba's bounds checking on (own cache), so an
# out-of-range read in a compiled kernel fails deterministically instead of returning garbage.
# Both passes always run; the target fails if either failed.
test: $(STAMP)
	@status=0; \
	$(VENV)/bin/python -m pytest || status=$$?; \
	NUMBA_BOUNDSCHECK=1 NUMBA_CACHE_DIR=$(VENV)/numba-boundscheck-cache \
		$(VENV)/bin/python -m pytest -q -m 'not notebooks' -p no:cacheprovider tests || status=$$?; \
	exit $$status

# The benchmark suite compares against peers installed by the `bench` extra (coopgame-py).
bench: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,bench]'
	$(VENV)/bin/python benchmarks/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build .pytest_cache
