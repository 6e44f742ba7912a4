# The two commands of the README: `make demo` runs the product, `make test` runs every check.
SHELL := /bin/bash
PYTHON := $(shell scripts/find-python)
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
PG_URL ?= postgres://postgres@127.0.0.1:5432/tilgang
PYTEST_ARGS ?=

.PHONY: demo test install lint typecheck test-sqlite test-postgres bench messages clean

$(UV):
	$(PYTHON) -m pip install --user --quiet uv

install: $(UV)
	$(UV) sync --frozen --group spark --python "$(PYTHON)"
	npm ci --no-audit --no-fund --loglevel=error

demo: install
	$(UV) run tilgang demo

lint: install
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench

typecheck: install
	$(UV) run mypy src/tilgang

test-sqlite: install
	DATABASE_URL= $(UV) run pytest $(PYTEST_ARGS)

# The Spark suite does not touch the database, so it runs once, with the SQLite pass.
test-postgres: install
	DATABASE_URL=$(PG_URL) $(UV) run pytest -m "not spark" $(PYTEST_ARGS)

test: lint typecheck test-sqlite test-postgres

bench: install
	$(UV) run python bench/run.py

messages: install
	cd src/tilgang && $(UV) run django-admin makemessages -l nb -l nn -l en --no-obsolete --settings=tilgang.config.settings
	cd src/tilgang && $(UV) run django-admin compilemessages --settings=tilgang.config.settings

clean:
	rm -rf .venv node_modules var
