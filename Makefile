# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
PROD_ENV := DEBUG=false SECRET_KEY=lint-only-$(shell printf '%050d' 0)-long-enough \
	ALLOWED_HOSTS=desk.example.com DATABASE_URL=sqlite:///var/lint.sqlite3

.PHONY: run test test-fast lint venv browser mailserver alertmanager messages clean fuzz faults audit bench

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py demo_data --quiet
	@echo ""
	@echo "  Service desk: http://127.0.0.1:8000/   (API docs: http://127.0.0.1:8000/api/docs/)"
	@echo "  Demo logins (password demo1234): admin (administrator), maria (manager),"
	@echo "  karl (change approver), erik / sara / ali / lena (agents), anna / johan (requesters)"
	@echo "  Ctrl-C stops the web server, the Celery worker and Celery beat."
	@echo ""
	exec $(BIN)/honcho start -f Procfile

# Debian's chromium for the browser tests; installed when missing so none is ever skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium; }

# Debian's dovecot for the inbound-mail tests (a real IMAP server on loopback).
mailserver:
	@{ command -v dovecot || test -x /usr/sbin/dovecot; } >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends dovecot-imapd; }

# Debian's Prometheus Alertmanager for the end-to-end alert tests (never skipped either).
alertmanager:
	@command -v prometheus-alertmanager >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends prometheus-alertmanager; }

test: $(STAMP) browser mailserver alertmanager
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	@command -v docker-compose >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends docker-compose; }
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py check --fail-level WARNING
	$(PROD_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	POSTGRES_PASSWORD=x SECRET_KEY=x docker-compose -f docker-compose.yml config -q

# Load: 100,000 seeded incidents on PostgreSQL, gunicorn, locust per scenario next to a
# trivial view, then the mixed workload (bench/README.md); the table goes to bench/results/.
bench: $(STAMP)
	bash bench/run.sh

# The API fuzzed against its OpenAPI schema (schemathesis; bench/fuzz.sh): no 5xx, every
# response as documented. FUZZ_EXAMPLES, FUZZ_USERS, FUZZ_PHASES tune it.
fuzz: $(STAMP)
	bash bench/fuzz.sh

# Faults and races with real servers on loopback (tests/faults, tests/postgres): Redis stopped
# while incidents arrive, a worker killed mid-review, PostgreSQL restarted under load, racing
# writers, two workers and two beats. Needs PostgreSQL at 127.0.0.1:5432 and redis-server.
FAULTS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/itsm_faults
faults: $(STAMP)
	DATABASE_URL=$(FAULTS_DATABASE_URL) $(BIN)/python -m pytest tests/postgres tests/faults \
		-m "postgres or faults" -p no:xdist -s -q

# Security: bandit over the code (new findings only; the reviewed ones are in
# .ci/bandit-baseline.json, explained in the README) and pip-audit over the pins (--strict:
# a package it cannot look up is a failure, not a pass).
audit: $(STAMP)
	$(BIN)/bandit -q -r core catalog sla incidents problems changes pdca integrations itsm \
		-x '*/migrations/*' -b .ci/bandit-baseline.json
	$(BIN)/pip-audit --strict --progress-spinner off -r requirements-dev.txt

# Swedish and English messages: extract, then compile (the .mo files are committed).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l sv --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete --no-wrap
	$(BIN)/python manage.py compilemessages -l sv --ignore=.venv

clean:
	rm -rf $(VENV) var
