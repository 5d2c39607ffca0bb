package tfyapi

import (
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// ListSecrets walks secrets (POST /secrets, a read despite the verb, so it
// is retried like a GET). With WithValue the values are fetched; they are
// set on each Secret only when the control plane allows value viewing.
func (c *Client) ListSecrets(ctx context.Context, opts ListSecretsOptions) iter.Seq2[Secret, error] {
	const op = "list secrets"
	fqns := make([]string, len(opts.FQNs))
	for i, f := range opts.FQNs {
		// The API matches bare FQNs; references carry a scheme.
		fqns[i] = strings.TrimPrefix(f, "tfy-secret://")
	}
	l := lister[wireSecret, Secret]{
		op:   op,
		size: pageSize(opts.PageSize),
		request: func(offset, limit int) *request {
			// Marshalling ints, strings and bools cannot fail.
			body, _ := json.Marshal(struct {
				Limit         int      `json:"limit"`
				Offset        int      `json:"offset"`
				SecretGroupID string   `json:"secretGroupId,omitempty"`
				SecretFQNs    []string `json:"secretFqns,omitempty"`
				WithValue     bool     `json:"withValue"`
			}{limit, offset, opts.GroupID, fqns, opts.WithValue})
			return &request{op: op, method: http.MethodPost, path: "/secrets", body: body, idempotent: true, sensitive: opts.WithValue}
		},
		convert: func(w *wireSecret) Secret { return w.secret(opts.WithValue) },
		id:      func(w *wireSecret) string { return string(w.ID) },
	}
	return l.walk(ctx, c)
}

// GetSecret reads one secret with its value (GET /secrets/{id}). When the
// control plane hides values, Value is left unset.
func (c *Client) GetSecret(ctx context.Context, id string) (Secret, error) {
	const op = "get secret"
	if err := checkID(op, id); err != nil {
		return Secret{}, err
	}
	var s Secret
	err := c.call(ctx, &request{op: op, method: http.MethodGet, path: "/secrets/" + url.PathEscape(id), idempotent: true, sensitive: true},
		func(r io.Reader) (err error) { s, err = decodeSecret(r, op); return err })
	return s, err
}

// DeleteSecret deletes one secret and its versions and returns how many
// secrets the API says it deleted.
func (c *Client) DeleteSecret(ctx context.Context, id string, force bool) (int, error) {
	const op = "delete secret"
	if err := checkID(op, id); err != nil {
		return 0, err
	}
	var n int
	err := c.call(ctx, &request{op: op, method: http.MethodDelete, path: "/secrets/" + url.PathEscape(id), query: forceQuery(force)},
		func(r io.Reader) (err error) { n, err = decodeDeleteCount(r, op); return err })
	return n, err
}
