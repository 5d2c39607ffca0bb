package emulator

import (
	"strconv"
	"strings"
	"testing"
)

// TestErrors pins every error of truefoundry-api.md section 12 and the
// emulator's own input checks: status and exact HttpError message.
func TestErrors(t *testing.T) {
	t.Parallel()
	backends(t, testErrors)
}

func testErrors(t *testing.T, opts Options) {
	f := start(t, opts)
	az := f.create("az-app", TypeAzureVault, "DB-PASSWORD", "v1", "API-KEY", "v2")
	one := f.create("single", TypeGCPGSM, "ONLY", "v")
	ecr := ""
	for _, in := range f.srv.Integrations() {
		if in.Type == typeDockerRegistry {
			ecr = in.ID
		}
	}
	azID := f.byType[TypeAzureVault].ID
	base := "/api/svc/v1/"
	createBody := func(name, integration string, secrets any) kv {
		return kv{"name": name, "integrationId": integration, "secrets": secrets}
	}
	cases := []struct {
		name         string
		key          string // "" sends no Authorization header
		method, path string
		body         any
		status       int
		message      string
	}{
		{"no bearer", "", "GET", base + "secret-groups", nil, 401, "Missing bearer token: send the header 'Authorization: Bearer <TFY_API_KEY>'"},
		{"unknown key", "not-a-key", "GET", base + "secret-groups", nil, 401, "Invalid API key"},
		{"viewer create", f.viewer, "POST", base + "secret-groups", createBody("x", azID, secretsBody("A", "b")), 403, "Permission denied: the viewer role cannot modify secrets"},
		{"viewer update", f.viewer, "PUT", base + "secret-groups/" + az.ID, kv{"secrets": secretsBody("A", "b")}, 403, "Permission denied: the viewer role cannot modify secrets"},
		{"viewer delete group", f.viewer, "DELETE", base + "secret-groups/" + az.ID, nil, 403, "Permission denied: the viewer role cannot modify secrets"},
		{"viewer delete secret", f.viewer, "DELETE", base + "secrets/" + secretID(az, "API-KEY"), nil, 403, "Permission denied: the viewer role cannot modify secrets"},
		{"viewer apply", f.viewer, "PUT", base + "apply", kv{}, 403, "Permission denied: the viewer role cannot modify secrets"},
		{"duplicate name", f.admin, "POST", base + "secret-groups", createBody("az-app", azID, secretsBody("A", "b")), 409, "Secret group with name 'az-app' already exists"},
		{"create zero secrets", f.admin, "POST", base + "secret-groups", createBody("new", azID, []kv{}), 400, "At least one secret is required"},
		{"update zero secrets", f.admin, "PUT", base + "secret-groups/" + az.ID, kv{"secrets": []kv{}}, 400, "At least one secret is required"},
		{"delete last secret", f.admin, "DELETE", base + "secrets/" + secretID(one, "ONLY"), nil, 400, "At least one secret is required"},
		{"new key without value", f.admin, "PUT", base + "secret-groups/" + az.ID, kv{"secrets": secretsBody("DB-PASSWORD", nil, "NEW-KEY", nil)}, 422, "Value is required for new secret 'NEW-KEY'"},
		{"create without name", f.admin, "POST", base + "secret-groups", kv{"integrationId": azID, "secrets": secretsBody("A", "b")}, 422, "Missing required fields"},
		{"create without integration", f.admin, "POST", base + "secret-groups", kv{"name": "n", "secrets": secretsBody("A", "b")}, 422, "Missing required fields"},
		{"create without secrets", f.admin, "POST", base + "secret-groups", kv{"name": "n", "integrationId": azID}, 422, "Missing required fields"},
		{"create secret without value", f.admin, "POST", base + "secret-groups", createBody("n", azID, secretsBody("A", nil)), 422, "Missing required fields"},
		{"create secret without key", f.admin, "POST", base + "secret-groups", createBody("n", azID, []kv{{"value": "x"}}), 422, "Missing required fields"},
		{"update without secrets", f.admin, "PUT", base + "secret-groups/" + az.ID, kv{}, 422, "Missing required fields"},
		{"update secret without key", f.admin, "PUT", base + "secret-groups/" + az.ID, kv{"secrets": []kv{{"value": "x"}}}, 422, "Missing required fields"},
		{"unknown integration", f.admin, "POST", base + "secret-groups", createBody("n", "nope", secretsBody("A", "b")), 422, "Integration 'nope' not found or is not a secret store"},
		{"not a secret store", f.admin, "POST", base + "secret-groups", createBody("n", ecr, secretsBody("A", "b")), 422, "Integration '" + ecr + "' not found or is not a secret store"},
		{"duplicate key", f.admin, "PUT", base + "secret-groups/" + az.ID, kv{"secrets": secretsBody("DB-PASSWORD", nil, "DB-PASSWORD", "x")}, 422, "Secret key 'DB-PASSWORD' appears more than once"},
		{"invalid group name", f.admin, "POST", base + "secret-groups", createBody("a:b", azID, secretsBody("A", "b")), 422, "Invalid secret group name 'a:b': use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"},
		{"unknown group get", f.admin, "GET", base + "secret-groups/missing", nil, 404, "Secret group 'missing' not found"},
		{"unknown group put", f.admin, "PUT", base + "secret-groups/missing", kv{"secrets": secretsBody("A", "b")}, 404, "Secret group 'missing' not found"},
		{"unknown group delete", f.admin, "DELETE", base + "secret-groups/missing", nil, 404, "Secret group 'missing' not found"},
		{"unknown secret", f.admin, "GET", base + "secrets/missing", nil, 404, "Secret 'missing' not found"},
		{"unknown secret delete", f.admin, "DELETE", base + "secrets/missing", nil, 404, "Secret 'missing' not found"},
		{"unknown secret versions", f.admin, "GET", base + "secrets/missing/versions", nil, 404, "Secret 'missing' not found"},
		{"list secrets unknown group", f.admin, "POST", base + "secrets", kv{"secretGroupId": "missing"}, 404, "Secret group 'missing' not found"},
		{"limit zero", f.admin, "GET", base + "secret-groups?limit=0", nil, 400, "limit must be between 1 and 1000"},
		{"limit too big", f.admin, "GET", base + "secret-groups?limit=1001", nil, 400, "limit must be between 1 and 1000"},
		{"limit not a number", f.admin, "GET", base + "secret-groups?limit=ten", nil, 400, "limit must be an integer"},
		{"negative offset", f.admin, "GET", base + "secret-groups?offset=-1", nil, 400, "offset must be 0 or more"},
		{"fractional limit", f.admin, "POST", base + "secrets", `{"limit":1.5}`, 400, "Invalid JSON body: field 'limit' must be an integer, got a JSON number 1.5"},
		{"string limit", f.admin, "POST", base + "secrets", `{"limit":"10"}`, 400, "Invalid JSON body: field 'limit' must be an integer, got a JSON string"},
		{"body limit too big", f.admin, "POST", base + "secrets", kv{"limit": 5000}, 400, "limit must be between 1 and 1000"},
		{"bad forceDelete", f.admin, "DELETE", base + "secret-groups/" + az.ID + "?forceDelete=maybe", nil, 400, "forceDelete must be true or false"},
		{"broken json", f.admin, "POST", base + "secret-groups", `{"name": "x",`, 400, "Invalid JSON body: the JSON value is cut short"},
		{"syntax error", f.admin, "POST", base + "secret-groups", `{"name" "x"}`, 400, "Invalid JSON body: syntax error at byte offset 9"},
		{"wrong value type", f.admin, "PUT", base + "secret-groups/" + az.ID, `{"secrets":[{"key":"A","value":42}]}`, 400, "Invalid JSON body: field 'secrets.value' must be a string, got a JSON number"},
		{"wrong secrets type", f.admin, "PUT", base + "secret-groups/" + az.ID, `{"secrets":"A"}`, 400, "Invalid JSON body: field 'secrets' must be an array, got a JSON string"},
		{"trailing data", f.admin, "PUT", base + "secret-groups/" + az.ID, `{"secrets":[]} {}`, 400, "Invalid JSON body: unexpected data after the JSON value"},
		{"empty body", f.admin, "POST", base + "secret-groups", "", 400, "Request body is required"},
		{"method not allowed", f.admin, "PATCH", base + "secret-groups", nil, 405, "Method not allowed"},
		{"unknown path", f.admin, "GET", base + "nothing-here", nil, 404, "Not found"},
		{"dot segment", f.admin, "POST", base + ".", kv{}, 404, "Not found"},
		{"dot-dot segment", f.admin, "GET", base + "secret-groups/../provider-accounts", nil, 404, "Not found"},
		{"double slash", f.admin, "GET", "/api/svc//v1/secret-groups", nil, 404, "Not found"},
		{"manifest without fields", f.admin, "PUT", base + "secret-groups", kv{"manifest": kv{"type": "secret-group", "name": "m"}}, 422, "Missing required fields"},
		{"manifest wrong type", f.admin, "PUT", base + "secret-groups", kv{"manifest": kv{"type": "service", "name": "m"}}, 422, "manifest.type must be 'secret-group'"},
		{"apply other type", f.admin, "PUT", base + "apply", kv{"manifest": kv{"type": "cluster", "name": "m"}}, 422, "Unsupported manifest type 'cluster': this emulator applies secret-group manifests and the deployment kinds " + deploymentKindList},
		{"manifest unknown integration", f.admin, "PUT", base + "secret-groups", kv{"manifest": kv{"type": "secret-group", "name": "m", "integration_fqn": "demo:x:y:secret-store:z", "collaborators": []kv{}}}, 422, "Integration 'demo:x:y:secret-store:z' not found or is not a secret store"},
		{"manifest moves integration", f.admin, "PUT", base + "secret-groups", kv{"manifest": kv{"type": "secret-group", "name": "az-app", "integration_fqn": f.byType[TypeGCPGSM].FQN, "collaborators": []kv{}}}, 409, "Secret group 'az-app' already exists with integration '" + f.byType[TypeAzureVault].FQN + "'; a group's integration cannot be changed"},
		{"delete manifest unknown", f.admin, "POST", base + "delete", kv{"manifest": kv{"type": "secret-group", "name": "nope"}}, 404, "Secret group 'nope' not found"},
		{"unknown control path", "", "GET", "/_emulator/nothing", nil, 404, "Not found"},
		{"delete manifest other type", f.admin, "POST", base + "delete", kv{"manifest": kv{"type": "cluster", "name": "x"}}, 422, "Unsupported manifest type 'cluster': this emulator deletes secret-group manifests and the deployment kinds " + deploymentKindList},
		{"faulty unknown integration", "", "PUT", "/_emulator/integrations/nope/faulty", kv{"faulty": true}, 404, "Integration 'nope' not found"},
		{"faulty without flag", "", "PUT", "/_emulator/integrations/" + azID + "/faulty", kv{}, 400, "faulty (true or false) is required"},
		{"negative retention", "", "PUT", "/_emulator/integrations/" + azID + "/soft-delete", kv{"retention": "-1h"}, 400, `retention must be a Go duration of 0 or more, e.g. "2160h"; 0 turns soft delete off`},
		{"purge without fields", "", "POST", "/_emulator/purge", kv{"group": "g"}, 400, "integrationId, group and key are required"},
		{"purge unknown integration", "", "POST", "/_emulator/purge", kv{"integrationId": "nope", "group": "g", "key": "k"}, 404, "Integration 'nope' not found"},
		{"control body not json", "", "POST", "/_emulator/faults", "{", 400, "Invalid JSON body: the JSON value is cut short"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.call(tc.key, tc.method, tc.path, tc.body)
			f.wantError(tc.status, tc.message, status, body)
		})
	}
	// Nothing above may have changed the groups.
	var after struct{ Data tGroup }
	f.must(f.admin, "GET", base+"secret-groups/"+az.ID, nil, &after)
	if len(after.Data.AssociatedSecrets) != 2 {
		t.Errorf("failed requests changed the group: %+v", after.Data.AssociatedSecrets)
	}
}

