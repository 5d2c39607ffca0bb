package tfyapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

var allSentinels = []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrUnprocessable, ErrFailedDependency, ErrRateLimited, ErrUnavailable}

func TestStatusMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status  int
		body    string
		want    error // nil: no sentinel
		message string
	}{
		{400, `{"statusCode":400,"message":"At least one secret is required"}`, ErrBadRequest, "At least one secret is required"},
		{400, `{"message":"Secret group with name 'x' already exists"}`, ErrConflict, "Secret group with name 'x' already exists"},
		{422, `{"message":"Secret group ALREADY EXISTS"}`, ErrConflict, "Secret group ALREADY EXISTS"},
		{401, `{"statusCode":401,"message":"Unauthorized"}`, ErrUnauthorized, "Unauthorized"},
		{401, ``, ErrUnauthorized, ""},
		{403, `{"statusCode":403,"message":"Secret value viewing is disabled on this control plane"}`, ErrForbidden, "Secret value viewing is disabled on this control plane"},
		{404, `{"key":"value"}`, ErrNotFound, `{"key":"value"}`},
		{404, `Not Found`, ErrNotFound, "Not Found"},
		{409, `{"message":"Secret DB-PASSWORD is already in a deleted state"}`, ErrConflict, "Secret DB-PASSWORD is already in a deleted state"},
		{422, `{"message":["name must be a string","secrets must be an array"]}`, ErrUnprocessable, "name must be a string; secrets must be an array"},
		{424, `{"message":"store\tfailed\u001b[31m"}`, ErrFailedDependency, "store failed [31m"},
		{424, "not json \x1b[2J\x07", ErrFailedDependency, "not json [2J"},
		{405, `{"message":"nope"}`, nil, "nope"},
	}
	for _, tc := range cases {
		f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, tc.status, tc.body) })
		c, _ := testClient(t, f.URL, testKey)
		_, err := c.GetGroup(context.Background(), "g1")
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%d: err = %v, want *Error", tc.status, err)
		}
		if e.Status != tc.status || e.Message != tc.message || e.Op != "get secret group" {
			t.Errorf("%d: Error = %+v, want message %q", tc.status, e, tc.message)
		}
		for _, s := range allSentinels {
			if got := errors.Is(err, s); got != (s == tc.want) {
				t.Errorf("%d %s: errors.Is(%v) = %v", tc.status, tc.body, s, got)
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	e := &Error{Op: "get secret group", Status: 404, Message: "Secret group ID not found"}
	if got, want := e.Error(), "get secret group: 404 Not Found: Secret group ID not found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{Op: "list secrets", Err: context.DeadlineExceeded}
	if got, want := e.Error(), "list secrets: context deadline exceeded"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrUnavailable) || !errors.Is(e, context.DeadlineExceeded) {
		t.Errorf("timeout should be unavailable and a deadline")
	}
}

func TestLongMessageIsTruncated(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 400)
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 400, `{"message":"`+long+`"}`)
	})
	c, _ := testClient(t, f.URL, testKey)
	_, err := c.GetGroup(context.Background(), "g")
	var e *Error
	if !errors.As(err, &e) || len(e.Message) > maxMessage+3 || !strings.HasSuffix(e.Message, "...") || !strings.HasPrefix(e.Message, "é") {
		t.Fatalf("message = %q", e.Message)
	}
	if !strings.HasPrefix(strings.TrimSuffix(e.Message, "..."), "éé") || strings.ContainsRune(e.Message, '\uFFFD') {
		t.Errorf("truncation split a rune: %q", e.Message)
	}
}

