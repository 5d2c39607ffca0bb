package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	table := cmdutil.Globals{Output: render.Table}
	deps := func(o *Options) bool {
		ok := o.files.rename != nil && o.files.write != nil && o.files.createTemp != nil
		o.files = fileOps{}
		return hosttest.Wired(&o.Session) && ok
	}
	hosttest.CheckParse(t, NewCmd, deps,
		parseCase{Args: []string{"truefoundry.yaml", "--group", "web"}, Want: &Options{Globals: table, File: "truefoundry.yaml", Group: "web"}},
		parseCase{Args: []string{"--group", "demo:web", "deploy/app.yaml", "--write", "--backup", "--overwrite", "--provider", "azure"},
			Want: &Options{Globals: table, File: "deploy/app.yaml", Group: "demo:web", Write: true, Backup: true, Overwrite: true, Provider: "azure"}},
		parseCase{Args: []string{"f.yaml", "--group", "web", "--integration", "demo:azure:vault", "--keys", "DB_PASSWORD, API_KEY", "--keys", "TOKEN,DB_PASSWORD"},
			Want: &Options{Globals: table, File: "f.yaml", Group: "web", Integration: "demo:azure:vault", Keys: []string{"DB_PASSWORD", "API_KEY", "TOKEN"}}},
		parseCase{Args: []string{"f.yaml", "--group", "web", "--dry-run", "-o", "json", "--yes", "--confirm-name", "web", "--timeout", "10s"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, DryRun: true, Yes: true, Timeout: 10 * time.Second}, File: "f.yaml", Group: "web", ConfirmName: "web"}},
		parseCase{Args: []string{"f.yaml"}},                                               // no --group
		parseCase{Args: []string{"--group", "web"}},                                       // no FILE
		parseCase{Args: []string{"a.yaml", "b.yaml", "--group", "web"}},                   // one FILE
		parseCase{Args: []string{"-", "--group", "web"}},                                  // stdin cannot be rewritten
		parseCase{Args: []string{"f.yaml", "--group", "web", "--backup"}},                 // --backup needs --write
		parseCase{Args: []string{"f.yaml", "--group", "a:b:c"}},                           // not a GROUP
		parseCase{Args: []string{"f.yaml", "--group", "web", "--provider", "nope"}},       // unknown provider
		parseCase{Args: []string{"f.yaml", "--group", "web", "--keys", "A,,B"}},           // empty name
		parseCase{Args: []string{"f.yaml", "--group", "web", "--keys", "A=secret-value"}}, // a value typed by mistake
		parseCase{Args: []string{"f.yaml", "--group", "web", "--keys", "a/b"}},
	)
}

// fixture is a two-document manifest whose credentials are canaries.
type fixture struct {
	pw, stripe, hook, token string
	src                     string
}

func newFixture() fixture {
	fx := fixture{
		pw:     testkit.Canary("pw-"),
		stripe: "sk_live_" + testkit.Canary(""),
		hook:   testkit.Canary("whsec-"),
		token:  testkit.Canary("tok-"),
	}
	fx.src = `# Payments: the API and its nightly job.
type: service
name: web
image:
  type: build
  build_spec:
    build_args:
      PIP_TOKEN: ` + fx.token + `   # baked into the image
env:
  LOG_LEVEL: info
  DB_PASSWORD: "` + fx.pw + `"
  STRIPE_API_KEY: '` + fx.stripe + `'
  JAVA_OPTS: -Xmx512m -Dspring.datasource.password=` + fx.pw + `
  API_TOKEN: tfy-secret://demo:web:API_TOKEN
---
type: job
name: nightly
env:
  DB_PASSWORD: "` + fx.pw + `"
  WEBHOOK_SECRET: |   # rotated 2024-05
    ` + fx.hook + `
  REPORT_BUCKET: acme-reports
mounts:
  - type: string
    mount_path: /root/.pgpass
    data: |
      db:5432:app:app:` + fx.pw + `
`
	return fx
}

