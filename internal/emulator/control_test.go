package emulator

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAzureSoftDelete: a key removed by PUT, by secret DELETE or by group
// DELETE stays soft-deleted for the retention, then may be re-created.
func TestAzureSoftDelete(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	az := f.byType[TypeAzureVault]
	conflict := "Secret DB-PASSWORD is already in a deleted state; recover or purge it in key vault demo-kv, or use another name"

	g := f.create("az", TypeAzureVault, "DB-PASSWORD", "a", "KEEP", "k")
	f.update(g.ID, "KEEP", nil) // removes DB-PASSWORD
	status, body := f.call(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("KEEP", nil, "DB-PASSWORD", "b")})
	f.wantError(409, conflict, status, body)

	// The soft-deleted name is listed, and expires with the retention.
	var soft struct {
		Data []struct{ IntegrationID, Group, Key, DeletedAt, ExpiresAt string }
	}
	f.must("", "GET", "/_emulator/soft-deleted", nil, &soft)
	if len(soft.Data) != 1 || soft.Data[0].Key != "DB-PASSWORD" || soft.Data[0].Group != "az" || soft.Data[0].IntegrationID != az.ID ||
		soft.Data[0].ExpiresAt != "2026-04-02T03:04:05.678Z" {
		t.Fatalf("soft-deleted list: %+v", soft)
	}
	f.clock.Advance(90*24*time.Hour - time.Millisecond)
	status, body = f.call(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("KEEP", nil, "DB-PASSWORD", "b")})
	f.wantError(409, conflict, status, body)
	f.clock.Advance(time.Millisecond)
	f.update(g.ID, "KEEP", nil, "DB-PASSWORD", "b")

	// Secret DELETE, then purge protection changes the message and
	// forbids purging.
	g = f.update(g.ID, "KEEP", nil, "DB-PASSWORD", nil)
	var n int
	f.must(f.admin, "DELETE", "/api/svc/v1/secrets/"+secretID(g, "DB-PASSWORD"), nil, &n)
	f.must("", "PUT", "/_emulator/integrations/"+az.ID+"/soft-delete", kv{"purgeProtection": true}, nil)
	status, body = f.call(f.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("KEEP", nil, "DB-PASSWORD", "c")})
	f.wantError(409, "Secret DB-PASSWORD is already in a deleted state and purge protection is enabled on key vault demo-kv; recover it or use another name until the retention period ends", status, body)
	purge := kv{"integrationId": az.ID, "group": "az", "key": "DB-PASSWORD"}
	status, body = f.call("", "POST", "/_emulator/purge", purge)
	f.wantError(409, "Purge protection is enabled on "+az.FQN+": secret DB-PASSWORD cannot be purged until its retention period ends", status, body)
	f.must("", "PUT", "/_emulator/integrations/"+az.ID+"/soft-delete", kv{"purgeProtection": false}, nil)
	f.must("", "POST", "/_emulator/purge", purge, nil)
	status, body = f.call("", "POST", "/_emulator/purge", purge)
	f.wantError(404, "Secret DB-PASSWORD of group az is not in a deleted state", status, body)
	f.update(g.ID, "KEEP", nil, "DB-PASSWORD", "c")

	// Group DELETE soft-deletes every key; a new group of the same name
	// meets them. Retention 0 turns soft delete off.
	f.must(f.admin, "DELETE", "/api/svc/v1/secret-groups/"+g.ID, nil, nil)
	status, body = f.call(f.admin, "POST", "/api/svc/v1/secret-groups", kv{"name": "az", "integrationId": az.ID, "secrets": secretsBody("KEEP", "x")})
	f.wantError(409, "Secret KEEP is already in a deleted state; recover or purge it in key vault demo-kv, or use another name", status, body)
	var state struct{ Retention string }
	f.must("", "PUT", "/_emulator/integrations/"+az.ID+"/soft-delete", kv{"retention": "0s"}, &state)
	if state.Retention != "0s" {
		t.Errorf("retention %q", state.Retention)
	}
	f.create("az", TypeAzureVault, "KEEP", "x")
}

