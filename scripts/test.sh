#!/usr/bin/env bash
# The whole test suite: installs the Debian peers the tests run against (once, quietly),
# builds, type-checks, then runs every *.test.ts under src/, test/ and bench/ with node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

if [ ! -x node_modules/.bin/tsc ]; then
  echo "npm test: node_modules is missing; run 'npm ci' first (the README's first command)" >&2
  exit 1
fi
node_modules/.bin/tsc -p tsconfig.build.json
node scripts/bundle-cli.mjs
node_modules/.bin/tsc -p tsconfig.json --noEmit
node_modules/.bin/tsc -p src/web/tsconfig.json
node_modules/.bin/vite build --config src/web/vite.config.ts

mapfile -t files < <(find src test bench -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=300000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./scripts/summary-reporter.mjs --test-reporter-destination=stdout "${files[@]}"
