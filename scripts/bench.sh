#!/usr/bin/env bash
# make bench: whole-process comparisons and Go benchmarks, side by side in one
# run, on this machine. Prints a Markdown report on stdout (docs/benchmarks.md
# keeps a copy of one run, with the analysis around it). Needs hyperfine, GNU
# time and jq (apt-get install hyperfine time jq) and the binaries from
# `make build`.
#
# Knobs: BENCH_RUNS (whole-process runs per command, default 40), BENCH_BIN
# (where the binaries are, default bin), BENCH_GO=0 skips the Go benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine jq; do
	command -v "$tool" >/dev/null || { echo "bench: install $tool (apt-get install $tool)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: install GNU time (apt-get install time)" >&2; exit 1; }

runs=${BENCH_RUNS:-40}
bin=$(cd "${BENCH_BIN:-bin}" && pwd)
for b in tfy-secrets tfy-secrets-plugin tfy-emulator; do
	[ -x "$bin/$b" ] || { echo "bench: $bin/$b missing; run make build" >&2; exit 1; }
done

work=$(mktemp -d)
emu_pid=""
cleanup() {
	if [ -n "$emu_pid" ]; then
		kill "$emu_pid" 2>/dev/null || true
		wait "$emu_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# A private HOME: the policy compilation cache, the keyring lookup and the
# credentials file all start from nothing the user has.
key="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME"
go build -o "$work/seed" ./scripts/seed

# start_emulator NAME: a fresh emulator on a free loopback port; waits for its
# readiness line (the first line it prints) instead of sleeping.
start_emulator() {
	if [ -n "$emu_pid" ]; then
		kill "$emu_pid" 2>/dev/null || true
		wait "$emu_pid" 2>/dev/null || true
	fi
	mkfifo "$work/emu.out.$1"
	"$bin/tfy-emulator" --addr 127.0.0.1:0 --api-key "$key:admin" >"$work/emu.out.$1" 2>"$work/emu.err" &
	emu_pid=$!
	exec 3<"$work/emu.out.$1"
	local line
	read -r line <&3 || { echo "bench: the emulator did not start:" >&2; cat "$work/emu.err" >&2; exit 1; }
	exec 3<&-
	export TFY_BASE_URL="${line#tfy-emulator listening on }" TFY_API_KEY="$key"
}

# table JSON...: one Markdown table from hyperfine --export-json files, with
# the median, spread and CPU time of each command, and each median relative to
# the first command's.
table() {
	jq -rs '
		(.[0].results[0].median) as $base
		| "| command | median (ms) | mean ± σ (ms) | min (ms) | user (ms) | sys (ms) | median vs first |",
		  "|---|--:|--:|--:|--:|--:|--:|",
		  (.[].results[] | "| `\(.command)` | \(.median*1000|round) | \(.mean*1000|round) ± \(.stddev*1000|round) | \(.min*1000|round) | \(.user*1000|round) | \(.system*1000|round) | \(.median/$base*100|round/100)× |")
	' "$@"
}

# median_ms JSON INDEX
median_ms() { jq -r ".results[$2].median*1000|round" "$1"; }

# pool NAME... -- JSON...: hyperfine exports of the same commands, in any
# order, pooled into one export whose results follow the NAMEs: every run's
# time, the median, mean, spread and minimum over all of them, and the mean
# user and system time.
pool() {
	local names=()
	while [ "$1" != -- ]; do
		names+=("$1")
		shift
	done
	shift
	jq -s '
		def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
		[.[].results[]] as $all
		| {results: [$ARGS.positional[] as $n
			| [$all[] | select(.command == $n)] as $r
			| [$r[].times[]] as $t
			| ($t | add / length) as $mean
			| {command: $n, times: $t, median: ($t | median), mean: $mean, min: ($t | min),
			   stddev: ([$t[] | (. - $mean) * (. - $mean)] | add / ([length - 1, 1] | max) | sqrt),
			   user: ([$r[].user] | add / length), system: ([$r[].system] | add / length)}]}
	' "$@" --args "${names[@]}"
}

# verdict NAME OK: one line saying whether a budget is met.
verdict() { if [ "$2" = 1 ]; then echo "**Budget met:** $1"; else echo "**Budget NOT met:** $1"; fi; }

echo "# tfy-secrets benchmarks"
echo
echo "Run: \`make bench\`, $(date -u +%Y-%m-%dT%H:%MZ)."
echo
echo "| machine | |"
echo "|---|---|"
echo "| CPU | $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') |"
echo "| memory | $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) |"
echo "| OS | $(uname -sr) $(uname -m) |"
echo "| Go | $(go version | cut -d' ' -f3) |"
echo "| load at start (1/5/15 min) | $(cut -d' ' -f1-3 /proc/loadavg) |"
echo "| binaries | host $(($(stat -c %s "$bin/tfy-secrets") / 1048576)) MiB, plugin $(($(stat -c %s "$bin/tfy-secrets-plugin") / 1048576)) MiB |"
echo

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

echo "## group list -o json (50 groups) vs bash + curl, whole process"
echo
start_emulator small
"$work/seed" -groups 50 -secrets 2 -prefix app 2>/dev/null
"$bin/tfy-secrets" group list -o json >/dev/null # fills the policy compilation cache
# -N: no intermediate shell, so each command is measured whole. hyperfine
# runs all of one command's runs before the next command's, and the load of
# a shared machine drifts within minutes, so the sides take turns: rounds of
# 10 runs each, the order reversed every round, pooled into one table.
# `version` is the host alone (no plugin), which separates the host's own
# start from the plugin's cost.
names=('bash + curl (tfy-api.sh flags)' 'tfy-secrets group list -o json' 'tfy-secrets version (host only)')
cmds=("$work/curl-list.sh" "$bin/tfy-secrets group list -o json" "$bin/tfy-secrets version")
round=0
while [ $((round * 10)) -lt "$runs" ]; do
	args=()
	for i in 0 1 2; do
		j=$i
		[ $((round % 2)) = 1 ] && j=$((2 - i))
		args+=(-n "${names[$j]}" "${cmds[$j]}")
	done
	hyperfine -N --style none --warmup 2 --runs 10 --export-json "$work/list.$round.json" "${args[@]}" >/dev/null
	round=$((round + 1))
done
pool "${names[@]}" -- "$work"/list.*.json >"$work/list.json"
table "$work/list.json"
echo
verdict "$(jq -r '"median \(.results[1].median*10000|round/10) ms vs \(.results[0].median*10000|round/10) ms = \(.results[1].median/.results[0].median*100|round/100)×"' "$work/list.json") over $((round * 10)) interleaved runs each (budget ≤ 1.5×, target 1.0×)" \
	"$(jq -r 'if .results[1].median <= 1.5*.results[0].median then 1 else 0 end' "$work/list.json")"
echo

# The runs above trust the plugin's verification record (docs/architecture.md);
# touching the plugin first makes every run hash it, as the first run after an
# install or upgrade does.
hyperfine -N --style none --warmup 2 --runs "$((runs / 2))" --export-json "$work/list-hash.json" \
	--prepare "touch $bin/tfy-secrets-plugin" \
	-n 'tfy-secrets group list -o json, plugin just changed (hashed)' "$bin/tfy-secrets group list -o json" >/dev/null
echo "The same command when the plugin file has just changed, so the launcher hashes it again"
echo "(the first run after an install or upgrade):"
echo
table "$work/list-hash.json"
echo

echo "## Large tenant: 10,000 groups / 100,000 secrets"
echo
start_emulator large
"$work/seed" -groups 10000 -secrets 10 -prefix big 2>/dev/null
count=$("$bin/tfy-secrets" group list -o json | jq '.groups | length')
[ "$count" = 10000 ] || { echo "bench: group list returned $count groups, want 10000" >&2; exit 1; }
# GNU time's %M is the largest peak RSS of the host and the plugin it waited
# for (not their sum); %U/%S add both processes' CPU.
echo "| run | wall (s) | user (s) | sys (s) | peak RSS, largest process (MiB) |"
echo "|---|--:|--:|--:|--:|"
worst_s=0 worst_kib=0
for i in 1 2 3 4 5; do
	/usr/bin/time -f "%e %U %S %M" -o "$work/time.$i" "$bin/tfy-secrets" group list -o json >/dev/null
	read -r secs user sys kib <"$work/time.$i"
	echo "| $i | $secs | $user | $sys | $((kib / 1024)) |"
	worst_s=$(jq -n "[$worst_s, $secs] | max")
	worst_kib=$(jq -n "[$worst_kib, $kib] | max")
done
hyperfine -N --style none --warmup 1 --runs 5 --export-json "$work/large.json" \
	-n 'bash + curl, 10 pages of 1,000' "bash -c 'for o in 0 1000 2000 3000 4000 5000 6000 7000 8000 9000; do curl -sSf -H \"Authorization: Bearer \$TFY_API_KEY\" \"\$TFY_BASE_URL/api/svc/v1/secret-groups?limit=1000&offset=\$o\" >/dev/null; done'" \
	-n 'tfy-secrets group list -o json' "$bin/tfy-secrets group list -o json" >/dev/null
echo
table "$work/large.json"
echo
verdict "slowest of 5 runs ${worst_s} s (≤ 3 s), largest peak RSS $((worst_kib / 1024)) MiB (≤ 100 MiB)" \
	"$(jq -n "if $worst_s <= 3 and $worst_kib <= 102400 then 1 else 0 end")"
echo

echo "## Update a group of 1,000 keys (plan + apply, rotating all)"
echo
start_emulator update
"$work/seed" -groups 1 -secrets 1000 -prefix wide 2>/dev/null
# Keys match the seed's KEY_0000..KEY_0999; fresh random values. The file is
# ours, 0600, and removed with $work.
(umask 077 && od -An -v -tx1 -w8 -N 8000 /dev/urandom | tr -d ' ' |
	awk '{ printf "KEY_%04d=%s\n", NR-1, $0 }' >"$work/big.env")
[ "$(wc -l <"$work/big.env")" = 1000 ] || { echo "bench: big.env does not have 1000 lines" >&2; exit 1; }
hyperfine -N --style none --warmup 1 --runs 10 --export-json "$work/update.json" \
	-n 'group update --dry-run (plan only)' "$bin/tfy-secrets group update wide-00001 --from-dotenv $work/big.env --dry-run -o json" \
	-n 'group update --yes (plan + apply + verify)' "$bin/tfy-secrets group update wide-00001 --from-dotenv $work/big.env --yes" >/dev/null
table "$work/update.json"
echo
upd_ms=$(median_ms "$work/update.json" 1)
verdict "median ${upd_ms} ms (≤ 1,000 ms)" "$(jq -n "if $upd_ms <= 1000 then 1 else 0 end")"
echo
echo "## manifest check: 1,000 manifests, 10,000 references, 200 groups"
echo
start_emulator manifests
"$work/seed" -groups 200 -secrets 50 -prefix mf 2>/dev/null
# One service manifest per directory, as a monorepo keeps them: ten
# references each, spread so that every one of the 200 groups is named.
mkdir -p "$work"/repo/svc-{000..999}
awk -v dir="$work/repo" 'BEGIN {
	for (i = 0; i < 1000; i++) {
		f = sprintf("%s/svc-%03d/truefoundry.yaml", dir, i)
		printf "# service %d\nname: svc-%d\ntype: service\nimage:\n  type: image\n  image_uri: acme/svc-%d:1.0\nports:\n  - port: 8000\n    protocol: TCP\nenv:\n  LOG_LEVEL: info\n", i, i, i > f
		for (k = 0; k < 10; k++) printf "  KEY_%d: tfy-secret://demo:mf-%05d:KEY_%04d\n", k, (i * 10 + k) % 200 + 1, (i + k) % 50 > f
		close(f)
	}
}'
summary=$("$bin/tfy-secrets" manifest check "$work/repo" | tail -1)
[ "$summary" = "1000 files, 10000 references: 0 broken references, 0 plaintext credentials" ] ||
	{ echo "bench: manifest check said: $summary" >&2; exit 1; }
