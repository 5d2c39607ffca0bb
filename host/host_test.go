package host

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// The tests of this package run the command tree in-process one at a time,
// never with t.Parallel: urfave/cli/v2 keeps its help flag and help command
// in package variables that every run mutates.

// canary is a value planted in every source; it must never come out.
const canary = "canary-5e1f0b7d-never-print-me"

type outcome struct {
	code           int
	stdout, stderr string
	starts         int
}

type invocation struct {
	svc     *hosttest.Service // nil: the plugin must not start
	env     map[string]string
	stdin   string
	exe     string // Executable's answer; default a path that does not exist
	ctx     context.Context
	ios     *iostreams.IOStreams // a real terminal; default: buffers
	names   bool                 // args type the canary as a name, which errors may repeat
	environ []string             // the environment as a list, for completion
}

func (in invocation) run(t *testing.T, args ...string) outcome {
	t.Helper()
	ios, out, errOut := iostreams.Test(in.stdin)
	if in.ios != nil {
		ios = in.ios
	}
	var o outcome
	var svc plugin.Service
	if in.svc != nil {
		svc = in.svc
	}
	exe := in.exe
	if exe == "" {
		exe = "/nonexistent/tfy-secrets"
	}
	ctx := in.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	argv := args
	if len(args) == 0 || !strings.Contains(args[0], "tfy") {
		argv = append([]string{"tfy-secrets"}, args...)
	}
	o.code = Main(ctx, Process{
		Args:       argv,
		IOStreams:  ios,
		LookupEnv:  hosttest.Env(in.env),
		Environ:    func() []string { return in.environ },
		Executable: func() (string, error) { return exe, nil },
		LookPath:   func(string) (string, error) { return "", os.ErrNotExist },
		Start:      hosttest.Start(svc, &o.starts),
		Version:    "v9.9.9",
	})
	o.stdout, o.stderr = out.String(), errOut.String()
	if !in.names && (strings.Contains(o.stdout, canary) || strings.Contains(o.stderr, canary)) {
		// Errorf, not Fatalf: run also executes on the goroutine of
		// terminal tests.
		t.Errorf("canary leaked:\nstdout: %s\nstderr: %s", o.stdout, o.stderr)
	}
	return o
}

func (o outcome) expect(t *testing.T, code int, stdoutHas, stderrHas string) {
	t.Helper()
	if o.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", o.code, code, o.stdout, o.stderr)
	}
	if !strings.Contains(o.stdout, stdoutHas) {
		t.Fatalf("stdout lacks %q:\n%s", stdoutHas, o.stdout)
	}
	if !strings.Contains(o.stderr, stderrHas) {
		t.Fatalf("stderr lacks %q:\n%s", stderrHas, o.stderr)
	}
}

func TestNoPluginStart(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"version"}, 0, "tfy-secrets v9.9.9", ""},
		{[]string{"--help"}, 0, "COMMANDS:", ""},
		{[]string{}, 0, "COMMANDS:", ""},
		{[]string{"group", "--help"}, 0, "update", ""},
		{[]string{"group"}, 0, "delete", ""},
		{[]string{"group", "update", "--help"}, 0, "--replace", ""},
		{[]string{"secret", "get", "-h"}, 0, "Examples:", ""},
		{[]string{"group", "list", "--help"}, 0, "GLOBAL FLAGS", ""},
		{[]string{"completion", "bash"}, 0, "complete -o default -F _tfy_secrets_complete tfy-secrets", ""},
		{[]string{"completion", "zsh"}, 0, "#compdef tfy-secrets", ""},
		{[]string{"completion", "fish"}, 0, "complete -c tfy-secrets", ""},
		{[]string{"completion", "tcsh"}, 2, "", `unknown shell "tcsh"`},
		{[]string{"ref", "a:b:c", "KEY"}, 2, "", "GROUP has 3"},
		{[]string{"ref", "app"}, 2, "", "missing argument"},
		{[]string{"ref", "app", "K=V"}, 2, "", "contains ':' or '='"},
		{[]string{"ref", "app", "K", "extra"}, 2, "", "1 unexpected argument"},
		{[]string{"nosuch"}, 2, "", `unknown command "nosuch"`},
		{[]string{"group", "nosuch"}, 2, "", `unknown command "nosuch" for "tfy-secrets group"`},
		{[]string{"group", "list", "--bogus"}, 2, "", "unknown flag --bogus"},
		{[]string{"-o", "xml", "group", "list"}, 2, "", "unknown output format"},
		{[]string{"--timeout", "soon", "group", "list"}, 2, "", `--timeout: "soon" is not a duration`},
		{[]string{"group", "get", "my app"}, 2, "", "whitespace"},
		{[]string{"secret", "get", "a:b:c:d"}, 2, "", "4 ':'-separated parts"},
		{[]string{"secret", "get", "https://x/y"}, 2, "", "unknown scheme"},
		{[]string{"group", "create", "demo:app", "--from-env", "K"}, 2, "", "plain group name"},
		{[]string{"group", "create", "app"}, 2, "", "at least one secret"},
		{[]string{"group", "update", "app"}, 2, "", "nothing to change"},
		{[]string{"group", "update", "app", "--replace", "--unset", "K"}, 2, "", "--replace needs SOURCES"},
		{[]string{"group", "update", "app", "--from-env", "K", "--unset", "K"}, 2, "", "both given a value and --unset"},
		{[]string{"group", "create", "app", "--from-file", "A=-", "--from-dotenv", "-"}, 2, "", "2 sources read standard input"},
		{[]string{"group", "create", "app", "loose-word"}, 2, "", "argument 2 is not a source"},
		{[]string{"integration", "list", "--provider", "oracle"}, 2, "", "unknown --provider"},
		{[]string{"policy", "eval"}, 2, "", "needs --input"},
		{[]string{"policy", "build", "dir"}, 2, "", "needs --out BUNDLE"},
		{[]string{"auth", "login", "--with-token", "--from-env", "K"}, 2, "", "cannot be used together"},
		{[]string{"auth", "login"}, 2, "", "no terminal"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o := invocation{}.run(t, tc.args...)
			o.expect(t, tc.code, tc.stdout, tc.stderr)
			if o.starts != 0 {
				t.Fatal("the plugin was started")
			}
		})
	}
}

