# Parcours FLE — everyday commands. See README.
#   make run    install into .venv, migrate, load the demo catalogue, print an adviser key, serve
#   make test   install dev deps, start throwaway PostgreSQL + Meilisearch, ruff, every test
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

.PHONY: help run test lint openapi bench clean clean-db venv venv-dev

help:
	@echo "make run      serve the API + adviser page on http://$(HOST):$(PORT) (SQLite, demo data)"
	@echo "make test     ruff + every test (SQLite, PostgreSQL 15, Meilisearch, Chromium); ARGS=... for pytest"
	@echo "make lint     ruff check ."
	@echo "make openapi  regenerate openapi.yaml"
	@echo "make bench    list the benchmarks"
	@echo "make clean    remove .venv, node_modules and caches (clean-db: the SQLite file too)"

venv:
	@scripts/venv.sh

venv-dev:
	@scripts/venv.sh dev

# DATABASE_URL, MEILI_URL, MEILI_KEY come from the environment or .env; by default the app uses
# the SQLite file parcours-fle.db here and its embedded search engine.
run: venv
	$(BIN)/parcours-fle migrate
	$(BIN)/parcours-fle demo
	@out=$$($(BIN)/parcours-fle keys create --role adviser --name "make run $$(date '+%Y-%m-%d %H:%M:%S')"); \
	key=$$(printf '%s\n' "$$out" | tail -n 1); \
	echo; \
	echo "  Clé conseiller (adviser) : $$key"; \
	echo "  (header: Authorization: Bearer <key>)   http://$(HOST):$(PORT)/"; \
	echo
	exec $(BIN)/parcours-fle serve --host $(HOST) --port $(PORT)

test:
	scripts/test.sh $(ARGS)

lint: venv-dev
	$(BIN)/ruff check .

openapi: venv
	$(BIN)/python -m app.openapi_export > openapi.yaml.tmp
	mv openapi.yaml.tmp openapi.yaml

bench:
	@echo "Benchmarks (bench/):"
	@found=0; for f in bench/*; do \
	  [ -e "$$f" ] || continue; case "$$f" in */__init__.py|*/__pycache__) continue;; esac; \
	  echo "  $$f"; found=1; \
	done; \
	[ "$$found" = 1 ] || echo "  (none yet)"

clean:
	rm -rf $(VENV) node_modules build dist *.egg-info .pytest_cache .ruff_cache .hypothesis \
	  test-artifacts openapi.yaml.tmp
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

clean-db:
	rm -f parcours-fle.db parcours-fle.db-journal parcours-fle.db-wal parcours-fle.db-shm
