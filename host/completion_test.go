package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/cmd/completion"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// answer is what one `__complete` printed: the values, the descriptions
// by value, and the closing directive.
type answer struct {
	values    []string
	described map[string]string
	directive string
}

func complete(t *testing.T, in invocation, words ...string) (answer, outcome) {
	t.Helper()
	o := in.run(t, append([]string{"__complete"}, words...)...)
	if o.code != 0 || o.stderr != "" {
		t.Fatalf("__complete %q: exit %d, stderr %q", words, o.code, o.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
	a := answer{directive: lines[len(lines)-1], described: map[string]string{}}
	for _, l := range lines[:len(lines)-1] {
		v, d, _ := strings.Cut(l, "\t")
		a.values = append(a.values, v)
		a.described[v] = d
	}
	return a, o
}

func (a answer) want(t *testing.T, words []string, values ...string) {
	t.Helper()
	if !slices.Equal(a.values, values) {
		t.Errorf("%q: candidates %q, want %q", words, a.values, values)
	}
}

var completionAnswers = hosttest.Answers{
	Groups: []plugin.Group{
		{Name: "payments", SecretCount: 2}, {Name: "pay-later", SecretCount: 1}, {Name: "web", SecretCount: 3},
		// A hostile server's names: never offered.
		{Name: "pay\x1b]0;owned\x07"}, {Name: "pay\u202eevil"}, {Name: "pay me"},
	},
	Detail: plugin.GroupDetail{Group: plugin.Group{Name: "payments"}, Secrets: []plugin.SecretInfo{
		{Key: "DB_PASSWORD", Masked: "(set)"}, {Key: "API_KEY", Masked: "abcd***"}, {Key: "BAD\x1b[2J"},
	}},
	Integrations: []plugin.Integration{{Name: "vault", FQN: "demo:azure:vault", Provider: "azure", Store: "vault"}},
}

func TestCompletionWithoutThePlugin(t *testing.T) {
	in := invocation{}
	for _, tc := range []struct {
		words     []string
		values    []string
		directive string
	}{
		{[]string{"gr"}, []string{"group"}, ":none"},
		{[]string{"group", ""}, []string{"list", "ls", "get", "create", "update", "delete"}, ":none"},
		{[]string{"group", "l"}, []string{"list", "ls"}, ":none"},
		// `help` is a command; urfave/cli's own `help` subcommand is not.
		{[]string{"group", "get", "h"}, nil, ":none"},
		{[]string{"help", "group", "up"}, []string{"update"}, ":none"},
		{[]string{"help", "he"}, nil, ":none"},
		{[]string{"group", "get", "--sh"}, []string{"--show-prefix"}, ":none"},
		{[]string{"--dr"}, []string{"--dry-run"}, ":none"},
		{[]string{"--v"}, []string{"--version"}, ":none"},
		{[]string{"group", "list", "--v"}, nil, ":none"},
		// A flag given once is not offered again; a repeatable one is.
		{[]string{"group", "update", "app", "--replace", "--rep"}, nil, ":none"},
		{[]string{"group", "update", "app", "--from-env", "A", "--from-e"}, []string{"--from-env"}, ":none"},
		{[]string{"-o", ""}, []string{"table", "json", "yaml"}, ":none"},
		{[]string{"group", "list", "--output=y"}, []string{"--output=yaml"}, ":none"},
		{[]string{"integration", "list", "--provider", "a"}, []string{"aws", "azure"}, ":none"},
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish"}, ":none"},
		{[]string{"policy", "test", ""}, nil, ":files"},
		{[]string{"--policy", ""}, nil, ":files"},
		{[]string{"group", "create", "app", "--from-dotenv", ""}, nil, ":files"},
		{[]string{"group", "create", "app", "--from-file", "KEY="}, nil, ":files"},
		{[]string{"group", "create", ""}, nil, ":none"},
		{[]string{"nosuch", ""}, nil, ":none"},
		{[]string{"group", "update", "app", "--", "--"}, nil, ":none"},
		{[]string{"manifest", ""}, []string{"check", "migrate"}, ":none"},
		{[]string{"manifest", "check", ""}, nil, ":files"},
		{[]string{"manifest", "check", "a.yaml", ""}, nil, ":files"},
		{[]string{"manifest", "check", ".", "--st"}, []string{"--strict"}, ":none"},
		{[]string{"manifest", "check", ".", "--format", ""}, []string{"text", "github", "sarif"}, ":none"},
		{[]string{"manifest", "check", ".", "--format=s"}, []string{"--format=sarif"}, ":none"},
		{[]string{"where-used", "payments", ""}, nil, ":files"},
		{[]string{"where-used", "payments", "deploy", ""}, nil, ":files"},
		{[]string{"wh"}, []string{"where-used"}, ":none"},
		// Without a plugin, names and keys from the API are simply absent.
		{[]string{"group", "get", ""}, nil, ":none"},
		{[]string{"where-used", ""}, nil, ":none"},
		{[]string{"ref", "app", ""}, nil, ":none"},
	} {
		a, _ := complete(t, in, tc.words...)
		a.want(t, tc.words, tc.values...)
		if a.directive != tc.directive {
			t.Errorf("%q: directive %q, want %q", tc.words, a.directive, tc.directive)
		}
	}
	a, _ := complete(t, in, "gr")
	if a.described["group"] != "Secret groups: list, get, create, update, delete" {
		t.Errorf("description %q", a.described["group"])
	}
}

// TestCompletionFromThePlugin: group names, keys and integrations come
// from the plugin, bounded in time, with the typed --host; names that
// would write control characters to the terminal are left out.
func TestCompletionFromThePlugin(t *testing.T) {
	svc := hosttest.Canned(completionAnswers)
	in := invocation{svc: svc}
	ask := func(words ...string) answer { a, _ := complete(t, in, words...); return a }
	for _, words := range [][]string{{"group", "get", "pay"}, {"get", "pay"}, {"group", "delete", "pay"}} {
		ask(words...).want(t, words, "payments", "pay-later")
	}
	if r := svc.Request("ListGroups").(plugin.ListGroupsRequest); r.Search != "pay" || r.Timeout != completion.Timeout || r.Debug {
		t.Errorf("ListGroups %+v", r)
	}
	ask("--host", "https://h.example", "ref", "payments", "").want(t, nil, "DB_PASSWORD", "API_KEY")
	if r := svc.Request("GetGroup").(plugin.GetGroupRequest); r.Group != "payments" || r.Host != "https://h.example" {
		t.Errorf("GetGroup %+v", r)
	}
	ask("group", "update", "payments", "--unset", "D").want(t, nil, "DB_PASSWORD")
	ask("group", "update", "payments", "--unset=A").want(t, nil, "--unset=API_KEY")
	ask("group", "delete", "payments", "--confirm-name", "").want(t, nil, "payments")
	ask("secret", "get", "we").want(t, nil, "web:")
	if a := ask("secret", "versions", "pay"); a.directive != ":nospace" {
		t.Errorf("GROUP: wants no space after it, got %q", a.directive)
	}
	ask("secret", "get", "payments:A").want(t, nil, "payments:API_KEY")
	ask("group", "create", "app", "--integration", "").want(t, nil, "demo:azure:vault")
	ask("where-used", "pay").want(t, nil, "payments", "pay-later")
	ask("where-used", "payments:D").want(t, nil, "payments:DB_PASSWORD")
	// Policy in the way, or any other failure: no candidates, no words.
	failing := hosttest.Canned(hosttest.Answers{Err: map[string]error{"ListGroups": errors.New("denied by policy")}})
	a, _ := complete(t, invocation{svc: failing, env: map[string]string{"TFY_DEBUG": "1"}}, "group", "get", "")
	a.want(t, nil)
}

// TestCompletionIsBounded: a plugin that never answers ends the
// completion when its deadline passes, not when the shell gives up.
func TestCompletionIsBounded(t *testing.T) {
	var called, deadline time.Time
	svc := hosttest.Canned(hosttest.Answers{})
	svc.ListGroupsFunc = func(ctx context.Context, _ plugin.ListGroupsRequest, _ func(plugin.Group) error) error {
		called = time.Now()
		deadline, _ = ctx.Deadline()
		<-ctx.Done()
		return ctx.Err()
	}
	a, _ := complete(t, invocation{svc: svc}, "group", "get", "")
	a.want(t, nil)
	if deadline.IsZero() || deadline.Sub(called) > completion.Timeout {
		t.Fatalf("the call had %v left, want at most %v", deadline.Sub(called), completion.Timeout)
	}
}

// TestCompletionNamesVariablesNeverValues: --from-env offers the names of
// the environment's variables, never what they hold.
func TestCompletionNamesVariablesNeverValues(t *testing.T) {
	in := invocation{environ: []string{"SECRET_VALUE=" + canary, "SECRET_OTHER=x=" + canary, "PATH=/bin", "not a name=1"}}
	for _, words := range [][]string{
		{"group", "update", "app", "--from-env", "SECRET_"},
		{"group", "update", "app", "--from-env=SECRET_"},
		{"group", "update", "app", "--from-env", "DB=SECRET_"},
	} {
		a, o := complete(t, in, words...)
		prefix := strings.TrimSuffix(words[len(words)-1], "SECRET_")
		a.want(t, words, prefix+"SECRET_OTHER", prefix+"SECRET_VALUE")
		if strings.Contains(o.stdout, canary) {
			t.Fatalf("a value came out: %q", o.stdout)
		}
	}
}

// TestLegacyCompletionFlag: urfave/cli's convention asks for the word after
// complete ones; neither a `help` subcommand nor an argument error comes
// out (issue 11, item 11).
func TestLegacyCompletionFlag(t *testing.T) {
	svc := hosttest.Canned(completionAnswers)
	for args, want := range map[string]string{
		"group --generate-bash-completion":     "list\nls\nget\ncreate\nupdate\ndelete\n",
		"group get --generate-bash-completion": "payments\npay-later\nweb\n",
		"group update payments --generate-bash-completion": "--unset\n--replace\n--confirm-name\n--from-env\n--from-file\n--from-dotenv\n--prompt\n--encoding\n--strict\n" +
			"--host\n--output\n--yes\n--dry-run\n--policy\n--debug\n--timeout\n",
	} {
		o := invocation{svc: svc}.run(t, strings.Fields(args)...)
		if o.code != 0 || o.stdout != want || o.stderr != "" {
			t.Errorf("%s: exit %d\nstdout %q\nwant   %q\nstderr %q", args, o.code, o.stdout, want, o.stderr)
		}
	}
}

// TestCompletionOfManifestMigrate: FILE is a file, --group a group, and
// --keys the names of FILE's plaintext values where a reference can go,
// after the names already listed; never a value.
func TestCompletionOfManifestMigrate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "truefoundry.yaml")
	src := "type: service\nname: web\nenv:\n  DB_PASSWORD: " + canary + "\n  API_KEY: tfy-secret://demo:web:API_KEY\n  LOG_LEVEL: info\n" +
		"image:\n  type: build\n  build_spec:\n    build_args:\n      PIP_TOKEN: " + canary + "\n"
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	in := invocation{svc: hosttest.Canned(completionAnswers)}
	a, _ := complete(t, in, "manifest", "migrate", "")
	if a.directive != ":files" {
		t.Errorf("FILE: directive %q", a.directive)
	}
	a, _ = complete(t, in, "manifest", "migrate", file, "--group", "pay")
	a.want(t, nil, "payments", "pay-later")
	a, o := complete(t, in, "manifest", "migrate", file, "--keys", "")
	a.want(t, nil, "DB_PASSWORD", "LOG_LEVEL")
	if a.described["DB_PASSWORD"] != "name matches PASSWORD" || strings.Contains(o.stdout, canary) {
		t.Errorf("descriptions %q, stdout %q", a.described, o.stdout)
	}
	a, _ = complete(t, in, "manifest", "migrate", file, "--keys=DB_PASSWORD,")
	a.want(t, nil, "--keys=DB_PASSWORD,LOG_LEVEL")
}
