package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// migrateFixture is a repository's truefoundry.yaml: a service, a job and a
// Helm chart, with credentials in every kind of place. Every credential is
// a canary.
type migrateFixture struct {
	pw, stripe, hook, token, chart string
}

func newMigrateFixture() migrateFixture {
	return migrateFixture{
		pw:     testkit.Canary("pw-"),
		stripe: "sk_live_" + testkit.Canary(""),
		hook:   testkit.Canary("whsec-"),
		token:  testkit.Canary("tok-"),
		chart:  testkit.Canary("chart-"),
	}
}

func (fx migrateFixture) canaries() []string {
	return []string{fx.pw, fx.stripe, fx.hook, fx.token, fx.chart}
}

func (fx migrateFixture) manifest() string {
	return `# The payments team's applications.
type: service
name: payments-api
image:
  type: build
  build_spec:
    type: dockerfile
    build_args:
      PIP_TOKEN: ` + fx.token + `   # baked into the image: reported, not moved
ports:
  - port: 8000
    expose: true
    app_protocol: http
env:
  LOG_LEVEL: info
  DB_PASSWORD: "` + fx.pw + `"
  STRIPE_API_KEY: '` + fx.stripe + `'
  JAVA_OPTS: -Xmx512m -Dspring.datasource.password=` + fx.pw + `
workspace_fqn: prod-cluster:payments
---
type: job
name: payments-nightly
image:
  type: image
  image_uri: ghcr.io/acme/payments:1.4.2
trigger:
  type: scheduled
  schedule: "0 2 * * *"
env:
  DB_PASSWORD: "` + fx.pw + `"
  WEBHOOK_SECRET: |   # rotated 2024-05
    ` + fx.hook + `
---
type: helm
name: payments-cache
source:
  type: oci-repo
  oci_chart_url: oci://registry-1.docker.io/bitnamicharts/redis
  version: 18.0.0
values:
  auth:
    password: ` + fx.chart + `
additional_manifests:
  - apiVersion: v1
    kind: Secret
    metadata:
      name: cache-auth
    stringData:
      REDIS_PASSWORD: ` + fx.chart + `
`
}

// migrated is the manifest with exactly the movable values replaced, on a
// store whose key for a name is key(name).
func (fx migrateFixture) migrated(group string, key func(string) string) string {
	ref := func(name string) string { return "tfy-secret://demo:" + group + ":" + key(name) }
	out := strings.Replace(fx.manifest(), `DB_PASSWORD: "`+fx.pw+`"`, `DB_PASSWORD: "`+ref("DB_PASSWORD")+`"`, 2)
	out = strings.Replace(out, `'`+fx.stripe+`'`, `'`+ref("STRIPE_API_KEY")+`'`, 1)
	out = strings.Replace(out, "|   # rotated 2024-05\n    "+fx.hook, ref("WEBHOOK_SECRET")+"   # rotated 2024-05", 1)
	return strings.Replace(out, "REDIS_PASSWORD: "+fx.chart, "REDIS_PASSWORD: "+ref("REDIS_PASSWORD"), 1)
}

// apply sends each document of a manifest file to the emulator's
// PUT /api/svc/v1/apply, as `tfy apply -f FILE` does, and returns the
// status of each answer with its body.
func (e *emulator) apply(t *testing.T, src string) (codes []int, bodies []string) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(src))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return codes, bodies
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(map[string]any{"manifest": doc, "dryRun": false})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, e.url+"/api/svc/v1/apply", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		codes, bodies = append(codes, resp.StatusCode), append(bodies, string(b))
	}
}