func TestAWSRecoveryWindow(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	g := f.create("aws", TypeAWSSecretsManager, "TOKEN", "a", "OTHER", "b")
	f.must(f.admin, "DELETE", "/api/svc/v1/secret-groups/"+g.ID, nil, nil)
	status, body := f.call(f.admin, "POST", "/api/svc/v1/secret-groups",
		kv{"name": "aws", "integrationId": f.byType[TypeAWSSecretsManager].ID, "secrets": secretsBody("TOKEN", "c")})
	f.wantError(409, "You can't create secret TOKEN because a secret with this name is already scheduled for deletion; restore it or wait until the recovery window ends", status, body)
	f.clock.Advance(30 * 24 * time.Hour)
	f.create("aws", TypeAWSSecretsManager, "TOKEN", "c")

	// Stores without soft delete let a name come straight back, and
	// refuse the setting.
	p := f.create("ps", TypeAWSParameterStore, "A", "1", "B", "2")
	f.update(p.ID, "A", nil)
	f.update(p.ID, "A", nil, "B", "3")
	status, body = f.call("", "PUT", "/_emulator/integrations/"+f.byType[TypeGCPGSM].ID+"/soft-delete", kv{"retention": "1h"})
	f.wantError(400, "Integration '"+f.byType[TypeGCPGSM].FQN+"' ("+TypeGCPGSM+") has no soft delete", status, body)
}

// TestFaultyIntegration: writes fail with 424; forceDelete gets through.
func TestFaultyIntegration(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	gsm := f.byType[TypeGCPGSM]
	g := f.create("g", TypeGCPGSM, "A", "1", "B", "2")
	g2 := f.create("g2", TypeGCPGSM, "A", "1")
	var st struct{ Faulty bool }
	f.must("", "PUT", "/_emulator/integrations/"+gsm.ID+"/faulty", kv{"faulty": true}, &st)
	if !st.Faulty {
		t.Fatal("faulty not set")
	}
	msg := "Secret store integration '" + gsm.FQN + "' is unavailable; retry later, or delete with forceDelete=true"
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/svc/v1/secret-groups", kv{"name": "new", "integrationId": gsm.ID, "secrets": secretsBody("A", "1")}},
		{"PUT", "/api/svc/v1/secret-groups/" + g.ID, kv{"secrets": secretsBody("A", "x", "B", nil)}},
		{"PUT", "/api/svc/v1/secret-groups", kv{"manifest": kv{"type": "secret-group", "name": "g", "integration_fqn": gsm.FQN, "collaborators": []kv{}}}},
		{"DELETE", "/api/svc/v1/secrets/" + secretID(g, "B"), nil},
		{"DELETE", "/api/svc/v1/secret-groups/" + g.ID, nil},
		{"DELETE", "/api/svc/v1/secret-groups/" + g.ID + "?forceDelete=false", nil},
	} {
		status, body := f.call(f.admin, c.method, c.path, c.body)
		f.wantError(424, msg, status, body)
	}
	// Reads still work.
	if s := f.secret(f.admin, secretID(g, "A")); *s.Value != "1" {
		t.Errorf("read from faulty store: %+v", s)
	}
	f.must(f.admin, "DELETE", "/api/svc/v1/secrets/"+secretID(g, "B")+"?forceDelete=true", nil, nil)
	f.must(f.admin, "DELETE", "/api/svc/v1/secret-groups/"+g.ID+"?forceDelete=true", nil, nil)
	f.must("", "PUT", "/_emulator/integrations/"+gsm.ID+"/faulty", kv{"faulty": false}, nil)
	f.update(g2.ID, "A", "2")
}

