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

run: $(STAMP)  ## check the example registers and render their registers and notices into out/
	@sh scripts/render-examples.sh $(BIN)/kluis out $(EXAMPLES)

test: $(STAMP)  ## run the whole test suite
	$(BIN)/pytest

lint: $(STAMP)  ## ruff, mypy strict and the import-layer contracts
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test  ## everything CI checks

bench: $(STAMP)  ## run the benchmarks and print their figures
	$(BIN)/python bench/register_bench.py

messages: $(STAMP)  ## extract translatable texts and update the nl/fr catalogues
	$(BIN)/python scripts/messages.py

clean:  ## remove the virtual environment and generated files
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install run test lint check bench messages clean