// TestRetries counts attempts per method and status: reads are retried,
// mutations never are.
func TestRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		status   int
		call     func(*Client) error
		attempts int32
		want     error
	}{
		{"get 503 retried", 503, func(c *Client) error { return second(c.GetGroup(context.Background(), "g")) }, 4, ErrUnavailable},
		{"get 502 retried", 502, func(c *Client) error { return second(c.GetSecret(context.Background(), "s")) }, 4, ErrUnavailable},
		{"get 504 retried", 504, func(c *Client) error { return second(c.GetGroup(context.Background(), "g")) }, 4, ErrUnavailable},
		{"get 429 retried", 429, func(c *Client) error { return second(c.GetGroup(context.Background(), "g")) }, 4, ErrRateLimited},
		{"get 500 not retried", 500, func(c *Client) error { return second(c.GetGroup(context.Background(), "g")) }, 1, ErrUnavailable},
		{"get 404 not retried", 404, func(c *Client) error { return second(c.GetGroup(context.Background(), "g")) }, 1, ErrNotFound},
		{"list secrets post retried", 503, func(c *Client) error {
			for _, err := range c.ListSecrets(context.Background(), ListSecretsOptions{}) {
				return err
			}
			return nil
		}, 4, ErrUnavailable},
		{"list groups retried", 429, func(c *Client) error {
			for _, err := range c.ListGroups(context.Background(), ListGroupsOptions{}) {
				return err
			}
			return nil
		}, 4, ErrRateLimited},
		{"create never retried", 503, func(c *Client) error {
			return second(c.CreateGroup(context.Background(), CreateGroupInput{Name: "n", IntegrationID: "i", Secrets: []SecretInput{{Key: "K", Value: secret.FromString("v")}}}))
		}, 1, ErrUnavailable},
		{"update never retried", 429, func(c *Client) error {
			return second(c.UpdateGroup(context.Background(), "g", []SecretInput{{Key: "K"}}))
		}, 1, ErrRateLimited},
		{"delete group never retried", 503, func(c *Client) error { return c.DeleteGroup(context.Background(), "g", false) }, 1, ErrUnavailable},
		{"delete secret never retried", 502, func(c *Client) error { return second(c.DeleteSecret(context.Background(), "s", false)) }, 1, ErrUnavailable},
		{"upsert never retried", 503, func(c *Client) error {
			return second(c.UpsertGroupManifest(context.Background(), GroupManifest{Name: "n"}, false))
		}, 1, ErrUnavailable},
		{"apply never retried", 503, func(c *Client) error { return second(c.Apply(context.Background(), map[string]string{}, false)) }, 1, ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				n.Add(1)
				writeJSON(w, tc.status, `{"message":"busy"}`)
			})
			c, sl := testClient(t, f.URL, testKey)
			err := tc.call(c)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if n.Load() != tc.attempts {
				t.Errorf("attempts = %d, want %d", n.Load(), tc.attempts)
			}
			if got := len(sl.all()); got != int(tc.attempts)-1 {
				t.Errorf("backoff waits = %d, want %d", got, tc.attempts-1)
			}
		})
	}
}

func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if n.Add(1) < 3 {
			writeJSON(w, 503, `{}`)
			return
		}
		writeJSON(w, 200, `{"data":`+groupJSON+`}`)
	})
	c, sl := testClient(t, f.URL, testKey, WithRetryPolicy(RetryPolicy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: time.Minute}))
	g, err := c.GetGroup(context.Background(), "g1")
	if err != nil || g.ID != "g1" {
		t.Fatalf("GetGroup = %+v, %v", g, err)
	}
	waits := sl.all()
	if n.Load() != 3 || len(waits) != 2 {
		t.Fatalf("attempts %d, waits %v", n.Load(), waits)
	}
	// Exponential with jitter in [d/2, d]: 100ms then 200ms.
	for i, d := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond} {
		if waits[i] < d/2 || waits[i] > d {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, waits[i], d/2, d)
		}
	}
}

