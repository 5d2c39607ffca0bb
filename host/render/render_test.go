package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var (
	t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	t1 = time.Date(2026, 3, 2, 8, 30, 15, 0, time.UTC)
)

var groups = []plugin.Group{
	{Name: "my-app-secrets", ID: "grp_7QK2", FQN: "demo:my-app-secrets", Tenant: "demo", IntegrationID: "int_az", SecretCount: 3, CreatedAt: t0, UpdatedAt: t1},
	{Name: "payments", ID: "grp_P9", FQN: "demo:payments", Tenant: "demo", IntegrationID: "int_aws", SecretCount: 12, CreatedAt: t0},
}

var detail = plugin.GroupDetail{
	Group:       groups[0],
	Integration: plugin.Integration{Name: "vault", FQN: "demo:azure:vault", Provider: "azure", Store: "vault"},
	Secrets: []plugin.SecretInfo{
		{Key: "API-KEY", ID: "sec_1", FQN: "demo:my-app-secrets:API-KEY", Masked: "(set)", Version: 2, UpdatedAt: t1},
		{Key: "DB-PASSWORD", ID: "sec_2", FQN: "demo:my-app-secrets:DB-PASSWORD", Masked: "abcd***", Version: 1, UpdatedAt: t0},
	},
}

var planUpdate = plugin.Plan{
	ID: "plan-1", Operation: plugin.OpGroupUpdate, Group: "my-app-secrets", GroupFQN: "demo:my-app-secrets",
	Store: "azure/vault", IntegrationFQN: "demo:azure:vault", Confirm: plugin.ConfirmYes, ActiveDeployments: -1,
	Changes: []plugin.PlannedChange{
		{Key: "API-KEY", Action: plugin.ActionAdd, Source: plugin.SourceEnv, Origin: "env NEW_API_KEY"},
		{Key: "DB-PASSWORD", Action: plugin.ActionRotate, Source: plugin.SourceEnv, Origin: "env DB_PASSWORD"},
		{Key: "LOG-TOKEN", Action: plugin.ActionKeep},
		{Key: "OLD-KEY", Action: plugin.ActionRemove},
	},
}

var planDelete = plugin.Plan{
	ID: "plan-2", Operation: plugin.OpGroupDelete, Group: "my-app-secrets", Store: "azure/vault",
	Confirm: plugin.ConfirmTyped, ActiveDeployments: 2, Warnings: []string{"2 deployments reference this group"},
	Changes: []plugin.PlannedChange{{Key: "API-KEY", Action: plugin.ActionRemove}, {Key: "DB-PASSWORD", Action: plugin.ActionRemove}},
}

var result = plugin.Result{
	Operation: plugin.OpGroupUpdate, Group: "my-app-secrets", Verified: true,
	Changes: []plugin.ResultChange{{Key: "API-KEY", Action: plugin.ActionAdd}, {Key: "LOG-TOKEN", Action: plugin.ActionKeep}, {Key: "OLD-KEY", Action: plugin.ActionRemove}},
}

// documents renders every document kind with r, one after another.
func documents(t *testing.T, r Renderer) string {
	t.Helper()
	var b bytes.Buffer
	steps := []func() error{
		func() error { return r.Groups(&b, groups) },
		func() error { return r.Groups(&b, nil) },
		func() error { return r.GroupDetail(&b, detail) },
		func() error { return r.Secret(&b, detail.Secrets[1]) },
		func() error {
			return r.Versions(&b, []plugin.Version{{Version: 2, CreatedAt: t1}, {Version: 1, CreatedAt: t0}})
		},
		func() error {
			return r.Integrations(&b, []plugin.Integration{{Name: "vault", ID: "int_az", FQN: "demo:azure:vault", Provider: "azure", Store: "vault", Type: "integration/secret-store/azure/vault", Location: "kv-demo", Rules: "letters, digits and hyphens"}})
		},
		func() error { return r.Plan(&b, planUpdate) },
		func() error { return r.Plan(&b, planDelete) },
		func() error { return r.Result(&b, result) },
		func() error {
			return r.AuthStatus(&b, plugin.AuthStatus{Host: "https://demo.truefoundry.cloud", HostSource: "env TFY_BASE_URL", Tenant: "demo", KeySource: "keyring",
				TenantSource: plugin.TenantFromKey, User: "ada@example.com", KeyCheck: plugin.KeyValid})
		},
		func() error {
			return r.AuthStatus(&b, plugin.AuthStatus{Host: "https://app.truefoundry.com", HostSource: "flag", Tenant: "app", KeySource: "env TFY_API_KEY",
				TenantSource: plugin.TenantFromHost, KeyCheck: plugin.KeyUnverified, KeyCheckDetail: "check api key: the host name app.truefoundry.com does not resolve"})
		},
		func() error { return r.Ref(&b, "tfy-secret://demo:my-app-secrets:API-KEY") },
		func() error {
			return r.Version(&b, VersionInfo{Version: "v1.2.3", GoVersion: "go1.26.8", Platform: "linux/amd64"})
		},
		func() error {
			return r.Policy(&b, plugin.PolicyInfo{Modules: []plugin.PolicyModule{{Name: "default/raw_values.rego", Source: "package tfy.secrets\n"}}})
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		b.WriteString("----\n")
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		r    Renderer
	}{
		{"table", New(Table, false)},
		{"table-color", New(Table, true)},
		{"json", New(JSON, false)},
		{"yaml", New(YAML, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := documents(t, tc.r)
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s output changed (go test -update to accept):\n%s", tc.name, got)
			}
		})
	}
}

