package emulator

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// FaultRule is one injected fault, as posted to /_emulator/faults. It
// matches requests by method (empty: any) and path prefix (empty: any API
// path) and applies to the next Count of them (0: every one until cleared).
type FaultRule struct {
	Method     string `json:"method,omitempty"`
	PathPrefix string `json:"pathPrefix,omitempty"`
	Count      int    `json:"count,omitempty"`
	// Delay holds the request this long (a Go duration, e.g. "250ms")
	// before anything else happens.
	Delay string `json:"delay,omitempty"`
	// Status answers with this status and an HttpError body instead of
	// serving the request; Message overrides the body's message.
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// RetryAfterSeconds adds a Retry-After header (meant for 429 and 503).
	RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
	// Drop closes the connection without a response: "before" the request
	// is served (nothing changes) or "after" it is (the write is applied,
	// the client never learns it).
	Drop string `json:"drop,omitempty"`

	delay     time.Duration
	remaining int
}

const maxDelay = 5 * time.Minute

// validate checks a rule posted by a test and fills in its parsed fields.
func (f *FaultRule) validate() error {
	if f.Count < 0 {
		return errorf(400, "count must be 0 (every request) or more")
	}
	if f.Delay != "" {
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d < 0 || d > maxDelay {
			return errorf(400, "delay must be a Go duration between 0 and %s, e.g. \"250ms\"", maxDelay)
		}
		f.delay = d
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return errorf(400, "status must be between 400 and 599")
	}
	if f.RetryAfterSeconds < 0 {
		return errorf(400, "retryAfterSeconds must be 0 or more")
	}
	switch f.Drop {
	case "", "before", "after":
	default:
		return errorf(400, "drop must be \"before\" or \"after\"")
	}
	if f.Drop != "" && f.Status != 0 {
		return errorf(400, "a rule either drops the connection or answers a status, not both")
	}
	if f.Delay == "" && f.Status == 0 && f.Drop == "" {
		return errorf(400, "a fault needs at least one of delay, status or drop")
	}
	if f.Method != "" {
		f.Method = strings.ToUpper(f.Method)
	}
	f.remaining = f.Count
	return nil
}

func (f *FaultRule) matches(r *http.Request) bool {
	return (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.PathPrefix)
}

// ConcurrentWrite is another client changing a group at a chosen point of a
// test's request sequence: it can land before or after any request of a
// plan, an apply or a verification, so every window between a read and a
// write can be tested.
type ConcurrentWrite struct {
	Method     string `json:"method,omitempty"`     // default GET
	PathPrefix string `json:"pathPrefix,omitempty"` // default /api/svc/v1/secret-groups
	// Skip lets this many matching requests pass untouched first, so a
	// writer can aim at the second read of a group (the one after a write)
	// rather than the first.
	Skip int `json:"skip,omitempty"`
	// When is "after" (the default: the matched request is served and its
	// answer fixed, then the group changes before the client receives the
	// answer, so it holds a stale view) or "before" (the group changes
	// first, then the request is served and sees the change).
	When      string `json:"when,omitempty"`
	Group     string `json:"group"` // id or name
	AddKey    string `json:"addKey,omitempty"`
	RemoveKey string `json:"removeKey,omitempty"`
	// RotateKey gives an existing key a new random value (a new version).
	RotateKey string `json:"rotateKey,omitempty"`

	skipped int
}

// The points a ConcurrentWrite lands at, relative to the matched request.
const (
	writeAfter  = "after"
	writeBefore = "before"
)

func (c *ConcurrentWrite) matches(r *http.Request) bool {
	return c.Method == r.Method && strings.HasPrefix(r.URL.Path, c.PathPrefix)
}

// faultTable holds the armed faults. A request takes at most one rule (the
// first match in the order they were added) and at most one writer.
type faultTable struct {
	mu      sync.Mutex
	rules   []*FaultRule
	writers []*ConcurrentWrite
}