func TestBackoffIsCapped(t *testing.T) {
	t.Parallel()
	c, _ := testClient(t, "https://example.com", testKey, WithRetryPolicy(RetryPolicy{MaxAttempts: 50, BaseDelay: time.Second, MaxDelay: 3 * time.Second}))
	for attempt := 1; attempt < 50; attempt++ {
		if d := c.backoff(attempt, &Error{Status: 503}); d > 3*time.Second || d < 0 {
			t.Fatalf("attempt %d: backoff %v exceeds the cap", attempt, d)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"7", 7 * time.Second},
		{"0", 0},
		{"3600", 45 * time.Second}, // capped by MaxRetryAfter
		{now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tc := range cases {
		var n atomic.Int32
		f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", tc.header)
				writeJSON(w, 429, `{"message":"slow down"}`)
				return
			}
			writeJSON(w, 200, `{"data":`+groupJSON+`}`)
		})
		c, sl := testClient(t, f.URL, testKey, WithRetryPolicy(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 45 * time.Second}))
		c.now = func() time.Time { return now }
		if _, err := c.GetGroup(context.Background(), "g"); err != nil {
			t.Fatalf("%q: %v", tc.header, err)
		}
		if w := sl.all(); len(w) != 1 || w[0] != tc.want {
			t.Errorf("Retry-After %q: waits %v, want [%v]", tc.header, w, tc.want)
		}
	}
	for _, bad := range []string{"-1", "soon", "", "1.5"} {
		if _, ok := parseRetryAfter(bad, now); ok {
			t.Errorf("parseRetryAfter(%q) accepted", bad)
		}
	}
}

func TestRetryStopsBeforeDeadline(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		n.Add(1)
		w.Header().Set("Retry-After", "600")
		writeJSON(w, 429, `{"message":"slow down"}`)
	})
	c, sl := testClient(t, f.URL, testKey)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.GetGroup(ctx, "g")
	if !errors.Is(err, ErrRateLimited) || n.Load() != 1 || len(sl.all()) != 0 {
		t.Errorf("err %v after %d attempts and waits %v; want an immediate rate-limit error", err, n.Load(), sl.all())
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 503, `{}`) })
	c, _ := testClient(t, f.URL, testKey)
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(ctx context.Context, _ time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	_, err := c.GetGroup(ctx, "g")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want context.Canceled only", err)
	}
}

func TestCancelledBeforeCall(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 200, `{}`) })
	c, _ := testClient(t, f.URL, testKey)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GetGroup(ctx, "g")
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "get secret group: ") {
		t.Errorf("err = %v", err)
	}
	if len(f.requests()) != 0 {
		t.Errorf("a request was sent on a cancelled context")
	}
}

// TestPerAttemptTimeout uses a server that never answers until the test
// ends; the client's own timeout must turn that into a retried, then
// unavailable, failure.
func TestPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var n atomic.Int32
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c, _ := testClient(t, f.URL, testKey, WithTimeout(50*time.Millisecond), WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	_, err := c.GetGroup(context.Background(), "g")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want unavailable deadline", err)
	}
	if n.Load() != 2 {
		t.Errorf("attempts = %d, want 2", n.Load())
	}
}