func TestGlobalFlagsAnywhere(t *testing.T) {
	want := plugin.Call{
		Host: "https://h.example", PolicyPath: "org.tar.gz", Client: plugin.ClientCLI,
		Yes: true, DryRun: true, Debug: true, Timeout: 5 * time.Second,
	}
	for _, args := range [][]string{
		{"-o", "json", "--host", "https://h.example", "-y", "--dry-run", "--policy", "org.tar.gz", "--debug", "--timeout", "5s", "group", "list", "--search", "pay"},
		{"group", "list", "--search", "pay", "-o", "json", "--host=https://h.example", "--yes", "--dry-run", "--policy", "org.tar.gz", "--debug", "--timeout=5s"},
		{"group", "--output=json", "list", "--host", "https://h.example", "--search=pay", "-y", "--dry-run", "--policy=org.tar.gz", "--debug", "--timeout", "5s"},
		{"list", "-o", "json", "--host", "https://h.example", "--search", "pay", "-y", "--dry-run", "--policy", "org.tar.gz", "--debug", "--timeout", "5s"},
	} {
		svc := hosttest.Canned(hosttest.Answers{Groups: []plugin.Group{{Name: "payments", ID: "g1", SecretCount: 2}}})
		o := invocation{svc: svc}.run(t, args...)
		o.expect(t, 0, `"name": "payments"`, "debug:")
		req := svc.Request("ListGroups").(plugin.ListGroupsRequest)
		if req.Search != "pay" || !reflect.DeepEqual(req.Call, want) {
			t.Errorf("%v: request %+v", args, req)
		}
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	svc := hosttest.Canned(hosttest.Answers{})
	env := map[string]string{"TFY_SECRETS_POLICY": "env.tar.gz", "TFY_DEBUG": "1", "CI": "true"}
	invocation{svc: svc, env: env}.run(t, "group", "list").expect(t, 0, "No secret groups", "debug:")
	call := svc.Request("ListGroups").(plugin.ListGroupsRequest).Call
	if call.PolicyPath != "env.tar.gz" || !call.Debug || !call.CI || call.Interactive {
		t.Fatalf("call %+v", call)
	}
	// A flag wins over the environment.
	invocation{svc: svc, env: env}.run(t, "group", "list", "--policy", "flag.tar.gz").expect(t, 0, "", "")
	if p := svc.Request("ListGroups").(plugin.ListGroupsRequest).PolicyPath; p != "flag.tar.gz" {
		t.Fatalf("policy %q", p)
	}
}

func TestErrorsMapToExitCodes(t *testing.T) {
	for _, k := range failure.Kinds() {
		svc := hosttest.Canned(hosttest.Answers{Err: map[string]error{
			"GetGroup": failure.New(k, "secret group %q not found", "app").WithHint("run `tfy-secrets group list`"),
		}})
		o := invocation{svc: svc}.run(t, "group", "get", "app")
		o.expect(t, k.ExitCode(), "", "error: get group: secret group \"app\" not found\nhint: run `tfy-secrets group list`\n")
		j := invocation{svc: svc}.run(t, "group", "get", "app", "-o", "json")
		var doc struct {
			Error struct{ Code, Message, Hint string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(j.stderr), &doc); err != nil {
			t.Fatalf("%s: stderr is not the JSON error document: %v\n%s", k, err, j.stderr)
		}
		if j.code != k.ExitCode() || doc.Error.Code != string(k) || doc.Error.Hint == "" || !strings.Contains(doc.Error.Message, "not found") {
			t.Fatalf("%s: exit %d, %+v", k, j.code, doc)
		}
		if j.stdout != "" {
			t.Fatalf("errors must not touch stdout: %q", j.stdout)
		}
	}
}

func TestUsageErrorAsJSON(t *testing.T) {
	o := invocation{}.run(t, "ref", "only-group", "-o", "json")
	o.expect(t, 2, "", `{"error":{"code":"usage"`)
}

// interrupted mimics the launcher's cause for Ctrl-C.
type interrupted struct{}

func (interrupted) Error() string { return "interrupted (Ctrl-C)" }
func (interrupted) ExitCode() int { return 130 }

func TestInterruptedUsesTheCause(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(interrupted{})
	svc := hosttest.Canned(hosttest.Answers{Err: map[string]error{"ListGroups": context.Canceled}})
	invocation{svc: svc, ctx: ctx}.run(t, "group", "list").expect(t, 130, "", "error: interrupted (Ctrl-C)")
}

func TestReads(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	svc := hosttest.Canned(hosttest.Answers{
		Detail:       plugin.GroupDetail{Group: plugin.Group{Name: "app", ID: "g1"}, Secrets: []plugin.SecretInfo{{Key: "DB", Masked: "(set)"}}, Warnings: []string{"policy note"}},
		Secret:       plugin.SecretInfo{Key: "DB", Group: "app", Masked: "abcd***", Version: 3},
		Versions:     []plugin.Version{{Version: 3, CreatedAt: at}},
		Integrations: []plugin.Integration{{Name: "vault", Provider: "azure", Store: "vault"}},
		Ref:          "tfy-secret://demo:app:DB",
		Status:       plugin.AuthStatus{Host: "https://h", Tenant: "demo", KeySource: "keyring"},
		PolicyInfo:   plugin.PolicyInfo{Modules: []plugin.PolicyModule{{Name: "default/x.rego", Source: "package x\n"}}},
	})
	in := invocation{svc: svc}
	in.run(t, "group", "get", "demo:app", "--show-prefix").expect(t, 0, "DB", "warning: policy note")
	if r := svc.Request("GetGroup").(plugin.GetGroupRequest); r.Group != "demo:app" || !r.ShowPrefix {
		t.Fatalf("GetGroup %+v", r)
	}
	in.run(t, "get", "app").expect(t, 0, "Group:", "")
	in.run(t, "secret", "get", "tfy-secret://demo:app:DB", "-o", "yaml").expect(t, 0, "masked: abcd***", "")
	if r := svc.Request("GetSecret").(plugin.SecretRequest); r.Secret != "tfy-secret://demo:app:DB" || r.ShowPrefix {
		t.Fatalf("GetSecret %+v", r)
	}
	in.run(t, "secret", "versions", "app:DB", "-o", "json").expect(t, 0, `"created_at": "2026-01-02T03:04:05Z"`, "")
	in.run(t, "integration", "list", "--provider", "azure").expect(t, 0, "vault", "")
	if r := svc.Request("ListIntegrations").(plugin.IntegrationsRequest); r.Provider != "azure" {
		t.Fatalf("ListIntegrations %+v", r)
	}
	o := in.run(t, "ref", "app", "DB")
	if o.code != 0 || o.stdout != "tfy-secret://demo:app:DB\n" {
		t.Fatalf("ref printed %q (exit %d)", o.stdout, o.code)
	}
	in.run(t, "ref", "app", "DB", "-o", "json").expect(t, 0, `"ref": "tfy-secret://demo:app:DB"`, "")
	in.run(t, "auth", "status", "-o", "json").expect(t, 0, `"key": "(set)"`, "")
	in.run(t, "auth", "logout").expect(t, 0, "", "Logged out")
	in.run(t, "policy", "show").expect(t, 0, "# --- default/x.rego ---", "")
}

func TestPolicyEval(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "in.json")
	bad := filepath.Join(dir, "bad.json")
	writeFile(t, good, `{"operation":"group.list"}`)
	writeFile(t, bad, `{"operation": "group.list",, }`)
	svc := hosttest.Canned(hosttest.Answers{Decision: []byte(`{"deny":[],"confirm":"none"}`)})
	invocation{svc: svc}.run(t, "policy", "eval", "--input", good).expect(t, 0, `{"deny":[],"confirm":"none"}`+"\n", "")
	if r := svc.Request("EvalPolicy").(plugin.PolicyEvalRequest); string(r.Input) != `{"operation":"group.list"}` {
		t.Fatalf("input %q", r.Input)
	}
	invocation{svc: svc, stdin: `{"operation":"x"}`}.run(t, "policy", "eval", "--input", "-").expect(t, 0, "confirm", "")
	o := invocation{}.run(t, "policy", "eval", "--input", bad)
	o.expect(t, 2, "", "not valid JSON at byte 28")
	invocation{}.run(t, "policy", "eval", "--input", filepath.Join(dir, "missing.json")).expect(t, 2, "", "no such file")
	invocation{stdin: `[1,2]`}.run(t, "policy", "eval", "--input", "-").expect(t, 2, "", "must be a JSON object")
}

// TestValuesTypedWhereNamesGoAreHidden provokes errors that repeat a word
// of the command line with a KEY=VALUE in that word: the value never
// comes out, in text or in a JSON error.
func TestValuesTypedWhereNamesGoAreHidden(t *testing.T) {
	kv := "K=" + canary
	for _, args := range [][]string{
		{kv},
		{"group", kv},
		{"--timeout", kv, "version"},
		{"--timeout=" + kv, "version"},
		{"-o", kv, "group", "list"},
		{"--yes=" + kv, "group", "list"},
		{"completion", kv},
		{"group", "create", "app", "--provider", kv},
		{"-o", "json", "group", kv},
		{"--debug", "--policy", kv, "--host", "https://h/?token=" + canary, "group", "list"},
	} {
		o := invocation{}.run(t, args...)
		if o.code == 0 || !strings.Contains(o.stderr, "K=…") && !strings.Contains(o.stderr, "token=…") {
			t.Errorf("%q: exit %d, stderr lacks the hidden word:\n%s", args, o.code, o.stderr)
		}
	}
}

// namesCanary reports whether a word of args types the canary as a name:
// a command, a flag, a flag's plain value, a KEY. Errors may repeat names
// ("unknown command"); what follows a KEY= never comes out.
func namesCanary(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flag, value, ok := strings.Cut(a, "=")
			if strings.Contains(flag, canary) {
				return true
			}
			if !ok {
				continue
			}
			a = value
		}
		if key, _, _ := strings.Cut(a, "="); strings.Contains(key, canary) {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestPolicyToolIsAProcess runs a real helper program beside the
// executable and checks arguments and exit status pass through.
func TestPolicyToolIsAProcess(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tfy-secrets-policy"), "#!/bin/sh\necho \"policy-tool $*\"\nexit 3\n")
	in := invocation{exe: filepath.Join(dir, "tfy-secrets")}
	in.run(t, "policy", "test", "./org").expect(t, 3, "policy-tool test ./org", "")
	in.run(t, "policy", "build", "./org", "-o", "org.tar.gz").expect(t, 3, "policy-tool build ./org -o org.tar.gz", "")
	invocation{}.run(t, "policy", "test", "./org").expect(t, 1, "", "tfy-secrets-policy not found")
}

// FuzzArgs feeds arbitrary command lines to the whole tree with no plugin
// available: it must never panic, and must end in success (help, version,
// completion), a usage error, or the plugin-start failure, never anything
// else and never with the planted value on its output, unless the line
// types it as a name.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{
		"group list -o json", "-o json group update app --from-env K=" + canary, "ref a:b:c K", "group create app K=" + canary,
		"secret get tfy-secret://a:b:c --show-prefix", "policy build d -o", "--timeout -1s version", "group --nope", "-- -o",
		"completion zsh", "auth login --from-env " + canary, "update app --unset K --from-env K",
		"K=" + canary, "-o K=" + canary + " group list", "--timeout=K=" + canary + " version", canary,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		for _, a := range args {
			// Reading devices or the terminal is not what this target tests.
			if strings.Contains(a, "/dev/") || strings.Contains(a, "/proc/") {
				return
			}
		}
		o := invocation{env: map[string]string{"SECRET_VALUE": canary}, names: namesCanary(args)}.run(t, args...)
		switch o.code {
		case 0, 1, 2:
		default:
			t.Fatalf("%q: exit %d\n%s", args, o.code, o.stderr)
		}
	})
}