func (fx fixture) canaries() []string { return []string{fx.pw, fx.stripe, fx.hook, fx.token} }

// migrated is the fixture with only the three credentials that can move
// replaced, on a store that keeps DB_PASSWORD as DB-PASSWORD when azure.
func (fx fixture) migrated(azure bool) string {
	key := func(k string) string {
		if azure {
			return strings.ReplaceAll(k, "_", "-")
		}
		return k
	}
	ref := func(k string) string { return "tfy-secret://demo:web:" + key(k) }
	out := strings.Replace(fx.src, `DB_PASSWORD: "`+fx.pw+`"`, `DB_PASSWORD: "`+ref("DB_PASSWORD")+`"`, 2)
	out = strings.Replace(out, `'`+fx.stripe+`'`, `'`+ref("STRIPE_API_KEY")+`'`, 1)
	return strings.Replace(out, "|   # rotated 2024-05\n    "+fx.hook, ref("WEBHOOK_SECRET")+"   # rotated 2024-05", 1)
}

// fakePlugin plans every change as an add into group "web" of tenant demo,
// naming keys as Azure Key Vault does when azure, and applies as told.
func fakePlugin(azure bool) *plugintest.Fake {
	return &plugintest.Fake{
		PlanMutationFunc: func(_ context.Context, req plugin.MutationRequest) (plugin.Plan, error) {
			p := plugin.Plan{ID: "p1", Operation: req.Operation, Group: req.Group, GroupFQN: "demo:" + req.Group, Store: "gcp/gsm", Confirm: plugin.ConfirmYes, ActiveDeployments: -1}
			if azure {
				p.Store = "azure/vault"
			}
			for _, c := range req.Changes {
				pc := plugin.PlannedChange{Key: c.Key, Action: plugin.ActionAdd, Source: c.Source, Origin: c.Origin}
				if azure && strings.Contains(c.Key, "_") {
					pc.Key, pc.From = strings.ReplaceAll(c.Key, "_", "-"), c.Key
				}
				p.Changes = append(p.Changes, pc)
			}
			return p, nil
		},
		ApplyPlanFunc: func(context.Context, plugin.ApplyRequest) (plugin.Result, error) {
			return plugin.Result{Operation: plugin.OpManifestMigrate, Group: "web", Verified: true, Changes: []plugin.ResultChange{{Key: "DB-PASSWORD", Action: plugin.ActionAdd}}}, nil
		},
	}
}

// harness runs the command's run on a manifest file with a fake plugin.
type harness struct {
	t        *testing.T
	fx       fixture
	file     string
	svc      *plugintest.Fake
	out, err *strings.Builder
	opts     *Options
}

func newHarness(t *testing.T, azure bool) *harness {
	t.Helper()
	h := &harness{t: t, fx: newFixture(), svc: fakePlugin(azure)}
	h.file = filepath.Join(t.TempDir(), "truefoundry.yaml")
	if err := os.WriteFile(h.file, []byte(h.fx.src), 0o640); err != nil {
		t.Fatal(err)
	}
	var ios *iostreams.IOStreams
	ios, h.out, h.err = iostreams.Test("")
	service := func(context.Context) (plugin.Service, error) { return h.svc, nil }
	h.opts = &Options{
		Session: cmdutil.Session{IO: ios, Service: service, Restart: service},
		Globals: cmdutil.Globals{Output: render.Table, Yes: true}, File: h.file, Group: "web", files: osFiles,
	}
	return h
}

func (h *harness) run() error {
	h.t.Helper()
	h.out.Reset()
	h.err.Reset()
	err := run(context.Background(), h.opts)
	h.noCanary(err)
	return err
}

// noCanary fails the test when a credential of the fixture shows anywhere.
func (h *harness) noCanary(err error) {
	h.t.Helper()
	texts := []string{h.out.String(), h.err.String()}
	if err != nil {
		f := failure.As(err)
		texts = append(texts, err.Error(), f.Hint)
	}
	for _, text := range texts {
		for _, c := range h.fx.canaries() {
			if strings.Contains(text, c) {
				h.t.Fatalf("a value came out:\n%s", text)
			}
		}
	}
}