// TestManifestMigrate goes the whole way a user does: a multi-document
// manifest migrated into a group on Azure Key Vault (DB_PASSWORD stored as
// DB-PASSWORD) and on AWS Secrets Manager (stored as it is), each rewritten
// file differing from the original only in the moved values, applied to
// the platform with every reference resolved; then a re-run that finds
// nothing, a conflict, a write that lost its answer and a SIGTERM at the
// prompt, each leaving the manifest byte for byte as it was. No canary
// shows in any output, --debug and -o json included.
func TestManifestMigrate(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	fx := newMigrateFixture()
	var outputs []string
	record := func(r result) result {
		outputs = append(outputs, r.stdout, r.stderr)
		return r
	}
	write := func(name, src string) string {
		t.Helper()
		p := filepath.Join(u.home, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// The unmigrated manifest does not apply: its plaintext is plaintext,
	// but a reference the platform resolves must exist; the original is
	// applied only after migration, below.
	azure := write("truefoundry.yaml", fx.manifest())
	r := record(u.run("", "manifest", "migrate", "truefoundry.yaml", "--group", "payments", "--provider", "azure", "--dry-run", "--debug"))
	if r.code != 0 || !strings.Contains(r.stdout, "+ DB-PASSWORD ") || !strings.Contains(r.stdout, `+  DB_PASSWORD: "tfy-secret://demo:payments:DB-PASSWORD"`) ||
		!strings.Contains(r.stdout, "-  DB_PASSWORD: (set)") || e.groupExists(t, "payments") {
		t.Fatalf("dry run: %v", r)
	}
	r = record(u.run("", "manifest", "migrate", "truefoundry.yaml", "--group", "payments", "--provider", "azure", "--yes", "--write", "--backup", "-o", "json"))
	if r.code != 0 {
		t.Fatalf("migrate on azure: %v", r)
	}
	var doc struct {
		Plan struct {
			Integration string `json:"integration"`
		} `json:"plan"`
		Edits []struct {
			Env, Key, Ref string
		} `json:"edits"`
		Written bool `json:"written"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || !doc.Written || doc.Plan.Integration != "azure/vault" || len(doc.Edits) != 5 {
		t.Fatalf("document %+v (%v): %s", doc, err, r.stdout)
	}
	hyphens := func(k string) string { return strings.ReplaceAll(k, "_", "-") }
	if got := read(azure); got != fx.migrated("payments", hyphens) {
		t.Fatalf("rewritten:\n%s\nwant:\n%s", got, fx.migrated("payments", hyphens))
	}
	if read(azure+".bak") != fx.manifest() {
		t.Fatal("the backup is not the original")
	}
	if fi, err := os.Stat(azure + ".bak"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode: %v %v", fi.Mode(), err)
	}
	want := map[string]string{"DB-PASSWORD": fx.pw, "STRIPE-API-KEY": fx.stripe, "WEBHOOK-SECRET": fx.hook + "\n", "REDIS-PASSWORD": fx.chart}
	if got := e.stored(t, "payments"); !sameMap(got, want) {
		t.Fatalf("stored keys %v", keysOf(got))
	}
	if codes, bodies := e.apply(t, read(azure)); !allOK(codes) {
		t.Fatalf("apply of the migrated manifest: %v %v", codes, bodies)
	}

	// Idempotent: nothing left to move, nothing started, exit 0.
	r = record(u.run("", "manifest", "migrate", "truefoundry.yaml", "--group", "payments", "--yes", "--write"))
	if r.code != 0 || !strings.Contains(r.stderr, "nothing to migrate") || read(azure) != fx.migrated("payments", hyphens) {
		t.Fatalf("re-run: %v", r)
	}

	// The same manifest on AWS Secrets Manager keeps the names.
	aws := write("aws.yaml", fx.manifest())
	r = record(u.run("", "manifest", "migrate", "aws.yaml", "--group", "payments-aws", "--integration", "demo:aws:aws-dev:secret-store:secrets-manager", "--yes", "--write", "--debug"))
	same := func(k string) string { return k }
	if r.code != 0 || read(aws) != fx.migrated("payments-aws", same) {
		t.Fatalf("migrate on aws: %v\n%s", r, read(aws))
	}
	if got := e.stored(t, "payments-aws"); !sameMap(got, map[string]string{"DB_PASSWORD": fx.pw, "STRIPE_API_KEY": fx.stripe, "WEBHOOK_SECRET": fx.hook + "\n", "REDIS_PASSWORD": fx.chart}) {
		t.Fatalf("stored keys %v", keysOf(got))
	}
	if codes, bodies := e.apply(t, read(aws)); !allOK(codes) {
		t.Fatalf("apply of the migrated manifest: %v %v", codes, bodies)
	}

	// A different value for a key the group holds is a conflict: exit 6,
	// the key named, the file untouched; --overwrite settles it.
	other := strings.Replace(fx.manifest(), fx.stripe, "sk_live_"+testkit.Canary(""), 1)
	conflict := write("conflict.yaml", other)
	r = record(u.run("", "manifest", "migrate", "conflict.yaml", "--group", "payments", "--yes", "--write"))
	if r.code != 6 || !strings.Contains(r.stderr, "already holds a different value for STRIPE-API-KEY") || read(conflict) != other {
		t.Fatalf("conflict: %v", r)
	}

	// A create whose answer is lost: the group was made, the manifest not
	// touched, and the error says both.
	e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "POST", "pathPrefix": "/api/svc/v1/secret-groups", "drop": "after", "count": 1})
	lost := write("lost.yaml", fx.manifest())
	r = record(u.run("", "manifest", "migrate", "lost.yaml", "--group", "payments-lost", "--provider", "azure", "--yes", "--write", "--backup"))
	if r.code != 9 || !strings.Contains(r.stderr, "it was created; lost.yaml was not changed") || read(lost) != fx.manifest() || !e.groupExists(t, "payments-lost") {
		t.Fatalf("lost answer: %v", r)
	}
	if _, err := os.Stat(lost + ".bak"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a backup was written though the manifest was not")
	}
	// Run again: the group holds the values now, so only the file moves.
	r = record(u.run("", "manifest", "migrate", "lost.yaml", "--group", "payments-lost", "--yes", "--write"))
	if r.code != 0 || !strings.Contains(r.stdout, `Nothing to write to secret group "payments-lost"`) || read(lost) != fx.migrated("payments-lost", hyphens) {
		t.Fatalf("after the lost answer: %v", r)
	}

	// SIGTERM at the confirmation prompt: exit 143, nothing written.
	prompt := write("prompt.yaml", fx.manifest())
	tm := u.startTerm("manifest", "migrate", "prompt.yaml", "--group", "payments-prompt", "--provider", "azure", "--write")
	tm.expect("Proceed? [y/N]")
	_ = tm.cmd.Process.Signal(syscall.SIGTERM)
	if code := tm.wait(); code != 143 {
		t.Fatalf("SIGTERM at the prompt: exit %d\n%s", code, tm.transcript())
	}
	outputs = append(outputs, tm.transcript())
	if read(prompt) != fx.manifest() || e.groupExists(t, "payments-prompt") {
		t.Fatal("an interrupted migration wrote something")
	}
	leftovers := []string{}
	entries, _ := os.ReadDir(u.home)
	for _, en := range entries {
		if strings.Contains(en.Name(), ".tmp-") {
			leftovers = append(leftovers, en.Name())
		}
	}
	if len(leftovers) > 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	for _, out := range outputs {
		for _, c := range fx.canaries() {
			if strings.Contains(out, c) {
				t.Fatalf("a manifest value came out:\n%s", out)
			}
		}
	}
}

func sameMap(got, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func allOK(codes []int) bool {
	for _, c := range codes {
		if c != http.StatusOK {
			return false
		}
	}
	return len(codes) > 0
}
