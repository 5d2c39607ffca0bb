package tfyapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// TenantName asks the control plane which tenant its host serves (GET
// /tenant-id?hostName=<host>), as the tfy CLI does before it logs in. The
// endpoint needs no key, so none is sent. A shared host such as
// app.truefoundry.com has no tenant of its own in its name; this is the
// API's word for it. It is tried once: callers fall back when it fails,
// and retrying would only double the wait when the host is down, since
// the call that needed the tenant retries anyway.
func (c *Client) TenantName(ctx context.Context) (string, error) {
	const op = "get tenant name"
	q := url.Values{"hostName": {c.base.Host}}
	var name string
	err := c.call(ctx, &request{op: op, method: http.MethodGet, path: "/tenant-id", query: q, anonymous: true},
		func(r io.Reader) (err error) { name, err = decodeTenantName(r, op); return err })
	return name, err
}

// decodeTenantName reads {"tenantName": "..."}; other fields (the auth
// server's URL) are not ours to use.
func decodeTenantName(r io.Reader, what string) (string, error) {
	var body struct {
		TenantName *flexString `json:"tenantName"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return "", decodeErr(what, err)
	}
	if body.TenantName == nil || *body.TenantName == "" {
		return "", fmt.Errorf("decode %s response: missing \"tenantName\"", what)
	}
	name := string(*body.TenantName)
	if err := checkTenantName(name); err != nil {
		return "", fmt.Errorf("decode %s response: %w", what, err)
	}
	return name, nil
}

// checkTenantName refuses a name that cannot be the first part of
// tfy-secret://tenant:group:key: a separator would change what the
// reference points at, and a control character could rewrite a terminal.
func checkTenantName(name string) error {
	if len(name) > 253 {
		return errors.New("tenantName is longer than 253 bytes")
	}
	if strings.ContainsFunc(name, func(r rune) bool {
		return r == ':' || r == '/' || r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0)
	}) {
		return errors.New("tenantName has a character not allowed in a tenant name")
	}
	return nil
}
