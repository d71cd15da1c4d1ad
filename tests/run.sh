#!/usr/bin/env bash
# Installs what the tests need (python smpplib, npm smpp) and runs the whole test suite.
# This is the README's test command; .ci/run calls it, so CI proves the README.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing third-party SMPP peers for interop tests"
python3 -m pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
(cd tests/interop && npm install --no-audit --no-fund --silent)

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --locked --all-targets