// TestPlanShape pins design section 3's example line for line.
func TestPlanShape(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := New(Table, false).Plan(&b, planUpdate); err != nil {
		t.Fatal(err)
	}
	want := `Plan for secret group "my-app-secrets" (azure/vault):
  + API-KEY       add      from env NEW_API_KEY
  ~ DB-PASSWORD   rotate   from env DB_PASSWORD
  = LOG-TOKEN     keep
  - OLD-KEY       remove
`
	if b.String() != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestNoColorWithoutTTY(t *testing.T) {
	t.Parallel()
	if strings.Contains(documents(t, New(Table, false)), "\x1b[") {
		t.Fatal("uncoloured table output has escape sequences")
	}
	if !strings.Contains(documents(t, New(Table, true)), ansiGreen+"+"+ansiReset) {
		t.Fatal("coloured plan does not colour the add symbol")
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"table", "json", "yaml"} {
		if f, err := ParseFormat(ok); err != nil || string(f) != ok {
			t.Errorf("ParseFormat(%q) = %q, %v", ok, f, err)
		}
	}
	for _, bad := range []string{"", "JSON", "xml", "json "} {
		if _, err := ParseFormat(bad); err == nil {
			t.Errorf("ParseFormat(%q) accepted", bad)
		}
	}
}

// TestYAMLIsTheJSONDocument: machines may read either format and get the
// same fields.
func TestYAMLIsTheJSONDocument(t *testing.T) {
	t.Parallel()
	js := strings.Split(documents(t, New(JSON, false)), "----\n")
	ys := strings.Split(documents(t, New(YAML, false)), "----\n")
	if len(js) != len(ys) {
		t.Fatalf("%d json documents, %d yaml", len(js), len(ys))
	}
	for i := range js {
		if strings.TrimSpace(js[i]) == "" {
			continue
		}
		var j, y any
		if err := json.Unmarshal([]byte(js[i]), &j); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if err := yaml.Unmarshal([]byte(ys[i]), &y); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		// Round-trip the YAML through JSON so number types compare equal.
		yb, err := json.Marshal(y)
		if err != nil {
			t.Fatal(err)
		}
		var y2 any
		if err := json.Unmarshal(yb, &y2); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(j, y2) {
			t.Errorf("document %d differs:\njson %v\nyaml %v", i, j, y2)
		}
	}
}

func manyGroups(n int) []plugin.Group {
	gs := make([]plugin.Group, n)
	for i := range gs {
		gs[i] = plugin.Group{Name: fmt.Sprintf("group-%05d", i), ID: fmt.Sprintf("id%022d", i), FQN: fmt.Sprintf("demo:group-%05d", i),
			Tenant: "demo", IntegrationID: "int", SecretCount: i % 50, CreatedAt: t0, UpdatedAt: t1}
	}
	return gs
}

// BenchmarkGroups measures rendering 10,000 groups in each format (the
// large-tenant budget of design section 9 includes this step).
func BenchmarkGroups(b *testing.B) {
	gs := manyGroups(10000)
	for _, f := range []Format{Table, JSON, YAML} {
		b.Run(string(f), func(b *testing.B) {
			r := New(f, false)
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Groups(io.Discard, gs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
