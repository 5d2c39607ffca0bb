package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStatePersists: groups, versions, integration ids and settings survive
// a restart; the file is 0600 and leaves no temp files behind.
func TestStatePersists(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	f := start(t, Options{StatePath: path})
	ints := f.srv.Integrations()
	g := f.create("kept", TypeAzureVault, "A", "v1", "B", "b1")
	f.update(g.ID, "A", "v2")
	f.must("", "PUT", "/_emulator/integrations/"+f.byType[TypeGCPGSM].ID+"/faulty", kv{"faulty": true}, nil)
	f.must("", "PUT", "/_emulator/secrets/"+secretID(g, "A")+"/active-deployments", kv{"count": 2}, nil)
	if err := f.srv.Stop(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("state directory holds %d entries, want only the state file", len(entries))
	}

	f2 := start(t, Options{StatePath: path})
	if !slices.Equal(ints, f2.srv.Integrations()) {
		t.Error("integration ids changed across restart")
	}
	a := f2.secret(f2.admin, secretID(g, "A"))
	if *a.Value != "v2" || len(a.SecretVersions) != 2 || a.ActiveDeploymentsCount == nil || *a.ActiveDeploymentsCount != 2 {
		t.Errorf("secret after restart: %+v", a)
	}
	// B was removed and is soft-deleted in Azure; that survives too.
	status, body := f2.call(f2.admin, "PUT", "/api/svc/v1/secret-groups/"+g.ID, kv{"secrets": secretsBody("A", nil, "B", "b2")})
	f2.wantError(409, "", status, body)
	gsm := f2.byType[TypeGCPGSM].ID
	status, body = f2.call(f2.admin, "POST", "/api/svc/v1/secret-groups", kv{"name": "x", "integrationId": gsm, "secrets": secretsBody("A", "1")})
	f2.wantError(424, "", status, body)
}

// TestStateFileRefused: a corrupt, foreign or inconsistent file stops
// start-up with a message naming the file, and is never overwritten.
func TestStateFileRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, content, want string
	}{
		{"not json", "{\"format\":1,", "is not valid emulator state (the JSON value is cut short)"},
		{"garbage", "\x00\x01garbage", "is not valid emulator state (syntax error at byte offset 1)"},
		{"wrong shape", `{"format":1,"groups":{}}`, "is not valid emulator state (field 'groups' must be an array, got a JSON object)"},
		{"other format", `{"format":99}`, "has format 99, this emulator reads format 1"},
		{"other tenant", `{"format":1,"tenant":"acme"}`, `holds tenant "acme", not "demo"; pass --tenant acme`},
		{"dangling integration", `{"format":1,"tenant":"demo","groups":[{"id":"g1","name":"g","integrationId":"gone"}]}`, `group "g": unknown integration "gone"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := NewServer(Options{StatePath: path})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err %v, want it to name %s and say %q", err, path, tc.want)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, []byte(tc.content)) {
				t.Error("the state file was changed")
			}
		})
	}
}

func TestUnwritableStatePath(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing-dir", "state.json")
	_, err := NewServer(Options{StatePath: path})
	if err == nil || !strings.HasPrefix(err.Error(), "save state: ") || !strings.Contains(err.Error(), "missing-dir") {
		t.Fatalf("err %v", err)
	}
}

// TestSaveFailure: a write whose state cannot be saved answers 500 and
// names the failure, not the value.
func TestSaveFailure(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f := start(t, Options{StatePath: filepath.Join(dir, "state.json")})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	status, body := f.call(f.admin, "POST", "/api/svc/v1/secret-groups",
		kv{"name": "g", "integrationId": f.byType[TypeGCPGSM].ID, "secrets": secretsBody("A", "canary-save-9f")})
	f.wantError(500, "", status, body)
	if !strings.Contains(string(body), "Emulator could not persist its state: save state: ") || strings.Contains(string(body), "canary-save-9f") {
		t.Errorf("body %s", body)
	}
}

// TestEmptyStateFile: an empty file (as mktemp leaves) is a fresh start.
func TestEmptyStateFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f := start(t, Options{StatePath: path})
	f.create("g", TypeGCPGSM, "A", "1")
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte(`"name":"g"`)) {
		t.Errorf("state not written: %s", b)
	}
}

func TestListenAddress(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", "example.com:0", "localhost", "127.0.0.1:http", "127.0.0.1:70000"} {
		if _, err := NewServer(Options{Addr: addr}); err == nil {
			t.Errorf("%s: accepted", addr)
		}
	}
	for _, addr := range []string{":0", "127.0.0.1:0", "[::1]:0"} {
		srv, err := NewServer(Options{Addr: addr})
		if err != nil {
			if strings.Contains(addr, "::1") && strings.Contains(err.Error(), "listen") {
				continue // no IPv6 loopback on this machine
			}
			t.Fatalf("%s: %v", addr, err)
		}
		if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") && !strings.HasPrefix(srv.URL(), "http://[::1]:") {
			t.Errorf("%s: URL %s", addr, srv.URL())
		}
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	}
}

func TestParseAPIKey(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want APIKey
	}{
		{"abc", APIKey{"abc", RoleAdmin}},
		{"abc:viewer", APIKey{"abc", RoleViewer}},
		{"abc:editor", APIKey{"abc", RoleEditor}},
		{"a:b:admin", APIKey{"a:b", RoleAdmin}},
	}
	for _, tc := range good {
		if got, err := ParseAPIKey(tc.in); err != nil || got != tc.want {
			t.Errorf("%q: %+v %v", tc.in, got, err)
		}
	}
	canary := "canary-Zq81"
	bad := []struct{ in, want string }{
		{"", "api key: empty"},
		{":viewer", "api key: empty"},
		{canary + ":owner", "api key: the part after the last ':' must be a role: admin, editor or viewer"},
		{canary + " x", "api key: byte 12 is a space, control or non-ASCII character, which cannot be sent in a header"},
		{canary + "\x7f:viewer", "api key: byte 12 is a space"},
		{"é" + canary, "api key: byte 1 is"},
	}
	for _, tc := range bad {
		_, err := ParseAPIKey(tc.in)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.in, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("%q: error repeats the key: %v", tc.in, err)
		}
	}
	if _, err := NewServer(Options{Tenant: "a:b"}); err == nil {
		t.Error("tenant with ':' accepted")
	}
}

// TestGeneratedKey: without --api-key the emulator makes a random admin key
// shaped like a TrueFoundry JWT, carrying the tenant claim clients read.
func TestGeneratedKey(t *testing.T) {
	t.Parallel()
	a, err := NewServer(Options{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	b, err := NewServer(Options{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	if a.APIKey() == b.APIKey() {
		t.Fatal("two servers generated the same key")
	}
	parts := strings.Split(a.APIKey(), ".")
	if len(parts) != 3 {
		t.Fatalf("key has %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		TenantName string `json:"tenantName"`
		Exp        int64  `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.TenantName != "acme" || claims.Exp < 4_000_000_000 {
		t.Errorf("claims %s", payload)
	}
	resp, err := a.Client().Get(a.URL() + "/api/svc/v1/secret-groups")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("generated key: status %d", resp.StatusCode)
	}
}
