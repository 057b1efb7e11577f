#!/usr/bin/env bash
# Installs what building and testing Carnet needs, only when missing or at the wrong version:
#   tools    wasm32 target, Trunk, wasm-bindgen CLI (= Cargo.lock's version), wasm-opt (binaryen)
#   browser  Debian's Chromium and the end2end npm packages (Playwright, axe-core)
#   fuzz     schemathesis (PyPI) in .tools/venv, for scripts/schemathesis.py
# Safe to run again: it checks before it installs. See ../shared/TOOLCHAIN.md for why each pin.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
TOOLS_DIR="$PWD/.tools"
export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Il faut être root (ou avoir sudo) pour : $*" >&2; exit 1; fi
}

tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi

  if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
    say "cargo install trunk $TRUNK_VERSION (10 à 15 minutes la première fois)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi

  # Trunk refuses (and tries to download) a wasm-bindgen that differs from the crate's.
  local wbg
  wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wbg" ]; then
    say "cargo install wasm-bindgen-cli $wbg"
    # No --locked: the registry mirror lacks one of its locked dependencies.
    cargo install wasm-bindgen-cli --version "$wbg" --force
  fi

  if ! "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    say "npm install binaryen@$BINARYEN_VERSION (wasm-opt)"
    mkdir -p "$TOOLS_DIR"
    [ -f "$TOOLS_DIR/package.json" ] || echo '{"private":true}' > "$TOOLS_DIR/package.json"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
  fi
}

browser() {
  if [ ! -x /usr/bin/chromium ]; then
    say "apt-get install chromium"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
  # Reinstall the npm packages when the lock file changed since the last install.
  if [ ! -f end2end/node_modules/.package-lock.json ] || ! cmp -s end2end/package-lock.json end2end/node_modules/.carnet-lock; then
    say "npm ci (end2end : Playwright, axe-core — aucun navigateur n'est téléchargé)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund && cp package-lock.json node_modules/.carnet-lock)
  fi
}

SCHEMATHESIS_VERSION=4.32.5

fuzz() {
  if [ "$("$TOOLS_DIR/venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    say "pip install schemathesis $SCHEMATHESIS_VERSION (.tools/venv)"
    if ! python3 -m venv "$TOOLS_DIR/venv" 2>/dev/null; then
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
      python3 -m venv "$TOOLS_DIR/venv"
    fi
    "$TOOLS_DIR/venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

case "${1:-all}" in
  tools) tools ;;
  browser) browser ;;
  fuzz) fuzz ;;
  all) tools; browser; fuzz ;;
  *) echo "usage: $0 [tools|browser|fuzz|all]" >&2; exit 2 ;;
esac
