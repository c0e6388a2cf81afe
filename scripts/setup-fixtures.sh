#!/usr/bin/env bash
# Installs the bundled real echo agents' dependencies (Python: livekit-agents via uv; Node: @livekit/agents).
# Idempotent and quick when done: an installed fixture is left as it is. scripts/test.sh (npm test) runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

py_fixture=test/fixtures/echo-agent-py
node_fixture=test/fixtures/echo-agent-node

if [ -f "$py_fixture/requirements.txt" ]; then
  if ! command -v uv >/dev/null 2>&1 && ! python3 -c "import uv" 2>/dev/null; then
    echo "== pip install uv"
    python3 -m pip install --quiet --disable-pip-version-check uv
  fi
  # shellcheck source=scripts/uv-on-path.sh
  . scripts/uv-on-path.sh
  if [ ! -x "$py_fixture/.venv/bin/python" ] || ! "$py_fixture/.venv/bin/python" -c "import livekit.agents" 2>/dev/null; then
    # Bytecode up front: where PYTHONDONTWRITEBYTECODE is set (as on these machines) every agent start
    # would otherwise recompile livekit-agents, doubling its ~2 s start.
    echo "== Python echo agent: uv venv + uv pip install --require-hashes --compile-bytecode"
    t=$SECONDS
    uv venv --quiet --python "$(command -v python3)" "$py_fixture/.venv"
    uv pip install --quiet --compile-bytecode --python "$py_fixture/.venv/bin/python" --require-hashes -r "$py_fixture/requirements.txt"
    echo "   done in $((SECONDS - t)) s"
  fi
fi

if [ -f "$node_fixture/package-lock.json" ] && [ ! -d "$node_fixture/node_modules/@livekit/agents" ]; then
  echo "== Node echo agent: npm ci"
  t=$SECONDS
  (cd "$node_fixture" && npm ci --no-audit --no-fund)
  echo "   done in $((SECONDS - t)) s"
fi
