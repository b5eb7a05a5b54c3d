#!/usr/bin/env bash
# Installs, idempotently, everything `npm start` and `npm test` need on a fresh machine of this project's kind.
# Each step is skipped when what it installs is already there, so a second run costs seconds.
# Usage: scripts/setup.sh [--browser]   (--browser also installs Debian's chromium + chromium-driver)
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup] %s\n' "$*" >&2; }

want_browser=0
for a in "$@"; do [ "$a" = "--browser" ] && want_browser=1; done

# 1. The wasm target.
if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 1b. The standard library's sources: the shipped wasm is built with `-Z build-std` (scripts/build.mjs).
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  log "adding the rust-src component (the size-optimised std of the shipped wasm)"
  rustup component add rust-src
fi

# 2. wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock (the build refuses any other).
want_wb=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock 2>/dev/null || true)
if [ -z "$want_wb" ]; then want_wb=$(grep -oE 'wasm-bindgen = \{ version = "=[0-9.]+' Cargo.toml | grep -oE '[0-9.]+$' | head -1); fi
have_wb=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_wb" != "$want_wb" ]; then
  log "installing wasm-bindgen-cli $want_wb (a few minutes on 2 cores; once per machine)"
  # No --locked: one pinned dependency of the CLI's lock file is missing from the registry here (so cargo resolves it anew).
  cargo install wasm-bindgen-cli --version "$want_wb" --force
fi

# 3. Debian's Chromium and ChromeDriver, for the browser layers of the tests.
if [ "$want_browser" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  log "installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 4. npm packages (binaryen for wasm-opt, esbuild, playwright-core, the official guest chat client, bench peers).
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi
log "toolchain ready"
