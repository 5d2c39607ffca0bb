package host

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// TestUnknownCommands: a word that is not a command is a usage error
// (exit 2) that says so and suggests the likeliest command, with or
// without --help after it, and never starts the plugin (issue 11, item 9).
func TestUnknownCommands(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		message, hint string
	}{
		{[]string{"nope", "--help"}, `error: unknown command "nope" for "tfy-secrets"`, "hint: the commands are auth, integration, group, secret, ref, manifest, policy, version, completion, help, list, get, create, update, delete; see `tfy-secrets --help`"},
		{[]string{"group", "nope", "--help"}, `error: unknown command "nope" for "tfy-secrets group"`, "hint: the commands are list, get, create, update, delete; see `tfy-secrets group --help`"},
		{[]string{"grop", "list"}, `error: unknown command "grop" for "tfy-secrets"`, `hint: did you mean "group"?`},
		{[]string{"group", "lsit"}, `error: unknown command "lsit" for "tfy-secrets group"`, `hint: did you mean "list"?`},
		{[]string{"group", "lsit", "-h"}, `error: unknown command "lsit" for "tfy-secrets group"`, `hint: did you mean "list"?`},
		{[]string{"secrets", "get", "a:b"}, `error: unknown command "secrets" for "tfy-secrets"`, `hint: did you mean "secret"?`},
		{[]string{"help", "grop"}, `error: unknown command "grop" for "tfy-secrets"`, `hint: did you mean "group"?`},
		{[]string{"--", "nope"}, `error: unknown command "nope" for "tfy-secrets"`, "see `tfy-secrets --help`"},
		{[]string{"tfy", "secrets", "grop", "--help"}, `error: unknown command "grop" for "tfy secrets"`, "See `tfy secrets --help`"},
	} {
		o := invocation{}.run(t, tc.args...)
		o.expect(t, 2, "", tc.message)
		if !strings.Contains(o.stderr, tc.hint) || o.stdout != "" || o.starts != 0 {
			t.Errorf("%q: stdout %q, stderr %q, %d plugin starts", tc.args, o.stdout, o.stderr, o.starts)
		}
	}
}

// TestFlagErrorsInOurWords: Go's flag package wording never reaches the
// user; every flag mistake says what is wrong in the command line's own
// terms, with a hint, exit 2 (issue 11, item 10).
func TestFlagErrorsInOurWords(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		message, hint string
	}{
		{[]string{"--bogus"}, "error: unknown flag --bogus\n", "hint: see the flags with `tfy-secrets --help`"},
		{[]string{"group", "list", "-bogus"}, "error: unknown flag --bogus\n", "hint: see the flags with `tfy-secrets group list --help`"},
		{[]string{"group", "list", "--dryrun"}, "error: unknown flag --dryrun\n", "hint: did you mean --dry-run?"},
		{[]string{"--timeout", "abc", "group", "list"}, `error: --timeout: "abc" is not a duration (e.g. 30s, 2m)`, "hint: a duration is a number and a unit"},
		{[]string{"group", "list", "-timeout=abc"}, `error: --timeout: "abc" is not a duration (e.g. 30s, 2m)`, "hint:"},
		{[]string{"group", "list", "--yes=perhaps"}, `error: --yes: "perhaps" is not true or false`, "hint: give --yes alone, or --yes=false"},
		{[]string{"group", "list", "--host"}, "error: --host needs a value: --host URL", "hint: see `tfy-secrets group list --help`"},
		{[]string{"-o", "json", "--output", "yaml", "list"}, "-o and --output are the same flag: give it once", ""},
		{[]string{"group", "list", "--version"}, "error: --version is a flag of tfy-secrets alone, not of a command", "hint: run `tfy-secrets --version`"},
	} {
		o := invocation{}.run(t, tc.args...)
		o.expect(t, 2, "", tc.message)
		if !strings.Contains(o.stderr, tc.hint) || strings.Contains(o.stderr, "flag provided but not defined") || strings.Contains(o.stderr, "invalid value") {
			t.Errorf("%q: stderr %q", tc.args, o.stderr)
		}
	}
	// A KEY=VALUE typed as a flag's value is still hidden in the new words.
	kv := "K=" + canary
	for _, args := range [][]string{{"--timeout", kv, "group", "list"}, {"--timeout=" + kv, "list"}, {"--yes=" + kv, "list"}, {"-o", "json", "--timeout", kv}} {
		o := invocation{}.run(t, args...)
		if o.code != 2 || !strings.Contains(o.stderr, `K=…`) || !strings.Contains(o.stderr, "is not") {
			t.Errorf("%q: exit %d, stderr %q", args, o.code, o.stderr)
		}
	}
}

