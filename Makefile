# Motcua: `make run` serves the portal with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
export DJANGO_SETTINGS_MODULE := motcua.config.settings

.PHONY: install run test bench lint format migrations messages clean

$(BIN)/python:
	@PY=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$PY ($$($$PY --version))"; \
	$$PY -m venv $(VENV)

# Reinstall only when the project's requirements change: a second `make run` is fast.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/motcua migrate --no-input
	$(BIN)/motcua bootstrap
	MOTCUA_HOST=$(HOST) MOTCUA_PORT=$(PORT) MOTCUA_WORKERS=$(WORKERS) scripts/serve

# The whole suite runs in two passes: the browser tests (tests/e2e) in processes of their own,
# so that a live server and Playwright never share a process with the other tests' leftovers.
# With PYTEST_ARGS, one pass with those arguments.
test: $(VENV)/.installed
ifeq ($(strip $(PYTEST_ARGS)),)
	MOTCUA_ENV=test $(BIN)/pytest -n $${PYTEST_WORKERS:-2} --ignore=tests/e2e
	MOTCUA_ENV=test $(BIN)/pytest -n $${PYTEST_WORKERS:-2} tests/e2e
else
	MOTCUA_ENV=test $(BIN)/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)
endif

bench: $(VENV)/.installed
	MOTCUA_ENV=test $(BIN)/python -m bench

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: $(VENV)/.installed
	$(BIN)/motcua makemigrations

# Refresh the translation catalogues (.po) and compile them (.mo).
messages: $(VENV)/.installed
	cd src/motcua && ../../$(BIN)/motcua makemessages -l en --no-obsolete --ignore 'static/*'
	cd src/motcua && ../../$(BIN)/motcua compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
