# border_referral: `make run` installs, migrates, loads the demo data and serves; `make test` tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: system-deps run install test test-sqlite test-postgres translations compile-translations fonts browser bench clean

run: install
	$(FLASK) init-db
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$${PORT:-8000}"
	$(BIN)/gunicorn -c config/gunicorn.conf.py wsgi:app

install: system-deps $(STAMP) fonts $(MO)

# Debian packages: ICU's headers for PyICU; Pango/HarfBuzz and the Noto fonts for the PDFs
# (WeasyPrint shapes Thai, Burmese and Lao with them); poppler-utils to look at PDFs in the tests.
DEBS := libicu-dev pkg-config build-essential libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core poppler-utils
system-deps:
	@dpkg -s $(DEBS) >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEBS); }

$(STAMP): setup.cfg pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

fonts:
	@./tools/fonts.sh

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d translations -l $*

compile-translations: $(MO)

# Extract the strings from the code and bring every catalog up to date (then translate them).
translations: $(STAMP)
	$(BIN)/pybabel extract -F config/babel.cfg -k _l -k lazy_gettext -k bi -k L -k _in:2 --no-location --sort-output --msgid-bugs-address= --copyright-holder="border_referral" \
	  --project border_referral -o translations/messages.pot border_referral
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# Debian's chromium for the browser tests (Playwright's own download does not work here).
browser:
	@command -v /usr/bin/chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

test: install browser
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== test suite on SQLite"
	BR_TEST_DATABASE=sqlite $(BIN)/pytest -q

test-postgres:
	@echo "== test suite on PostgreSQL ($(PG_TEST_URL))"
	BR_TEST_DATABASE=$(PG_TEST_URL) $(BIN)/pytest -q

bench:
	@echo "no benchmarks yet"

clean:
	rm -rf build .pytest_cache tests/browser/artifacts
