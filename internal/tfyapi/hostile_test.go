package tfyapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// endlessArray answers 200 with {"data":[ followed by group objects that
// never end, the way a broken or hostile server might stream, and counts
// the bytes it managed to write.
func endlessArray(written *atomic.Int64, attempts *atomic.Int32) func(w http.ResponseWriter, r *http.Request, _ []byte) {
	item := []byte(strings.Repeat(`{"id":"g","name":"n","associatedSecrets":[]},`, 200))
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		attempts.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		n, err := w.Write([]byte(`{"data":[`))
		written.Add(int64(n))
		for err == nil && r.Context().Err() == nil {
			n, err = w.Write(item)
			written.Add(int64(n))
		}
	}
}

// TestResponseBodyIsCapped streams an endless JSON array at every kind of
// decoder the client has; each must stop near the cap with an error that
// says so, and must not ask again (another attempt would stream another
// cap's worth).
func TestResponseBodyIsCapped(t *testing.T) {
	t.Parallel()
	const capBytes = 1 << 20
	calls := map[string]func(c *Client) error{
		"list groups": func(c *Client) error {
			for _, err := range c.ListGroups(context.Background(), ListGroupsOptions{}) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		"get group": func(c *Client) error { _, err := c.GetGroup(context.Background(), "g"); return err },
		"list secrets": func(c *Client) error {
			for _, err := range c.ListSecrets(context.Background(), ListSecretsOptions{GroupID: "g"}) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		"get secret":   func(c *Client) error { _, err := c.GetSecret(context.Background(), "s"); return err },
		"integrations": func(c *Client) error { _, err := c.SecretStoreIntegrations(context.Background()); return err },
		"delete secret": func(c *Client) error {
			_, err := c.DeleteSecret(context.Background(), "s", false)
			return err
		},
		"update group (a write)": func(c *Client) error {
			_, err := c.UpdateGroup(context.Background(), "g", []SecretInput{{Key: "K"}})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var written atomic.Int64
			var attempts atomic.Int32
			f := newFakeAPI(t, endlessArray(&written, &attempts))
			c, _ := testClient(t, f.URL, testKey)
			c.maxBody = capBytes
			err := call(c)
			if !errors.Is(err, ErrResponseTooLarge) {
				t.Fatalf("err = %v, want ErrResponseTooLarge", err)
			}
			// A write whose answer could not be read may have been
			// applied: callers must treat it like a lost answer.
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("err = %v does not match ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), "1 MiB") {
				t.Errorf("err = %q does not name the limit", err)
			}
			if got := attempts.Load(); got != 1 {
				t.Errorf("attempts = %d, want 1: an oversized answer must not be fetched again", got)
			}
		})
	}
}

// TestDefaultResponseCap pins the documented limit.
func TestDefaultResponseCap(t *testing.T) {
	t.Parallel()
	c, _ := testClient(t, "https://example.truefoundry.cloud", testKey)
	if c.maxBody != MaxResponseBytes || MaxResponseBytes != 128<<20 {
		t.Errorf("maxBody = %d, MaxResponseBytes = %d, want 128 MiB (docs/api-client.md)", c.maxBody, MaxResponseBytes)
	}
}

// TestBodyHonoursAttemptDeadline sends the headers at once and then the
// body a byte at a time, never finishing: the per-attempt timeout must end
// the read, and the read is retried like any other timed-out attempt.
func TestBodyHonoursAttemptDeadline(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int32
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		attempts.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		rc := http.NewResponseController(w)
		_, _ = w.Write([]byte(`{"data":[`))
		_ = rc.Flush()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				_ = rc.Flush()
			}
		}
	})
	c, _ := testClient(t, f.URL, testKey, WithTimeout(100*time.Millisecond), WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	var err error
	for _, err = range c.ListGroups(context.Background(), ListGroupsOptions{}) {
		if err != nil {
			break
		}
	}
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want an unavailable deadline", err)
	}
	if got := attempts.Load(); got != 2 {
		t.Errorf("attempts = %d, want 2", got)
	}
}
