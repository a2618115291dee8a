# Abri: the two commands of the README, and what they stand on.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
ABRI := .venv/bin/abri
HOST ?= 127.0.0.1
PORT ?= 8000
BANDIT := -c pyproject.toml -r src/abri -x '*/tests/*,*/migrations/*' -ll

.PHONY: run test lint env browser messages clean

# Run Abri with the demo scenario at http://127.0.0.1:8000 (data kept in ./data).
run: env
	$(ABRI) migrate --noinput
	$(ABRI) demo
	$(ABRI) serve --host $(HOST) --port $(PORT)

# Run every check and the whole test suite (SQLite by default, DATABASE_URL for PostgreSQL).
test: env browser lint
	.venv/bin/pytest

lint: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	@# Bandit, medium and high severity; each `# nosec` names its test after the reason (quiet unless it fails).
	@.venv/bin/bandit $(BANDIT) -q 2>/dev/null || .venv/bin/bandit $(BANDIT)
	.venv/bin/mypy
	DJANGO_SETTINGS_MODULE=abri.config.settings_test $(ABRI) makemigrations --check --dry-run

env: .venv/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

# The end-to-end tests drive the system Chromium (Debian packages chromium, chromium-driver).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Chromium for the end-to-end tests (needs root: apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# Refresh and compile the French and English catalogs (needs GNU gettext).
messages: env
	cd src/abri && ABRI_DATA_DIR=$(CURDIR)/data ../../$(ABRI) makemessages -l fr -l en --ignore 'tests/*' && ABRI_DATA_DIR=$(CURDIR)/data ../../$(ABRI) compilemessages

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
