#!/usr/bin/env bash
# Installs everything torcia, its tests and examples need on a fresh machine (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e '.[test]'
