# The two commands: `make run` and `make test`. Everything else here is what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/pathways
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install static messages browser lint typecheck imports pytest-sqlite pytest-postgres demo bench bench-load clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

pathways/static/dist/pathways.css: frontend/node_modules/.package-lock.json frontend/pathways.scss frontend/build.mjs
	node frontend/build.mjs

static: pathways/static/dist/pathways.css

messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=frontend -v 0

# Browser tests drive Debian's Chromium; installed here when missing so that no test is skipped.
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium)

run: install static messages
	mkdir -p var
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy pathways

# The apps' layers (pyproject.toml, [tool.importlinter]): an import against them fails the build.
imports: install
	$(VENV)/bin/lint-imports

pytest-sqlite: install static messages browser
	$(PY) -m pytest

pytest-postgres: install static messages browser
	DATABASE_URL=$(PG_URL) $(PY) -m pytest

# The suite on SQLite and on PostgreSQL side by side (one core each); each log is printed in full when both
# have ended, and either failing fails the build.
test: lint typecheck imports static messages browser
	mkdir -p var
	$(PY) manage.py makemigrations --check --dry-run -v 1
	@$(PY) -m pytest > var/test-sqlite.log 2>&1 & lite=$$!; \
	DATABASE_URL=$(PG_URL) $(PY) -m pytest > var/test-postgres.log 2>&1; pg=$$?; \
	wait $$lite; sqlite=$$?; \
	echo "== pytest on SQLite"; cat var/test-sqlite.log; \
	echo "== pytest on PostgreSQL"; cat var/test-postgres.log; \
	echo "SQLite: exit $$sqlite, PostgreSQL: exit $$pg"; \
	test $$sqlite -eq 0 && test $$pg -eq 0

# Benchmarks on SQLite, then on PostgreSQL in a throwaway database; figures are printed, not asserted.
bench: install
	DATABASE_URL=$(PG_URL) $(PY) benchmarks/run.py --all-databases

# 50 signed-in users on gunicorn and PostgreSQL, one worker model after another (benchmarks/load.py).
bench-load: install static messages
	DATABASE_URL=$(PG_URL) $(PY) benchmarks/load.py

clean:
	rm -rf $(VENV) frontend/node_modules pathways/static/dist staticfiles
