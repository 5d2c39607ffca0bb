package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// manifestRepo is a repository's deploy directory: a service, its worker
// and a job in one multi-document file, a Helm release, and a legacy
// servicefoundry.yaml, every reference resolving against the groups
// TestManifestCheck creates.
var manifestRepo = map[string]string{
	"truefoundry.yaml": `# payments: tfy apply -f truefoundry.yaml
name: payments-api
type: service
image:
  type: image
  image_uri: acme/payments:1.4.2
ports:
  - port: 8000
    protocol: TCP
    expose: true
env:
  LOG_LEVEL: info
  DB_PASSWORD: tfy-secret://demo:payments:DB-PASSWORD
  API_KEY: "tfy-secret://demo:payments:API-KEY"
  SESSION_SECRET: 'tfy-secret://demo:web:SESSION_SECRET'
mounts:
  - type: secret
    mount_path: /etc/payments/db.pass
    secret_fqn: tfy-secret://demo:payments:DB-PASSWORD
---
name: payments-worker
type: async-service
image:
  type: image
  image_uri: acme/payments:1.4.2
env:
  DB_PASSWORD: tfy-secret://demo:payments:DB-PASSWORD
---
name: payments-nightly
type: job
image:
  type: image
  image_uri: acme/payments:1.4.2
env:
  API_KEY: tfy-secret://demo:payments:API-KEY
  SESSION_SECRET: tfy-secret://demo:web:SESSION_SECRET
`,
	"helm/redis.yaml": `name: redis
type: helm
source:
  type: oci-repo
  oci_chart_url: oci://registry-1.docker.io/bitnamicharts/redis
  version: 19.0.1
values:
  auth:
    existingSecret: redis-auth
additional_manifests:
  - apiVersion: v1
    kind: Secret
    metadata:
      name: redis-auth
    stringData:
      redis-password: tfy-secret://demo:web:REDIS_PASSWORD
`,
	"legacy/servicefoundry.yaml": `name: legacy
components:
  - name: web
    type: service
    env:
      - name: SESSION_SECRET
        value: tfy-secret://demo:web:SESSION_SECRET
`,
}

// damage is what a damaged copy of truefoundry.yaml changes: each edit
// breaks one reference, which must give exactly one finding at its own
// line and column.
var damage = []struct {
	old, new        string
	status, finding string
	line, column    int
}{
	{"  DB_PASSWORD: tfy-secret://demo:payments:DB-PASSWORD\n  API_KEY", "  DB_PASSWORD: tfy-secret://demo:payments:DB_PASSWORD\n  API_KEY", "key_not_found", "", 13, 16},
	{`API_KEY: "tfy-secret://demo:payments:API-KEY"`, `API_KEY: "tfy-secret://demo:paymnts:API-KEY"`, "group_not_found", "", 14, 12},
	{"'tfy-secret://demo:web:SESSION_SECRET'", "'tfy-secret://acme:web:SESSION_SECRET'", "wrong_tenant", "", 15, 19},
	{"    secret_fqn: tfy-secret://demo:payments:DB-PASSWORD", "    secret_fqn: demo:payments:DB-PASSWORD", "malformed", "missing_scheme", 19, 17},
	{"  API_KEY: tfy-secret://demo:payments:API-KEY\n", "  API_KEY: TFY-SECRET://demo:payments:API-KEY\n", "malformed", "scheme_case", 35, 12},
	{"  SESSION_SECRET: tfy-secret://demo:web:SESSION_SECRET\n", "  SESSION_SECRET: tfy-secret://web:SESSION_SECRET\n", "malformed", "missing_tenant", 36, 19},
}

func writeRepo(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type checkDoc struct {
	References []struct {
		File, Path, Ref, Status, Finding, Message, Hint string
		Line, Column, Document                          int
	} `json:"references"`
	Plaintext []struct {
		File, Path, Name, Reason string
		Line                     int
	} `json:"plaintext"`
	Summary struct {
		Files, References, Broken, Plaintext, Errors int
	} `json:"summary"`
}

// apiCalls counts the TrueFoundry requests a --debug run made, and the
// group lookups among them.
func apiCalls(stderr string) (all, groups int) {
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "tfyapi: ") && strings.Contains(line, " -> ") {
			all++
			if strings.Contains(line, "/api/svc/v1/secret-groups?fqn=") {
				groups++
			}
		}
	}
	return all, groups
}

