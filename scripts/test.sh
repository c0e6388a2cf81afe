#!/usr/bin/env bash
# The test command (npm test; npm run check runs it after typecheck and lint): installs the bundled
# echo agents' dependencies when they are missing (quick when they are there), puts pip's uv on
# PATH, builds dist/lk and runs every test. A real agent that is not installed fails its tests.
#   bash scripts/test.sh [bun test arguments, e.g. test/e2e/lifecycle.test.ts]
set -euo pipefail
cd "$(dirname "$0")/.."
# Bun comes from npm (node_modules/.bin is on PATH under npm run; this also works without it).
PATH="$PWD/node_modules/.bin:$PATH"

bash scripts/setup-fixtures.sh
# shellcheck source=scripts/uv-on-path.sh
. scripts/uv-on-path.sh
bun run build
exec bun test --timeout 120000 "$@"