func (h *harness) content() string {
	h.t.Helper()
	b, err := os.ReadFile(h.file)
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

func (h *harness) plan() plugin.MutationRequest {
	h.t.Helper()
	for _, c := range h.svc.Calls() {
		if c.Method == "PlanMutation" {
			return c.Request.(plugin.MutationRequest)
		}
	}
	h.t.Fatal("no plan was asked for")
	return plugin.MutationRequest{}
}

func methods(svc *plugintest.Fake) string {
	var out []string
	for _, c := range svc.Calls() {
		out = append(out, c.Method)
	}
	return strings.Join(out, ",")
}

// The request moves each value once, from the manifest, with origins that
// say where; the same password in both documents is one key.
func TestRequest(t *testing.T) {
	h := newHarness(t, false)
	h.opts.Globals.DryRun = true
	h.opts.Overwrite = true
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	req := h.plan()
	if req.Operation != plugin.OpManifestMigrate || req.Group != "web" || !req.Overwrite || !req.DryRun {
		t.Fatalf("request %+v", req)
	}
	got := map[string]string{}
	for _, c := range req.Changes {
		if c.Source != plugin.SourceManifest {
			t.Errorf("%s: source %s", c.Key, c.Source)
		}
		got[c.Key] = c.Origin
	}
	want := map[string]string{
		"DB_PASSWORD":    "manifest env.DB_PASSWORD of document 0 and 1 more",
		"STRIPE_API_KEY": "manifest env.STRIPE_API_KEY of document 0",
		"WEBHOOK_SECRET": "manifest env.WEBHOOK_SECRET of document 1",
	}
	if len(got) != len(want) {
		t.Fatalf("changes %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: origin %q, want %q", k, got[k], v)
		}
	}
	for _, c := range req.Changes {
		if c.Key == "DB_PASSWORD" && c.Value.Reveal() != h.fx.pw || c.Key == "WEBHOOK_SECRET" && c.Value.Reveal() != h.fx.hook+"\n" {
			t.Errorf("%s: the value sent is not the manifest's", c.Key)
		}
	}
	if h.content() != h.fx.src {
		t.Fatal("a dry run changed the file")
	}
}

// A dry run prints the plan, then the diff, in which every removed value
// and every other value that could be a secret is (set); the references
// it writes are shown. The credentials that stay are warned about, with
// their fix.
func TestDryRunTable(t *testing.T) {
	h := newHarness(t, true)
	h.opts.Globals.DryRun = true
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	want := `Plan to migrate manifest values into secret group "web" (azure/vault):
  + DB-PASSWORD      add   from manifest env.DB_PASSWORD of document 0 and 1 more
  + STRIPE-API-KEY   add   from manifest env.STRIPE_API_KEY of document 0
  + WEBHOOK-SECRET   add   from manifest env.WEBHOOK_SECRET of document 1
--- ` + h.file + `
+++ ` + h.file + `
@@ -8,17 +8,16 @@
       PIP_TOKEN: (set)   # baked into the image
 env:
   LOG_LEVEL: (set)
-  DB_PASSWORD: (set)
-  STRIPE_API_KEY: (set)
+  DB_PASSWORD: "tfy-secret://demo:web:DB-PASSWORD"
+  STRIPE_API_KEY: 'tfy-secret://demo:web:STRIPE-API-KEY'
   JAVA_OPTS: (set)
   API_TOKEN: tfy-secret://demo:web:API_TOKEN
 ---
 type: job
 name: nightly
 env:
-  DB_PASSWORD: (set)
-  WEBHOOK_SECRET: (set)
-    (set)
+  DB_PASSWORD: "tfy-secret://demo:web:DB-PASSWORD"
+  WEBHOOK_SECRET: tfy-secret://demo:web:WEBHOOK-SECRET   # rotated 2024-05
   REPORT_BUCKET: (set)
 mounts:
   - type: string
`
	if h.out.String() != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s", h.out, want)
	}
	for _, w := range []string{
		h.file + ":8: image.build_spec.build_args.PIP_TOKEN (name matches TOKEN) stays in the manifest: references are not resolved in build arguments",
		h.file + ":13: env.JAVA_OPTS (password-like setting inside a longer value) stays in the manifest: the credential is part of a longer value",
		h.file + ":26: mounts[0].data (repeats the credential at env.DB_PASSWORD of document 0) stays in the manifest: references are not resolved in the data of a type: string mount",
		"  fix: pass it as a build secret",
	} {
		if !strings.Contains(h.err.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, h.err)
		}
	}
	if methods(h.svc) != "PlanMutation" || h.content() != h.fx.src {
		t.Fatalf("calls %s; file changed: %v", methods(h.svc), h.content() != h.fx.src)
	}
}

