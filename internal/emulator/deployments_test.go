package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
)

// tApplied is an applied deployment as the API and /_emulator/applied show it.
type tApplied struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Name      string         `json:"name"`
	Manifest  map[string]any `json:"manifest"`
	CreatedBy string         `json:"createdBy"`
	CreatedAt string         `json:"createdAt"`
	UpdatedAt string         `json:"updatedAt"`
}

type tApplyResult struct {
	Action           string         `json:"action"`
	ExistingManifest map[string]any `json:"existingManifest"`
	Data             tApplied       `json:"data"`
}

type tRefusal struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Details    []struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	} `json:"details"`
}

func (f *fixture) applied() []tApplied {
	f.t.Helper()
	var out struct{ Data []tApplied }
	f.must("", "GET", "/_emulator/applied", nil, &out)
	return out.Data
}

// at walks a decoded manifest by keys and indexes.
func at(t *testing.T, v any, steps ...any) any {
	t.Helper()
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("step %q: not an object: %v", s, v)
			}
			v = m[s]
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				t.Fatalf("step %d: not an array that long: %v", s, v)
			}
			v = l[s]
		}
	}
	return v
}

// appGroup creates the group the references below point at: gcp/gsm keeps
// the env names' underscores.
func appGroup(f *fixture) tGroup {
	return f.create("app", TypeGCPGSM, "DB_PASSWORD", "pw", "API_KEY", "key", "tls", "pem")
}

// TestApplyDeployment walks a service through dry run, create, update, a
// dry-run update and delete, checking what is kept and that plaintext
// values never come back.
func TestApplyDeployment(t *testing.T) {
	t.Parallel()
	backends(t, testApplyDeployment)
}

