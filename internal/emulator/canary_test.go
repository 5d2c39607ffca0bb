package emulator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValuesStayPut plants canary values and drives every endpoint that
// must not return a value (group endpoints, lists without withValue,
// versions, errors of every kind, control endpoints): no canary may appear.
func TestValuesStayPut(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	f := start(t, Options{StatePath: path})
	canary := "canary-" + newID()
	other := "canary-" + newID()
	az := f.byType[TypeAzureVault]
	ps := f.byType[TypeAWSParameterStore]

	var bodies []string
	record := func(key, method, path string, body any) {
		_, b := f.call(key, method, path, body)
		bodies = append(bodies, method+" "+path+": "+string(b))
	}
	record(f.admin, "POST", "/api/svc/v1/secret-groups", kv{"name": "c", "integrationId": az.ID, "secrets": secretsBody("DB-PASSWORD", canary, "OTHER", other)})
	var got struct{ Data []tGroup }
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups?fqn=demo:c", nil, &got)
	g := got.Data[0]
	pw := secretID(g, "DB-PASSWORD")
	record(f.admin, "GET", "/api/svc/v1/secret-groups", nil)
	record(f.admin, "GET", "/api/svc/v1/secret-groups/"+g.ID, nil)
	record(f.admin, "GET", "/api/svc/v1/secret-groups?attributes=associatedSecrets", nil)
	record(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("DB-PASSWORD", canary+"-2", "OTHER", nil)})
	record(f.admin, "POST", "/api/svc/v1/secrets", kv{"secretGroupId": g.ID})
	record(f.admin, "GET", "/api/svc/v1/secrets/"+pw+"/versions", nil)
	record(f.viewer, "GET", "/api/svc/v1/secrets/"+pw, nil)
	record(f.viewer, "POST", "/api/svc/v1/secrets", kv{"withValue": true})
	record(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": kv{"type": "secret-group", "name": "c", "integration_fqn": az.FQN, "collaborators": []kv{}}})
	// Errors whose requests carry the canary.
	record(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("BAD_KEY", canary)})
	record(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("DB-PASSWORD", strings.Repeat(canary, 2000))})
	record(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, `{"secrets":[{"key":"A","value":{"nested":"`+canary+`"}}]}`)
	record(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, `{"secrets":[{"key":"A","value":"`+canary+`"}]`)
	record(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, `{"secrets":[{"key":"A","value":"`+canary+`"x}]}`)
	record(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, `{"secrets":[{"key":"A","value":"`+canary+`\q"}]}`)
	record(f.admin, "POST", "/api/svc/v1/secret-groups", kv{"name": "c", "integrationId": az.ID, "secrets": secretsBody("A", canary)})
	record(f.admin, "POST", "/api/svc/v1/secret-groups", kv{"name": "p", "integrationId": ps.ID, "secrets": secretsBody("A", strings.Repeat(canary, 200))})
	record(f.viewer, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("DB-PASSWORD", canary)})
	record("", "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("DB-PASSWORD", canary)})
	// Control endpoints.
	record("", "GET", "/_emulator/soft-deleted", nil)
	record("", "GET", "/_emulator/faults", nil)
	record("", "PUT", "/_emulator/secrets/"+pw+"/active-deployments", kv{"count": 1})

	for _, b := range bodies {
		if strings.Contains(b, canary) || strings.Contains(b, other) || strings.Contains(b, "canary-") {
			t.Errorf("a value escaped: %s", b)
		}
	}
	// The one place values go: an admin's read.
	if s := f.secret(f.admin, pw); s.Value == nil || *s.Value != canary+"-2" {
		t.Errorf("admin read lost the value")
	}
	// The state file holds values, and nothing else was written beside it.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files beside the state file", len(entries)-1)
	}
}