# --debug logs every API request the plugin makes: group lookups, and the
# tenant lookup a key without a tenantName claim needs.
"$bin/tfy-secrets" manifest check "$work/repo" --debug 2>"$work/check.debug" >/dev/null
lookups=$(grep -c 'tfyapi: GET /api/svc/v1/secret-groups?fqn=' "$work/check.debug" || true)
calls=$(grep -c 'tfyapi: ' "$work/check.debug" || true)
echo "| run | wall (s) | user (s) | sys (s) | peak RSS, largest process (MiB) |"
echo "|---|--:|--:|--:|--:|"
worst_s=0 worst_kib=0
for i in 1 2 3 4 5; do
	/usr/bin/time -f "%e %U %S %M" -o "$work/time.$i" "$bin/tfy-secrets" manifest check "$work/repo" -o json >/dev/null
	read -r secs user sys kib <"$work/time.$i"
	echo "| $i | $secs | $user | $sys | $((kib / 1024)) |"
	worst_s=$(jq -n "[$worst_s, $secs] | max")
	worst_kib=$(jq -n "[$worst_kib, $kib] | max")
done
hyperfine -N --style none --warmup 1 --runs 10 --export-json "$work/check.json" \
	-n 'manifest check (text)' "$bin/tfy-secrets manifest check $work/repo" \
	-n 'manifest check -o json' "$bin/tfy-secrets manifest check $work/repo -o json" \
	-n 'manifest check --format sarif' "$bin/tfy-secrets manifest check $work/repo --format sarif" \
	-n 'where-used mf-00001 (no plugin)' "$bin/tfy-secrets where-used mf-00001 $work/repo" >/dev/null