func TestConnectionFailures(t *testing.T) {
	t.Parallel()
	// A listener that is closed at once: connections are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, sl := testClient(t, "http://"+addr, testKey)
	_, err = c.GetGroup(context.Background(), "g")
	var e *Error
	if !errors.As(err, &e) || e.Status != 0 || !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), "get secret group: ") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "Get \"") {
		t.Errorf("error repeats the url.Error prefix: %v", err)
	}
	if len(sl.all()) != DefaultRetryPolicy.MaxAttempts-1 {
		t.Errorf("waits = %v", sl.all())
	}

	// A server that hangs up after the headers, mid-body: retried for reads.
	var n atomic.Int32
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if n.Add(1) == 1 {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"data":{"id":`))
			conn, _, _ := http.NewResponseController(w).Hijack()
			_ = conn.Close()
			return
		}
		writeJSON(w, 200, `{"data":`+groupJSON+`}`)
	})
	c, _ = testClient(t, f.URL, testKey)
	g, err := c.GetGroup(context.Background(), "g1")
	if err != nil || g.ID != "g1" || n.Load() != 2 {
		t.Errorf("GetGroup after a dropped body = %+v, %v (attempts %d)", g, err, n.Load())
	}
}

// TestValuesNeverEscape plants canaries in values and the key, and has the
// server echo them back in every way it could; no error or log may hold one.
func TestValuesNeverEscape(t *testing.T) {
	t.Parallel()
	value, key := testkit.Canary("canary-value-"), testkit.Canary("canary-key-")
	bodies := []string{
		`{"message":"Invalid value ` + value + ` for key K; key ` + key + `"}`,
		`plain text ` + value + ` ` + key,
		`{"message":["bad ` + value + `"]}`,
		`{"data":{"value":"` + value + `"`,
	}
	for _, body := range bodies {
		for _, status := range []int{200, 400, 422, 500} {
			f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, status, body) })
			var logs []string
			c, _ := testClient(t, f.URL, key, WithDebug(func(format string, args ...any) { logs = append(logs, fmtLine(format, args...)) }))
			ctx := context.Background()
			var errs []error
			_, err := c.CreateGroup(ctx, CreateGroupInput{Name: "n", IntegrationID: "i", Secrets: []SecretInput{{Key: "K", Value: secret.FromString(value)}}})
			errs = append(errs, err)
			_, err = c.UpdateGroup(ctx, "g", []SecretInput{{Key: "K", Value: secret.FromString(value)}})
			errs = append(errs, err)
			_, err = c.GetSecret(ctx, "s")
			errs = append(errs, err)
			for _, err := range c.ListSecrets(ctx, ListSecretsOptions{WithValue: true}) {
				errs = append(errs, err)
			}
			for _, err := range errs {
				if err == nil {
					continue
				}
				assertNoLeak(t, []string{value, key}, err.Error(), fmtLine("%+v", err), fmtLine("%#v", err))
			}
			assertNoLeak(t, []string{value, key}, logs...)
		}
	}
}

func TestShortValueWithholdsMessage(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 422, `{"message":"bad value xq for K"}`)
	})
	c, _ := testClient(t, f.URL, testKey)
	_, err := c.UpdateGroup(context.Background(), "g", []SecretInput{{Key: "K", Value: secret.FromString("xq")}})
	var e *Error
	if !errors.As(err, &e) || e.Message != "" || !errors.Is(err, ErrUnprocessable) {
		t.Errorf("err = %v", err)
	}
}

func TestRequestBodyIsCleared(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 200, `{"data":`+groupJSON+`}`) })
	c, _ := testClient(t, f.URL, testKey)
	r := &request{op: "t", method: "PUT", path: "/secret-groups/g", body: []byte(`{"secrets":[{"key":"K","value":"v"}]}`), values: []string{"v"}}
	if err := c.call(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	for _, b := range r.body {
		if b != 0 {
			t.Fatalf("request body still holds %q after the call", r.body)
		}
	}
}

func TestValueReadErrorsAreNotQuoted(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		body   string
		want   error
		msg    string
	}{
		{403, `{"statusCode":403,"message":"Secret value viewing is disabled on this control plane"}`, ErrForbidden, MessageValueViewDisabled},
		{404, `{"statusCode":404,"message":"Secret s1 not found"}`, ErrNotFound, ""},
	}
	for _, tc := range cases {
		f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, tc.status, tc.body) })
		c, _ := testClient(t, f.URL, testKey)
		_, err := c.GetSecret(context.Background(), "s1")
		var e *Error
		if !errors.As(err, &e) || e.Message != tc.msg || !errors.Is(err, tc.want) {
			t.Errorf("GetSecret %d: err = %v", tc.status, err)
		}
		for _, err := range c.ListSecrets(context.Background(), ListSecretsOptions{WithValue: true}) {
			if !errors.As(err, &e) || e.Message != tc.msg || !errors.Is(err, tc.want) {
				t.Errorf("ListSecrets %d: err = %v", tc.status, err)
			}
		}
		// Without values the same list call quotes the server.
		for _, err := range c.ListSecrets(context.Background(), ListSecretsOptions{}) {
			if !errors.As(err, &e) || e.Message == tc.msg {
				t.Errorf("ListSecrets without values %d: err = %v", tc.status, err)
			}
		}
	}
}
