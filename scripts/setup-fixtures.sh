#!/usr/bin/env bash
# Installs the bundled real echo agents' dependencies (Python: livekit-agents via uv; Node: @livekit/agents;
# the audio echo agent's own venv), and on Linux Debian's espeak-ng, the TTS the audio tests speak with.
# Idempotent and quick when done: an installed fixture is left as it is. scripts/test.sh (npm test) runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

py_fixture=test/fixtures/echo-agent-py
audio_fixture=test/fixtures/echo-agent-audio
node_fixture=test/fixtures/echo-agent-node

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

if [ -f "$py_fixture/requirements.txt" ] || [ -f "$audio_fixture/requirements.txt" ]; then
  if ! command -v uv >/dev/null 2>&1 && ! python3 -c "import uv" 2>/dev/null; then
    echo "== pip install uv"
    python3 -m pip install --quiet --disable-pip-version-check uv
  fi
  # shellcheck source=scripts/uv-on-path.sh
  . scripts/uv-on-path.sh
fi

if [ -f "$py_fixture/requirements.txt" ]; then
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

if [ -f "$audio_fixture/requirements.txt" ]; then
  # Reinstalled when its requirements changed (their sha256 is kept in the venv) or its imports fail;
  # sync, so a package dropped from the requirements leaves the venv too. Importing onnxruntime with its
  # telemetry on would leave a ".ses" file in $TMPDIR.
  venv="$audio_fixture/.venv"
  stamp="$venv/.requirements.sha256"
  wanted="$(sha256 "$audio_fixture/requirements.txt")"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ] ||
    ! ORT_DISABLE_TELEMETRY=1 "$venv/bin/python" -c "import livekit.agents, livekit.plugins.silero, pocketsphinx" 2>/dev/null; then
    echo "== Python audio echo agent: uv venv + uv pip sync --require-hashes --compile-bytecode"
    t=$SECONDS
    [ -x "$venv/bin/python" ] || uv venv --quiet --python "$(command -v python3)" "$venv"
    rm -f "$stamp"
    uv pip sync --quiet --compile-bytecode --python "$venv/bin/python" --require-hashes "$audio_fixture/requirements.txt"
    ORT_DISABLE_TELEMETRY=1 "$venv/bin/python" -c "import livekit.agents, livekit.plugins.silero, pocketsphinx"
    echo "$wanted" >"$stamp"
    echo "   done in $((SECONDS - t)) s"
  fi
fi

# The audio tests speak each turn with the system's TTS: on Linux that is espeak-ng (or espeak).
if [ "$(uname -s)" = Linux ] && ! command -v espeak-ng >/dev/null 2>&1 && ! command -v espeak >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: the audio tests need espeak-ng: install it with your package manager (Fedora: sudo dnf install" >&2
    echo "       espeak-ng; Arch: sudo pacman -S espeak-ng), then run the tests again" >&2
    exit 1
  fi
  as_root=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root="sudo -n"
    else
      echo "error: the audio tests need espeak-ng, and installing it needs root: run" >&2
      echo "       sudo apt-get install espeak-ng (or this script as root), then run the tests again" >&2
      exit 1
    fi
  fi
  echo "== apt-get install espeak-ng (the audio tests' text-to-speech)"
  t=$SECONDS
  if ! { $as_root apt-get update -qq && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null; }; then
    echo "error: apt-get could not install espeak-ng (see above); the audio tests need it:" >&2
    echo "       install it (sudo apt-get install espeak-ng), then run the tests again" >&2
    exit 1
  fi
  hash -r
  if ! command -v espeak-ng >/dev/null 2>&1; then
    echo "error: apt-get installed espeak-ng, yet it is not on PATH ($PATH): the audio tests need it" >&2
    exit 1
  fi
  echo "   done in $((SECONDS - t)) s"
fi

if [ -f "$node_fixture/package-lock.json" ] && [ ! -d "$node_fixture/node_modules/@livekit/agents" ]; then
  echo "== Node echo agent: npm ci"
  t=$SECONDS
  (cd "$node_fixture" && npm ci --no-audit --no-fund)
  echo "   done in $((SECONDS - t)) s"
fi