// -o json is design section 3's document: the plan as --dry-run prints
// it, one edit per value replaced, each with the store's key and the
// reference, and written false.
func TestJSONDocument(t *testing.T) {
	h := newHarness(t, true)
	h.opts.Globals.DryRun = true
	h.opts.Globals.Output = render.JSON
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Plan struct {
			Operation string `json:"operation"`
			Group     string `json:"group"`
			Changes   []struct {
				Key, Action, Source string
			} `json:"changes"`
		} `json:"plan"`
		Edits []struct {
			File     string `json:"file"`
			Line     int    `json:"line"`
			Document int    `json:"document"`
			Path     string `json:"path"`
			Env      string `json:"env"`
			Key      string `json:"key"`
			Ref      string `json:"ref"`
		} `json:"edits"`
		Skipped []struct {
			Path, Reason, Problem, Fix string
		} `json:"skipped"`
		Written *bool `json:"written"`
	}
	if err := json.Unmarshal([]byte(h.out.String()), &doc); err != nil {
		t.Fatalf("%v: %s", err, h.out)
	}
	if doc.Plan.Operation != "manifest.migrate" || doc.Plan.Group != "web" || len(doc.Plan.Changes) != 3 || doc.Written == nil || *doc.Written {
		t.Fatalf("doc %+v", doc)
	}
	var edits []string
	for _, e := range doc.Edits {
		if e.File != h.file {
			t.Errorf("edit file %q", e.File)
		}
		edits = append(edits, strings.Join([]string{itoa(e.Line), itoa(e.Document), e.Path, e.Env, e.Key, e.Ref}, " "))
	}
	want := []string{
		"11 0 env.DB_PASSWORD DB_PASSWORD DB-PASSWORD tfy-secret://demo:web:DB-PASSWORD",
		"12 0 env.STRIPE_API_KEY STRIPE_API_KEY STRIPE-API-KEY tfy-secret://demo:web:STRIPE-API-KEY",
		"19 1 env.DB_PASSWORD DB_PASSWORD DB-PASSWORD tfy-secret://demo:web:DB-PASSWORD",
		"20 1 env.WEBHOOK_SECRET WEBHOOK_SECRET WEBHOOK-SECRET tfy-secret://demo:web:WEBHOOK-SECRET",
	}
	if strings.Join(edits, "\n") != strings.Join(want, "\n") {
		t.Fatalf("edits:\n%s\nwant:\n%s", strings.Join(edits, "\n"), strings.Join(want, "\n"))
	}
	if len(doc.Skipped) != 3 || doc.Skipped[0].Path != "image.build_spec.build_args.PIP_TOKEN" || doc.Skipped[0].Fix == "" {
		t.Fatalf("skipped %+v", doc.Skipped)
	}
	if h.err.String() != "" {
		t.Fatalf("stderr %q", h.err)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// With --write the file is rewritten after the group was written: only
// the moved values change, its mode is kept, and --backup keeps the
// original beside it with mode 0600. Without --write the group is written
// and the file is left alone.
func TestWrite(t *testing.T) {
	for _, azure := range []bool{true, false} {
		h := newHarness(t, azure)
		if err := h.run(); err != nil {
			t.Fatal(err)
		}
		if methods(h.svc) != "PlanMutation,ApplyPlan" || h.content() != h.fx.src || !strings.Contains(h.err.String(), "was not changed; run again with --write") {
			t.Fatalf("without --write: calls %s, stderr %s", methods(h.svc), h.err)
		}
		if !strings.Contains(h.err.String(), "--- "+h.file) || !strings.Contains(h.out.String(), `Migrated manifest values into secret group "web" (verified)`) {
			t.Fatalf("stdout %s\nstderr %s", h.out, h.err)
		}
		h.opts.Write, h.opts.Backup = true, true
		if err := h.run(); err != nil {
			t.Fatal(err)
		}
		if got := h.content(); got != h.fx.migrated(azure) {
			t.Fatalf("azure %v: rewritten:\n%s\nwant:\n%s", azure, got, h.fx.migrated(azure))
		}
		mode(t, h.file, 0o640)
		mode(t, h.file+".bak", 0o600)
		if b, _ := os.ReadFile(h.file + ".bak"); string(b) != h.fx.src {
			t.Fatal("the backup is not the original")
		}
		if !strings.Contains(h.out.String(), "Rewrote "+h.file+": 4 values now reference secret group \"web\"; the original is in "+h.file+".bak") {
			t.Fatalf("stdout %s", h.out)
		}
		leftovers(t, filepath.Dir(h.file), "truefoundry.yaml", "truefoundry.yaml.bak")
	}
}

// Re-running on a migrated file finds nothing to move: exit 0, a message,
// and not even the plugin is started.
func TestIdempotent(t *testing.T) {
	h := newHarness(t, true)
	h.opts.Write = true
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	migrated := h.content()
	h.svc = fakePlugin(true)
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	if methods(h.svc) != "" || h.content() != migrated || !strings.Contains(h.err.String(), "nothing to migrate: "+h.file+" has no plaintext credential where a reference can go") {
		t.Fatalf("calls %q stderr %s", methods(h.svc), h.err)
	}
	h.opts.Globals.Output = render.JSON
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h.out.String(), "{\n  \"plan\": null,\n  \"edits\": [],") || !strings.Contains(h.out.String(), `"written": false`) {
		t.Fatalf("json %s", h.out)
	}
}

