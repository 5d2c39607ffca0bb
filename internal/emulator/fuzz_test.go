package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH"}

// FuzzRequest sends arbitrary method, path, query and body to the emulator
// (in-process, against a seeded group) and checks the answer is JSON, every
// error is a well-formed HttpError, and no error carries the planted value.
func FuzzRequest(f *testing.F) {
	seeds := []struct {
		method      uint8
		path, query string
		body        string
	}{
		{0, "secret-groups", "limit=2&offset=1&search=a&attributes=id,name&attributes=fqn", ""},
		{0, "secret-groups", "fqn=demo:fuzz", ""},
		{0, "secret-groups", "limit=abc&offset=-1", ""},
		{1, "secret-groups", "", `{"name":"n","integrationId":"INT","secrets":[{"key":"A","value":"b"}]}`},
		{1, "secret-groups", "", `{"name":"n","integrationId":"INT","secrets":[]}`},
		{1, "secret-groups", "", `{"name":1}`},
		{2, "secret-groups/GID", "", `{"secrets":[{"key":"K"},{"key":"NEW","value":"x"}]}`},
		{2, "secret-groups/GID", "", `{"secrets":[{"key":"K","value":null}]}`},
		{2, "secret-groups", "", `{"manifest":{"type":"secret-group","name":"m","integration_fqn":"demo:gcp:gcp-dev:secret-store:gsm","collaborators":[]},"dryRun":true}`},
		{2, "apply", "", `{"manifest":{"type":"secret-group","name":"m","integration_fqn":"x","collaborators":[{"subject":"","role_id":""}]}}`},
		{1, "secrets", "", `{"secretGroupId":"GID","withValue":true,"limit":1,"offset":0,"secretFqns":["demo:fuzz:K"]}`},
		{1, "secrets", "", `{"limit":0}`},
		{3, "secret-groups/GID", "forceDelete=yes", ""},
		{3, "secrets/SID", "forceDelete=true", ""},
		{0, "secrets/SID/versions", "limit=1", ""},
		{0, "provider-accounts", "type=secret-store&id=x", ""},
		{0, "provider-integrations", "type=secret-store&fqn=a", ""},
		{1, "delete", "", `{"manifest":{"type":"secret-group","name":"fuzz"}}`},
		{1, "/_emulator/faults", "", `{"delay":"1ms","count":1}`},
		{1, "/_emulator/concurrent-writer", "", `{"group":"fuzz","addKey":"X"}`},
		{2, "/_emulator/integrations/INT/soft-delete", "", `{"retention":"-1h"}`},
		{1, "/_emulator/purge", "", `{"integrationId":"INT","group":"fuzz","key":"K"}`},
		{4, "secret-groups", "", "\xff\xfe{"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, []byte(s.body))
	}
	const canary = "fuzz-canary-Hq7x"
	f.Fuzz(func(t *testing.T, method uint8, path, query string, body []byte) {
		srv, err := newServer(Options{APIKeys: []APIKey{{"k", RoleAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		h := srv.Handler()
		var gsm string
		for _, in := range srv.Integrations() {
			if in.Type == TypeGCPGSM {
				gsm = in.ID
			}
		}
		rec := serve(h, "POST", apiPrefix+"secret-groups", "", []byte(`{"name":"fuzz","integrationId":"`+gsm+`","secrets":[{"key":"K","value":"`+canary+`"},{"key":"L","value":"x"}]}`))
		var created struct{ Data tGroup }
		if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || rec.Code != 200 {
			t.Fatalf("seed group: %d %s", rec.Code, rec.Body)
		}
		// Let seeds name real ids.
		r := strings.NewReplacer("GID", created.Data.ID, "SID", secretID(created.Data, "K"), "INT", gsm)
		target := r.Replace(path)
		if !strings.HasPrefix(target, "/") {
			target = apiPrefix + target
		}
		u := target
		if query != "" {
			u += "?" + query
		}
		rec = serve(h, fuzzMethods[int(method)%len(fuzzMethods)], u, "", []byte(r.Replace(string(body))))
		if rec == nil {
			return // not a URL any client could send
		}
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %q", rec.Body)
		}
		if rec.Code >= 400 {
			var he struct {
				StatusCode int    `json:"statusCode"`
				Message    string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &he); err != nil || he.StatusCode != rec.Code || he.Message == "" {
				t.Fatalf("not an HttpError: %d %s", rec.Code, rec.Body)
			}
			if strings.Contains(he.Message, canary) {
				t.Fatalf("error carries the value: %s", rec.Body)
			}
		}
	})
}

// serve runs one request in-process with the bearer key "k" unless key
// is given; it returns nil for a target that is not a valid URL.
func serve(h http.Handler, method, target, key string, body []byte) *httptest.ResponseRecorder {
	if key == "" {
		key = "k"
	}
	req, err := http.NewRequest(method, "http://127.0.0.1"+target, bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// FuzzParseAPIKey checks the --api-key parser never panics, accepts only
// header-safe keys with a known role, and never repeats the input in errors.
func FuzzParseAPIKey(f *testing.F) {
	for _, s := range []string{"abc", "abc:viewer", "a:b:editor", ":admin", "k:owner", "k ey", "\x00", "é:viewer", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseAPIKey(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "api key: ") {
				t.Fatalf("error %q lacks its prefix", err)
			}
			if len(s) >= 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("error repeats the input: %q", err)
			}
			return
		}
		if k.Role != RoleAdmin && k.Role != RoleEditor && k.Role != RoleViewer {
			t.Fatalf("role %q", k.Role)
		}
		if checkKeyText(k.Key) != nil || !strings.HasPrefix(s, k.Key) {
			t.Fatalf("accepted key %q from %q", k.Key, s)
		}
	})
}

// FuzzApply sends arbitrary PUT /apply bodies to an emulator holding one
// group and checks: the answer is 200, 400 or 422 and JSON; an error is a
// well-formed HttpError whose details (422 only) each name a path; every
// JSON manifest reaches the reference check; a dry
// run keeps nothing and an applied deployment is kept; and a plaintext
// value, or a broken reference, planted in the manifest's env never comes
// back in any answer.
func FuzzApply(f *testing.F) {
	for _, s := range []string{
		`{"manifest":{"type":"service","name":"s","env":{"A":"tfy-secret://demo:app:K","B":"plain"}},"dryRun":true}`,
		`{"manifest":{"type":"service","name":"s","env":{"A":"tfy-secret://demo:app:k"}}}`,
		`{"manifest":{"type":"job","name":"j","env":[{"name":"A","value":"tfy-secret://other:app:K"}],"image":{"build_spec":{"build_secrets":[{"id":"x","value":"tfy-secret://demo:nope:K"}],"build_args":{"T":"x"}}}}}`,
		`{"manifest":{"type":"notebook","name":"n","mounts":[{"type":"secret","mount_path":"/a","secret_fqn":"demo:app:K"},{"type":"string","mount_path":"/b","data":"x"}]}}`,
		`{"manifest":{"type":"helm","name":"h","values":{"a":[{"name":"p","value":"x"}]},"additional_manifests":[{"kind":"Secret","stringData":{"p":"tfy-secret://demo:app:K:1"}}]}}`,
		`{"manifest":{"type":"application-set","name":"a","components":[{"type":"service","name":"c","env":{"A":"tfy-secret://app/K"}}]}}`,
		`{"manifest":{"type":"volume","name":"v","volume_browser":{"password_secret_fqn":"tfy-secret://demo:app:K"}}}`,
		`{"manifest":{"type":"async-service","name":"a","worker_config":{"input_config":{"auth":{"k":"v"}}}}}`,
		`{"manifest":{"type":"secret-group","name":"g","integration_fqn":"demo:gcp:gcp-dev:secret-store:gsm","collaborators":[]},"dryRun":true}`,
		`{"manifest":{"type":"cluster","name":"c"}}`,
		`{"manifest":{"type":"service","name":"s","apiVersion":"v1","kind":"Secret","env":{"\u007f\u0085":"tfy-secret://demo:app:K"}}}`,
		`{"manifest":{"type":"service"}}`,
		`{"manifest":[]}`,
		`{"manifest":{"type":"service","name":"s"`,
	} {
		f.Add([]byte(s))
	}
	const canary = "fuzz-canary-Zp4q"
	f.Fuzz(func(t *testing.T, body []byte) {
		srv, err := newServer(Options{APIKeys: []APIKey{{"k", RoleAdmin}}})
		if err != nil {
			t.Fatal(err)
		}
		h := srv.Handler()
		var gsm string
		for _, in := range srv.Integrations() {
			if in.Type == TypeGCPGSM {
				gsm = in.ID
			}
		}
		if rec := serve(h, "POST", apiPrefix+"secret-groups", "", []byte(`{"name":"app","integrationId":"`+gsm+`","secrets":[{"key":"K","value":"v"}]}`)); rec.Code != 200 {
			t.Fatalf("seed group: %d %s", rec.Code, rec.Body)
		}
		appliedCount := func() int {
			var out struct{ Data []json.RawMessage }
			rec := serve(h, "GET", "/_emulator/applied", "", nil)
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("applied: %s", rec.Body)
			}
			return len(out.Data)
		}

		rec := serve(h, "PUT", apiPrefix+"apply", "", body)
		checkApplyAnswer(t, rec)
		var sent struct {
			Manifest map[string]any `json:"manifest"`
			DryRun   bool           `json:"dryRun"`
		}
		decoded := json.Unmarshal(body, &sent) == nil && sent.Manifest != nil
		if rec.Code == 200 && decoded {
			typ, _ := sent.Manifest["type"].(string)
			want := 0
			if !sent.DryRun && deploymentKinds[typ] {
				want = 1
			}
			if n := appliedCount(); n != want {
				t.Fatalf("dryRun=%v %s: %d applied manifests kept, want %d", sent.DryRun, typ, n, want)
			}
		}
		if !decoded {
			return
		}
		for _, planted := range []string{canary, "tfy-secret://demo:app:" + canary} {
			sent.Manifest["env"] = map[string]any{"FUZZ_PLANTED": planted}
			b, err := json.Marshal(sent)
			if err != nil {
				return // a float json cannot encode again
			}
			rec := serve(h, "PUT", apiPrefix+"apply", "", b)
			checkApplyAnswer(t, rec)
			if strings.Contains(rec.Body.String(), canary) {
				t.Fatalf("the planted value came back: %d %s", rec.Code, rec.Body)
			}
		}
	})
}

// checkApplyAnswer holds what every answer of PUT /apply must be.
func checkApplyAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != 200 && rec.Code != 400 && rec.Code != 422 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("answer is not JSON: %q", rec.Body)
	}
	if rec.Code == 200 {
		return
	}
	var he struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
		Details    []struct {
			Path    string `json:"path"`
			Message string `json:"message"`
		} `json:"details"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &he); err != nil || he.StatusCode != rec.Code || he.Message == "" {
		t.Fatalf("not an HttpError: %d %s", rec.Code, rec.Body)
	}
	// Any JSON object within encoding/json's nesting limit is a manifest the
	// reader can read, so its failure would be a gap in readerInput.
	if strings.HasPrefix(he.Message, "Invalid manifest") {
		t.Fatalf("the reader refused what readerInput wrote: %s", rec.Body)
	}
	if len(he.Details) > 0 && rec.Code != 422 {
		t.Fatalf("details on a %d: %s", rec.Code, rec.Body)
	}
	for _, d := range he.Details {
		if d.Path == "" || d.Message == "" {
			t.Fatalf("a detail without path or message: %s", rec.Body)
		}
	}
}