func testApplyDeployment(t *testing.T, opts Options) {
	f := start(t, opts)
	appGroup(f)
	canary := "canary-" + newID()
	service := func(logLevel string) kv {
		return kv{
			"type": "service", "name": "web", "workspace_fqn": "cluster:ws",
			"image": kv{"type": "build", "build_spec": kv{
				"type":          "dockerfile",
				"build_args":    kv{"NPM_TOKEN": canary + "-arg"},
				"build_secrets": []kv{{"id": "npm", "value": "tfy-secret://demo:app:API_KEY"}},
			}},
			"ports": []kv{{"port": 8080, "protocol": "TCP", "expose": true}},
			"env": kv{
				"DB_PASSWORD": "tfy-secret://demo:app:DB_PASSWORD",
				"SESSION_KEY": canary,
				"LOG_LEVEL":   logLevel,
				"EMPTY":       nil,
			},
			"mounts": []kv{
				{"type": "secret", "mount_path": "/etc/tls/key.pem", "secret_fqn": "tfy-secret://demo:app:tls"},
				{"type": "string", "mount_path": "/etc/app.ini", "data": "password=" + canary},
			},
			"replicas": 1.5e0,
		}
	}
	var bodies []string
	apply := func(m kv, dryRun bool) tApplyResult {
		t.Helper()
		status, b := f.call(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": m, "dryRun": dryRun})
		bodies = append(bodies, string(b))
		if status != 200 {
			t.Fatalf("apply: %d %s", status, b)
		}
		var res tApplyResult
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatal(err)
		}
		return res
	}

	res := apply(service("info"), true)
	if res.Action != "CREATE" || res.Data.ID != "" || res.Data.Type != "service" || res.Data.Name != "web" || res.ExistingManifest != nil {
		t.Fatalf("dry-run create: %+v", res)
	}
	if got := f.applied(); len(got) != 0 {
		t.Fatalf("a dry run stored %+v", got)
	}

	res = apply(service("info"), false)
	if res.Action != "CREATE" || !idPattern.MatchString(res.Data.ID) || res.Data.CreatedBy != "emulator-admin" || res.ExistingManifest != nil {
		t.Fatalf("create: %+v", res)
	}
	id := res.Data.ID
	m := res.Data.Manifest
	// References stay as written; every other value where a secret can live
	// is masked; the rest of the manifest is kept as sent.
	for _, c := range []struct {
		steps []any
		want  any
	}{
		{[]any{"env", "DB_PASSWORD"}, "tfy-secret://demo:app:DB_PASSWORD"},
		{[]any{"env", "SESSION_KEY"}, "(set)"},
		{[]any{"env", "LOG_LEVEL"}, "(set)"},
		{[]any{"env", "EMPTY"}, nil},
		{[]any{"mounts", 0, "secret_fqn"}, "tfy-secret://demo:app:tls"},
		{[]any{"mounts", 1, "data"}, "(set)"},
		{[]any{"mounts", 1, "mount_path"}, "/etc/app.ini"},
		{[]any{"image", "build_spec", "build_args", "NPM_TOKEN"}, "(set)"},
		{[]any{"image", "build_spec", "build_secrets", 0, "value"}, "tfy-secret://demo:app:API_KEY"},
		{[]any{"ports", 0, "port"}, 8080.0},
		{[]any{"workspace_fqn"}, "cluster:ws"},
		{[]any{"replicas"}, 1.5},
	} {
		if got := at(t, m, c.steps...); got != c.want {
			t.Errorf("manifest%v = %#v, want %#v", c.steps, got, c.want)
		}
	}
	stored := f.applied()
	if len(stored) != 1 || stored[0].ID != id || at(t, stored[0].Manifest, "env", "SESSION_KEY") != "(set)" {
		t.Fatalf("stored: %+v", stored)
	}

	// An update keeps the id and shows the previous manifest, masked.
	f.clock.Advance(1e9)
	res = apply(service("debug"), false)
	if res.Action != "UPDATE" || res.Data.ID != id || res.Data.CreatedAt != stored[0].CreatedAt || res.Data.UpdatedAt == stored[0].UpdatedAt {
		t.Fatalf("update: %+v", res)
	}
	if at(t, res.ExistingManifest, "env", "DB_PASSWORD") != "tfy-secret://demo:app:DB_PASSWORD" || at(t, res.ExistingManifest, "env", "LOG_LEVEL") != "(set)" {
		t.Errorf("existingManifest: %v", res.ExistingManifest)
	}
	// A dry-run update previews without touching what is kept.
	before := f.applied()
	changed := service("warn")
	changed["workspace_fqn"] = "cluster:other"
	res = apply(changed, true)
	if res.Action != "UPDATE" || res.Data.ID != id || at(t, res.Data.Manifest, "workspace_fqn") != "cluster:other" || res.ExistingManifest == nil {
		t.Fatalf("dry-run update: %+v", res)
	}
	if after := f.applied(); len(after) != 1 || after[0].UpdatedAt != before[0].UpdatedAt || at(t, after[0].Manifest, "workspace_fqn") != "cluster:ws" {
		t.Fatalf("a dry-run update changed what is kept: %+v", after)
	}
	// The same name under another type is another deployment.
	apply(kv{"type": "job", "name": "web", "env": kv{"A": "tfy-secret://demo:app:API_KEY"}}, false)
	if got := f.applied(); len(got) != 2 || got[0].Type != "job" || got[1].Type != "service" {
		t.Fatalf("applied after a job of the same name: %+v", got)
	}

	var empty json.RawMessage
	f.must(f.admin, "POST", "/api/svc/v1/delete", kv{"manifest": kv{"type": "service", "name": "web"}}, &empty)
	if string(empty) != "{}" {
		t.Errorf("delete answered %s", empty)
	}
	status, body := f.call(f.admin, "POST", "/api/svc/v1/delete", kv{"manifest": kv{"type": "service", "name": "web"}})
	f.wantError(404, "No service named 'web' has been applied", status, body)
	if got := f.applied(); len(got) != 1 || got[0].Type != "job" {
		t.Fatalf("applied after delete: %+v", got)
	}

	_, b := f.call("", "GET", "/_emulator/applied", nil)
	bodies = append(bodies, string(b))
	for _, b := range bodies {
		if strings.Contains(b, canary) {
			t.Errorf("a plaintext value came back: %s", b)
		}
	}
}

