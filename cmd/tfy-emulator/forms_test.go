package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// TestWireFormFlags: --full-integration-type and --omit-group-name reach
// the emulator, and without them it serves the documented forms.
func TestWireFormFlags(t *testing.T) {
	t.Parallel()
	type answer struct {
		integrationType string
		groupHasName    bool
	}
	ask := func(args ...string) answer {
		t.Helper()
		p := launch(t, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
		defer p.stop(t, syscall.SIGTERM)
		base := firstLine.FindStringSubmatch(p.lines[0])[1]
		key := strings.TrimPrefix(p.lines[2], "export TFY_API_KEY=")
		call := func(method, path, body string, out any) {
			t.Helper()
			req, _ := http.NewRequest(method, base+"/api/svc/v1/"+path, bytes.NewReader([]byte(body)))
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, err)
			}
		}
		var ints struct {
			Data []struct{ ID, Type string }
		}
		call("GET", "provider-integrations?type=secret-store", "", &ints)
		var created struct {
			Data map[string]json.RawMessage
		}
		call("POST", "secret-groups", `{"name":"g","integrationId":"`+ints.Data[0].ID+`","secrets":[{"key":"K","value":"v"}]}`, &created)
		_, hasName := created.Data["name"]
		return answer{ints.Data[0].Type, hasName}
	}
	if got := ask(); got.integrationType != "secret-store" || !got.groupHasName {
		t.Errorf("default forms: %+v", got)
	}
	if got := ask("--full-integration-type", "--omit-group-name"); !strings.HasPrefix(got.integrationType, "integration/secret-store/") || got.groupHasName {
		t.Errorf("alternate forms: %+v", got)
	}
}
