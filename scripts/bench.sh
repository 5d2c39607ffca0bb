#!/usr/bin/env bash
# make bench: whole-process comparisons and Go benchmarks, side by side in one
# run, on this machine. Prints a Markdown report on stdout (docs/benchmarks.md
# keeps a copy of one run). Needs hyperfine and GNU time (apt-get install
# hyperfine time) and the binaries from `make build`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: install GNU time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
emu_pid=""
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

key="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME"

start_emulator() {
	[ -n "$emu_pid" ] && { kill "$emu_pid"; wait "$emu_pid" 2>/dev/null || true; }
	mkfifo "$work/emu.out.$1"
	bin/tfy-emulator --addr 127.0.0.1:0 --api-key "$key:admin" >"$work/emu.out.$1" 2>"$work/emu.err" &
	emu_pid=$!
	exec 3<"$work/emu.out.$1"
	read -r line <&3
	url=${line#tfy-emulator listening on }
	export TFY_BASE_URL="$url" TFY_API_KEY="$key"
}

# The skill's way of calling the API: bash + curl with tfy-api.sh's flags.
cat >"$work/curl-list.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
exec curl --silent --show-error --fail-with-body --connect-timeout 10 --max-time 60 \
	--retry 2 --retry-delay 1 --retry-connrefused -X GET \
	-H "Authorization: Bearer ${TFY_API_KEY}" -H "Content-Type: application/json" \
	"${TFY_BASE_URL%/}/api/svc/v1/secret-groups"
SH
chmod +x "$work/curl-list.sh"

echo "# tfy-secrets benchmarks"
echo
echo "Run: \`make bench\` on $(nproc) cores, $(uname -m), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%d)."
echo

echo "## group list -o json (50 groups) vs bash + curl, whole process"
echo
start_emulator small
go run ./scripts/seed -groups 50 -secrets 2 -prefix app 2>/dev/null
bin/tfy-secrets group list -o json >/dev/null # warm the policy compilation cache
hyperfine --style none --warmup 5 --runs 40 --export-markdown "$work/list.md" \
	-n 'bash + curl (tfy-api.sh flags)' "$work/curl-list.sh" \
	-n 'tfy-secrets group list -o json' 'bin/tfy-secrets group list -o json' >/dev/null
cat "$work/list.md"
echo

echo "## Large tenant: 10,000 groups / 100,000 secrets"
echo
start_emulator large
go run ./scripts/seed -groups 10000 -secrets 10 -prefix big 2>/dev/null
for i in 1 2 3; do
	/usr/bin/time -f "%e %M" -o "$work/time.$i" bin/tfy-secrets group list -o json >/dev/null
done
echo "| run | wall (s) | peak RSS (MiB) |"
echo "|---|---|---|"
for i in 1 2 3; do
	read -r secs kib <"$work/time.$i"
	echo "| $i | $secs | $((kib / 1024)) |"
done
echo

echo "## Update a group of 1,000 keys (plan + apply, rotating all)"
echo
start_emulator update
go run ./scripts/seed -groups 1 -secrets 1000 -prefix wide 2>/dev/null
: >"$work/big.env"
for i in $(seq 0 999); do printf 'KEY_%04d=%s\n' "$i" "$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$work/big.env"; done
hyperfine --style none --warmup 1 --runs 10 --export-markdown "$work/update.md" \
	-n 'group update wide-00001 (1,000 keys)' "bin/tfy-secrets group update wide-00001 --from-dotenv $work/big.env --yes" >/dev/null
cat "$work/update.md"
echo

echo "## Go benchmarks"
echo
echo '```'
go test -run '^$' -bench . -benchmem -benchtime 2000x ./internal/... ./policies/... 2>&1 | grep -E '^(Benchmark|ok|FAIL|pkg:)' || true
echo '```'
