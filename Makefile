# Kluis: `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXAMPLES ?= $(sort $(wildcard examples/*/))

.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml scripts/system-deps.sh
	@sh scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create the virtual environment and install Kluis with its tools

run: $(STAMP)  ## render the examples into out/, fill a demo vault, then serve one at http://127.0.0.1:8000
	@sh scripts/render-examples.sh $(BIN)/kluis out $(EXAMPLES)
	@sh scripts/vault-demo.sh $(CURDIR)/$(BIN)/kluis out examples/candidates.csv
	@sh scripts/demo-serve.sh $(CURDIR)/$(BIN)/kluis $(CURDIR)/out

# The database tests run a second time on PostgreSQL. In CI (CI=true) the server must be
# there; elsewhere they run when it answers, with a note when it does not.
KLUIS_TEST_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/postgres

test: $(STAMP)  ## run the whole test suite (database tests also on PostgreSQL)
	$(BIN)/pytest
	@if $(BIN)/python scripts/postgres-ready.py "$(KLUIS_TEST_POSTGRES)"; then \
		KLUIS_TEST_DATABASE_URL="$(KLUIS_TEST_POSTGRES)" $(BIN)/pytest -m db -q; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(KLUIS_TEST_POSTGRES) does not answer; CI needs it" >&2; exit 1; \
	else \
		echo "note: PostgreSQL does not answer; database tests ran on SQLite only"; \
	fi

lint: $(STAMP)  ## ruff, mypy strict and the import-layer contracts
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test  ## everything CI checks

bench: $(STAMP)  ## run the benchmarks and print their figures
	$(BIN)/python bench/register_bench.py
	$(BIN)/python bench/vault_bench.py --subjects 20000 --lookups 2000 --shows 2000
	$(BIN)/python bench/import_bench.py --subjects 20000 --folder .bench-cache/import
	$(BIN)/python bench/retention_bench.py --records 20000 --folder .bench-cache/retention --keep
	$(BIN)/python bench/request_bench.py --records 20000 --requests 200 --folder .bench-cache/retention --keep

messages: $(STAMP)  ## extract translatable texts and update the nl/fr catalogues
	$(BIN)/python scripts/messages.py

clean:  ## remove the virtual environment and generated files
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install run test lint check bench messages clean
