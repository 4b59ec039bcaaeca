#!/usr/bin/env bash
# `make fuzz`: run every native Go fuzz target of the repository for a short
# time each, stopping at the first crash.
#
#   scripts/fuzz.sh [FUZZTIME]      # default 10s per target (go test -fuzztime syntax: 10s, 1m, 500x)
#   FUZZ_PACKAGES='./pipeline/...' scripts/fuzz.sh 30s   # only some packages
#
# Targets are found with `go test -list` in every package whose test files
# declare `func Fuzz...`. Each runs as
#   go test -run '^$' -fuzz '^Name$' -fuzztime FUZZTIME PKG
# (its seed corpus from testdata/ and f.Add runs first). One summary line per
# target; a crash prints go test's output, which names the failing input that
# go wrote under PKG/testdata/fuzz/Name/ (commit it as a regression seed after
# fixing the bug), and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${1:-${FUZZTIME:-10s}}
PACKAGES=${FUZZ_PACKAGES:-./...}
GO=${GO:-go}

# Packages whose test files declare a fuzz target (cheap filter before
# compiling each with -list).
mapfile -t dirs < <($GO list -f '{{.Dir}}' $PACKAGES | while read -r d; do
	if grep -qs '^func Fuzz[A-Z0-9_]' "$d"/*_test.go; then echo "$d"; fi
done)
if [ ${#dirs[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found in $PACKAGES" >&2
	exit 1
fi

passed=0
failed=0
total=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for d in "${dirs[@]}"; do
	pkg=$($GO list "$d")
	mapfile -t targets < <(cd "$d" && $GO test -list '^Fuzz' . | grep '^Fuzz' || true)
	for name in "${targets[@]}"; do
		total=$((total + 1))
		start=$(date +%s)
		if (cd "$d" && $GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" .) >"$log" 2>&1; then
			passed=$((passed + 1))
			execs=$(grep -Eo 'execs: [0-9]+' "$log" | tail -1 | cut -d' ' -f2 || true)
			printf 'ok    %-48s %-36s %4ss  %s execs\n' "$pkg" "$name" "$(( $(date +%s) - start ))" "${execs:-?}"
		else
			failed=$((failed + 1))
			printf 'FAIL  %-48s %-36s %4ss\n' "$pkg" "$name" "$(( $(date +%s) - start ))"
			cat "$log"
			echo "fuzz: $pkg $name failed; the failing input is under $d/testdata/fuzz/$name/" >&2
			echo "fuzz: stopped at the first failure after $total target(s)" >&2
			echo "fuzz: $passed passed, $failed failed"
			exit 1
		fi
	done
done
echo "fuzz: $passed passed, $failed failed"
