package tfyapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTransportFailuresAreClassified produces each configuration-type
// failure for real (a closed port, plain HTTP behind https://, a certificate
// nobody trusts, a name that does not resolve) and checks that the error
// says which it is, names the host, and is retried only when retrying can
// help.
func TestTransportFailuresAreClassified(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	_ = ln.Close()

	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		plainHits.Add(1)
		writeJSON(w, 200, `{"data":[]}`)
	}))
	t.Cleanup(plain.Close)
	var tlsHits atomic.Int32
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		tlsHits.Add(1)
		writeJSON(w, 200, `{"data":[]}`)
	}))
	t.Cleanup(untrusted.Close)

	// A server that answers a TLS hello with bytes that are neither TLS
	// nor an HTTP status line (Python's http.server sends an HTML page).
	notTLSListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = notTLSListener.Close() })
	go func() {
		for {
			conn, err := notTLSListener.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Write([]byte("<html><body>400 Bad request</body></html>\n"))
			_ = conn.Close()
		}
	}()
	notTLS := notTLSListener.Addr().String()

	noDNS := &http.Client{CheckRedirect: refuseRedirect, Transport: &http.Transport{
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
		},
	}}

	tests := []struct {
		name     string
		base     string
		opts     []Option
		sentinel error
		host     string
		waits    int // retries asked for
	}{
		{"refused", "http://" + closedAddr, nil, ErrConnectionRefused, closedAddr, DefaultRetryPolicy.MaxAttempts - 1},
		{"plain http behind https", strings.Replace(plain.URL, "http://", "https://", 1), nil, ErrNotHTTPS, strings.TrimPrefix(plain.URL, "http://"), 0},
		{"neither TLS nor HTTP behind https", "https://" + notTLS, nil, ErrNotHTTPS, notTLS, 0},
		{"untrusted certificate", untrusted.URL, nil, ErrCertificate, strings.TrimPrefix(untrusted.URL, "https://"), 0},
		{"unknown host", "https://no-such-tenant.truefoundry.cloud", []Option{func(c *Client) { c.http = noDNS }}, ErrHostNotFound, "no-such-tenant.truefoundry.cloud", 0},
	}
	others := []error{ErrConnectionRefused, ErrNotHTTPS, ErrCertificate, ErrHostNotFound}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, sl := testClient(t, tt.base, testKey, tt.opts...)
			_, err := c.GetGroup(context.Background(), "g")
			if !errors.Is(err, tt.sentinel) || !errors.Is(err, ErrUnavailable) {
				t.Fatalf("err = %v, want %v (and unavailable)", err, tt.sentinel)
			}
			for _, o := range others {
				if o != tt.sentinel && errors.Is(err, o) {
					t.Errorf("err = %v also matches %v", err, o)
				}
			}
			e, _ := errors.AsType[*Error](err)
			if e == nil || e.Host != tt.host {
				t.Errorf("Host = %q, want %q", e.Host, tt.host)
			}
			if got := len(sl.all()); got != tt.waits {
				t.Errorf("retries = %d, want %d", got, tt.waits)
			}
		})
	}
	if plainHits.Load() != 0 || tlsHits.Load() != 0 {
		t.Errorf("requests reached a server that should have been refused: plain %d, tls %d", plainHits.Load(), tlsHits.Load())
	}
}

// TestStatusErrorsNameTheHost: every failure, with or without a response,
// carries the host it came from, so messages can say which one failed.
func TestStatusErrorsNameTheHost(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 503, `{"message":"down"}`) })
	c, _ := testClient(t, f.URL, testKey, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	_, err := c.GetGroup(context.Background(), "g")
	e, _ := errors.AsType[*Error](err)
	if e == nil || e.Host != strings.TrimPrefix(f.URL, "http://") {
		t.Fatalf("err = %#v, want the host", err)
	}
	for _, o := range []error{ErrConnectionRefused, ErrNotHTTPS, ErrCertificate, ErrHostNotFound} {
		if errors.Is(err, o) {
			t.Errorf("a 503 matches %v", o)
		}
	}
	c, _ = testClient(t, f.URL, testKey, WithTimeout(time.Nanosecond), WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	_, err = c.GetGroup(context.Background(), "g")
	if e, _ := errors.AsType[*Error](err); e == nil || e.Host == "" || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout err = %#v, want the host and a deadline", err)
	}
}