// A plan the plugin refuses (a key the group holds with another value)
// ends the command with its kind, and nothing is written anywhere.
func TestConflict(t *testing.T) {
	h := newHarness(t, true)
	h.opts.Write = true
	h.svc.PlanMutationFunc = func(context.Context, plugin.MutationRequest) (plugin.Plan, error) {
		return plugin.Plan{}, failure.New(failure.Conflict, "secret group \"web\" already holds a different value for DB-PASSWORD; nothing was written").WithHint("pass --overwrite")
	}
	err := h.run()
	if failure.KindOf(err) != failure.Conflict || failure.KindOf(err).ExitCode() != 6 || !strings.Contains(err.Error(), "DB-PASSWORD") {
		t.Fatalf("err = %v", err)
	}
	if methods(h.svc) != "PlanMutation" || h.content() != h.fx.src {
		t.Fatalf("calls %s", methods(h.svc))
	}
}

// A policy refusal of a key found in the manifest says how to leave it out.
func TestDeniedKeyCanBeLeftOut(t *testing.T) {
	h := newHarness(t, false)
	h.svc.PlanMutationFunc = func(context.Context, plugin.MutationRequest) (plugin.Plan, error) {
		return plugin.Plan{}, failure.New(failure.Denied, "denied by policy: key \"tls.key\" is not a valid Google Secret Manager secret name").WithHint("see the active policies with: tfy-secrets policy show")
	}
	err := h.run()
	if failure.KindOf(err) != failure.Denied || failure.As(err).Hint != "see the active policies with: tfy-secrets policy show; to leave a value out, name the ones to migrate with --keys K,..." {
		t.Fatalf("err = %v (hint %q)", err, failure.As(err).Hint)
	}
	h.opts.Keys = []string{"DB_PASSWORD"}
	if err := h.run(); failure.As(err).Hint != "see the active policies with: tfy-secrets policy show" {
		t.Fatalf("with --keys: hint %q", failure.As(err).Hint)
	}
}

