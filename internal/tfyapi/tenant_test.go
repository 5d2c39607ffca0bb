package tfyapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestTenantName asks the endpoint the tfy CLI asks, with the host as
// hostName and without the key, which the endpoint does not need.
func TestTenantName(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 200, `{"tenantName":"acme","auth_server_url":"https://auth.example"}`)
	})
	c, _ := testClient(t, f.URL, testKey)
	name, err := c.TenantName(context.Background())
	if err != nil || name != "acme" {
		t.Fatalf("TenantName = %q, %v", name, err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d", len(reqs))
	}
	r := reqs[0]
	host := strings.TrimPrefix(f.URL, "http://")
	if r.Method != "GET" || r.Path != "/api/svc/v1/tenant-id" || queryValue(r.Query, "hostName") != host {
		t.Errorf("request = %s %s?%s, want GET /api/svc/v1/tenant-id?hostName=%s", r.Method, r.Path, r.Query, host)
	}
	if r.Header.Get("Authorization") != "" {
		t.Error("the key was sent to an endpoint that needs none")
	}
}

func TestTenantNameMalformed(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{}`:                          `missing "tenantName"`,
		`{"tenantName":""}`:           `missing "tenantName"`,
		`{"tenantName":null}`:         `missing "tenantName"`,
		`{"tenantName":{}}`:           "field tenantName: got object",
		`{"tenantName":"a:b"}`:        "not allowed in a tenant name",
		`{"tenantName":"a\u001b[2J"}`: "not allowed in a tenant name",
		`{"tenantName":"a b"}`:        "not allowed in a tenant name",
		`<html>`:                      "malformed JSON",
		`{"tenantName":"a"} x`:        "trailing data",
		`{"tenantName":"` + strings.Repeat("a", 254) + `"}`: "longer than 253",
	} {
		_, err := decodeTenantName(strings.NewReader(body), "get tenant name")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "decode get tenant name response: ") {
			t.Errorf("%s: err = %v, want %q", body, err, want)
		}
	}
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 404, `{"message":"Not found"}`) })
	c, _ := testClient(t, f.URL, testKey)
	if _, err := c.TenantName(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: err = %v, want ErrNotFound", err)
	}
}

func FuzzDecodeTenantName(f *testing.F) {
	f.Add([]byte(`{"tenantName":"acme","auth_server_url":"https://auth"}`))
	f.Add([]byte(`{"tenantName":7}`))
	f.Add([]byte(`{"tenantName":"a:b"}`))
	f.Add([]byte(`{"TENANTNAME":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, err := decodeTenantName(bytes.NewReader(b), "get tenant name")
		if err != nil {
			checkDecodeError(t, err, "get tenant name")
			return
		}
		if name == "" || checkTenantName(name) != nil {
			t.Fatalf("accepted tenant name %q", name)
		}
	})
}

// The lookup is best effort: tried once, so a down host is not waited on
// twice over (the call that needed the tenant retries by itself).
func TestTenantNameIsNotRetried(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 503, `{"message":"down"}`) })
	c, sl := testClient(t, f.URL, testKey)
	if _, err := c.TenantName(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.requests()); n != 1 || len(sl.all()) != 0 {
		t.Errorf("requests = %d, waits = %v; want one attempt", n, sl.all())
	}
}
