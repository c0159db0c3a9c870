#!/usr/bin/env bash
# Build geth from the go-ethereum module at the version pinned in go.mod, once,
# into a cache outside the repository, and print the binary's path:
#
#   ${VECHE_CACHE:-$HOME/.cache/veche}/geth-<version>/geth
#
# The build is skipped when that binary exists and `geth version` reports the
# pinned version. A cold build takes about 4.5 minutes on a 2-core machine.
# Progress goes to stderr; stdout carries only the path, so callers can write
#   VECHE_GETH=$(.ci/geth.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=$(go list -m -f '{{.Version}}' github.com/ethereum/go-ethereum 2>/dev/null || true)
if [ -z "$version" ]; then
  version=$(awk '$1 == "github.com/ethereum/go-ethereum" { print $2; exit }' go.mod)
fi
case "$version" in
  v[0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "geth.sh: cannot read the go-ethereum version from go.mod (got '$version')" >&2; exit 1 ;;
esac

dir="${VECHE_CACHE:-$HOME/.cache/veche}/geth-$version"
bin="$dir/geth"
want="${version#v}"

# `geth version` prints "Version: 1.17.10-stable"; compare the number only.
have_version() {
  [ -x "$bin" ] && "$bin" version 2>/dev/null | awk '$1 == "Version:" { print $2 }' | grep -qx "$want\(-stable\)\?"
}

if have_version; then
  echo "geth.sh: $bin is geth $version (cached)" >&2
else
  echo "geth.sh: building geth $version into $dir (takes minutes on a cold cache)" >&2
  mkdir -p "$dir"
  start=$SECONDS
  # go install pkg@version ignores the current module; build from a neutral
  # directory so no go.work or GOFLAGS -mod setting of this checkout applies.
  tmp=$(mktemp -d "$dir/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && GOBIN="$tmp" GOFLAGS= GOWORK=off go install "github.com/ethereum/go-ethereum/cmd/geth@$version")
  mv -f "$tmp/geth" "$bin"
  if ! have_version; then
    echo "geth.sh: $bin does not report version $want:" >&2
    "$bin" version >&2 || true
    exit 1
  fi
  echo "geth.sh: built geth $version in $((SECONDS - start)) s" >&2
fi
echo "$bin"
