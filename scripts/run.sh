#!/usr/bin/env sh
# The platform on its embedded default: `forum dev` (see README).
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
exec .venv/bin/forum dev "$@"
