#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint (rhysd/actionlint: expressions, contexts, action
# inputs, job graph, and the `run:` scripts through shellcheck when it is installed), then the
# release's install.sh with shellcheck. actionlint is installed on first use into .tools/bin
# (gitignored) with `go install`, through the Go module proxy; later runs are offline.
#   bash scripts/lint-workflows.sh            (npm run lint:workflows)
# Needs Go the first time. shellcheck is optional (Debian: apt-get install -y shellcheck).
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.12
tools="$PWD/.tools/bin"
actionlint="$tools/actionlint"

if [ ! -x "$actionlint" ] || [ "$("$actionlint" -version 2>/dev/null | head -n 1)" != "$ACTIONLINT_VERSION" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "lint-workflows: Go is needed once to install actionlint $ACTIONLINT_VERSION into .tools/bin" >&2
    exit 1
  fi
  echo "== installing actionlint $ACTIONLINT_VERSION into .tools/bin"
  GOBIN="$tools" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

if command -v shellcheck >/dev/null 2>&1; then
  "$actionlint" -no-color
  shellcheck --shell=sh scripts/release/install.sh
  echo "workflows: actionlint $ACTIONLINT_VERSION with shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ok"
else
  "$actionlint" -no-color -shellcheck=
  echo "workflows: actionlint $ACTIONLINT_VERSION: ok (shellcheck not installed: run: scripts unchecked)"
fi
