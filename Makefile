# Quick start: `make build` publishes the bundled dossiers; `make test` runs the full suite.
# Both create .venv from the hash-pinned requirements.lock on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build check test lint typecheck pytest schema golden lock bench clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

build: $(STAMP)  ## Check and publish the bundled dossier repository into output/.
	$(BIN)/dossier build --strict

check: $(STAMP)
	$(BIN)/dossier check --strict

test: lint typecheck pytest  ## Everything CI runs.

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

schema: $(STAMP)  ## Regenerate schemas/*.schema.json for editors.
	$(BIN)/dossier schema

golden: $(STAMP)  ## Rewrite tests/golden/ from the current templates; review with git diff.
	$(BIN)/pytest tests/test_build.py -k golden --update-golden

lock:  ## Re-pin requirements.lock after changing dependencies in pyproject.toml.
	$(PYTHON) -m piptools compile --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --extra dev --extra cluster --extra export -o requirements.lock pyproject.toml

bench: $(STAMP)  ## Print timings; the scale run takes up to 26 min (make bench SCALE=--quick: 8).
	$(BIN)/python benchmarks/load_check.py
	$(BIN)/python benchmarks/build_time.py
	$(BIN)/python benchmarks/serve_latency.py
	$(BIN)/python benchmarks/scale.py $(SCALE)

clean:
	rm -rf $(VENV) output .mypy_cache .pytest_cache .ruff_cache
