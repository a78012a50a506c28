# The front door. `make run` serves the site on SQLite; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run test lint format migrate seed admin-user messages browser-deps proxy-deps bench fuzz-long clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Loads the curated fixtures into an empty database only: edits made in the admin survive.
seed: migrate
	$(BIN)/python manage.py seed

run: seed
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# A superuser for the admin at /admin/ (asks for a name and password).
admin-user: migrate
	$(BIN)/python manage.py createsuperuser

# One test process per CPU (pytest-xdist); the browser tests share one Chromium, in one of them.
test: install-dev browser-deps proxy-deps
	$(BIN)/pytest -n auto --dist loadgroup

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Interface translations: edit locale/zh_Hant/LC_MESSAGES/django.po, then `make messages`.
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hant --ignore ".venv/*" --ignore "bench/*"
	$(BIN)/python manage.py compilemessages --locale zh_Hant

# The browser tests drive Debian's Chromium; a CJK font makes Chinese render in screenshots.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# tests/test_deploy.py runs deploy/nginx.conf from a temporary folder (never as a service).
proxy-deps:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
		echo "Installing Debian's nginx-light for the reverse-proxy tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx-light >/dev/null; \
	fi

bench: install-dev
	$(BIN)/python bench/run.py

# The property-based fuzz with 20,000 examples instead of the test suite's 300 (about 10 minutes).
fuzz-long: install-dev
	HYPOTHESIS_PROFILE=long $(BIN)/pytest tests/test_fuzz.py

# Empties the SQLite database and loads the curated fixtures again.
clean-db: install
	rm -f db.sqlite3
	$(MAKE) seed
