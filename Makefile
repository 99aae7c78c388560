# finplat: `make run` serves the platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: install run test test-postgres test-mariadb lint bench clean demo

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: install
	$(BIN)/finplat migrate
	$(BIN)/finplat demo --if-empty
	$(BIN)/finplat serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The database suites again against PostgreSQL (.ci/run starts the server when it is down).
test-postgres: install
	FINPLAT_TEST_DATABASE_URL=$${FINPLAT_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -q -p no:cacheprovider -m database

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src/finplat/core src/finplat/identity src/finplat/ledger src/finplat/payment \
		src/finplat/product src/finplat/investment src/finplat/marketing src/finplat/audit src/finplat/events

bench: install
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) var/*.db var/*.db-wal var/*.db-shm