// --keys moves exactly the names given, credentials or not; a name that
// is not in the manifest, is already a reference, sits where a reference
// cannot go or has no value is a usage error naming it.
func TestKeys(t *testing.T) {
	h := newHarness(t, false)
	h.opts.Globals.DryRun = true
	h.opts.Keys = []string{"REPORT_BUCKET", "DB_PASSWORD"}
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range h.plan().Changes {
		keys = append(keys, c.Key)
	}
	if strings.Join(keys, ",") != "DB_PASSWORD,REPORT_BUCKET" {
		t.Fatalf("keys %v", keys)
	}
	// The named values' other places are reported; other credentials are
	// not, since they were not asked for.
	if strings.Contains(h.err.String(), "PIP_TOKEN") || strings.Contains(h.err.String(), "JAVA_OPTS") {
		t.Fatalf("stderr %s", h.err)
	}
	for keys, want := range map[string]string{
		"NOPE":              "--keys NOPE: " + h.file + " has no value of that name",
		"API_TOKEN":         "--keys API_TOKEN: it is already a reference at " + h.file + ":14 (env.API_TOKEN of document 0)",
		"PIP_TOKEN":         "--keys PIP_TOKEN: cannot migrate it at " + h.file + ":8 (image.build_spec.build_args.PIP_TOKEN of document 0): references are not resolved in build arguments",
		"DB_PASSWORD,NOPE2": "--keys NOPE2:",
	} {
		h.opts.Keys = strings.Split(keys, ",")
		err := h.run()
		if failure.KindOf(err) != failure.Usage || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("--keys %s: %v", keys, err)
		}
	}
}

// One name holding two different values cannot become one key: a usage
// error naming both places, never the values.
func TestOneNameTwoValues(t *testing.T) {
	h := newHarness(t, false)
	other := testkit.Canary("pw-")
	src := strings.Replace(h.fx.src, `  DB_PASSWORD: "`+h.fx.pw+`"
  WEBHOOK`, `  DB_PASSWORD: "`+other+`"
  WEBHOOK`, 1)
	if err := os.WriteFile(h.file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	err := h.run()
	if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), "DB_PASSWORD holds different values at "+h.file+":11 (env.DB_PASSWORD of document 0) and at "+h.file+":19 (env.DB_PASSWORD of document 1)") ||
		strings.Contains(err.Error(), other) {
		t.Fatalf("err = %v", err)
	}
}

// A write that ends abnormally leaves the file as it was and says so,
// with the write's own kind.
func TestApplyFailureLeavesTheFile(t *testing.T) {
	h := newHarness(t, false)
	h.opts.Write = true
	h.svc.ApplyPlanFunc = func(context.Context, plugin.ApplyRequest) (plugin.Result, error) {
		return plugin.Result{}, failure.New(failure.Unavailable, "update of secret group \"web\" was sent but got no answer; it may have been applied")
	}
	err := h.run()
	if failure.KindOf(err) != failure.Unavailable || !strings.HasSuffix(err.Error(), "it may have been applied; "+h.file+" was not changed") {
		t.Fatalf("err = %v", err)
	}
	if h.content() != h.fx.src {
		t.Fatal("the file changed")
	}
	// Declined: nothing written, nothing applied.
	h.opts.Globals.Yes = false
	h.svc = fakePlugin(false)
	if err := h.run(); failure.KindOf(err) != failure.NotConfirmed || methods(h.svc) != "PlanMutation" || h.content() != h.fx.src {
		t.Fatalf("without --yes and a terminal: %v, calls %s", err, methods(h.svc))
	}
}

