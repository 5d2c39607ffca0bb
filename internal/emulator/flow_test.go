package emulator

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	idPattern    = regexp.MustCompile(`^[a-z2-7]{24}$`)
	stampPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

// backends runs a test against every storage backend.
func backends(t *testing.T, test func(t *testing.T, opts Options)) {
	t.Run("memory", func(t *testing.T) { t.Parallel(); test(t, Options{}) })
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		test(t, Options{StatePath: filepath.Join(t.TempDir(), "state.json")})
	})
}

// TestGroupLifecycle walks one group through create, read, rotate, keep,
// remove, list, delete, checking the wire shape at each step.
func TestGroupLifecycle(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, opts Options) {
		f := start(t, opts)
		aws := f.byType[TypeAWSSecretsManager]
		g := f.create("my-app", TypeAWSSecretsManager, "DB_PASSWORD", "pw-1", "API_KEY", "key-1", "LOG_TOKEN", "log-1")

		// Shape of a created group.
		if !idPattern.MatchString(g.ID) || g.Name != "my-app" || g.Manifest.Name != "my-app" || g.FQN != "demo:my-app" ||
			g.TenantName != "demo" || g.IntegrationID != aws.ID || g.Manifest.IntegrationFQN != aws.FQN ||
			g.Manifest.Type != "secret-group" || g.AccountID == "" || g.CreatedBySubject.SubjectType != "user" || g.CreatedBy != "emulator-admin" {
			t.Fatalf("created group: %+v", g)
		}
		if !stampPattern.MatchString(g.CreatedAt) || g.CreatedAt != "2026-01-02T03:04:05.678Z" || g.UpdatedAt != g.CreatedAt {
			t.Errorf("timestamps %q %q", g.CreatedAt, g.UpdatedAt)
		}
		if got := names(g); !slices.Equal(got, []string{"DB_PASSWORD", "API_KEY", "LOG_TOKEN"}) {
			t.Fatalf("associated secrets %v", got)
		}
		for _, s := range g.AssociatedSecrets {
			if s.Value != nil || !idPattern.MatchString(s.ID) || s.FQN != "demo:my-app:"+s.Name || s.SecretGroupID != g.ID {
				t.Errorf("associated secret %+v", s)
			}
		}

		// A secret read carries the value and versions without values.
		pw := f.secret(f.admin, secretID(g, "DB_PASSWORD"))
		if pw.Value == nil || *pw.Value != "pw-1" || len(pw.SecretVersions) != 1 || pw.SecretVersions[0].Version != 1 || pw.SecretVersions[0].Value != nil {
			t.Fatalf("secret after create: %+v", pw)
		}

		// Rotate one, keep one by naming it without a value, resend one
		// unchanged, drop the third.
		f.clock.Advance(time.Minute)
		g2 := f.update(g.ID, "DB_PASSWORD", "pw-2", "API_KEY", nil, "NEW_KEY", "new-1")
		if got := names(g2); !slices.Equal(got, []string{"DB_PASSWORD", "API_KEY", "NEW_KEY"}) {
			t.Fatalf("after update %v", got)
		}
		if g2.UpdatedAt != "2026-01-02T03:05:05.678Z" || g2.CreatedAt != g.CreatedAt {
			t.Errorf("update timestamps %s %s", g2.CreatedAt, g2.UpdatedAt)
		}
		if secretID(g2, "DB_PASSWORD") != secretID(g, "DB_PASSWORD") {
			t.Error("rotating a value changed the secret id")
		}
		pw = f.secret(f.admin, secretID(g, "DB_PASSWORD"))
		if *pw.Value != "pw-2" || len(pw.SecretVersions) != 2 || pw.SecretVersions[1].Version != 2 {
			t.Fatalf("rotated secret: %+v", pw)
		}
		api := f.secret(f.admin, secretID(g, "API_KEY"))
		if *api.Value != "key-1" || len(api.SecretVersions) != 1 {
			t.Fatalf("kept secret: %+v", api)
		}
		status, body := f.call(f.admin, "GET", "/api/svc/v1/secrets/"+secretID(g, "LOG_TOKEN"), nil)
		f.wantError(404, "", status, body)

		// The same value again makes no new version.
		f.update(g.ID, "DB_PASSWORD", "pw-2", "API_KEY", "key-1", "NEW_KEY", nil)
		if pw = f.secret(f.admin, secretID(g, "DB_PASSWORD")); len(pw.SecretVersions) != 2 {
			t.Errorf("unchanged value made a version: %+v", pw.SecretVersions)
		}
		var versions struct {
			Data []struct {
				Version   int     `json:"version"`
				Value     *string `json:"value"`
				CreatedAt string  `json:"createdAt"`
				FQN       string  `json:"fqn"`
			}
			Pagination tPagination
		}
		f.must(f.viewer, "GET", "/api/svc/v1/secrets/"+pw.ID+"/versions", nil, &versions)
		if len(versions.Data) != 2 || versions.Data[0].Version != 1 || versions.Data[1].Version != 2 || versions.Pagination.Total != 2 ||
			versions.Data[1].CreatedAt != "2026-01-02T03:05:05.678Z" || versions.Data[1].FQN != "demo:my-app:DB_PASSWORD:2" {
			t.Errorf("versions: %+v", versions)
		}
		for _, v := range versions.Data {
			if v.Value != nil {
				t.Error("a version carries a value")
			}
		}

		// POST /secrets: without and with values, by group and by FQN.
		var list struct {
			Data       []tSecret
			Pagination tPagination
		}
		f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{"secretGroupId": g.ID}, &list)
		if len(list.Data) != 3 || list.Pagination.Total != 3 || list.Data[0].Value != nil {
			t.Fatalf("list secrets: %+v", list)
		}
		f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{"secretGroupId": g.ID, "withValue": true, "limit": 1, "offset": 1}, &list)
		if len(list.Data) != 1 || list.Data[0].Name != "API_KEY" || *list.Data[0].Value != "key-1" || list.Pagination != (tPagination{3, 1, 1}) {
			t.Fatalf("paged list secrets: %+v", list)
		}
		f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{"secretFqns": []string{"demo:my-app:NEW_KEY", "demo:my-app:API_KEY", "demo:nope:X"}, "withValue": true}, &list)
		if len(list.Data) != 2 || list.Data[0].Name != "NEW_KEY" || *list.Data[0].Value != "new-1" || list.Data[1].Name != "API_KEY" {
			t.Fatalf("list by fqn: %+v", list)
		}
		// secretFqns are bare, like a secret's fqn: a reference matches
		// nothing, so a client that forgets to strip the scheme is caught.
		f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{"secretFqns": []string{"tfy-secret://demo:my-app:API_KEY"}}, &list)
		if len(list.Data) != 0 || list.Pagination.Total != 0 {
			t.Fatalf("list by tfy-secret:// reference matched: %+v", list)
		}
		f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{"secretGroupId": g.ID, "secretFqns": []string{"tfy-secret://demo:my-app:API_KEY"}}, &list)
		if len(list.Data) != 0 {
			t.Fatalf("list by group and tfy-secret:// reference matched: %+v", list)
		}
		f.must(f.admin, "POST", "/api/svc/v1/secrets", "", &list)
		if list.Pagination.Total != 3 || list.Pagination.Limit != 100 {
			t.Fatalf("list all with empty body: %+v", list)
		}

		// Delete one secret, then the group.
		var n json.RawMessage
		f.must(f.admin, "DELETE", "/api/svc/v1/secrets/"+secretID(g2, "NEW_KEY"), nil, &n)
		if string(n) != "1" {
			t.Errorf("DELETE secret answered %s, want 1", n)
		}
		f.must(f.admin, "DELETE", "/api/svc/v1/secret-groups/"+g.ID, nil, &n)
		if string(n) != "{}" {
			t.Errorf("DELETE group answered %s, want {}", n)
		}
		status, body = f.call(f.admin, "GET", "/api/svc/v1/secret-groups/"+g.ID, nil)
		f.wantError(404, "Secret group '"+g.ID+"' not found", status, body)
		status, body = f.call(f.admin, "GET", "/api/svc/v1/secrets/"+secretID(g, "API_KEY"), nil)
		f.wantError(404, "", status, body)
	})
}