// TestVersionAndHelpCommands: --version and -v print the version (also as
// JSON); `help WORDS` is the help of those words (issue 11, item 10).
func TestVersionAndHelpCommands(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		invocation{}.run(t, args...).expect(t, 0, "tfy-secrets v9.9.9 (go", "")
	}
	invocation{}.run(t, "-o", "json", "--version").expect(t, 0, `"version": "v9.9.9"`, "")
	help := invocation{}.run(t, "--help")
	for _, args := range [][]string{{"help"}, {}} {
		if o := (invocation{}).run(t, args...); o.code != 0 || o.stdout != help.stdout {
			t.Errorf("%q: exit %d, help differs from --help:\n%s", args, o.code, o.stdout)
		}
	}
	want := invocation{}.run(t, "group", "update", "--help")
	if o := (invocation{}).run(t, "help", "group", "update"); o.code != 0 || o.stdout != want.stdout || !strings.Contains(o.stdout, "--replace") {
		t.Errorf("help group update: exit %d\n%s", o.code, o.stdout)
	}
	if !strings.Contains(help.stdout, "   help ") || !strings.Contains(help.stdout, "--version, -v") {
		t.Errorf("--help lists neither the help command nor --version:\n%s", help.stdout)
	}
}

// TestHelpTexts pins the help habits of issue 11, item 23: one wording
// (FLAGS, GLOBAL FLAGS) whether help is asked for or not, examples on the
// commands that only group others, usage lines in the name the command was
// invoked by, and what --timeout's default means.
func TestHelpTexts(t *testing.T) {
	in := invocation{}
	for _, args := range [][]string{{}, {"--help"}, {"group"}, {"group", "--help"}, {"group", "list", "-h"}, {"auth"}} {
		o := in.run(t, args...)
		if o.code != 0 || strings.Contains(o.stdout, "OPTIONS:") || !strings.Contains(o.stdout, "GLOBAL FLAGS") {
			t.Errorf("%q: exit %d\n%s", args, o.code, o.stdout)
		}
	}
	for _, parent := range []string{"auth", "integration", "group", "secret", "policy"} {
		if o := in.run(t, parent, "--help"); !strings.Contains(o.stdout, "Examples:\n     tfy-secrets "+parent+" ") {
			t.Errorf("%s --help has no examples:\n%s", parent, o.stdout)
		}
	}
	for _, tc := range []struct {
		args  []string
		usage string
	}{
		{[]string{"list", "--help"}, "USAGE:\n   tfy-secrets list [--search TEXT]\n"},
		{[]string{"get", "--help"}, "USAGE:\n   tfy-secrets get GROUP [--show-prefix]\n"},
		{[]string{"tfy", "secrets", "group", "update", "--help"}, "USAGE:\n   tfy secrets group update GROUP SOURCES..."},
		{[]string{"tfy", "secrets", "auth", "--help"}, "USAGE:\n   tfy secrets auth COMMAND [flags] [args]\n"},
		{[]string{"tfy", "secrets", "delete", "--help"}, "USAGE:\n   tfy secrets delete GROUP [--confirm-name NAME]\n"},
	} {
		o := in.run(t, tc.args...)
		if o.code != 0 || !strings.Contains(o.stdout, tc.usage) || (tc.args[0] == "tfy" && strings.Contains(o.stdout, "tfy-secrets group")) {
			t.Errorf("%q: want %q in\n%s", tc.args, tc.usage, o.stdout)
		}
	}
	if o := in.run(t, "--help"); !strings.Contains(o.stdout, "(default: 0: each API request gives up after 30s, and each step of the command after 5m0s)") ||
		strings.Contains(o.stdout, "(default: 0s)") || strings.Contains(o.stdout, "(default: false)") {
		t.Errorf("--help's defaults:\n%s", o.stdout)
	}
}

// TestErrorLinesNeutraliseTerminalControls: whatever reached an error or
// a hint unquoted (a server message the client did not clean, a policy
// message) is printed with visible escapes, line breaks of a multi-line
// hint kept; the JSON error document carries it exactly.
func TestErrorLinesNeutraliseTerminalControls(t *testing.T) {
	svc := hosttest.Canned(hosttest.Answers{Err: map[string]error{
		"GetGroup": failure.New(failure.NotFound, "group pwn\x1b[2J\rgone\u202eevil not found").WithHint("choices:\n  - a\x1b]0;t\x07"),
	}})
	o := invocation{svc: svc}.run(t, "group", "get", "app")
	want := "error: get group: group pwn\\x1b[2J\\rgone\\u202eevil not found\nhint: choices:\n  - a\\x1b]0;t\\x07\n"
	if o.code != 5 || o.stderr != want {
		t.Fatalf("exit %d, stderr %q, want %q", o.code, o.stderr, want)
	}
	j := invocation{svc: svc}.run(t, "group", "get", "app", "-o", "json")
	var doc errorDoc
	if err := json.Unmarshal([]byte(j.stderr), &doc); err != nil || doc.Error.Message != "get group: group pwn\x1b[2J\rgone\u202eevil not found" {
		t.Fatalf("%v: %q", err, j.stderr)
	}
}
