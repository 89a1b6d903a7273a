# border_referral: `make run` installs, migrates, loads the demo data and serves; `make test` tests.
SHELL := /bin/bash
PYTHON ?= python3
# .ci/run points VENV at a fresh folder so that CI never reuses an environment.
VENV ?= .venv
LOCK := requirements.lock
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: system-deps run install lock lock-upgrade test-newest lint test test-sqlite test-postgres translations compile-translations fonts browser bench bench-smoke clean

run: install
	$(FLASK) init-db
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$${PORT:-8000}"
	$(BIN)/gunicorn -c config/gunicorn.conf.py wsgi:app

install: system-deps $(STAMP) fonts $(MO)

# Debian packages: ICU's headers for PyICU; Pango/HarfBuzz and the Noto fonts for the PDFs
# (WeasyPrint shapes Thai, Burmese and Lao with them); poppler-utils to look at PDFs in the tests;
# wrk for the benchmarks (and their smoke test in the suite).
DEBS := libicu-dev pkg-config build-essential libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core poppler-utils wrk
system-deps:
	@dpkg -s $(DEBS) >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEBS); }

# Every install takes the exact versions and hashes of $(LOCK), the whole dependency tree (build
# tools included), so a fresh machine gets what CI tested. The build tools go in first so that
# PyICU, the one package built from source, is built with the locked setuptools, not the newest.
$(STAMP): setup.cfg pyproject.toml $(LOCK)
	@$(MAKE) --no-print-directory system-deps
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	@awk '/^(setuptools|wheel|packaging)==/{p=1} /^[a-z]/ && !/^(setuptools|wheel|packaging)==/{p=0} p' $(LOCK) > $(VENV)/build-tools.lock
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r $(VENV)/build-tools.lock
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes --no-build-isolation -r $(LOCK)
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Regenerate the lock from setup.cfg (lower bounds) and pyproject.toml (build tools). `make lock`
# keeps every pin it can and only adds or drops what setup.cfg changed; `make lock-upgrade` takes
# the newest releases of everything. Run one on purpose, then `make test`, and commit both files.
LOCK_VENV := build/lock-venv
PIP_COMPILE = $(LOCK_VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --all-build-deps \
	  --extra test --strip-extras --no-emit-index-url --no-emit-find-links -o $(LOCK) setup.cfg
$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q --disable-pip-version-check --upgrade pip pip-tools
lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE)
	@echo "lock: $(LOCK) written; now run make test and commit setup.cfg and $(LOCK) together"
lock-upgrade: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) --upgrade
	@echo "lock: $(LOCK) upgraded; now run make test and commit $(LOCK)"

# The suite against the newest release of every dependency (not the lock), in a throwaway
# environment: what `make lock` would bring. Run it before updating the lock.
test-newest: system-deps browser fonts
	rm -rf build/newest-venv && $(PYTHON) -m venv build/newest-venv
	build/newest-venv/bin/pip install -q --disable-pip-version-check --upgrade pip
	build/newest-venv/bin/pip install -q --disable-pip-version-check --upgrade -e '.[test]'
	build/newest-venv/bin/pybabel compile -d translations
	BR_TEST_DATABASE=sqlite BR_SKIP_LOCK_CHECK=1 build/newest-venv/bin/pytest -q -p no:cacheprovider

fonts:
	@./tools/fonts.sh

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d translations -l $*

compile-translations: $(MO)

# Extract the strings from the code and bring every catalog up to date (then translate them).
translations: $(STAMP)
	$(BIN)/pybabel extract -F config/babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 -k bi -k L -k _in:2 --no-location --sort-output --msgid-bugs-address= --copyright-holder="border_referral" \
	  --project border_referral -o translations/messages.pot border_referral
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# Debian's chromium for the browser tests (Playwright's own download does not work here).
browser:
	@command -v /usr/bin/chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

test: install browser
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# Static checks that fail the build: ruff (pyflakes' errors) and bandit (medium and high findings;
# a deliberate exception carries a `# nosec` comment saying why).
lint: $(STAMP)
	@echo "== lint: ruff and bandit"
	$(BIN)/ruff check --quiet border_referral tests migrations bench
	$(BIN)/bandit --quiet --recursive border_referral --severity-level medium

test-sqlite:
	@echo "== test suite on SQLite"
	BR_TEST_DATABASE=sqlite $(BIN)/pytest -q

test-postgres:
	@echo "== test suite on PostgreSQL ($(PG_TEST_URL))"
	BR_TEST_DATABASE=$(PG_TEST_URL) $(BIN)/pytest -q

# Benchmarks (bench/, docs/PERFORMANCE.md): load realistic volume into build/bench/<database>/ through
# the real services, then wrk against the app under gunicorn (config/gunicorn.conf.py) on 127.0.0.1,
# with a hello-world app under the same settings as the ceiling; writes bench/results.json. Full scale
# by default (100,000 cases); smaller with e.g. BENCH_CASES=10000 BENCH_REFERRALS=2000 BENCH_PLANS=500
# BENCH_ATTACHMENTS=5000, shorter with BENCH_DURATION=5 (seconds per scenario).
WRK_INSTALL = command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
bench: install
	@$(WRK_INSTALL)
	$(BIN)/python -m bench.generate --name sqlite
	$(BIN)/python -m bench.generate --name postgresql --database-url $(PG_TEST_URL)
	$(BIN)/python -m bench.run --name sqlite --name postgresql

# Seconds long: the generator at a tiny scale and one scenario, so that the bench cannot rot (the
# suite runs the same in tests/bench/test_bench_smoke.py).
bench-smoke: install
	@$(WRK_INSTALL)
	$(BIN)/python -m bench.generate --name smoke --cases 20 --referrals 7 --plans 2 --meetings 2 --attachment-records 4 --files 2 --batch 10
	$(BIN)/python -m bench.run --name smoke --duration 2 --scenario api_case_get --results build/bench/smoke-results.json

clean:
	rm -rf build .pytest_cache tests/browser/artifacts
