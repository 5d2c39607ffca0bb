#!/usr/bin/env bash
# Usage: scripts/with-keyring.sh CMD [ARG...]
#
# Runs CMD against a real, unlocked Secret Service keyring that exists only
# for this run: a private D-Bus session (dbus-run-session), a throwaway HOME
# and XDG directories, and gnome-keyring-daemon with a login keyring created
# from a random password. Tests that use the OS keyring (zalando/go-keyring)
# run inside it, and TFY_SECRETS_REQUIRE_KEYRING=1 tells them to fail, not
# skip, if the keyring is somehow unreachable. CMD's exit status is ours.
#
# Needs: dbus-run-session and dbus-send (Debian: dbus, dbus-bin) and
# gnome-keyring-daemon (gnome-keyring). Nothing is installed here.
set -euo pipefail

die() {
	echo "with-keyring: $*" >&2
	exit 1
}

[[ $# -gt 0 ]] || {
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
}

# The script re-runs itself inside the new session with this first argument
# (an argument, not an environment variable, so that CMD running this
# script again gets a session of its own).
inside=--inside-private-session
if [[ "$1" != "$inside" ]]; then
	for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
		command -v "$tool" >/dev/null 2>&1 ||
			die "$tool not found; install: apt-get install --no-install-recommends gnome-keyring dbus"
	done
	# A new HOME would move Go's caches too (cold build, module downloads):
	# pin them to where they are now.
	if command -v go >/dev/null 2>&1; then
		{ read -r GOPATH && read -r GOMODCACHE && read -r GOCACHE && read -r GOENV; } < <(go env GOPATH GOMODCACHE GOCACHE GOENV)
		export GOPATH GOMODCACHE GOCACHE GOENV
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/with-keyring.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -m 700 "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/cache" "$tmp/runtime"
	# Go telemetry lives under XDG_CONFIG_HOME; in a throwaway one it would
	# start in local mode and a detached counter process could still be
	# writing there while we clean up. Off, as the mode file says.
	mkdir -p "$tmp/config/go/telemetry"
	echo off >"$tmp/config/go/telemetry/mode"
	export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache XDG_RUNTIME_DIR=$tmp/runtime
	# Nothing of the caller's desktop session may leak in.
	unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL SSH_AUTH_SOCK DISPLAY WAYLAND_DISPLAY
	status=0
	dbus-run-session -- "$0" "$inside" "$@" || status=$?
	exit "$status"
fi

# Inside the private session bus from here on.
shift
log=$XDG_RUNTIME_DIR/gnome-keyring.log
# The password only protects a keyring that is deleted at the end; it goes
# through a pipe from a shell builtin, never onto a command line.
password=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
printf '%s' "$password" | gnome-keyring-daemon --foreground --unlock --components=secrets >"$log" 2>&1 &
daemon=$!
unset password
stop_daemon() {
	kill "$daemon" 2>/dev/null || true
	wait "$daemon" 2>/dev/null || true
}
trap stop_daemon EXIT

# Wait (bounded) until the daemon owns the Secret Service name. NameHasOwner
# does not trigger D-Bus activation, so a match is our daemon.
owned=
for _ in $(seq 1 200); do
	if dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then
		owned=1
		break
	fi
	kill -0 "$daemon" 2>/dev/null || {
		cat "$log" >&2
		die "gnome-keyring-daemon exited before owning org.freedesktop.secrets"
	}
	sleep 0.05
done
[[ -n "$owned" ]] || {
	cat "$log" >&2
	die "gnome-keyring-daemon did not own org.freedesktop.secrets within 10s"
}
version=$(gnome-keyring-daemon --version 2>/dev/null | sed -n '1s/^gnome-keyring-daemon: *//p')
echo "keyring: gnome-keyring-daemon ${version:-unknown} owns org.freedesktop.secrets"

export TFY_SECRETS_REQUIRE_KEYRING=1
status=0
"$@" || status=$?
exit "$status"
