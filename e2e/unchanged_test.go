package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// TestUnchangedValueMakesNoVersion: rotating a key to the value it already
// holds is planned as "= unchanged", asks nothing and writes nothing, so the
// secret keeps its version; with one real change, only that key gets a new
// version.
func TestUnchangedValueMakesNoVersion(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["SAME"], u.env["OTHER"], u.env["NEXT"] = testkit.Canary("same-"), testkit.Canary("other-"), testkit.Canary("next-")
	u.must("", "group", "create", "steady", "--provider", "gcp", "--from-env", "A=SAME", "--from-env", "B=OTHER", "--yes")

	// No --yes and no terminal: a plan that writes nothing needs no confirmation.
	r := u.run("", "group", "update", "steady", "--from-env", "A=SAME")
	if r.code != 0 || !strings.Contains(r.stderr, "= A   unchanged   from env SAME") || !strings.Contains(r.stdout, `Nothing to write to secret group "steady"`) {
		t.Fatalf("%v", r)
	}
	if v := e.versions(t, "steady", "A"); v != 1 {
		t.Fatalf("A has %d versions after an unchanged write, want 1", v)
	}

	r = u.must("", "group", "update", "steady", "--from-env", "A=SAME", "--from-env", "B=NEXT", "--yes", "-o", "json")
	var doc struct {
		Result struct {
			Changes []struct{ Key, Action string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{}
	for _, c := range doc.Result.Changes {
		actions[c.Key] = c.Action
	}
	if actions["A"] != "unchanged" || actions["B"] != "rotate" {
		t.Fatalf("%v", r)
	}
	if a, b := e.versions(t, "steady", "A"), e.versions(t, "steady", "B"); a != 1 || b != 2 {
		t.Fatalf("versions: A %d (want 1), B %d (want 2)", a, b)
	}
	if got := e.stored(t, "steady"); got["A"] != u.env["SAME"] || got["B"] != u.env["NEXT"] {
		t.Fatal("stored values differ from the ones written")
	}
}

// versions counts a secret's versions, read straight from the API.
func (e *emulator) versions(t *testing.T, group, key string) int {
	t.Helper()
	var groups struct {
		Data []struct {
			Secrets []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"associatedSecrets"`
		} `json:"data"`
	}
	e.api(t, http.MethodGet, "/api/svc/v1/secret-groups?fqn=demo:"+group, nil, &groups)
	for _, g := range groups.Data {
		for _, s := range g.Secrets {
			if s.Name != key {
				continue
			}
			var one struct {
				Data struct {
					Versions []struct{} `json:"secretVersions"`
				} `json:"data"`
			}
			e.api(t, http.MethodGet, "/api/svc/v1/secrets/"+s.ID, nil, &one)
			return len(one.Data.Versions)
		}
	}
	t.Fatalf("no key %s in group %s", key, group)
	return 0
}
