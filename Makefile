# Resolve: `make run` to try it, `make test` to check it. Both install what is missing first.
SHELL := /bin/bash
PORT ?= 5000
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
export RESOLVE_ENV ?= development

.PHONY: run test test-dates lint install assets browser db-check clean translations

run: install assets
	@mkdir -p instance
	@PORT=$(PORT) $(BIN)/flask db upgrade
	@PORT=$(PORT) $(BIN)/flask seed-demo
	@echo
	@echo "Resolve is running at http://127.0.0.1:$(PORT)/  (press Ctrl+C to stop)"
	@echo "Messages it sends (reminders, notices) are kept, not sent: see http://127.0.0.1:$(PORT)/notifications/dev-outbox"
	@echo
	@PORT=$(PORT) RUN_SCHEDULER_IN_WEB=1 $(BIN)/flask run --host 127.0.0.1 --port $(PORT) --no-reload --with-threads

test: install assets browser
	@RESOLVE_ENV=test $(BIN)/pytest

# The tests that depend on today's date, again with the clock set to hostile moments: 5 July 00:10 BST (day and
# month below 10, and a London date that differs from the UTC date), the last Sunday of March crossing 01:00 UTC
# (the clocks go forward during the run), and 29 February.
HOSTILE_CLOCKS := 2027-07-04T23:10:00+00:00 2027-03-28T00:59:30+00:00 2028-02-29T12:00:00+00:00

test-dates: install assets browser
	@for at in $(HOSTILE_CLOCKS); do echo "== tests marked calendar, clock at $$at"; \
	  RESOLVE_ENV=test RESOLVE_TEST_CLOCK=$$at $(BIN)/pytest -q -m calendar -p no:cacheprovider || exit 1; done

lint: install
	@$(BIN)/ruff check .

db-check: install
	@tmp=$$(mktemp -d); DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/flask db upgrade >/dev/null 2>&1 \
	  && DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/flask db check; rc=$$?; rm -rf $$tmp; exit $$rc

install: $(VENV)/.installed node_modules/.installed translations

# The Welsh catalogue's compiled form (.mo) is a build product: made from the committed .po, never committed.
translations: $(VENV)/.installed $(wildcard translations/*/LC_MESSAGES/messages.po)
	@$(BIN)/pybabel -q compile -d translations

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: static/css/app.css

static/css/app.css: node_modules/.installed $(wildcard static/src/*)
	@npm run --silent build

# Browser tests drive Debian's Chromium (never a downloaded browser). Install it when we can.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is not installed and cannot be installed here: browser tests will be skipped."; fi; }

clean:
	rm -rf $(VENV) node_modules static/css static/js static/assets instance/resolve.db translations/*/LC_MESSAGES/*.mo
