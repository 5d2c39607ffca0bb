package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentClients runs many clients creating, updating and listing at
// once (meaningful under -race) and then checks nothing was lost: every
// rotation made exactly one version, every group is listed once.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.client.Transport = nil // keep-alives on: this is about the server, not faults
	shared := f.create("shared", TypeAWSParameterStore, "COUNTER", "0")
	const workers, rounds = 8, 15

	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("worker-%d", w)
			status, body, err := f.try(f.editor, "POST", "/api/svc/v1/secret-groups",
				kv{"name": name, "integrationId": f.byType[TypeAWSParameterStore].ID, "secrets": secretsBody("K", "v0")})
			if err != nil || status != 200 {
				errs <- fmt.Errorf("create %s: %d %s %v", name, status, body, err)
				return
			}
			var created struct{ Data tGroup }
			if err := json.Unmarshal(body, &created); err != nil {
				errs <- err
				return
			}
			for r := 1; r <= rounds; r++ {
				for _, c := range []struct {
					key, method, path string
					body              any
				}{
					{f.editor, "PUT", "/api/svc/v1/secret-groups/" + created.Data.ID, kv{"secrets": secretsBody("K", fmt.Sprintf("v%d", r))}},
					{f.admin, "PUT", "/api/svc/v1/secret-groups/" + shared.ID, kv{"secrets": secretsBody("COUNTER", fmt.Sprintf("%s-%d", name, r))}},
					{f.viewer, "GET", "/api/svc/v1/secret-groups?limit=5&offset=1", nil},
					{f.admin, "POST", "/api/svc/v1/secrets", kv{"withValue": true}},
				} {
					status, body, err := f.try(c.key, c.method, c.path, c.body)
					if err != nil || status != 200 {
						errs <- fmt.Errorf("%s %s: %d %s %v", c.method, c.path, status, body, err)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	var list struct {
		Data       []tGroup
		Pagination tPagination
	}
	f.must(f.admin, "GET", "/api/svc/v1/secret-groups", nil, &list)
	if list.Pagination.Total != workers+1 {
		t.Fatalf("%d groups, want %d", list.Pagination.Total, workers+1)
	}
	seen := map[string]bool{}
	for _, g := range list.Data {
		if seen[g.Name] {
			t.Errorf("group %s listed twice", g.Name)
		}
		seen[g.Name] = true
		s := f.secret(f.admin, g.AssociatedSecrets[0].ID)
		want := rounds + 1
		if g.Name == "shared" {
			want = workers*rounds + 1
		}
		if len(s.SecretVersions) != want {
			t.Errorf("%s: %d versions, want %d", g.Name, len(s.SecretVersions), want)
		}
		if strings.HasPrefix(g.Name, "worker-") && *s.Value != fmt.Sprintf("v%d", rounds) {
			t.Errorf("%s: final value lost", g.Name)
		}
	}
}
