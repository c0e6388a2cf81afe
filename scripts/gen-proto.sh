#!/usr/bin/env bash
# Regenerate the TypeScript wire code in src/wire/gen/ from proto/*.proto.
#
# Offline: uses a system protoc (Debian: apt-get install protobuf-compiler) and the
# protobuf-ts plugin from node_modules (@protobuf-ts/plugin). The generated files
# are committed; rerun this after editing anything under proto/.
#
# Plugin options:
#   long_type_number  int64 fields (only Timestamp/Duration.seconds here) become plain
#                     numbers: no BigInt literals, and messages survive JSON.stringify.
#   optimize_speed    hand-written binary read/write code instead of reflection.
#   ts_nocheck        generated code is not ours to type-check (it would trip
#                     noImplicitOverride); its exported types are still checked at use sites.
#   eslint_disable    keep linters quiet about generated files.
# Well-known types (google/protobuf/*) are generated alongside, as imported.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/src/wire/gen"
PLUGIN="$ROOT/node_modules/.bin/protoc-gen-ts"
OPTS="long_type_number,optimize_speed,ts_nocheck,eslint_disable"

# Find protoc. Skip node_modules/.bin/protoc: that wrapper (@protobuf-ts/protoc)
# downloads a binary at first use, and this script must work offline.
find_protoc() {
  if [[ -n "${PROTOC:-}" ]]; then
    echo "$PROTOC"
    return
  fi
  if [[ -x /usr/bin/protoc ]]; then
    echo /usr/bin/protoc
    return
  fi
  local p
  while IFS= read -r p; do
    [[ "$p" == */node_modules/.bin/protoc ]] && continue
    echo "$p"
    return
  done < <(type -ap protoc)
}

PROTOC_BIN="$(find_protoc || true)"
if [[ -z "$PROTOC_BIN" ]]; then
  echo "gen-proto: protoc not found. Install it with: sudo apt-get install protobuf-compiler" >&2
  echo "           (or point PROTOC=/path/to/protoc at one)" >&2
  exit 1
fi

if [[ ! -e "$PLUGIN" ]]; then
  echo "gen-proto: $PLUGIN missing; run 'bun install' first (needs @protobuf-ts/plugin)." >&2
  exit 1
fi

# The plugin is a node script. Without node, run it through bun.
TMP=""
cleanup() { if [[ -n "$TMP" ]]; then rm -rf "$TMP"; fi; }
trap cleanup EXIT
if ! command -v node >/dev/null 2>&1; then
  BUN_BIN="$(command -v bun || echo "$ROOT/node_modules/.bin/bun")"
  TMP="$(mktemp -d)"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$BUN_BIN" "$(readlink -f "$PLUGIN")" >"$TMP/protoc-gen-ts"
  chmod +x "$TMP/protoc-gen-ts"
  PLUGIN="$TMP/protoc-gen-ts"
fi

# Well-known type sources: protoc's own include dir is usually implicit, but Debian
# ships them in /usr/include (package libprotobuf-dev / protobuf-compiler).
INCLUDES=(-I "$ROOT/proto")
for dir in /usr/include /usr/local/include; do
  if [[ -f "$dir/google/protobuf/timestamp.proto" ]]; then
    INCLUDES+=(-I "$dir")
    break
  fi
done

rm -rf "$OUT"
mkdir -p "$OUT"

cd "$ROOT/proto"
shopt -s nullglob
PROTOS=(*.proto)
if [[ ${#PROTOS[@]} -eq 0 ]]; then
  echo "gen-proto: no .proto files in $ROOT/proto" >&2
  exit 1
fi

"$PROTOC_BIN" "${INCLUDES[@]}" \
  --plugin="protoc-gen-ts=$PLUGIN" \
  --ts_out="$OUT" \
  --ts_opt="$OPTS" \
  "${PROTOS[@]}"

echo "gen-proto: $("$PROTOC_BIN" --version) -> ${OUT#"$ROOT"/}:"
(cd "$OUT" && find . -name '*.ts' | sort | sed 's|^\./|  |')
