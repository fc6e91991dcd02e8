# The README tells people to type `make run` and `make test`; both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
NPM_STAMP := web/node_modules/.setup-stamp
# The front-end files pages load, copied out of web/node_modules (advocacy/resources.py lists them).
VENDOR_STAMP := advocacy/_shipped/.setup-stamp
LOCALE := advocacy/locale
PO_FILES := $(wildcard $(LOCALE)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: setup wheel run lint test test-unit test-integration test-browser bench clean extract-messages compile-messages

setup: $(STAMP) $(NPM_STAMP) $(VENDOR_STAMP) $(MO_FILES)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test,embedded]'
	touch $(STAMP)

$(NPM_STAMP): web/package.json
	cd web && npm install --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

$(VENDOR_STAMP): $(STAMP) $(NPM_STAMP) web/package-lock.json advocacy/resources.py
	$(BIN)/python -m advocacy.resources
	touch $(VENDOR_STAMP)

# A wheel in dist/ that carries the templates, static files, config/, front-end files and compiled
# catalogues (setup.py): `pip install dist/advocacy-*.whl` (add `[embedded]` for SecantusDB) serves from any folder.
# build/ goes first: setuptools would otherwise put modules deleted since the last build in the wheel.
wheel: setup
	rm -rf build
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	@ls -1 dist/advocacy-*.whl

# The child-facing words in other languages: each .po (committed) compiles to a .mo (not committed).
$(LOCALE)/%/LC_MESSAGES/messages.mo: $(LOCALE)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

compile-messages: $(STAMP)
	$(BIN)/pybabel compile -d $(LOCALE) --statistics

# New or changed words in the templates, scripts and N_(...) texts: into messages.pot, then into
# every catalogue (new ones empty for a translator; the unit tests fail until each is filled).
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -k N_ -k english -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-fuzzy-matching --ignore-obsolete

run: setup
	$(BIN)/advocacy serve --demo

# Style and the architecture contracts (pyproject.toml): a broken layer fails with the offending import.
lint: setup
	$(BIN)/ruff check advocacy bots tests bench
	$(BIN)/lint-imports

test: setup lint
	$(BIN)/python -m pytest

test-unit: setup
	$(BIN)/python -m pytest tests/unit

test-integration: setup
	$(BIN)/python -m pytest tests/integration

test-browser: setup
	$(BIN)/python -m pytest tests/browser

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) web/node_modules advocacy/_shipped build dist var var-key var-audit .pytest_cache .ruff_cache .import_linter_cache