// TestRolesAndValueView: viewers and --disable-value-view never see values.
func TestRolesAndValueView(t *testing.T) {
	t.Parallel()
	for _, disabled := range []bool{false, true} {
		f := start(t, Options{DisableValueView: disabled})
		g := f.create("g", TypeGCPGSM, "A", "value-a")
		id := secretID(g, "A")
		for _, who := range []struct {
			name, key string
			sees      bool
		}{{"admin", f.admin, !disabled}, {"editor", f.editor, !disabled}, {"viewer", f.viewer, false}} {
			s := f.secret(who.key, id)
			if (s.Value != nil) != who.sees || len(s.SecretVersions) != 1 {
				t.Errorf("disabled=%v %s GET secret: value shown=%v", disabled, who.name, s.Value != nil)
			}
			_, body := f.call(who.key, "POST", "/api/svc/v1/secrets", kv{"withValue": true})
			if strings.Contains(string(body), "value-a") != who.sees {
				t.Errorf("disabled=%v %s list with values: %s", disabled, who.name, body)
			}
		}
		// Editors write like admins.
		f.must(f.editor, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("A", "value-b")}, nil)
	}
}

func TestActiveDeployments(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	g := f.create("g", TypeGCPGSM, "A", "1", "B", "2")
	if f.secret(f.admin, secretID(g, "A")).ActiveDeploymentsCount != nil {
		t.Fatal("activeDeploymentsCount present before being set")
	}
	var out struct{ Data tSecret }
	f.must("", "PUT", "/_emulator/secrets/"+secretID(g, "A")+"/active-deployments", kv{"count": 3}, &out)
	if out.Data.ActiveDeploymentsCount == nil || *out.Data.ActiveDeploymentsCount != 3 {
		t.Fatalf("control answer %+v", out.Data)
	}
	if c := f.secret(f.viewer, secretID(g, "A")).ActiveDeploymentsCount; c == nil || *c != 3 {
		t.Errorf("GET secret count %v", c)
	}
	var got struct{ Data tGroup }
	f.must(f.viewer, "GET", "/api/svc/v1/secret-groups/"+g.ID, nil, &got)
	if c := got.Data.AssociatedSecrets[0].ActiveDeploymentsCount; c == nil || *c != 3 {
		t.Errorf("group secret count %v", c)
	}
	status, body := f.call("", "PUT", "/_emulator/secrets/"+secretID(g, "A")+"/active-deployments", kv{"count": -1})
	f.wantError(400, "count (0 or more) is required", status, body)
	status, body = f.call("", "PUT", "/_emulator/secrets/missing/active-deployments", kv{"count": 1})
	f.wantError(404, "Secret 'missing' not found", status, body)
}

