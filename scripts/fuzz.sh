#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a short time each ($1, default 3s).
# Seed corpora run on every plain `go test`; this digs a little past them.
set -euo pipefail
fuzztime=${1:-3s}
cd "$(dirname "$0")/.."
count=0
while IFS=: read -r file target; do
	pkg=./$(dirname "$file")
	echo "fuzz: $pkg $target ($fuzztime)"
	CGO_ENABLED=1 go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; exit 1; }
	count=$((count + 1))
done < <(git grep -o -E '^func Fuzz[A-Za-z0-9_]+' -- '*_test.go' | sed -E 's/:func /:/')
rm -f /tmp/fuzz.$$.log
echo "fuzz: $count targets ran"
