# finplat: `make run` serves the platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: install run test test-python test-web test-fuzz test-browser test-postgres test-mariadb lint \
	bench clean

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

# The Python suite, then the web app's unit tests when Node is on the machine (the built app
# is committed, so nothing else needs Node).
test: test-python test-web

test-python: install
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-web:
	@if command -v npm >/dev/null 2>&1; then \
		cd web && npm ci --no-audit --no-fund --loglevel=error && npm test; \
	else \
		echo "npm not found: skipping the web app's unit tests (the built app is committed)"; \
	fi

# Every API operation fuzzed from the OpenAPI spec (schemathesis): no input may give a 5xx.
# Left out of `make test` (pyproject's addopts deselect -m fuzz); about two minutes.
test-fuzz: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -m fuzz tests/e2e/test_api_fuzz.py

# A real browser (Debian's Chromium) through the whole investor and reviewer journey.
test-browser: install
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei)
	cd web && npm ci --no-audit --no-fund --loglevel=error && bash e2e/run.sh

# The database suites again against PostgreSQL and MariaDB (.ci/run starts a server that is
# down). pytest's exit status 5 (no test collected) fails the target like any other.
test-postgres: install
	FINPLAT_TEST_DATABASE_URL=$${FINPLAT_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -q -p no:cacheprovider -m database

test-mariadb: install
	FINPLAT_TEST_DATABASE_URL=$${FINPLAT_TEST_DATABASE_URL:-mysql+asyncmy://root@127.0.0.1:3306/test} \
		$(BIN)/python -m pytest -q -p no:cacheprovider -m database

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src/finplat/core src/finplat/identity src/finplat/ledger src/finplat/payment \
		src/finplat/product src/finplat/investment src/finplat/marketing src/finplat/audit src/finplat/events \
		src/finplat/lending src/finplat/system src/finplat/analytics \
		src/finplat/notification \
		src/finplat/risk

# The funds journeys against pgbench and the asyncpg client floor, in one run (PostgreSQL at
# FINPLAT_BENCH_SERVER, default postgres@127.0.0.1:5432; FINPLAT_BENCH_SECONDS per row).
bench: install
	$(BIN)/python bench/funds.py
	$(BIN)/python bench/bulk.py

clean:
	rm -rf $(VENV) var/*.db var/*.db-wal var/*.db-shm