// TestApplyReferences: each way a reference the platform resolves can fail
// is a 422 naming its path; forms the platform reads as plain text, and
// places it does not resolve, pass. Nothing is kept after a refusal, and no
// refusal repeats the value.
func TestApplyReferences(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	appGroup(f)
	env := func(v any) kv { return kv{"type": "service", "name": "svc", "env": kv{"X": v}} }
	const (
		noGroup  = "names a secret group that does not exist in tenant 'demo'"
		noKey    = "names a key that secret group 'app' does not hold"
		badForm  = "is not a reference the platform can resolve: expected tfy-secret://<tenant>:<group>:<key>, three non-empty parts separated by ':'"
		otherTen = "names another tenant; references here must name tenant 'demo'"
		pattern  = "must be a secret reference matching ^tfy-secret://.+:.+:.+$"
	)
	refused := []struct {
		name     string
		manifest kv
		path     string
		reason   string
	}{
		{"missing group", env("tfy-secret://demo:nogroup-x1:DB_PASSWORD"), "env.X", noGroup},
		{"missing key", env("tfy-secret://demo:app:NOKEY_X1"), "env.X", noKey},
		{"key in another case", env("tfy-secret://demo:app:db_password"), "env.X", noKey + "; keys are case-sensitive, and 'DB_PASSWORD' differs only in case"},
		{"key with a trailing space", env("tfy-secret://demo:app:DB_PASSWORD "), "env.X", noKey},
		{"wrong tenant", env("tfy-secret://othertenant-x1:app:DB_PASSWORD"), "env.X", otherTen},
		{"tenant missing", env("tfy-secret://app:DB_PASSWORD"), "env.X", badForm},
		{"slash form", env("tfy-secret://app/DB_PASSWORD"), "env.X", badForm},
		{"four parts", env("tfy-secret://demo:app:DB_PASSWORD:1"), "env.X", badForm},
		{"empty key", env("tfy-secret://demo:app:"), "env.X", badForm},
		{"embedded after the scheme", env("tfy-secret://demo:app:DB_PASSWORD and more"), "env.X", noKey},
		{"async service", kv{"type": "async-service", "name": "a", "env": kv{"X": "tfy-secret://demo:app:NOKEY_X1"}}, "env.X", noKey},
		{"legacy env list", kv{"type": "job", "name": "j", "env": []kv{{"name": "X", "value": "tfy-secret://demo:app:NOKEY_X1"}}}, "env[0].value", noKey},
		{"secret mount", kv{"type": "service", "name": "s", "mounts": []kv{{"type": "secret", "mount_path": "/a", "secret_fqn": "tfy-secret://demo:nogroup-x1:tls"}}}, "mounts[0].secret_fqn", noGroup},
		{"secret mount without scheme", kv{"type": "service", "name": "s", "mounts": []kv{{"type": "secret", "mount_path": "/a", "secret_fqn": "demo:app:tls"}}}, "mounts[0].secret_fqn", pattern},
		{"secret mount, a number", kv{"type": "notebook", "name": "n", "mounts": []kv{{"type": "secret", "mount_path": "/a", "secret_fqn": 42}}}, "mounts[0].secret_fqn", pattern},
		{"secret mount, four parts", kv{"type": "ssh-server", "name": "s", "mounts": []kv{{"type": "secret", "mount_path": "/a", "secret_fqn": "tfy-secret://demo:app:tls:2"}}}, "mounts[0].secret_fqn", badForm},
		{"build secret", kv{"type": "job", "name": "j", "image": kv{"type": "build", "build_spec": kv{"build_secrets": []kv{{"id": "npm", "value": "tfy-secret://demo:app:NOKEY_X1"}}}}}, "image.build_spec.build_secrets[0].value", noKey},
		{"helm additional Secret", kv{"type": "helm", "name": "h", "additional_manifests": []kv{{"apiVersion": "v1", "kind": "Secret", "stringData": kv{"password": "tfy-secret://demo:nogroup-x1:DB_PASSWORD"}}}}, "additional_manifests[0].stringData.password", noGroup},
		{"kustomize Secret", kv{"type": "helm", "name": "h", "kustomize": kv{"additions": []kv{{"kind": "Secret", "stringData": kv{"k": "tfy-secret://demo:app:NOKEY_X1"}}}}}, "kustomize.additions[0].stringData.k", noKey},
		{"volume browser", kv{"type": "volume", "name": "v", "volume_browser": kv{"password_secret_fqn": "tfy-secret://demo:app:NOKEY_X1"}}, "volume_browser.password_secret_fqn", noKey},
		{"application-set component", kv{"type": "application-set", "name": "set", "components": []kv{{"type": "service", "name": "c", "env": kv{"X": "tfy-secret://demo:app:NOKEY_X1"}}}}, "components[0].env.X", noKey},
		{"rstudio", kv{"type": "rstudio", "name": "r", "env": kv{"X": "tfy-secret://othertenant-x1:app:tls"}}, "env.X", otherTen},
		{"spark job", kv{"type": "spark-job", "name": "s", "env": kv{"X": "tfy-secret://demo:app:NOKEY_X1"}}, "env.X", noKey},
		{"odd env name", env2("spark.key", "tfy-secret://demo:app:NOKEY_X1"), `env["spark.key"]`, noKey},
		{"with apiVersion and kind", kv{"type": "service", "name": "s", "apiVersion": "v1", "kind": "Service", "env": kv{"X": "tfy-secret://demo:app:NOKEY_X1"}}, "env.X", noKey},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			for _, dryRun := range []bool{true, false} {
				status, body := f.call(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": tc.manifest, "dryRun": dryRun})
				f.wantError(422, "Invalid secret reference at "+tc.path+": "+tc.reason, status, body)
				var r tRefusal
				if err := json.Unmarshal(body, &r); err != nil || len(r.Details) != 1 || r.Details[0].Path != tc.path || r.Details[0].Message != tc.reason {
					t.Errorf("details: %s", body)
				}
				for _, echo := range []string{"nogroup-x1", "NOKEY_X1", "othertenant-x1", "db_password", "and more", "demo:app:tls"} {
					if strings.Contains(string(body), echo) {
						t.Errorf("the refusal repeats the value (%q): %s", echo, body)
					}
				}
			}
		})
	}
	passed := []struct {
		name     string
		manifest kv
	}{
		{"upper-case scheme is plain text", env("TFY-SECRET://demo:nogroup-x1:K")},
		{"leading whitespace is plain text", env(" tfy-secret://demo:nogroup-x1:K")},
		{"embedded is plain text", env("prefix tfy-secret://demo:nogroup-x1:K")},
		{"one slash is plain text", env("tfy-secret:/demo:nogroup-x1:K")},
		{"null env", env(nil)},
		{"number env", env(8080)},
		{"helm values are not resolved", kv{"type": "helm", "name": "h", "values": kv{"password": "tfy-secret://demo:nogroup-x1:K"}}},
		{"build args are not resolved", kv{"type": "job", "name": "j", "image": kv{"build_spec": kv{"build_args": kv{"A": "tfy-secret://demo:nogroup-x1:K"}}}}},
		{"string mounts are not resolved", kv{"type": "service", "name": "s", "mounts": []kv{{"type": "string", "mount_path": "/a", "data": "tfy-secret://demo:nogroup-x1:K"}}}},
		{"Secret data is not resolved", kv{"type": "helm", "name": "h", "additional_manifests": []kv{{"kind": "Secret", "data": kv{"k": "tfy-secret://demo:nogroup-x1:K"}}}}},
		{"queue auth is not checked", kv{"type": "async-service", "name": "a", "worker_config": kv{"input_config": kv{"type": "sqs", "auth": kv{"aws_secret_access_key": "tfy-secret://demo:nogroup-x1:K"}}}}},
		{"spark_conf is not checked", kv{"type": "spark-job", "name": "s", "spark_conf": kv{"spark.x": "tfy-secret://demo:nogroup-x1:K"}}},
		{"a ConfigMap is not a Secret", kv{"type": "helm", "name": "h", "additional_manifests": []kv{{"kind": "ConfigMap", "data": kv{"k": "tfy-secret://demo:nogroup-x1:K"}}}}},
		{"workflow", kv{"type": "workflow", "name": "w", "source": kv{"type": "local"}, "workflow_file_path": "wf.py"}},
		{"volume", kv{"type": "volume", "name": "v", "config": kv{"type": "dynamic", "size": 10}, "volume_browser": kv{"password_secret_fqn": nil}}},
		{"every kind of resolved reference", kv{"type": "service", "name": "all",
			"env":                  kv{"A": "tfy-secret://demo:app:DB_PASSWORD", "B": "tfy-secret://demo:app:tls"},
			"mounts":               []kv{{"type": "secret", "mount_path": "/a", "secret_fqn": "tfy-secret://demo:app:API_KEY"}},
			"image":                kv{"build_spec": kv{"build_secrets": []kv{{"id": "x", "value": "tfy-secret://demo:app:API_KEY"}}}},
			"additional_manifests": []kv{{"kind": "Secret", "stringData": kv{"p": "tfy-secret://demo:app:DB_PASSWORD"}}}}},
	}
	for _, tc := range passed {
		t.Run(tc.name, func(t *testing.T) {
			f.must(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": tc.manifest, "dryRun": true}, nil)
		})
	}
	if got := f.applied(); len(got) != 0 {
		t.Errorf("refusals and dry runs kept %+v", got)
	}

	// Several broken references: the message names the first, details
	// list each, in a stable order.
	m := kv{"type": "service", "name": "many",
		"env":    kv{"B": "tfy-secret://demo:app:NOPE", "A": "tfy-secret://demo:nogroup-x1:K", "OK": "tfy-secret://demo:app:tls"},
		"mounts": []kv{{"type": "secret", "mount_path": "/a", "secret_fqn": "nope"}}}
	status, body := f.call(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": m})
	f.wantError(422, "Invalid secret reference at env.A: "+noGroup+" (and 2 more; see details)", status, body)
	var r tRefusal
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range r.Details {
		paths = append(paths, d.Path)
	}
	if strings.Join(paths, " ") != "env.A env.B mounts[0].secret_fqn" {
		t.Errorf("details paths %v", paths)
	}

	// A reference resolves once its key exists, and stops resolving when
	// the group goes.
	fixed := env("tfy-secret://demo:app:NEW_KEY")
	status, body = f.call(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": fixed})
	f.wantError(422, "", status, body)
	var groups struct{ Data []tGroup }
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups?fqn=demo:app", nil, &groups)
	f.update(groups.Data[0].ID, "DB_PASSWORD", nil, "API_KEY", nil, "tls", nil, "NEW_KEY", "v")
	f.must(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": fixed}, nil)
	f.must(f.admin, "DELETE", "/api/svc/v1/secret-groups/"+groups.Data[0].ID, nil, nil)
	status, body = f.call(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": fixed})
	f.wantError(422, "Invalid secret reference at env.X: "+noGroup, status, body)
}

func env2(name string, v any) kv { return kv{"type": "service", "name": "svc", "env": kv{name: v}} }

// TestApplyBodies pins what apply answers to bodies that are not a usable
// manifest, and that JSON of any shape reaches the reference check.
func TestApplyBodies(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	appGroup(f)
	const base = "/api/svc/v1/apply"
	cases := []struct {
		name    string
		body    any
		status  int
		message string
	}{
		{"empty body", "", 400, "Request body is required"},
		{"cut short", `{"manifest":{"type":"service","name":"s","env":{"A":"tfy-secret://demo:app:`, 400, "Invalid JSON body: the JSON value is cut short"},
		{"syntax error", `{"manifest":{"type":"service" "name":"s"}}`, 400, "Invalid JSON body: syntax error at byte offset 31"},
		{"trailing data", `{"manifest":{"type":"service","name":"s"}} x`, 400, "Invalid JSON body: unexpected data after the JSON value"},
		{"manifest not an object", kv{"manifest": "service"}, 400, "Invalid JSON body: field 'manifest' must be an object, got a JSON string"},
		{"type not a string", kv{"manifest": kv{"type": 1, "name": "s"}}, 400, "Invalid JSON body: field 'manifest.type' must be a string, got a JSON number"},
		{"name not a string", kv{"manifest": kv{"type": "service", "name": []int{}}}, 400, "Invalid JSON body: field 'manifest.name' must be a string, got a JSON array"},
		{"dryRun not a boolean", kv{"manifest": kv{"type": "service", "name": "s"}, "dryRun": "yes"}, 400, "Invalid JSON body: field 'dryRun' must be a boolean, got a JSON string"},
		{"no manifest", kv{"dryRun": true}, 422, "Missing required fields"},
		{"null manifest", kv{"manifest": nil}, 422, "Missing required fields"},
		{"no type", kv{"manifest": kv{"name": "s"}}, 422, "Missing required fields"},
		{"no name", kv{"manifest": kv{"type": "service"}}, 422, "Missing required fields"},
		{"type in another case", kv{"manifest": kv{"tYpe": "service", "name": "s"}}, 422, "Missing required fields"},
		{"name in another case", kv{"manifest": kv{"type": "service", "Name": "s"}}, 422, "Missing required fields"},
		{"unknown type", kv{"manifest": kv{"type": "Service", "name": "s"}}, 422, "Unsupported manifest type 'Service': this emulator applies secret-group manifests and the deployment kinds " + deploymentKindList},
		{"a TrueFoundry kind not emulated", kv{"manifest": kv{"type": "model", "name": "s"}}, 422, "Unsupported manifest type 'model': this emulator applies secret-group manifests and the deployment kinds " + deploymentKindList},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.call(f.admin, "PUT", base, tc.body)
			f.wantError(tc.status, tc.message, status, body)
		})
	}
	status, body := f.call(f.admin, "POST", "/api/svc/v1/delete", kv{"manifest": kv{"type": "job"}})
	f.wantError(422, "Missing required fields", status, body)

	// JSON that YAML would not take as it is still reaches the check: a
	// key over YAML's 1,024-character limit for implicit keys, characters
	// YAML refuses raw, astral characters, escapes, and tab indentation.
	long := strings.Repeat("K", 5000)
	for _, raw := range []string{
		`{"manifest":{"type":"service","name":"s","env":{"` + long + `":"tfy-secret://demo:app:NOPE"}}}`,
		"{\"manifest\":{\"type\":\"service\",\"name\":\"s\",\"env\":{\"A\u007f\u0085\ufeff\U0001F600\":\"tfy-secret://demo:app:NOPE\"}}}",
		`{"manifest":{"type":"service","name":"s","env":{"A\u0000\"\\\/\b\f\n\r\t\ud83d\ude00":"tfy-secret://demo:app:NOPE"}}}`,
		"{\n\t\"manifest\": {\n\t\t\"type\": \"service\",\n\t\t\"name\": \"s\",\n\t\t\"env\": {\"A\": \"tfy-secret://demo:app:NOPE\"}\n\t}\n}",
		`{"manifest":{"type":"service","name":"s","env":{"<<":{"A":1},"A":"tfy-secret://demo:app:NOPE"}}}`,
	} {
		status, body := f.call(f.admin, "PUT", base, raw)
		f.wantError(422, "", status, body)
		var r tRefusal
		if err := json.Unmarshal(body, &r); err != nil || len(r.Details) != 1 || !strings.HasPrefix(r.Details[0].Path, "env") || r.Details[0].Message != "names a key that secret group 'app' does not hold" {
			t.Errorf("%.80q: %s", raw, body)
		}
	}
	// A duplicate key: the last one counts, as in encoding/json and
	// JavaScript's JSON.parse.
	status, body = f.call(f.admin, "PUT", base, `{"manifest":{"type":"service","name":"s","env":{"A":"tfy-secret://demo:app:NOPE","A":"tfy-secret://demo:app:tls"}}}`)
	if status != 200 {
		t.Errorf("duplicate key, last one valid: %d %s", status, body)
	}
	// Values of every JSON type are kept as sent; numbers are not rounded.
	status, body = f.call(f.admin, "PUT", base, `{"manifest":{"type":"job","name":"types","n":12345678901234567890,"f":-1.5e-3,"b":false,"z":null,"a":[[],{}],"s":"é\u0000<&>"}}`)
	if want := `"manifest":{"a":[[],{}],"b":false,"f":-1.5e-3,"n":12345678901234567890,"name":"types","s":"é\u0000<&>","type":"job","z":null}`; status != 200 || !strings.Contains(string(body), want) {
		t.Errorf("kept manifest: %d %s, want it to hold %s", status, body, want)
	}
}

// TestApplyAccess: apply is a write like any other: it needs a key, viewers
// are refused, editors may; injected faults hit it; a body over the limit is
// a 413.
func TestApplyAccess(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	appGroup(f)
	svc := kv{"manifest": kv{"type": "service", "name": "s", "env": kv{"A": "tfy-secret://demo:app:tls"}}}
	status, body := f.call("", "PUT", "/api/svc/v1/apply", svc)
	f.wantError(401, "Missing bearer token: send the header 'Authorization: Bearer <TFY_API_KEY>'", status, body)
	status, body = f.call("wrong-key", "PUT", "/api/svc/v1/apply", svc)
	f.wantError(401, "Invalid API key", status, body)
	status, body = f.call(f.viewer, "PUT", "/api/svc/v1/apply", svc)
	f.wantError(403, "Permission denied: the viewer role cannot modify secrets", status, body)
	status, body = f.call(f.viewer, "POST", "/api/svc/v1/delete", svc)
	f.wantError(403, "Permission denied: the viewer role cannot modify secrets", status, body)
	var res tApplyResult
	f.must(f.editor, "PUT", "/api/svc/v1/apply", svc, &res)
	if res.Data.CreatedBy != "emulator-editor" {
		t.Errorf("createdBy %q", res.Data.CreatedBy)
	}

	f.must("", "POST", "/_emulator/faults", kv{"method": "PUT", "pathPrefix": "/api/svc/v1/apply", "status": 503, "count": 1}, nil)
	status, body = f.call(f.admin, "PUT", "/api/svc/v1/apply", svc)
	f.wantError(503, "Injected fault: Service Unavailable", status, body)
	f.must(f.admin, "PUT", "/api/svc/v1/apply", svc, &res)
	if res.Action != "UPDATE" {
		t.Errorf("after the fault: %+v", res)
	}
	f.must(f.admin, "POST", "/api/svc/v1/delete", svc, nil)
	// Dropped after: the client gets no answer, the manifest is kept.
	f.must("", "POST", "/_emulator/faults", kv{"method": "PUT", "pathPrefix": "/api/svc/v1/apply", "drop": "after", "count": 1}, nil)
	if _, _, err := f.try(f.admin, "PUT", "/api/svc/v1/apply", svc); err == nil {
		t.Fatal("drop after: got an answer")
	}
	if got := f.applied(); len(got) != 1 {
		t.Fatalf("drop after: kept %+v", got)
	}
	// Reset forgets applied manifests.
	f.must("", "POST", "/_emulator/reset", nil, nil)
	if got := f.applied(); len(got) != 0 {
		t.Fatalf("after reset: %+v", got)
	}

	if testing.Short() {
		return
	}
	req := httptest.NewRequest("PUT", apiPrefix+"apply", io.LimitReader(zeros{}, maxBody+1))
	req.Header.Set("Authorization", "Bearer "+f.admin)
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"statusCode":413`) {
		t.Errorf("oversized body: %d %.200s", rec.Code, rec.Body)
	}
}

// zeros is an endless body of spaces.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestAppliedPersists: applied manifests survive a restart with --state,
// masked in the file as everywhere else.
func TestAppliedPersists(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	f := start(t, Options{StatePath: path})
	appGroup(f)
	canary := "canary-" + newID()
	f.must(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": kv{"type": "helm", "name": "chart",
		"values":               kv{"auth": kv{"password": canary}},
		"additional_manifests": []kv{{"kind": "Secret", "stringData": kv{"p": "tfy-secret://demo:app:DB_PASSWORD"}}}}}, nil)
	if err := f.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), canary) || !strings.Contains(string(b), `"applied"`) {
		t.Errorf("state file: canary kept or no applied manifest: %.300s", b)
	}
	f2 := start(t, Options{StatePath: path})
	got := f2.applied()
	if len(got) != 1 || got[0].Type != "helm" || at(t, got[0].Manifest, "values", "auth", "password") != "(set)" ||
		at(t, got[0].Manifest, "additional_manifests", 0, "stringData", "p") != "tfy-secret://demo:app:DB_PASSWORD" {
		t.Fatalf("after restart: %+v", got)
	}
	var res tApplyResult
	f2.must(f2.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": kv{"type": "helm", "name": "chart"}}, &res)
	if res.Action != "UPDATE" || res.Data.ID != got[0].ID {
		t.Errorf("apply after restart: %+v", res)
	}
}

// TestReaderInput: what readerInput writes, the manifest reader reads back
// as it was sent, for every kind of character JSON can carry, keys
// included, and whatever the key's length.
func TestReaderInput(t *testing.T) {
	t.Parallel()
	var odd []rune
	for r := rune(0); r <= 0xa0; r++ {
		odd = append(odd, r)
	}
	odd = append(odd, 0x2028, 0x2029, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xfffe, 0xffff, 0x10000, 0x1f600, 0x10ffff)
	values := []string{string(odd), "", " ", "---", "...", "? x", "- a", "#c", "&a *b !t", "{a: b}", "[1, 2]", "'q'", `"`, `\`, "a: b", "null", "~", "0x1F", strings.Repeat("é", 3000)}
	for i, v := range values {
		name := v + "-" + strings.Repeat("n", i*200)
		tree := map[string]any{"type": "service", "name": "s", "env": map[string]any{name: v}}
		f, err := manifest.Read(readerInput(tree))
		if err != nil || len(f.Documents) != 1 || len(f.Locations) != 1 {
			t.Fatalf("%q: %v, %+v", v, err, f)
		}
		l := f.Locations[0]
		if got := l.Value.Reveal(); got != v || l.Name != name || l.Path.String() != (manifest.Path{}).Key("env").Key(name).String() {
			t.Errorf("%q read back as %q under %q", v, got, l.Name)
		}
	}
}
