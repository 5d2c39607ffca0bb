#!/usr/bin/env bash
# Regenerates every committed generated file and fails if anything changed, so
# a stale policy bundle or protobuf file cannot land.
set -euo pipefail
cd "$(dirname "$0")/.."
go generate ./...
if ! git diff --quiet --exit-code; then
	echo "generated files are stale; run 'make generate' and commit:" >&2
	git diff --stat >&2
	exit 1
fi