// TestManifestCheck: through the real binaries against the emulator, the
// manifests of a repository pass once their groups exist, with one API
// call per distinct group; a damaged copy fails with exit 10 and one
// precise finding per broken reference; plaintext credentials are warnings,
// errors with --strict, and never shown; where-used finds every use.
func TestManifestCheck(t *testing.T) {
	e := startEmulator(t)
	u := newUser(t, e)
	dbPassword, apiKey, session, redis := testkit.Canary("e2e-db-"), testkit.Canary("e2e-api-"), testkit.Canary("e2e-session-"), testkit.Canary("e2e-redis-")
	u.env["DB_PASSWORD"], u.env["API_KEY"], u.env["SESSION_SECRET"], u.env["REDIS_PASSWORD"] = dbPassword, apiKey, session, redis
	u.must("", "group", "create", "payments", "--provider", "azure", "--from-env", "DB-PASSWORD=DB_PASSWORD", "--from-env", "API-KEY=API_KEY", "--yes")
	u.must("", "group", "create", "web", "--provider", "gcp", "--from-env", "SESSION_SECRET", "--from-env", "REDIS_PASSWORD", "--yes")
	values := []string{dbPassword, apiKey, session, redis}

	repo := filepath.Join(u.home, "deploy")
	writeRepo(t, repo, manifestRepo)
	clean := u.run("", "manifest", "check", repo, "--debug")
	if clean.code != 0 || !strings.HasSuffix(clean.stdout, "3 files, 9 references: 0 broken references, 0 plaintext credentials\n") {
		t.Fatalf("%v", clean)
	}
	all, groups := apiCalls(clean.stderr)
	if groups != 2 || all > 3 {
		t.Errorf("%d API calls, %d group lookups; want one lookup per distinct group (2) and at most one tenant lookup", all, groups)
	}

	// The damaged copy.
	src := manifestRepo["truefoundry.yaml"]
	for _, d := range damage {
		if !strings.Contains(src, d.old) {
			t.Fatalf("damage %q does not apply", d.old)
		}
		src = strings.Replace(src, d.old, d.new, 1)
	}
	damaged := filepath.Join(u.home, "damaged.yaml")
	if err := os.WriteFile(damaged, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r := u.run("", "manifest", "check", damaged, "-o", "json")
	if r.code != 10 || r.stderr != "" {
		t.Fatalf("%v", r)
	}
	var doc checkDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if doc.Summary.Broken != len(damage) || doc.Summary.References != 7 || doc.Summary.Files != 1 {
		t.Errorf("summary %+v", doc.Summary)
	}
	var broken []string
	for _, ref := range doc.References {
		if ref.Status != "ok" {
			broken = append(broken, ref.Status+"/"+ref.Finding+"@"+itoa(ref.Line)+":"+itoa(ref.Column))
			if ref.Message == "" || ref.Hint == "" || ref.File != damaged {
				t.Errorf("finding without message or hint: %+v", ref)
			}
		}
	}
	var want []string
	for _, d := range damage {
		want = append(want, d.status+"/"+d.finding+"@"+itoa(d.line)+":"+itoa(d.column))
	}
	if !slices.Equal(broken, want) {
		t.Errorf("findings\n%q\nwant\n%q", broken, want)
	}
	// The text run says the same, one error line each, and suggests the
	// key that differs only by '-'.
	text := u.run("", "manifest", "check", damaged)
	if text.code != 10 || regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(damaged)+`:\d+:\d+: error: `).FindAllStringIndex(text.stdout, -1) == nil ||
		strings.Count(text.stdout, ": error: ") != len(damage) || !strings.Contains(text.stdout, `did you mean "DB-PASSWORD"? write tfy-secret://demo:payments:DB-PASSWORD`) {
		t.Errorf("%v", text)
	}
	gh := u.run("", "manifest", "check", damaged, "--format", "github")
	if gh.code != 10 || strings.Count(gh.stdout, "::error file="+damaged+",line=") != len(damage) {
		t.Errorf("%v", gh)
	}
	sarif := u.run("", "manifest", "check", damaged, "--format", "sarif")
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			ColumnKind string            `json:"columnKind"`
			Results    []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if sarif.code != 10 || json.Unmarshal([]byte(sarif.stdout), &log) != nil || log.Version != "2.1.0" || log.Runs[0].ColumnKind != "unicodeCodePoints" || len(log.Runs[0].Results) != len(damage) {
		t.Errorf("%v", sarif)
	}

	// Plaintext: warnings, errors with --strict, values never shown, from
	// stdin too.
	leaky := "name: leaky\ntype: service\nenv:\n  DB_PASSWORD: " + dbPassword + "\n  DATABASE_URL: postgres://app:" + apiKey + "@db:5432/app\n  OK: tfy-secret://demo:web:SESSION_SECRET\n"
	warn := u.run(leaky, "manifest", "check", "-")
	strict := u.run(leaky, "manifest", "check", "-", "--strict", "-o", "json")
	if warn.code != 0 || !strings.Contains(warn.stdout, "<stdin>:5:17: warning: env.DATABASE_URL: plaintext credential (postgres URL with password)") || strict.code != 10 {
		t.Errorf("%v\n%v", warn, strict)
	}
	for _, res := range []result{clean, r, text, gh, sarif, warn, strict} {
		for _, v := range values {
			if strings.Contains(res.stdout+res.stderr, v) {
				t.Fatalf("a value came out of %v", res)
			}
		}
	}

	// where-used: every use of a key, and of a group, with no plugin.
	uses := u.run("", "where-used", "payments:DB-PASSWORD", repo)
	if uses.code != 0 || strings.Count(uses.stdout, "\n") != 3 || !strings.Contains(uses.stdout, repo+"/truefoundry.yaml:19  mounts[0].secret_fqn") {
		t.Errorf("%v", uses)
	}
	var used struct {
		Uses []struct {
			File, Path, Ref string
			Line            int
		} `json:"uses"`
	}
	j := u.run("", "where-used", "demo:web", repo, "-o", "json")
	if j.code != 0 || json.Unmarshal([]byte(j.stdout), &used) != nil || len(used.Uses) != 4 {
		t.Errorf("%v", j)
	}

	// A delete says what it would break in the manifests under the working
	// directory (the user's home, which holds the repository).
	del := u.run("", "group", "delete", "web", "--dry-run")
	if del.code != 0 || !strings.Contains(del.stderr, `references in the manifests under . use secret group "web", and break when it is deleted (tfy-secrets where-used web lists them)`) {
		t.Errorf("%v", del)
	}
	none := u.run("", "secret", "delete", "payments:NOT-USED", "--dry-run")
	if strings.Contains(none.stderr, "warning:") {
		t.Errorf("%v", none)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