// TestFaultInjection covers forced statuses, 429 with Retry-After, counts,
// latency and dropped connections before and after a write.
func TestFaultInjection(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	gsm := f.byType[TypeGCPGSM]

	// A forced 503 for the next two GETs of the list, then normal service.
	f.must("", "POST", "/_emulator/faults", kv{"method": "get", "pathPrefix": "/api/svc/v1/secret-groups", "status": 503, "count": 2}, nil)
	for range 2 {
		status, body := f.call(f.admin, "GET", "/api/svc/v1/secret-groups", nil)
		f.wantError(503, "Injected fault: Service Unavailable", status, body)
	}
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups", nil, nil)

	// 429 with Retry-After and a custom message, only for POST.
	f.must("", "POST", "/_emulator/faults", kv{"method": "POST", "status": 429, "retryAfterSeconds": 7, "message": "slow down", "count": 1}, nil)
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups", nil, nil)
	req, _ := http.NewRequest("POST", f.srv.URL()+"/api/svc/v1/secrets", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+f.admin)
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("429 fault: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	// Latency: a client that gives up first sees its deadline; the rule
	// is then spent and the next request is served.
	f.must("", "POST", "/_emulator/faults", kv{"delay": "5m", "count": 1}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	req, _ = http.NewRequestWithContext(ctx, "GET", f.srv.URL()+"/api/svc/v1/secret-groups", nil)
	req.Header.Set("Authorization", "Bearer "+f.admin)
	_, err = f.client.Do(req)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("delayed request: err %v, want deadline exceeded", err)
	}
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups", nil, nil)

	// Dropped before: no answer, nothing written.
	create := kv{"name": "dropped", "integrationId": gsm.ID, "secrets": secretsBody("A", "1")}
	f.must("", "POST", "/_emulator/faults", kv{"method": "POST", "pathPrefix": "/api/svc/v1/secret-groups", "drop": "before", "count": 1}, nil)
	if _, _, err := f.try(f.admin, "POST", "/api/svc/v1/secret-groups", create); err == nil {
		t.Fatal("drop before: got an answer")
	}
	var list struct{ Pagination tPagination }
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups?fqn=demo:dropped", nil, &list)
	if list.Pagination.Total != 0 {
		t.Fatal("drop before applied the write")
	}
	// Dropped after: no answer, but the write happened.
	f.must("", "POST", "/_emulator/faults", kv{"method": "POST", "drop": "after"}, nil)
	if _, _, err := f.try(f.admin, "POST", "/api/svc/v1/secret-groups", create); err == nil {
		t.Fatal("drop after: got an answer")
	}
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups?fqn=demo:dropped", nil, &list)
	if list.Pagination.Total != 1 {
		t.Fatal("drop after did not apply the write")
	}
	// count 0 means until cleared; the listing shows it; DELETE clears.
	var faults struct {
		Faults []FaultRule
	}
	f.must("", "GET", "/_emulator/faults", nil, &faults)
	if len(faults.Faults) != 1 || faults.Faults[0].Drop != "after" {
		t.Fatalf("armed faults: %+v", faults)
	}
	f.must("", "DELETE", "/_emulator/faults", nil, &faults)
	if len(faults.Faults) != 0 {
		t.Fatalf("faults after clear: %+v", faults)
	}
	f.must(f.admin, "POST", "/api/svc/v1/secret-groups", kv{"name": "served", "integrationId": gsm.ID, "secrets": secretsBody("A", "1")}, nil)

	for _, bad := range []struct {
		body kv
		msg  string
	}{
		{kv{}, "a fault needs at least one of delay, status or drop"},
		{kv{"status": 200}, "status must be between 400 and 599"},
		{kv{"delay": "soon"}, `delay must be a Go duration between 0 and 5m0s, e.g. "250ms"`},
		{kv{"drop": "sideways"}, `drop must be "before" or "after"`},
		{kv{"drop": "before", "status": 500}, "a rule either drops the connection or answers a status, not both"},
		{kv{"status": 500, "count": -1}, "count must be 0 (every request) or more"},
	} {
		status, body := f.call("", "POST", "/_emulator/faults", bad.body)
		f.wantError(400, bad.msg, status, body)
	}
}

// TestConcurrentWriter: the group changes right after the matching read,
// so the reader's view is stale by the time it writes.
func TestConcurrentWriter(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	g := f.create("raced", TypeGCPGSM, "A", "1", "B", "2")
	f.must("", "POST", "/_emulator/concurrent-writer", kv{"group": "raced", "addKey": "INTRUDER", "removeKey": "B"}, nil)
	// A read of another path does not trigger it.
	f.must(f.admin, "POST", "/api/svc/v1/secrets", kv{}, nil)
	var seen struct{ Data tGroup }
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups/"+g.ID, nil, &seen)
	if got := names(seen.Data); !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("the triggering read saw %v, want the state before the write", got)
	}
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups/"+g.ID, nil, &seen)
	if got := names(seen.Data); !slices.Equal(got, []string{"A", "INTRUDER"}) {
		t.Fatalf("after the concurrent write: %v", got)
	}
	// It fires once.
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups/"+g.ID, nil, &seen)
	if len(seen.Data.AssociatedSecrets) != 2 {
		t.Fatalf("writer fired twice: %v", names(seen.Data))
	}
	status, body := f.call("", "POST", "/_emulator/concurrent-writer", kv{"group": "raced", "addKey": "BAD.KEY"})
	f.wantError(422, "Secret key 'BAD.KEY' is not valid for gcp/gsm: it must match ^[A-Za-z0-9_-]{1,255}$", status, body)
	status, body = f.call("", "POST", "/_emulator/concurrent-writer", kv{"group": "missing", "addKey": "X"})
	f.wantError(404, "Secret group 'missing' not found", status, body)
	status, body = f.call("", "POST", "/_emulator/concurrent-writer", kv{"group": "raced"})
	f.wantError(400, "group and at least one of addKey, removeKey or rotateKey are required", status, body)
	status, body = f.call("", "POST", "/_emulator/concurrent-writer", kv{"group": "raced", "addKey": "X", "when": "during"})
	f.wantError(400, `when must be "before" or "after"`, status, body)
	status, body = f.call("", "POST", "/_emulator/concurrent-writer", kv{"group": "raced", "addKey": "X", "skip": -1})
	f.wantError(400, "skip must be 0 or more", status, body)
}

