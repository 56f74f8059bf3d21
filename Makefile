# The two commands of the README do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: run test lint format setup bench soak clean

$(READY): requirements.lock requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@$(BIN)/python -c "from index import accel; accel.wait()"  # compile the query kernels once (numba's cache)
	@touch $(READY)

setup: $(READY)

run: $(READY)
	@$(BIN)/python -m bot run $(ARGS)

test: $(READY)
	@bash scripts/ensure-postgres.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(READY)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(READY)
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	$(BIN)/python bench/bench_engines.py $(BENCH_ARGS)

soak: $(READY)
	$(BIN)/python -m pytest -q -s -m soak

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
