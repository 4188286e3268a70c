# Quick start: `make build` publishes the bundled dossiers; `make test` runs the full suite.
# Both create .venv from the hash-pinned requirements.lock on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build check test lint typecheck pytest schema golden lock bench clean vendor

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

build: $(STAMP)  ## Check and publish the bundled dossier repository into output/.
	$(BIN)/dossier build --strict

check: $(STAMP)
	$(BIN)/dossier check --strict

NODE_STAMP := node_modules/.installed

# axe-core for the browser tests and MiniSearch for the theme, pinned in package-lock.json.
# Without npm the browser tests are skipped (one line says so); CI installs it.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $(NODE_STAMP); \
	else echo "npm not found: the browser tests will be skipped"; fi

# MiniSearch's UMD build, committed into the theme so a build needs no npm; the source
# map comment is dropped because the map is not shipped.
vendor: $(NODE_STAMP)  ## Copy the theme's third-party scripts from node_modules/ (after an npm update).
	mkdir -p templates/vendor
	sed '/^\/\/# sourceMappingURL=/d' node_modules/minisearch/dist/umd/index.js > templates/vendor/minisearch.js
	cp node_modules/minisearch/LICENSE.txt templates/vendor/LICENSE-minisearch.txt

test: lint typecheck pytest  ## Everything CI runs.

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(NODE_STAMP)
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
