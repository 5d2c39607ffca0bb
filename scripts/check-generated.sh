#!/usr/bin/env bash
# Regenerates every committed generated file and fails if that changes any
# tracked file, so a stale policy bundle or protobuf file cannot land.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(git diff --no-ext-diff | sha256sum)
go generate ./...
after=$(git diff --no-ext-diff | sha256sum)
if [ "$before" != "$after" ]; then
	echo "generated files are stale; run 'make generate' and commit:" >&2
	git diff --stat >&2
	exit 1
fi
