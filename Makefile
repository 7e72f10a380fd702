# The contract: setup, run, test, lint, serve, bench; the virtual environment in .venv/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint format serve bench install backup restore

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The clone's own SECRET_KEY in a git-ignored .env (read by config/settings.py,
# under the environment's variables), so manage.py runs as the README shows it.
# Written once, never overwritten; production sets SECRET_KEY itself.
.env:
	umask 077 && $(PYTHON) -c 'import secrets; print("SECRET_KEY=" + secrets.token_urlsafe(50))' > $@.tmp
	mv $@.tmp $@

## setup: venv, install, migrate, the seed corpus, all ISO countries and the states through history (idempotent; honours DATABASE_URL)
# Local setup runs with DEBUG on unless the environment says otherwise;
# production sets DEBUG=0 and SECRET_KEY itself.
# Every deploy runs it, so its data steps only add what the register never held:
# load_seed creates the corpus's missing records and changes no existing one; it
# runs before load_countries so that a new register gets the corpus's curated states.
setup: export DEBUG ?= 1
setup: $(STAMP) .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seed
	$(PY) manage.py load_countries
	$(PY) manage.py load_historic_states
	$(PY) manage.py populate_history --auto --batchsize 500

# The background worker (large admin imports) runs beside the server, from the
# same shell: the trap stops it whenever the server stops (Ctrl-C, a crash, kill).
WORKER = $(PY) manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM;

## run: setup, then serve the site on http://$(HOST):$(PORT) with the development server and the import worker
run: export DEBUG ?= 1
run: setup
	$(WORKER) $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
test: $(STAMP)
	$(PY) -m pytest

## lint: ruff lint and format check
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## serve: production-style serving (gunicorn + whitenoise, DEBUG off) and the import worker
serve: export DEBUG = 0
serve: export SECRET_KEY ?= $(shell $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')
serve: export SECURE_SSL_REDIRECT ?= 0
serve: setup
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(WORKER) GUNICORN_BIND=$(HOST):$(PORT) GUNICORN_ACCESSLOG=- $(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi:application

## backup: a complete dump (records, citations, history, users, groups) to backups/
backup: export DEBUG ?= 1
backup: $(STAMP)
	$(PY) manage.py backup $(if $(FILE),--output $(FILE),)

## restore FILE=...: load a backup into an empty database (migrates it first)
restore: export DEBUG ?= 1
restore: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/register-....xml.gz" >&2; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py restore $(FILE)

## bench: load benchmark on PostgreSQL at 10,000 and 1,000,000 treaties (BENCH_ARGS=--quick for a short run; BENCH_ARGS=--imports for the import benchmark)
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) tests/benchmarks/run.py $(BENCH_ARGS)
