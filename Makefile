# Kituo: two commands to know: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
export KITUO_INSTANCE ?= $(CURDIR)/instance
# The emulated-Pi tier (tests/pi) takes ~29 min on an idle 2-core machine
# and an hour or more on a shared one (image build, install, reboot, power
# cut, upgrade), so `make test` (and CI, which must finish well under 30
# minutes) leaves it out; run
# `sudo make test-pi` after changing deploy/ or what install.sh installs,
# or `make test KITUO_TEST_PI=1` (as root) for both.
export KITUO_TEST_PI ?= 0

.PHONY: run test test-fast test-pi pi-tier-notice install install-dev static-gz chromium test-packages i18n-extract i18n-update i18n-compile i18n-check bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed i18n-compile static-gz
install-dev: $(VENV)/.installed-dev i18n-compile static-gz

# Pre-compressed copies of static files (served to browsers that accept gzip).
static-gz:
	@find static -type f \( -name '*.css' -o -name '*.js' \) -exec gzip -9 -k -f {} \;

## run: database with demo data, web server and worker; Ctrl-C stops both.
run: install
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	@scripts/run-dev

## test: the whole suite, browser and deployment tests included; the emulated
## Raspberry Pi tier only with KITUO_TEST_PI=1 (as root), see test-pi.
test: install-dev test-packages pi-tier-notice
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-pi: only the emulated Raspberry Pi tier (root; the arm64 image is
## built once into ~/.cache/kituo, then every run boots a fresh copy).
test-pi: install-dev test-packages
	KITUO_TEST_PI=1 $(BIN)/python -m pytest tests/pi $(PYTEST_ARGS)

pi-tier-notice:
	@if [ "$(KITUO_TEST_PI)" = 0 ]; then \
	    echo "Emulated-Pi tier left out (it takes about 30 minutes): run 'sudo make test-pi' after changing deploy/, or 'make test KITUO_TEST_PI=1' as root."; \
	elif [ "$$(id -u)" != 0 ]; then \
	    echo "Emulated-Pi tier skipped: it needs root (systemd-nspawn). Run: sudo make test-pi"; \
	fi

## test-fast: the suite without the browser and deployment tiers and the
## inherently slow tests (pytest marks in pytest.ini; the README's Testing
## section lists them): no Debian packages needed; the loop while working.
## It runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in this
## one process.
TEST_WORKERS ?= auto
test-fast: install-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser and not deployment and not slow" $(PYTEST_ARGS)

chromium:
	@scripts/ensure-chromium

# Debian packages the tests use (Chromium, age, rclone, sqlite3, nginx,
# openssl, shellcheck, systemd); installed when run as root.
test-packages: chromium
	@scripts/ensure-test-packages

## Translations (Flask-Babel; one catalogue per module, see scripts/i18n):
## `make i18n-update` adds new strings to the sw catalogues, then translate
## them in the .po files; `make i18n-check` lists what is missing.
i18n-extract: $(VENV)/.installed
	$(BIN)/python scripts/i18n extract

i18n-update: $(VENV)/.installed
	$(BIN)/python scripts/i18n update

i18n-compile: $(VENV)/.installed
	@$(BIN)/python scripts/i18n compile

i18n-check: $(VENV)/.installed
	$(BIN)/python scripts/i18n check

bench: install-dev
	$(BIN)/python scripts/bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
