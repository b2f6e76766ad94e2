#!/usr/bin/env bash
# The main job on a fresh machine: install, build, then fit the bundled RegMix example (1,028 measured runs of
# 1M, 60M and 1B models on The Pile) and print the next suggested trial and the recommended 1B mixture.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
study="examples/pile-regmix/pile.mixopt.yaml"
echo
echo "== mixopt status $study"
node dist/cli.js status "$study"
echo
echo "== mixopt suggest $study"
node dist/cli.js suggest "$study"
echo
echo "== mixopt recommend $study"
node dist/cli.js recommend "$study"
