#!/usr/bin/env bash
# Builds cmd/prov, saying what it is doing (make build, make demo):
#   scripts/build.sh OUT [go build flags...]
# 1. the toolchain: the go command's choice (go.mod's `toolchain` line with
#    GOTOOLCHAIN=auto, Go's default; the local Go with GOTOOLCHAIN=local);
# 2. the modules cmd/prov needs (the go command prints `go: downloading ...`);
# 3. the packages to compile, one line each with a counter (cached packages
#    are reused: a second build only links).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
shift
GO=${GO:-go}
t0=$SECONDS
want=$(sed -n 's/^toolchain //p' go.mod)
mode=$($GO env GOTOOLCHAIN 2>/dev/null || echo auto)
echo "build: toolchain: GOTOOLCHAIN=$mode, go.mod recommends ${want:-none}"
if [[ $mode == auto* && -n $want ]]; then
  echo "build:   (if the local Go is older, the go command downloads $want first: 69 MB, 240 MB unpacked, once)"
fi
have=$($GO env GOVERSION)
echo "build: toolchain: $have ($(( SECONDS - t0 ))s)"
if [[ -n $want && $have != "$want" ]]; then
  echo "build:   note: $have lacks the standard-library security fixes of $want (README, \"Why these dependencies\");"
  echo "build:   fine for trying prov out; build what you deploy with GOTOOLCHAIN=auto"
fi

echo "build: modules: resolving the dependencies of cmd/prov (GOMODCACHE=$($GO env GOMODCACHE))"
t1=$SECONDS
stale=$($GO list -deps -f '{{if .Stale}}{{.ImportPath}}{{end}}' ./cmd/prov | grep -c . || true)
total=$($GO list -deps ./cmd/prov | grep -c .)
echo "build: modules: ready ($(( SECONDS - t1 ))s)"

if (( stale > 1 )); then
  echo "build: compiling $stale of $total packages (a fresh build cache compiles all: a few minutes on 2 cores)"
else
  echo "build: all $total packages are in the build cache: linking"
fi
t2=$SECONDS
# -v names each package as it is compiled.
$GO build -v -o "$out" "$@" ./cmd/prov 2>&1 |
  awk -v n="$stale" '/^[a-zA-Z0-9._\/~-]+$/ { k++; printf "build: [%d/%d] %s\n", k, n, $0; fflush(); next } { print; fflush() }'
echo "build: $out ($(du -h "$out" | cut -f1), $(( SECONDS - t2 ))s to compile and link, $(( SECONDS - t0 ))s in all)"