// TestConcurrentWriterAim: skip and when place the writer at any point of a
// sequence: here the second write to a group, just before it is served (the
// write then sees the change) or just after (the next read sees it), and a
// rotation that makes a new version.
func TestConcurrentWriterAim(t *testing.T) {
	t.Parallel()
	for _, when := range []string{"before", "after"} {
		t.Run(when, func(t *testing.T) {
			t.Parallel()
			f := start(t, Options{})
			g := f.create("aimed", TypeGCPGSM, "A", "1", "B", "2")
			f.must("", "POST", "/_emulator/concurrent-writer", kv{"group": g.ID, "method": "put", "pathPrefix": "/api/svc/v1/secret-groups/" + g.ID,
				"skip": 1, "when": when, "addKey": "THEIRS", "rotateKey": "B"}, nil)
			first := f.update(g.ID, "A", "1a", "B", nil)
			if got := names(first); !slices.Equal(got, []string{"A", "B"}) {
				t.Fatalf("the skipped write saw %v", got)
			}
			second := f.update(g.ID, "A", "1b", "B", nil)
			var now struct{ Data tGroup }
			f.must(f.admin, "GET", "/api/svc/v1/secret-groups/"+g.ID, nil, &now)
			want := map[string][]string{
				// Landing before our PUT, the new key is deleted by it: the
				// window a client's re-read cannot close.
				"before": {"A", "B"},
				"after":  {"A", "B", "THEIRS"},
			}[when]
			if got := names(now.Data); !slices.Equal(got, want) {
				t.Fatalf("after the aimed write: %v, want %v (the PUT answered %v)", got, want, names(second))
			}
			var b tSecret
			for _, s := range now.Data.AssociatedSecrets {
				if s.Name == "B" {
					b = f.secret(f.admin, s.ID)
				}
			}
			if len(b.SecretVersions) != 2 || b.Value == nil || !strings.HasPrefix(*b.Value, "concurrent-") {
				t.Fatalf("rotated key B: %d versions, value rotated=%v", len(b.SecretVersions), b.Value != nil && strings.HasPrefix(*b.Value, "concurrent-"))
			}
		})
	}
}

// TestReset: back to the start-up state with the same integration ids.
func TestReset(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	before := f.srv.Integrations()
	g := f.create("g", TypeAzureVault, "A", "1", "B", "2")
	f.update(g.ID, "A", nil)
	f.must("", "PUT", "/_emulator/integrations/"+f.byType[TypeAzureVault].ID+"/faulty", kv{"faulty": true}, nil)
	f.must("", "POST", "/_emulator/faults", kv{"status": 500, "pathPrefix": "/api/svc/v1/provider-accounts"}, nil)
	f.must("", "POST", "/_emulator/reset", nil, nil)

	if after := f.srv.Integrations(); !slices.Equal(before, after) {
		t.Errorf("integrations changed: %v -> %v", before, after)
	}
	var list struct{ Pagination tPagination }
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups", nil, &list)
	if list.Pagination.Total != 0 {
		t.Error("groups survived reset")
	}
	f.must(f.admin, "GET", "/api/svc/v1/provider-accounts", nil, nil)
	var soft struct{ Data []any }
	f.must("", "GET", "/_emulator/soft-deleted", nil, &soft)
	if len(soft.Data) != 0 {
		t.Error("soft-deleted names survived reset")
	}
	f.create("g", TypeAzureVault, "B", "2") // not faulty, not soft-deleted
}
