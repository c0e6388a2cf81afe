#!/bin/sh
# Installs `lk` (lk-agent-session) from a GitHub release, after checking the archive against the
# release's SHA256SUMS. POSIX sh; needs curl or wget, tar, and sha256sum or shasum.
#
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh
#
# Settings (environment):
#   LK_VERSION        release to install: 1.2.3, v1.2.3 or latest (default: the release this script came with)
#   LK_INSTALL_DIR    where `lk` goes (default: $HOME/.local/bin)
#   LK_RELEASE_REPO   owner/name of the GitHub repository (default below)
#   LK_DOWNLOAD_BASE  a URL or a local folder holding the release files, instead of GitHub (mirrors, tests)
set -eu

# Rewritten by the release build for each release.
DEFAULT_VERSION="latest"
DEFAULT_REPO="livekit/lk-agent-session"

PRODUCT="lk-agent-session"
version="${LK_VERSION:-$DEFAULT_VERSION}"
repo="${LK_RELEASE_REPO:-$DEFAULT_REPO}"
install_dir="${LK_INSTALL_DIR:-${HOME:?set HOME or LK_INSTALL_DIR}/.local/bin}"

say() { printf '%s\n' "$*"; }
fail() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN*) fail "on Windows, use install.ps1 (PowerShell) or scoop" ;;
  *) fail "no prebuilt lk for $(uname -s)" ;;
esac

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  arm64 | aarch64) arch=arm64 ;;
  *) fail "no prebuilt lk for $(uname -m) CPUs" ;;
esac

# A shell under Rosetta 2 reports x86_64 on an Apple silicon Mac: take the native build.
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
  arch=arm64
fi

# The Linux builds link against glibc.
if [ "$os" = linux ] && ls /lib/ld-musl-* >/dev/null 2>&1 && ! ls /lib*/ld-linux-* /lib/*/ld-linux-* >/dev/null 2>&1; then
  fail "this looks like a musl system (Alpine?); the Linux builds of lk need glibc"
fi

case "$version" in
  latest) release_path="latest/download" ;;
  v*) release_path="download/$version" ;;
  *) release_path="download/v$version" ;;
esac
base="${LK_DOWNLOAD_BASE:-https://github.com/$repo/releases/$release_path}"

# fetch URL-or-path-relative-to-base DEST
fetch() {
  if [ -d "$base" ]; then
    cp "$base/$1" "$2" || fail "$1 is not in $base"
  elif command -v curl >/dev/null 2>&1; then
    curl --proto '=https' --tlsv1.2 -fsSL "$base/$1" -o "$2" || fail "could not download $base/$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q --https-only "$base/$1" -O "$2" || fail "could not download $base/$1"
  else
    fail "need curl or wget to download"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    fail "need sha256sum or shasum to verify the download"
  fi
}

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t lk-install)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fetch SHA256SUMS "$tmp/SHA256SUMS"
# The archive's name carries the version, so SHA256SUMS (which lists it) is looked up first.
line="$(grep -E "^[0-9a-f]{64} [ *]$PRODUCT-[^ ]+-$os-$arch\.tar\.gz\$" "$tmp/SHA256SUMS" | head -n 1 || true)"
[ -n "$line" ] || fail "the release has no archive for $os-$arch"
expected="$(printf '%s' "$line" | cut -d ' ' -f 1)"
archive="$(printf '%s' "$line" | sed 's/^[0-9a-f]* [ *]//')"

say "Downloading $archive"
fetch "$archive" "$tmp/$archive"
actual="$(sha256_of "$tmp/$archive")"
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $archive (expected $expected, got $actual); nothing was installed"
fi

mkdir "$tmp/unpacked"
tar -xzf "$tmp/$archive" -C "$tmp/unpacked" lk || fail "could not unpack $archive"
mkdir -p "$install_dir"
# Copy then rename, so a running lk is never left half-written.
cp "$tmp/unpacked/lk" "$install_dir/.lk.new.$$"
chmod 755 "$install_dir/.lk.new.$$"
mv -f "$install_dir/.lk.new.$$" "$install_dir/lk"

installed="$("$install_dir/lk" --version 2>/dev/null || true)"
say "Installed lk $installed to $install_dir/lk"
case ":$PATH:" in
  *":$install_dir:"*) ;;
  *) say "Add $install_dir to your PATH to run lk from anywhere." ;;
esac