func (t *faultTable) take(r *http.Request) (*FaultRule, *ConcurrentWrite) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var rule *FaultRule
	for i, f := range t.rules {
		if !f.matches(r) {
			continue
		}
		rule = f
		if f.Count > 0 {
			f.remaining--
			if f.remaining == 0 {
				t.rules = append(t.rules[:i:i], t.rules[i+1:]...)
			}
		}
		break
	}
	var cw *ConcurrentWrite
	for i, c := range t.writers {
		if !c.matches(r) {
			continue
		}
		if c.skipped < c.Skip {
			c.skipped++
			continue
		}
		cw = c
		t.writers = append(t.writers[:i:i], t.writers[i+1:]...)
		break
	}
	return rule, cw
}

func (t *faultTable) add(f *FaultRule) {
	t.mu.Lock()
	t.rules = append(t.rules, f)
	t.mu.Unlock()
}

func (t *faultTable) addWriter(c *ConcurrentWrite) {
	t.mu.Lock()
	t.writers = append(t.writers, c)
	t.mu.Unlock()
}

func (t *faultTable) list() ([]FaultRule, []ConcurrentWrite) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rules := make([]FaultRule, 0, len(t.rules))
	for _, f := range t.rules {
		c := *f
		if c.Count > 0 {
			c.Count = f.remaining
		}
		rules = append(rules, c)
	}
	writers := make([]ConcurrentWrite, 0, len(t.writers))
	for _, c := range t.writers {
		writers = append(writers, *c)
	}
	return rules, writers
}

func (t *faultTable) clear() {
	t.mu.Lock()
	t.rules, t.writers = nil, nil
	t.mu.Unlock()
}

// faulty wraps an API route with the armed faults.
func (s *Server) faulty(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rule, cw := s.faults.take(r)
		if rule == nil && cw == nil {
			next.ServeHTTP(w, r)
			return
		}
		if rule != nil && rule.delay > 0 {
			t := time.NewTimer(rule.delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if rule != nil && rule.Status != 0 {
			if rule.RetryAfterSeconds > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(rule.RetryAfterSeconds))
			}
			msg := rule.Message
			if msg == "" {
				msg = "Injected fault: " + http.StatusText(rule.Status)
			}
			render(w, response{}, errorf(rule.Status, "%s", msg))
			return
		}
		if rule != nil && rule.Drop == "before" {
			hangUp(w)
			return
		}
		if cw != nil && cw.When == writeBefore {
			s.concurrentWrite(cw)
		}
		// Serve into a buffer, so a concurrent write "after" lands once the
		// answer is fixed but before the client can act on it, and so a
		// drop "after" can discard a finished answer.
		buf := &bufferedWriter{header: http.Header{}}
		next.ServeHTTP(buf, r)
		if cw != nil && cw.When == writeAfter {
			s.concurrentWrite(cw)
		}
		if rule != nil && rule.Drop == "after" {
			hangUp(w)
			return
		}
		if rule != nil && rule.RetryAfterSeconds > 0 {
			buf.header.Set("Retry-After", strconv.Itoa(rule.RetryAfterSeconds))
		}
		buf.flushTo(w)
	})
}

// hangUp closes the client's connection without an HTTP response.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2 or an in-process recorder): abort the
		// response instead, which the server turns into a reset.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

// concurrentWrite applies an armed concurrent writer: another client
// changing the group's key set.
func (s *Server) concurrentWrite(cw *ConcurrentWrite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.st.groupByID[cw.Group]
	if g == nil {
		g = s.st.groupByName[cw.Group]
	}
	if g == nil {
		return
	}
	in := s.st.integrations[g.IntegrationID]
	var changes []change
	for _, sec := range g.Secrets {
		switch sec.Key {
		case cw.RemoveKey:
		case cw.RotateKey:
			v := secret.FromString("concurrent-" + newID())
			changes = append(changes, change{key: sec.Key, value: &v})
		default:
			changes = append(changes, change{key: sec.Key})
		}
	}
	if cw.AddKey != "" && g.secret(cw.AddKey) == nil {
		v := secret.FromString("concurrent-" + newID())
		changes = append(changes, change{key: cw.AddKey, value: &v})
	}
	if len(changes) == 0 {
		return
	}
	s.applyChanges(g, in, changes, "emulator-concurrent-writer")
	_ = s.persist() // a failed save leaves memory ahead of disk; the next write retries
}
