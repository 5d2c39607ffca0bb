package tfyapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/version"
)

// Defaults; see the Option functions.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// MaxResponseBytes caps every response body the client reads. The largest
// real answer is a page: 1,000 groups with their keys, or a page of secrets
// with versions, a few MiB; a page of values is asked for in pages small
// enough to stay far below it. A body that goes past the cap is a broken or
// hostile server (an endless JSON array once grew the plugin to 3.3 GB), so
// the client stops reading and reports ErrResponseTooLarge.
const MaxResponseBytes = 128 << 20

// MessageValueViewDisabled is the Message of an error from a value read
// on a control plane that hides values (DISABLE_SECRET_VALUE_VIEW). The
// server's own text is not used because such calls never quote bodies.
const MessageValueViewDisabled = "secret value viewing is disabled on this control plane"

// apiPrefix is where every endpoint lives under the control-plane URL.
const apiPrefix = "/api/svc/v1"

// RetryPolicy bounds retries of idempotent calls (GET, and the POST that
// lists secrets). Mutations are never retried: a lost response would make a
// second attempt apply the change twice.
type RetryPolicy struct {
	MaxAttempts   int           // total attempts, first included; 1 disables retries
	BaseDelay     time.Duration // first backoff; doubles per attempt, with jitter
	MaxDelay      time.Duration // cap on one computed backoff
	MaxRetryAfter time.Duration // cap on a server's Retry-After
}

// DefaultRetryPolicy is used unless WithRetryPolicy says otherwise.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 4 * time.Second, MaxRetryAfter: 30 * time.Second}

// Client calls one TrueFoundry control plane with one API key. It is safe
// for concurrent use.
type Client struct {
	base    *url.URL
	key     secret.Value
	http    *http.Client
	timeout time.Duration
	retry   RetryPolicy
	maxBody int64 // MaxResponseBytes; tests lower it
	debug   func(format string, args ...any)
	// sleep and now are replaced by tests so that backoff is asserted, not
	// waited for.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithTimeout bounds each HTTP attempt (request and response body). Zero
// or negative disables it; the caller's context still applies.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithDebug receives one line per HTTP attempt: method, path and query,
// status, duration, attempt. Bodies and headers are never passed to it.
func WithDebug(f func(format string, args ...any)) Option { return func(c *Client) { c.debug = f } }

// New returns a client for the control plane at baseURL (the tenant URL,
// e.g. https://my-org.truefoundry.cloud; a trailing /api/svc or /api/svc/v1
// is tolerated). http:// is refused unless the host is loopback, so the key
// never crosses a network in clear text.
func New(baseURL string, key secret.Value, opts ...Option) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("new api client: %w", err)
	}
	if !key.IsSet() || key.Len() == 0 {
		return nil, errors.New("new api client: the API key is empty")
	}
	if strings.ContainsAny(key.Reveal(), "\r\n\x00 \t") {
		return nil, errors.New("new api client: the API key contains whitespace or control characters")
	}
	c := &Client{
		base:    u,
		key:     key,
		http:    &http.Client{CheckRedirect: refuseRedirect},
		timeout: DefaultTimeout,
		retry:   DefaultRetryPolicy,
		maxBody: MaxResponseBytes,
		sleep:   sleepCtx,
		now:     time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	if c.retry.MaxAttempts < 1 {
		c.retry.MaxAttempts = 1
	}
	return c, nil
}

// BaseURL is the control-plane URL the client talks to, without the API
// prefix.
func (c *Client) BaseURL() string { return c.base.String() }

func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("the base URL is empty")
	}
	u, err := url.Parse(raw)
	// User information and queries are checked before the URL is ever
	// quoted, since they are where a credential could hide.
	switch {
	case err != nil:
		return nil, errors.New("the base URL is not a valid URL")
	case u.User != nil:
		return nil, errors.New("the base URL must not contain user information")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, errors.New("the base URL must not have a query or fragment")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("base URL %q must start with https://", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("base URL %q has no host", raw)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("base URL %q uses http:// for a non-loopback host; use https://", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/v1")
	p = strings.TrimSuffix(p, "/api/svc")
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(p, "/")}, nil
}

// refuseRedirect keeps the API key from following a redirect to another
// host or to plain http; the API never redirects, so a 3xx is reported as
// the failure it is.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// request is one API call.
type request struct {
	op         string // "list secret groups": error and log prefix
	method     string
	path       string // after apiPrefix, already escaped
	query      url.Values
	body       []byte // JSON
	idempotent bool   // safe to retry
	// values are the revealed secret values inside body. When there are
	// any, the body is cleared after the call, raw error bodies are never
	// quoted, and the server's message is scrubbed of them.
	values []string
	// sensitive marks calls whose response can carry values: their error
	// bodies are not quoted at all (see statusError).
	sensitive bool
	// anonymous calls go without the key: the endpoint needs none.
	anonymous bool
}

// call runs r, retrying idempotent calls, and hands a 2xx body to decode
// (which may be nil). Failures come back as *Error, a decoding error from
// decode, or the caller's context error.
func (c *Client) call(ctx context.Context, r *request, decode func(io.Reader) error) error {
	if len(r.values) > 0 {
		defer clear(r.body)
	}
	u := c.base.String() + apiPrefix + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	attempts := 1
	if r.idempotent {
		attempts = c.retry.MaxAttempts
	}
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, r, u, attempt, decode)
		apiErr, ok := errors.AsType[*Error](err)
		if ok {
			apiErr.Host = c.base.Host
		}
		if !ok || attempt >= attempts || !retryable(ctx, apiErr) {
			return err
		}
		wait := c.backoff(attempt, apiErr)
		if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
			// Waiting would outlive the caller's deadline: report the
			// real failure now rather than a bare deadline later.
			return err
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%s: %w", r.op, serr)
		}
	}
}