// The rewrite never leaves a half-written manifest: a write or rename that
// fails at any step leaves the original bytes, no temporary file, and an
// error that says the group was written and the file was not.
func TestAtomicRewrite(t *testing.T) {
	half := func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)/2])
		return n, errors.New("disk full")
	}
	failRename := func(string, string) error { return errors.New("rename refused") }
	for name, tc := range map[string]struct {
		ops    fileOps
		backup bool
		bak    bool // a backup is left
	}{
		"half write":        {ops: fileOps{createTemp: os.CreateTemp, write: half, rename: os.Rename}},
		"rename fails":      {ops: fileOps{createTemp: os.CreateTemp, write: (*os.File).Write, rename: failRename}},
		"backup fails":      {ops: fileOps{createTemp: os.CreateTemp, write: half, rename: os.Rename}, backup: true},
		"no temporary file": {ops: fileOps{createTemp: func(string, string) (*os.File, error) { return nil, errors.New("read-only directory") }, write: (*os.File).Write, rename: os.Rename}},
		"fails after backup": {ops: fileOps{createTemp: os.CreateTemp, write: (*os.File).Write, rename: func(from, to string) error {
			if strings.HasSuffix(to, ".bak") {
				return os.Rename(from, to)
			}
			return errors.New("rename refused")
		}}, backup: true, bak: true},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, false)
			h.opts.Write, h.opts.Backup, h.opts.files = true, tc.backup, tc.ops
			err := h.run()
			if failure.KindOf(err) != failure.Unexpected || !strings.Contains(err.Error(), `secret group "web" was written and verified, but `+h.file+" was not rewritten") ||
				!strings.Contains(failure.As(err).Hint, "run this command again") {
				t.Fatalf("err = %v", err)
			}
			if h.content() != h.fx.src {
				t.Fatal("the manifest changed")
			}
			mode(t, h.file, 0o640)
			want := []string{"truefoundry.yaml"}
			if tc.bak {
				want = append(want, "truefoundry.yaml.bak")
			}
			leftovers(t, filepath.Dir(h.file), want...)
		})
	}
	// A manifest changed by someone else since it was read is not
	// overwritten.
	h := newHarness(t, false)
	h.opts.Write = true
	h.svc.ApplyPlanFunc = func(context.Context, plugin.ApplyRequest) (plugin.Result, error) {
		if err := os.WriteFile(h.file, []byte(h.fx.src+"# edited\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		return plugin.Result{Group: "web", Verified: true}, nil
	}
	if err := h.run(); err == nil || !strings.Contains(err.Error(), "changed while it was being migrated") || h.content() != h.fx.src+"# edited\n" {
		t.Fatalf("err = %v", err)
	}
}

// Through a symbolic link the file it points at is rewritten, and the
// link stays a link.
func TestWriteThroughSymlink(t *testing.T) {
	h := newHarness(t, false)
	link := filepath.Join(t.TempDir(), "link.yaml")
	if err := os.Symlink(h.file, link); err != nil {
		t.Fatal(err)
	}
	h.opts.File, h.opts.Write = link, true
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced")
	}
	if h.content() != h.fx.migrated(false) {
		t.Fatal("the target was not rewritten")
	}
}

// Every problem with FILE is a usage error that names it and quotes
// nothing of it.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	secretText := testkit.Canary("pw-")
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.yaml"): "cannot read " + filepath.Join(dir, "missing.yaml") + ": no such file or directory",
		dir:                                dir + " is not a regular file",
		write("bad.yaml", "type: service\nname: web\nenv:\n  DB_PASSWORD: \""+secretText+"\n  X: [\n"): "bad.yaml: ",
		write("k8s.yaml", "apiVersion: v1\nkind: Secret\nstringData:\n  password: "+secretText+"\n"):   "k8s.yaml holds no TrueFoundry manifest",
	} {
		h := newHarness(t, false)
		h.opts.File = file
		err := h.run()
		if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), secretText) {
			t.Errorf("%s: %v", file, err)
		}
	}
}

func mode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != want {
		t.Fatalf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
	}
}

// leftovers fails unless dir holds exactly names: no temporary file stays.
func leftovers(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("%s holds %v, want %v", dir, got, names)
	}
}
