#!/usr/bin/env bash
# The whole suite: unit + integration on SQLite, then again on PostgreSQL, then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=".venv/bin/pytest"
export PYTHONDONTWRITEBYTECODE=1

echo "== Lint (ruff check, ruff format --check) =="
.venv/bin/ruff check tracker tests bench config.py
.venv/bin/ruff format --check tracker tests bench config.py

echo "== SQLite =="
TEST_DATABASE_URL= "$PYTEST" -q -p no:cacheprovider tests/unit tests/integration tests/install

echo "== PostgreSQL =="
PG_URL="$(scripts/pg-ensure.sh)"
TEST_DATABASE_URL="$PG_URL" "$PYTEST" -q -p no:cacheprovider tests/integration

if [ -d tests/browser ] && ls tests/browser/test_*.py >/dev/null 2>&1; then
  echo "== Browser (Chromium) =="
  scripts/browser-ensure.sh
  "$PYTEST" -q -p no:cacheprovider tests/browser
fi