// attempt is one HTTP exchange.
func (c *Client) attempt(ctx context.Context, r *request, u string, n int, decode func(io.Reader) error) error {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if c.timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, body)
	if err != nil {
		return fmt.Errorf("%s: build request: %w", r.op, err)
	}
	if !r.anonymous {
		req.Header.Set("Authorization", "Bearer "+c.key.Reveal())
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tfy-secrets/"+version.Version)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := c.now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.logf("%s %s -> error after %s (attempt %d)", r.method, logPath(u, c.base), c.now().Sub(start).Round(time.Millisecond), n)
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return fmt.Errorf("%s: %w", r.op, ctx.Err())
		}
		return &Error{Op: r.op, Err: unwrapURLError(err)}
	}
	defer func() {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		_ = resp.Body.Close()
	}()
	c.logf("%s %s -> %d after %s (attempt %d)", r.method, logPath(u, c.base), resp.StatusCode, c.now().Sub(start).Round(time.Millisecond), n)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.statusError(r, resp)
	}
	if decode == nil {
		return nil
	}
	rd := &readErrReader{r: &cappedReader{r: resp.Body, left: c.maxBody}}
	if err := decode(rd); err != nil {
		if errors.Is(rd.err, errBodyTooLarge) {
			// Not retried: the next attempt would stream as much again.
			return &Error{Op: r.op, Status: resp.StatusCode, Err: fmt.Errorf("%w: the body is over %s, far more than any real answer; stopped reading", ErrResponseTooLarge, mib(c.maxBody))}
		}
		if rd.err != nil {
			// The connection failed mid-body; that is the network's
			// fault, not a malformed response, and may be retried.
			if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
				return fmt.Errorf("%s: %w", r.op, ctx.Err())
			}
			return &Error{Op: r.op, Err: rd.err}
		}
		return err
	}
	return nil
}

func (c *Client) statusError(r *request, resp *http.Response) *Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// The key is scrubbed too: a proxy that echoes the request headers
	// must not put it on the user's terminal.
	b = scrub(b, append([]string{c.key.Reveal()}, r.values...))
	var msg string
	switch {
	case r.sensitive:
		// This call's bodies carry values, so its error text is not
		// quoted; only the one condition callers must explain is kept.
		if bytes.Contains(bytes.ToLower(b), []byte("value viewing is disabled")) {
			msg = MessageValueViewDisabled
		}
	default:
		msg = decodeErrorMessage(b, len(r.values) == 0)
	}
	e := &Error{Op: r.op, Status: resp.StatusCode, Message: msg}
	if h := resp.Header.Get("Retry-After"); h != "" {
		e.retryAfter, e.hasRetryAfter = parseRetryAfter(h, c.now())
	}
	return e
}

// scrub replaces every secret value in b before anything is read from it.
// A value too short to replace without mangling the message withholds the
// whole body.
func scrub(b []byte, values []string) []byte {
	for _, v := range values {
		if v == "" || !bytes.Contains(b, []byte(v)) {
			continue
		}
		if len(v) < 4 {
			return nil
		}
		b = bytes.ReplaceAll(b, []byte(v), []byte(secret.Redacted))
	}
	return b
}

// errBodyTooLarge is what cappedReader returns past its limit.
var errBodyTooLarge = errors.New("response body over the limit")

// cappedReader returns errBodyTooLarge once more than left bytes have been
// asked for, so no decoder can hold more than the cap.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (r *cappedReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		// One byte more tells a body of exactly the cap from a longer one.
		var one [1]byte
		n, err := r.r.Read(one[:])
		if n > 0 {
			return 0, errBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= int64(n)
	return n, err
}

// mib renders a byte count for messages: "128 MiB".
func mib(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// readErrReader remembers the first read error that is not io.EOF.
type readErrReader struct {
	r   io.Reader
	err error
}

func (r *readErrReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}

// unwrapURLError drops *url.Error's "Get \"https://...\":" prefix; the
// operation name already says what was being done.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// logPath is the URL as logged: the path and query, without the host.
func logPath(u string, base *url.URL) string {
	return strings.TrimPrefix(u, base.String())
}

func (c *Client) logf(format string, args ...any) {
	if c.debug != nil {
		c.debug("tfyapi: "+format, args...)
	}
}

// retryable says whether a failed idempotent call may be tried again.
func retryable(ctx context.Context, e *Error) bool {
	if ctx.Err() != nil {
		return false
	}
	switch e.Status {
	case 0:
		// Refused or reset connections and per-attempt timeouts may pass;
		// a wrong scheme, an untrusted certificate or an unknown name will
		// not.
		return e.transport() == nil || e.transport() == ErrConnectionRefused
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is how long to wait after the given failed attempt: the server's
// Retry-After when it sent one (capped), else exponential with jitter so
// that many clients do not retry in step.
func (c *Client) backoff(attempt int, e *Error) time.Duration {
	if e.hasRetryAfter {
		return min(e.retryAfter, c.retry.MaxRetryAfter)
	}
	d := c.retry.BaseDelay << (attempt - 1)
	if d <= 0 || d > c.retry.MaxDelay {
		d = c.retry.MaxDelay
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