echo
table "$work/check.json"
echo
echo "API requests of one check: $calls, of which $lookups group lookups (200 distinct groups)."
echo
check_ms=$(median_ms "$work/check.json" 0)
verdict "median ${check_ms} ms, slowest of 5 runs ${worst_s} s (≤ 2 s); $lookups group lookups for 200 distinct groups; largest peak RSS $((worst_kib / 1024)) MiB (≤ 100 MiB)" \
	"$(jq -n "if $worst_s <= 2 and $worst_kib <= 102400 and $lookups == 200 then 1 else 0 end")"
echo "## manifest migrate of a 200-key manifest"
echo
start_emulator migrate
# Four services of 50 credentials each (random values, written 0600 and
# removed with $work), migrated into a new Azure Key Vault group, so every
# key is renamed (_ to -). Before each write run the emulator is reset and
# the manifest restored, so each run creates the group and rewrites the file.
(umask 077 && for d in 0 1 2 3; do
	printf -- '---\ntype: service\nname: svc-%d\nimage:\n  type: image\n  image_uri: ghcr.io/acme/svc:1.0.%d\nenv:\n  LOG_LEVEL: info\n' "$d" "$d"
	od -An -v -tx1 -w16 -N 800 /dev/urandom | tr -d ' ' | awk -v d="$d" '{ printf "  SVC%d_KEY_%03d_PASSWORD: \"%s\"\n", d, NR-1, $0 }'
done >"$work/migrate.orig.yaml")
[ "$(grep -c '_PASSWORD: "' "$work/migrate.orig.yaml")" = 200 ] || { echo "bench: the manifest does not have 200 keys" >&2; exit 1; }
cp "$work/migrate.orig.yaml" "$work/migrate.yaml"
restore="bash -c 'cp $work/migrate.orig.yaml $work/migrate.yaml && curl -sSf -X POST $TFY_BASE_URL/_emulator/reset >/dev/null'"
hyperfine -N --style none --warmup 1 --runs 10 --export-json "$work/migrate.json" \
	-n 'manifest migrate --dry-run -o json (plan and diff)' "$bin/tfy-secrets manifest migrate $work/migrate.yaml --group svc --provider azure --dry-run -o json" \
	--prepare "$restore" \
	-n 'manifest migrate --yes --write (create, verify, rewrite)' "$bin/tfy-secrets manifest migrate $work/migrate.yaml --group svc --provider azure --yes --write -o json" >/dev/null
# The same manifest again, into the group that now holds its values: the
# plan reads and compares all 200, writes nothing to the group, and
# rewrites the file (what a re-run after a failed file write does).
"$bin/tfy-secrets" manifest migrate "$work/migrate.yaml" --group svc --provider azure --yes -o json >/dev/null
hyperfine -N --style none --warmup 1 --runs 10 --export-json "$work/migrate-again.json" \
	--prepare "cp $work/migrate.orig.yaml $work/migrate.yaml" \
	-n 'manifest migrate --yes --write (values already stored)' "$bin/tfy-secrets manifest migrate $work/migrate.yaml --group svc --yes --write -o json" >/dev/null
table "$work/migrate.json"
echo
table "$work/migrate-again.json"
echo
mig_ms=$(jq -n "[$(median_ms "$work/migrate.json" 1), $(median_ms "$work/migrate-again.json" 0)] | max")
verdict "slowest median ${mig_ms} ms (≤ 1,000 ms)" "$(jq -n "if $mig_ms <= 1000 then 1 else 0 end")"
echo
kill "$emu_pid" 2>/dev/null || true
wait "$emu_pid" 2>/dev/null || true
emu_pid=""

if [ "${BENCH_GO:-1}" = 1 ]; then
	echo "## Go benchmarks"
	echo
	echo "Curated, with a fixed iteration count per package so the run ends in minutes on 2 cores."
	echo "Policy budgets: \`BenchmarkDecide/engine\` median-ns/op ≤ 50 µs (fastest-ns/op: the cost when nothing interferes); \`BenchmarkFirstDecision/warm\` first-ns/op ≤ 15 ms."
	echo
	echo '```'
	# gobench PACKAGE REGEXP BENCHTIME
	gobench() {
		go test -run '^$' -bench "$2" -benchmem -benchtime "$3" "$1" 2>&1 |
			grep -E '^(Benchmark|ok|FAIL|pkg:|---)' || true
	}
	gobench ./policies '^BenchmarkDecide$' 2000x
	gobench ./policies '^BenchmarkDecideLargeUpdate$' 20x
	gobench ./policies '^BenchmarkFirstDecision' 10x
	gobench ./host/launcher '^BenchmarkStartCallStop$' 10x
	gobench ./host/launcher/spawn '^BenchmarkVerify$' 20x
	gobench ./plugin '^BenchmarkGetGroupRoundTrip$' 2000x
	gobench ./plugin '^BenchmarkListGroupsStream10k$' 5x
	gobench ./internal/tfyapi '^BenchmarkDecodeGroupPage$' 200x
	gobench ./internal/tfyapi '^BenchmarkListGroups10k$' 5x
	gobench ./internal/service '^BenchmarkPlanUpdate1000$' 100x
	gobench ./internal/service/wiring '^BenchmarkUpdate1000Keys$' 5x
	gobench ./internal/service/wiring '^BenchmarkWriteWindow$' 300x
	gobench ./internal/emulator '^BenchmarkServer(List|Update)$' 500x
	gobench ./internal/emulator '^BenchmarkServer(Update1000|ListAll)$' 10x
	gobench ./internal/credentials '^BenchmarkResolve$' 2000x
	gobench ./internal/dotenv '^BenchmarkParse$' 2000x
	gobench ./host/render '^BenchmarkGroups$' 10x
	gobench ./host/manifests '^BenchmarkCheck1000Manifests$' 10x
	gobench ./internal/service '^BenchmarkCheckRefs200Groups$' 100x
	gobench ./host/cmd/manifest/migrate '^BenchmarkDryRun200$' 20x
	gobench ./cmd/tfy-secrets '^BenchmarkStartVersion$' 20x
	echo '```'
	echo
fi
echo "Load at end (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)."
