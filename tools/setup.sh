#!/usr/bin/env bash
# Installs everything torcia, its tests and examples need on a fresh machine (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# Graphviz's `dot` renders torcia.viz.make_dot pictures (the Python package alone cannot)
if ! command -v dot >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq graphviz >/dev/null) \
        || echo "setup.sh: could not install graphviz; make_dot cannot render without dot" >&2
fi
# Real Fashion-MNIST for torcia.vision.datasets.FashionMNIST(download=True) (Debian's package)
if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$(id -u)" = 0 ] \
        && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null) \
        || echo "setup.sh: could not install dataset-fashion-mnist; download=True will fetch it" >&2
fi
