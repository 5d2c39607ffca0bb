package emulator

import (
	"encoding/json"
	"testing"
)

// TestOmitGroupName: with OmitGroupName no group response carries "name"
// (the current schema), while manifest.name and the FQN still say it, so a
// client's fallback runs end to end.
func TestOmitGroupName(t *testing.T) {
	t.Parallel()
	f := start(t, Options{OmitGroupName: true})
	created := f.create("no-name", TypeGCPGSM, "K", "v")
	if created.Manifest.Name != "no-name" || created.FQN != "demo:no-name" {
		t.Fatalf("created group: %+v", created)
	}
	responses := map[string][]byte{}
	_, responses["create"] = f.call(f.admin, "POST", "/api/svc/v1/secret-groups", kv{"name": "other", "integrationId": f.byType[TypeGCPGSM].ID, "secrets": secretsBody("K", "v")})
	_, responses["get"] = f.call(f.admin, "GET", "/api/svc/v1/secret-groups/"+created.ID, nil)
	_, responses["update"] = f.call(f.admin, "PUT", "/api/svc/v1/secret-groups/"+created.ID, kv{"secrets": secretsBody("K", nil)})
	_, responses["apply"] = f.call(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": kv{"type": "secret-group", "name": "applied", "integration_fqn": f.byType[TypeGCPGSM].FQN, "collaborators": []kv{}}})
	for what, body := range responses {
		var env struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Data == nil {
			t.Fatalf("%s: %s", what, body)
		}
		if _, has := env.Data["name"]; has {
			t.Errorf("%s: group has a name field: %s", what, body)
		}
	}
	var list struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups", nil, &list)
	for _, g := range list.Data {
		if name, has := g["name"]; has {
			t.Errorf("listed group has a name field: %s", name)
		}
	}
	if len(list.Data) != 3 {
		t.Errorf("listed %d groups, want 3", len(list.Data))
	}

	// The default keeps both, as truefoundry-api.md section 12 decides.
	d := start(t, Options{})
	if g := d.create("named", TypeGCPGSM, "K", "v"); g.Name != "named" || g.Manifest.Name != "named" {
		t.Errorf("default group: %+v", g)
	}
}

// TestSecretListCarriesVersions: POST /secrets items carry secretVersions
// (without values), as the API's example of that response does, so a key's
// version is known without reading its value.
func TestSecretListCarriesVersions(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	g := f.create("versions", TypeGCPGSM, "ROTATED", "v1", "KEPT", "k1")
	f.update(g.ID, "ROTATED", "v2", "KEPT", nil)
	for _, withValue := range []bool{false, true} {
		var list struct{ Data []tSecret }
		f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{"secretGroupId": g.ID, "withValue": withValue}, &list)
		want := map[string]int{"ROTATED": 2, "KEPT": 1}
		for _, s := range list.Data {
			n := len(s.SecretVersions)
			if n != want[s.Name] || s.SecretVersions[n-1].Version != want[s.Name] {
				t.Errorf("withValue=%v: %s has versions %+v, want %d", withValue, s.Name, s.SecretVersions, want[s.Name])
			}
			for _, v := range s.SecretVersions {
				if v.Value != nil {
					t.Errorf("a listed version carries a value")
				}
			}
		}
	}
	// A group's own listing of keys stays as the API's example shows it:
	// ids and names, no versions.
	var got struct{ Data tGroup }
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups/"+g.ID, nil, &got)
	for _, s := range got.Data.AssociatedSecrets {
		if s.SecretVersions != nil {
			t.Errorf("associated secret carries versions: %+v", s)
		}
	}
}