func names(g tGroup) []string {
	var out []string
	for _, s := range g.AssociatedSecrets {
		out = append(out, s.Name)
	}
	return out
}

// TestListGroups covers pagination order, fqn, search and attributes.
func TestListGroups(t *testing.T) {
	t.Parallel()
	backends(t, testListGroups)
}

func testListGroups(t *testing.T, opts Options) {
	f := start(t, opts)
	for i := range 5 {
		f.create(fmt.Sprintf("svc-%d", 5-i), TypeGCPGSM, "K", "v")
	}
	f.create("other", TypeGCPGSM, "K", "v")
	type listResp struct {
		Data       []tGroup
		Pagination tPagination
	}
	get := func(query string) listResp {
		var out listResp
		f.must(f.viewer, "GET", "/api/svc/v1/secret-groups"+query, nil, &out)
		return out
	}
	groupNames := func(r listResp) string {
		var out []string
		for _, g := range r.Data {
			out = append(out, g.Name)
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		query, want string
		page        tPagination
	}{
		{"", "svc-5,svc-4,svc-3,svc-2,svc-1,other", tPagination{6, 0, 100}},
		{"?limit=2&offset=2", "svc-3,svc-2", tPagination{6, 2, 2}},
		{"?offset=10", "", tPagination{6, 10, 100}},
		{"?fqn=demo:svc-2", "svc-2", tPagination{1, 0, 100}},
		{"?fqn=demo:missing", "", tPagination{0, 0, 100}},
		{"?fqn=other-tenant:svc-2", "", tPagination{0, 0, 100}},
		{"?search=SVC&limit=3", "svc-5,svc-4,svc-3", tPagination{5, 0, 3}},
		{"?search=her", "other", tPagination{1, 0, 100}},
	}
	for _, tc := range cases {
		r := get(tc.query)
		if got := groupNames(r); got != tc.want || r.Pagination != tc.page {
			t.Errorf("%s: got %q %+v, want %q %+v", tc.query, got, r.Pagination, tc.want, tc.page)
		}
		if r.Data == nil {
			t.Errorf("%s: data is null, want []", tc.query)
		}
	}
	for _, q := range []string{"?attributes=name,fqn", "?attributes=name&attributes=fqn", "?attributes=name,,fqn,unknown"} {
		var raw struct{ Data []map[string]any }
		f.must(f.admin, "GET", "/api/svc/v1/secret-groups"+q+"&limit=1", nil, &raw)
		var keys []string
		for k := range raw.Data[0] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if strings.Join(keys, ",") != "fqn,id,name" {
			t.Errorf("%s: fields %v", q, keys)
		}
	}
}

// TestManifestUpsert covers PUT /secret-groups and PUT /apply.
func TestManifestUpsert(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	gsm := f.byType[TypeGCPGSM]
	manifest := func(name string, collaborators ...kv) kv {
		if collaborators == nil {
			collaborators = []kv{}
		}
		return kv{"type": "secret-group", "name": name, "integration_fqn": gsm.FQN, "collaborators": collaborators}
	}
	var applied struct {
		Action           string
		ExistingManifest *struct{ Name string }
		Data             tGroup
	}
	f.must(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": manifest("planned"), "dryRun": true}, &applied)
	if applied.Action != "CREATE" || applied.Data.Name != "planned" || applied.Data.ID != "" {
		t.Fatalf("dry-run apply: %+v", applied)
	}
	var list struct{ Pagination tPagination }
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups", nil, &list)
	if list.Pagination.Total != 0 {
		t.Fatal("dry run created a group")
	}

	f.must(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": manifest("applied")}, &applied)
	if applied.Action != "CREATE" || applied.ExistingManifest != nil || !idPattern.MatchString(applied.Data.ID) || applied.Data.IntegrationID != gsm.ID {
		t.Fatalf("apply create: %+v", applied)
	}
	id := applied.Data.ID
	f.must(f.admin, "PUT", "/api/svc/v1/apply", kv{"manifest": manifest("applied", kv{"subject": "team:eng", "role_id": "secret-group-editor"})}, &applied)
	if applied.Action != "UPDATE" || applied.ExistingManifest == nil || applied.ExistingManifest.Name != "applied" || applied.Data.ID != id {
		t.Fatalf("apply update: %+v", applied)
	}

	var upserted struct{ Data map[string]any }
	f.must(f.admin, "PUT", "/api/svc/v1/secret-groups", kv{"manifest": manifest("applied", kv{"subject": "user:a@b.c", "role_id": "secret-group-admin"})}, &upserted)
	collabs := upserted.Data["manifest"].(map[string]any)["collaborators"].([]any)
	if upserted.Data["id"] != id || len(collabs) != 1 || collabs[0].(map[string]any)["subject"] != "user:a@b.c" {
		t.Fatalf("upsert: %+v", upserted.Data)
	}
	// A manifest-made group has no secrets until a PUT adds them.
	g := f.update(id, "FIRST", "v")
	if len(g.AssociatedSecrets) != 1 {
		t.Fatalf("secrets after manifest create: %+v", g)
	}
	var empty json.RawMessage
	f.must(f.admin, "POST", "/api/svc/v1/delete", kv{"manifest": manifest("applied")}, &empty)
	if string(empty) != "{}" {
		t.Errorf("delete by manifest answered %s", empty)
	}
}

// TestIntegrations covers provider accounts and provider integrations, with
// and without secret stores.
func TestIntegrations(t *testing.T) {
	t.Parallel()
	type integ struct {
		ID, Name, FQN, Type string
		Manifest            map[string]string
	}
	type account struct {
		Name, FQN, Provider string
		Integrations        []integ
		Manifest            struct{ Type string }
	}
	f := start(t, Options{Tenant: "acme"})
	var accounts struct {
		Data       []account
		Pagination tPagination
	}
	// ?type= is ignored, as on the real endpoint.
	f.must(f.viewer, "GET", "/api/svc/v1/provider-accounts?type=secret-store", nil, &accounts)
	if len(accounts.Data) != 3 || accounts.Pagination.Total != 3 {
		t.Fatalf("accounts: %+v", accounts)
	}
	want := map[string]string{
		TypeAWSSecretsManager: "acme:aws:aws-dev:secret-store:secrets-manager",
		TypeAWSParameterStore: "acme:aws:aws-dev:secret-store:parameter-store",
		typeDockerRegistry:    "acme:aws:aws-dev:docker-registry:ecr",
		TypeAzureVault:        "acme:azure:azure-dev:secret-store:key-vault",
		TypeGCPGSM:            "acme:gcp:gcp-dev:secret-store:gsm",
	}
	seen := 0
	for _, a := range accounts.Data {
		if a.FQN != "acme:"+a.Provider+":"+a.Name || a.Manifest.Type != "provider-account/"+a.Provider {
			t.Errorf("account %+v", a)
		}
		for _, in := range a.Integrations {
			seen++
			if want[in.Type] != in.FQN || in.Manifest["type"] != in.Type || in.Manifest["name"] != in.Name || !idPattern.MatchString(in.ID) {
				t.Errorf("integration %+v", in)
			}
			switch in.Type {
			case TypeAzureVault:
				if in.Manifest["key_vault_name"] != "acme-kv" {
					t.Errorf("azure manifest %v", in.Manifest)
				}
			case TypeAWSSecretsManager, TypeAWSParameterStore:
				if in.Manifest["region"] == "" {
					t.Errorf("aws manifest %v", in.Manifest)
				}
			}
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d integrations, want %d", seen, len(want))
	}
	var ints struct {
		Data       []integ
		Pagination tPagination
	}
	f.must(f.viewer, "GET", "/api/svc/v1/provider-integrations?type=secret-store", nil, &ints)
	if ints.Pagination.Total != 4 {
		t.Errorf("secret-store integrations: %+v", ints)
	}
	// The documented form: the category in "type", the full type in
	// "manifest.type".
	f.must(f.viewer, "GET", "/api/svc/v1/provider-integrations?fqn="+want[TypeAzureVault], nil, &ints)
	if len(ints.Data) != 1 || ints.Data[0].Type != "secret-store" || ints.Data[0].Manifest["type"] != TypeAzureVault {
		t.Errorf("by fqn: %+v", ints)
	}
	// ?type= takes a documented category only: a full type is refused
	// rather than matched, so a client that sends one is caught.
	status, body := f.call(f.viewer, "GET", "/api/svc/v1/provider-integrations?type="+TypeAzureVault, nil)
	f.wantError(400, "type must be one of: "+strings.Join(integrationCategories, ", "), status, body)

	full := start(t, Options{Tenant: "acme", FullIntegrationType: true})
	full.must(full.viewer, "GET", "/api/svc/v1/provider-integrations?type=secret-store", nil, &ints)
	if len(ints.Data) != 4 {
		t.Fatalf("full-type form: %+v", ints)
	}
	for _, in := range ints.Data {
		if !strings.HasPrefix(in.Type, "integration/secret-store/") || in.Manifest["type"] != in.Type {
			t.Errorf("full-type form: %+v", in)
		}
	}

	bare := start(t, Options{NoSecretStore: true})
	bare.must(bare.admin, "GET", "/api/svc/v1/provider-integrations?type=secret-store", nil, &ints)
	if ints.Pagination.Total != 0 || ints.Data == nil {
		t.Errorf("no-secret-store integrations: %+v", ints)
	}
	bare.must(bare.admin, "GET", "/api/svc/v1/provider-accounts/", nil, &accounts)
	if len(accounts.Data) != 1 || len(accounts.Data[0].Integrations) != 1 || accounts.Data[0].Integrations[0].Type != typeDockerRegistry {
		t.Errorf("no-secret-store accounts: %+v", accounts)
	}
}

// TestUnauthenticatedHelpers covers the endpoints the real tfy CLI calls
// before it has checked its key.
func TestUnauthenticatedHelpers(t *testing.T) {
	t.Parallel()
	f := start(t, Options{Tenant: "acme"})
	var v map[string]string
	f.must("", "GET", "/api/svc/v1/min-cli-version", nil, &v)
	if v["minVersion"] != "0.0.0" || v["truefoundryCliMinVersion"] != "0.0.0" {
		t.Errorf("min-cli-version %v", v)
	}
	f.must("", "GET", "/api/svc/v1/tenant-id?hostName=x", nil, &v)
	if v["tenantName"] != "acme" || v["auth_server_url"] != f.srv.URL() || f.srv.Tenant() != "acme" {
		t.Errorf("tenant-id %v", v)
	}
	status, body := f.call("", "GET", "/api/svc/v1/tenant-id", nil)
	f.wantError(400, "hostName is required", status, body)
	// Client authenticates with the first configured key (the admin's).
	resp, err := f.srv.Client().Get(f.srv.URL() + "/api/svc/v1/secret-groups")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || f.srv.APIKey() != f.admin {
		t.Errorf("Client: status %d", resp.StatusCode)
	}
}

// TestListAllSecretsPaging: the unfiltered POST /secrets pages across group
// boundaries without losing or repeating a secret.
func TestListAllSecretsPaging(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.create("g1", TypeGCPGSM, "A", "1", "B", "2")
	f.create("g2", TypeGCPGSM, "C", "3", "D", "4", "E", "5")
	f.create("g3", TypeGCPGSM, "F", "6")
	want := []string{"demo:g1:A", "demo:g1:B", "demo:g2:C", "demo:g2:D", "demo:g2:E", "demo:g3:F"}
	for limit := 1; limit <= 4; limit++ {
		for offset := 0; offset <= 7; offset++ {
			var list struct {
				Data       []tSecret
				Pagination tPagination
			}
			f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{"limit": limit, "offset": offset}, &list)
			var got []string
			for _, s := range list.Data {
				got = append(got, s.FQN)
			}
			lo, hi := min(offset, len(want)), min(offset+limit, len(want))
			if !slices.Equal(got, want[lo:hi]) || list.Pagination != (tPagination{len(want), offset, limit}) {
				t.Errorf("limit %d offset %d: %v %+v, want %v", limit, offset, got, list.Pagination, want[lo:hi])
			}
		}
	}
}

// TestListNeverStale: lists serve cached renderings; every kind of change
// must show in the next list.
func TestListNeverStale(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	g := f.create("cached", TypeGCPGSM, "A", "1")
	list := func() tGroup {
		var out struct{ Data []tGroup }
		f.must(f.viewer, "GET", "/api/svc/v1/secret-groups?fqn=demo:cached", nil, &out)
		return out.Data[0]
	}
	list()
	f.update(g.ID, "A", nil, "B", "2")
	if got := names(list()); !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("after update: %v", got)
	}
	f.must("", "PUT", "/_emulator/secrets/"+secretID(list(), "B")+"/active-deployments", kv{"count": 4}, nil)
	if c := list().AssociatedSecrets[1].ActiveDeploymentsCount; c == nil || *c != 4 {
		t.Fatalf("after active-deployments: %v", c)
	}
	var n int
	f.must(f.admin, "DELETE", "/api/svc/v1/secrets/"+secretID(list(), "A"), nil, &n)
	if got := names(list()); !slices.Equal(got, []string{"B"}) {
		t.Fatalf("after secret delete: %v", got)
	}
	f.must("", "POST", "/_emulator/concurrent-writer", kv{"group": "cached", "addKey": "C", "method": "POST", "pathPrefix": "/api/svc/v1/secrets"}, nil)
	f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{}, nil)
	if got := names(list()); !slices.Equal(got, []string{"B", "C"}) {
		t.Fatalf("after concurrent write: %v", got)
	}
	f.must(f.admin, "PUT", "/api/svc/v1/secret-groups", kv{"manifest": kv{"type": "secret-group", "name": "cached", "integration_fqn": f.byType[TypeGCPGSM].FQN,
		"collaborators": []kv{{"subject": "team:x", "role_id": "secret-group-editor"}}}}, nil)
	var raw struct {
		Data []struct {
			Manifest struct{ Collaborators []collaborator }
		}
	}
	f.must(f.viewer, "GET", "/api/svc/v1/secret-groups?fqn=demo:cached", nil, &raw)
	if c := raw.Data[0].Manifest.Collaborators; len(c) != 1 || c[0].Subject != "team:x" {
		t.Fatalf("after manifest upsert: %+v", c)
	}
}
