#!/usr/bin/env bash
# Usage: scripts/demo.sh      (after `make build`; `make demo` does both)
#
# A real tfy-secrets session, no TrueFoundry account needed: it starts the
# bundled emulator on a free loopback port, logs in (API key into the OS
# keyring), and runs the everyday commands against it, echoing each one as
# `$ tfy-secrets ...` so the output reads like a terminal session. Secret
# values are generated at random and never printed. At the end it logs out,
# stops the emulator it started and removes its temporary directory.
#
# The session runs in a throwaway HOME and working directory, with every
# TFY_* variable of the caller's environment cleared, so neither your real
# login nor a ./.env file can steer it. Without a D-Bus session bus it
# re-runs itself under scripts/with-keyring.sh (a private, temporary
# keyring) when that script's tools are installed; with no keyring at all it
# uses TFY_API_KEY for the session and says so.
#
# Environment: TFY_DEMO_BIN, the directory holding the binaries (default:
# bin/ of this repository).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${TFY_DEMO_BIN:-$root/bin}

die() {
	echo "demo: $*" >&2
	exit 1
}

for b in tfy-secrets tfy-secrets-plugin tfy-emulator; do
	[[ -x "$bin/$b" ]] || die "$bin/$b not found; run: make build"
done

# The keyring needs a Secret Service on a D-Bus session bus. Without a bus,
# borrow a private one (once: the marker stops a second re-exec if even that
# session turns out to have no usable keyring).
if [[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" && -z "${TFY_DEMO_REEXEC:-}" ]] &&
	command -v dbus-run-session >/dev/null 2>&1 &&
	command -v dbus-send >/dev/null 2>&1 &&
	command -v gnome-keyring-daemon >/dev/null 2>&1; then
	export TFY_DEMO_REEXEC=1
	exec "$root/scripts/with-keyring.sh" "$0" "$@"
fi

# Colour and bold headers only on a terminal that wants them.
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
	bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
else
	bold='' dim='' off=''
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tfy-demo.XXXXXX")
emulator_pid=
drain_pid=
cleanup() {
	# Stop only what this script started, by pid.
	if [[ -n "$emulator_pid" ]]; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	if [[ -n "$drain_pid" ]]; then
		wait "$drain_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A clean room: nothing of the caller's TrueFoundry setup takes part.
while IFS= read -r name; do
	unset "$name"
done < <(compgen -e | grep -E '^TFY_' | grep -v '^TFY_DEMO_')
mkdir -m 700 "$tmp/home" "$tmp/work"
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config PATH="$bin:$PATH"
cd "$tmp/work"

section() {
	printf '\n%s== %s ==%s\n' "$bold" "$*" "$off"
}

note() {
	printf '%s# %s%s\n' "$dim" "$*" "$off"
}

# show prints a command the way a user would type it.
show() {
	local out='$' arg
	for arg in "$@"; do
		if [[ "$arg" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
			out+=" $arg"
		else
			out+=" $(printf '%q' "$arg")"
		fi
	done
	printf '%s%s%s\n' "$bold" "$out" "$off"
}

# run shows a command, runs it, and stops the demo if it fails.
run() {
	show "$@"
	"$@" || die "'$*' failed (exit $?)"
}

# expect_exit CODE CMD... shows a command that is meant to fail with CODE.
expect_exit() {
	local want=$1 code=0
	shift
	show "$@"
	"$@" || code=$?
	[[ "$code" == "$want" ]] || die "'$*' exited $code, expected $want"
	note "exit code $code, as expected"
}

# random prints a fresh random value for a secret (into a variable, never to
# the terminal).
random() {
	od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
}

section "Start the TrueFoundry emulator"
# The emulator announces itself with one line once it accepts connections;
# a FIFO lets us wait for exactly that line.
mkfifo "$tmp/emulator.out"
"$bin/tfy-emulator" --addr 127.0.0.1:0 >"$tmp/emulator.out" 2>"$tmp/emulator.log" &
emulator_pid=$!
exec 3<"$tmp/emulator.out"
IFS= read -r first <&3 || die "the emulator did not start: $(cat "$tmp/emulator.log")"
url=${first#tfy-emulator listening on }
[[ "$url" != "$first" && "$url" == http://127.0.0.1:* ]] || die "unexpected first line from the emulator: $first"
# Its next lines are the exports a shell needs; the API key is kept in a
# variable and never shown.
api_key=
while IFS= read -r line <&3; do
	if [[ "$line" == "export TFY_API_KEY="* ]]; then
		api_key=${line#export TFY_API_KEY=}
		api_key=${api_key#\'} api_key=${api_key%\'}
		break
	fi
done
[[ -n "$api_key" ]] || die "the emulator printed no API key"
# Keep reading whatever else it prints, so it never blocks on a full pipe.
cat <&3 >/dev/null &
drain_pid=$!
exec 3<&-
echo "$first"

section "Log in"
keyring=yes
show tfy-secrets auth login --host "$url" --from-env TFY_DEMO_API_KEY
if ! TFY_DEMO_API_KEY=$api_key tfy-secrets auth login --host "$url" --from-env TFY_DEMO_API_KEY 2>"$tmp/login.err"; then
	keyring=no
	sed 's/^/  /' "$tmp/login.err"
	note "No usable OS keyring here, so this session passes the key in TFY_API_KEY instead,"
	note "the way CI and other headless setups do. On a desktop, auth login keeps it in the keyring."
	export TFY_BASE_URL=$url TFY_API_KEY=$api_key
fi
unset api_key

section "Which secret stores can a group live in?"
run tfy-secrets integration list

section "Create a group from environment variables"
DB_PASSWORD=$(random) API_TOKEN=$(random)
export DB_PASSWORD API_TOKEN
note "DB_PASSWORD and API_TOKEN hold fresh random values; they are never printed."
run tfy-secrets group create demo-app --provider gcp --from-env DB_PASSWORD --from-env API_TOKEN --yes

section "List groups"
run tfy-secrets group list

section "Look at a group: values are masked"
run tfy-secrets group get demo-app

section "Rotate a key"
DB_PASSWORD=$(random)
note "DB_PASSWORD now holds a new random value."
run tfy-secrets group update demo-app --from-env DB_PASSWORD --yes

section "Add a key from a file"
random >"$tmp/work/signing.key"
run tfy-secrets group update demo-app --from-file SIGNING_KEY=signing.key --yes
rm -f "$tmp/work/signing.key"

section "Remove a key"
run tfy-secrets group update demo-app --unset API_TOKEN --yes

section "Plan without writing (--dry-run)"
note "--replace sends exactly the listed sources, so the plan shows what it would delete."
run tfy-secrets group update demo-app --from-env DB_PASSWORD --replace --dry-run
run tfy-secrets group update demo-app --from-env DB_PASSWORD --replace --dry-run -o json

section "A value typed on the command line is refused by policy"
expect_exit 7 tfy-secrets group update demo-app API_TOKEN=typed-on-the-command-line --yes

section "Version history (numbers and times, never values)"
run tfy-secrets secret versions demo-app:DB_PASSWORD

section "The reference a deployment uses"
run tfy-secrets ref demo-app DB_PASSWORD

section "Check a deployment manifest's references before tfy deploy"
cat >truefoundry.yaml <<'YAML'
name: demo-api
type: service
image:
  type: image
  image_uri: acme/demo-api:1.0
env:
  LOG_LEVEL: info
  DB_PASSWORD: tfy-secret://demo:demo-app:DB_PASSWORD
  SIGNING_KEY: tfy-secret://demo:demo-app:SIGNING_KEY
  API_TOKEN: tfy-secret://demo:demo-app:API_TOKEN
YAML
note "truefoundry.yaml references three keys of demo-app; API_TOKEN was removed above."
expect_exit 10 tfy-secrets manifest check truefoundry.yaml
run tfy-secrets where-used demo-app

section "Delete the group (the typed name confirms it in a script)"
run tfy-secrets group delete demo-app --yes --confirm-name demo-app

section "Who am I?"
run tfy-secrets auth status

if [[ "$keyring" == yes ]]; then
	section "Log out"
	run tfy-secrets auth logout
fi

section "Stop the emulator"
kill "$emulator_pid"
wait "$emulator_pid" 2>/dev/null || true
emulator_pid=
echo "tfy-emulator stopped"
echo
echo "Demo finished: every command above ran for real against the local emulator."
