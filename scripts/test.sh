#!/usr/bin/env sh
# Lint, type-check and run every test tier. Real-service tests take their URLs from
# FORUM_TEST_AMQP_URL / FORUM_TEST_DATABASE_URL, else testcontainers, else skip
# (and fail when CI=true). Extra arguments go to pytest, which runs on FORUM_TEST_WORKERS
# processes (2; 0 = none): the tiers that start OS processes share one (tests/support/xdist_groups.py).
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest -n "${FORUM_TEST_WORKERS:-2}" "$@"
