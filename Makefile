# Two commands do everything: `make run` (set up + the main job) and `make test` (set up + tests).
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.emsteer-installed

.PHONY: setup run test test-slow lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first, pinned to the version emsteer is tested with (the rest must not upgrade it)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test,dev]"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv with torch 2.13.0, emsteer and its offline models
	$(VENV)/bin/emsteer prepare-model
	$(VENV)/bin/emsteer prepare-model qwen2.5-coder-1.5b-instruct  # the default judge's model

run: setup  ## the main job: baseline vs steering vs LoRA on the bundled model, HTML report
	$(VENV)/bin/emsteer run

test: setup  ## the default suite (tiny models, real HTTP server, headless browser): a few minutes
	bash scripts/install-chromium.sh
	$(PY) -m pytest

test-slow: setup  ## real bundled-model integration tests (several minutes)
	$(PY) -m pytest -m slow

lint: $(STAMP)  ## ruff and mypy, configured in pyproject.toml (seconds)
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/mypy

bench: setup  ## benchmarks; results land in benchmarks/results/
	# the peer library declares transformers<5 but works with 5.x: install it without its pins
	$(PY) -m pip install -q --no-deps steering-vectors==0.12.2
	cd benchmarks && ../$(PY) bench_steering.py && ../$(PY) bench_build.py && ../$(PY) bench_local_judge.py

clean:
	rm -rf $(VENV) build *.egg-info
