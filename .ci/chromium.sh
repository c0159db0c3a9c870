#!/usr/bin/env bash
# Make sure Debian's chromium is installed, for the explorer's browser tests
# (services/explorer/browsertest), and print the browser's path:
#
#   /usr/bin/chromium
#
# Idempotent: a no-op when /usr/bin/chromium exists; otherwise installs the
# chromium package with apt-get (as root, else through sudo -n). The tests
# run it headless with a fresh profile and no network of its own; nothing
# else is downloaded (no browser of a test tool's own).
# Progress goes to stderr; stdout carries only the path, so callers can write
#   VECHE_CHROMIUM=$(.ci/chromium.sh)
set -euo pipefail

bin=/usr/bin/chromium
log() { echo "chromium.sh: $*" >&2; }

if [ ! -x "$bin" ]; then
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    log "chromium is not installed and installing it needs root (or password-less sudo): apt-get install chromium"
    exit 1
  fi
  log "installing Debian's chromium with apt-get"
  start=$SECONDS
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  [ -x "$bin" ] || { log "apt-get installed chromium but $bin is missing"; exit 1; }
  log "installed in $((SECONDS - start)) s"
fi
echo "$bin"
