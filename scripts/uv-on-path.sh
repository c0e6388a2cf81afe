# shellcheck shell=bash
# Sourced by scripts/setup-fixtures.sh and scripts/test.sh (bash): puts uv on PATH when pip installed
# it somewhere PATH does not reach (e.g. ~/.local/bin, or a Python whose scripts folder is not on PATH).
# The uv-project tests run uv, and so does lk itself for a uv project.
if ! command -v uv >/dev/null 2>&1 && python3 -c "import uv" 2>/dev/null; then
  PATH="$(dirname "$(python3 -c 'import uv; print(uv.find_uv_bin())')"):$PATH"
  export PATH
fi