// TestStoreRules checks each store's key rule and value limit at the
// boundary: the longest allowed key and value pass, one more fails.
func TestStoreRules(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	cases := []struct {
		typ, goodKey, badKey, rule string
		maxKey, maxValue           int
	}{
		{TypeAzureVault, "DB-PASSWORD", "DB_PASSWORD", `^[0-9A-Za-z-]{1,127}$`, 127, 25600},
		{TypeGCPGSM, "db_password-1", "db.password", `^[A-Za-z0-9_-]{1,255}$`, 255, 65536},
		{TypeAWSSecretsManager, "app/db_pass+x=y.z@w-1", "db pass", `^[A-Za-z0-9/_+=.@-]{1,512}$`, 512, 65536},
		{TypeAWSParameterStore, "db_pass.x-1", "db/pass", `^[A-Za-z0-9_.-]{1,1011}$`, 1011, 4096},
	}
	for i, tc := range cases {
		short := rulesByType[tc.typ].short
		t.Run(short, func(t *testing.T) {
			id := f.byType[tc.typ].ID
			post := func(name, key string, valueLen int) (int, []byte) {
				return f.call(f.admin, "POST", "/api/svc/v1/secret-groups",
					kv{"name": name, "integrationId": id, "secrets": secretsBody(key, strings.Repeat("v", valueLen))})
			}
			name := func(s string) string { return "rules-" + string(rune('a'+i)) + "-" + s }
			if status, body := post(name("good"), tc.goodKey, tc.maxValue); status != 200 {
				t.Fatalf("good key and largest value: %d %s", status, body)
			}
			if status, body := post(name("long"), strings.Repeat("K", tc.maxKey), 1); status != 200 {
				t.Fatalf("longest key: %d %s", status, body)
			}
			status, body := post(name("bad"), tc.badKey, 1)
			f.wantError(422, "Secret key '"+tc.badKey+"' is not valid for "+short+": it must match "+tc.rule, status, body)
			status, body = post(name("toolong"), strings.Repeat("K", tc.maxKey+1), 1)
			f.wantError(422, "", status, body)
			if !strings.Contains(string(body), tc.rule) {
				t.Errorf("too-long key error does not name the rule: %s", body)
			}
			status, body = post(name("big"), tc.goodKey, tc.maxValue+1)
			f.wantError(422, "Value of secret '"+tc.goodKey+"' is "+strconv.Itoa(tc.maxValue+1)+" bytes; "+short+" allows at most "+strconv.Itoa(tc.maxValue)+" bytes", status, body)
		})
	}
}
