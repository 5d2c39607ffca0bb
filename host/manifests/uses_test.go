package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

func TestParseTarget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arg   string
		want  []reading
		about string
	}{
		{"payments", []reading{{group: "payments"}}, `secret group "payments"`},
		{"payments:DB_PASSWORD", []reading{{group: "payments", key: "DB_PASSWORD"}, {tenant: "payments", group: "DB_PASSWORD"}},
			`key "DB_PASSWORD" of secret group "payments" or secret group "DB_PASSWORD" of tenant "payments"`},
		{"demo:payments:DB_PASSWORD", []reading{{tenant: "demo", group: "payments", key: "DB_PASSWORD"}}, `key "DB_PASSWORD" of secret group "payments" of tenant "demo"`},
		{"tfy-secret://demo:payments:DB-PASSWORD", []reading{{tenant: "demo", group: "payments", key: "DB-PASSWORD"}}, `key "DB-PASSWORD" of secret group "payments" of tenant "demo"`},
	} {
		got, err := ParseTarget(tc.arg)
		if err != nil || !reflect.DeepEqual(got.readings, tc.want) || got.About != tc.about {
			t.Errorf("%q: %+v %q, %v", tc.arg, got.readings, got.About, err)
		}
	}
	for _, bad := range []string{"", "a::b", ":a", "a:", "a:b:c:d", "K=hunter2", "a b", "a\x1bb", "tfy-secret://a:b", "tfy-secret://a/b/c", "a/b", "\u202eab", "\xff", strings.Repeat("g", 600)} {
		_, err := ParseTarget(bad)
		if failure.KindOf(err) != failure.Usage {
			t.Errorf("%q: got %v, want a usage error", bad, err)
			continue
		}
		if len(bad) > 3 && strings.Contains(err.Error(), bad) {
			t.Errorf("%q: the error repeats the argument: %v", bad, err)
		}
	}
}

func TestUses(t *testing.T) {
	t.Parallel()
	var s Scan
	add := func(name, src string) {
		t.Helper()
		if err := s.Add(name, []byte(src), nil); err != nil {
			t.Fatal(err)
		}
	}
	add("a.yaml", `name: a
type: service
env:
  DB_PASSWORD: tfy-secret://demo:payments:DB_PASSWORD
  API_KEY: tfy-secret://demo:payments:API_KEY
  OTHER: tfy-secret://demo:web:DB_PASSWORD
  OLD: tfy-secret://payments:DB_PASSWORD
  SHOUT: TFY-SECRET://demo:payments:DB_PASSWORD
  ELSEWHERE: tfy-secret://acme:payments:DB_PASSWORD
  PLAIN: payments
mounts:
  - type: secret
    mount_path: /x
    secret_fqn: demo:payments:DB_PASSWORD
`)
	add("b.yaml", "name: b\ntype: job\nenv:\n  K: tfy-secret://demo:payments:DB_PASSWORD\n")
	paths := func(arg string) []string {
		tg, err := ParseTarget(arg)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range s.Uses(tg).Uses {
			out = append(out, u.File+":"+u.Path+"="+u.Ref)
		}
		return out
	}
	all := []string{
		"a.yaml:env.DB_PASSWORD=tfy-secret://demo:payments:DB_PASSWORD",
		"a.yaml:env.API_KEY=tfy-secret://demo:payments:API_KEY",
		"a.yaml:env.OLD=tfy-secret://<tenant>:payments:DB_PASSWORD",
		"a.yaml:env.SHOUT=tfy-secret://demo:payments:DB_PASSWORD",
		"a.yaml:env.ELSEWHERE=tfy-secret://acme:payments:DB_PASSWORD",
		"a.yaml:mounts[0].secret_fqn=tfy-secret://demo:payments:DB_PASSWORD",
		"b.yaml:env.K=tfy-secret://demo:payments:DB_PASSWORD",
	}
	if got := paths("payments"); !reflect.DeepEqual(got, all) {
		t.Errorf("payments:\n%q\nwant\n%q", got, all)
	}
	noAcme := []string{all[0], all[1], all[2], all[3], all[5], all[6]}
	if got := paths("demo:payments"); !reflect.DeepEqual(got, noAcme) {
		t.Errorf("demo:payments:\n%q\nwant\n%q", got, noAcme)
	}
	key := []string{all[0], all[2], all[3], all[5], all[6]}
	if got := paths("tfy-secret://demo:payments:DB_PASSWORD"); !reflect.DeepEqual(got, key) {
		t.Errorf("one key:\n%q\nwant\n%q", got, key)
	}
	if got := paths("nowhere"); got != nil {
		t.Errorf("nowhere: %q", got)
	}
}

// TestWarnBlastRadius: a delete says how many references in the manifests
// under the working directory break, and is silent when none do or when it
// deletes by id.
func TestWarnBlastRadius(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("truefoundry.yaml", "name: api\ntype: service\nenv:\n  DB_PASSWORD: tfy-secret://demo:payments:DB_PASSWORD\n  API_KEY: tfy-secret://demo:payments:API_KEY\n")
	write("deploy/job.yaml", "name: job\ntype: job\nenv:\n  DB_PASSWORD: tfy-secret://demo:payments:DB_PASSWORD\n")
	write("broken.yaml", "env: [\n")
	for _, tc := range []struct {
		arg    string
		secret bool
		want   string
	}{
		{"payments", false, `warning: 3 references in the manifests under ` + dir + ` use secret group "payments", and break when it is deleted (tfy-secrets where-used payments lists them)` + "\n"},
		{"payments:DB_PASSWORD", true, "warning: 2 references in"},
		{"demo:payments:API_KEY", true, "warning: 1 reference in the manifests under " + dir + ` uses key "API_KEY" of secret group "payments" of tenant "demo", and`},
		{"payments:DB_PASSWORD", true, "warning: 2 references in the manifests under " + dir + ` use key "DB_PASSWORD" of secret group "payments", and`},
		{"web", false, ""},
		{"a1b2c3", true, ""}, // an id: no manifest names it
	} {
		var b strings.Builder
		WarnBlastRadius(&b, dir, tc.arg, tc.secret)
		if got := b.String(); tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.arg, got, tc.want)
		}
	}
}

// TestExpandStopsAtItsLimit: the walk behind a delete's warning visits a
// bounded number of entries and says when it stopped early.
func TestExpandStopsAtItsLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 10 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("m%d.yaml", i)), []byte("name: a\ntype: service\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, complete, err := expand([]string{dir}, 5)
	if err != nil || complete || len(files) != 4 {
		t.Fatalf("limit 5: %d files, complete %v, %v; want 4 (the directory is an entry too), false", len(files), complete, err)
	}
	files, complete, err = expand([]string{dir}, -1)
	if err != nil || !complete || len(files) != 10 {
		t.Fatalf("no limit: %d files, complete %v, %v", len(files), complete, err)
	}
}
