#!/usr/bin/env sh
# Installs uv (into ./.tools, not system-wide) and the whole workspace into ./.venv.
# Needs only Python 3.11+ with the venv module and access to PyPI.
set -eu
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
if command -v uv >/dev/null 2>&1; then
  UV=uv
else
  if [ ! -x .tools/bin/uv ]; then
    python3 -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check uv
  fi
  UV=.tools/bin/uv
fi
"$UV" sync --all-packages --frozen --quiet
