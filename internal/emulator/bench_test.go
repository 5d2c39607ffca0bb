package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// benchServer starts an emulator on loopback holding groups groups of keys
// keys each, inserted directly so setup stays out of the measurement.
func benchServer(b *testing.B, groups, keys int) (*Server, []string) {
	b.Helper()
	srv, err := NewServer(Options{APIKeys: []APIKey{{"bench", RoleAdmin}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Stop() })
	var gsm *integration
	for _, in := range srv.st.integrations {
		if in.Type == TypeGCPGSM {
			gsm = in
		}
	}
	ids := make([]string, 0, groups)
	srv.mu.Lock()
	for i := range groups {
		now := srv.now()
		g := &group{ID: newID(), Name: fmt.Sprintf("group-%05d", i), IntegrationID: gsm.ID, CreatedBy: "bench", CreatedAt: now, UpdatedAt: now}
		changes := make([]change, keys)
		for k := range changes {
			v := secret.FromString(fmt.Sprintf("value-%d-%d", i, k))
			changes[k] = change{key: fmt.Sprintf("KEY_%d", k), value: &v}
		}
		srv.applyChanges(g, gsm, changes, "bench")
		srv.st.addGroup(g)
		ids = append(ids, g.ID)
	}
	srv.mu.Unlock()
	return srv, ids
}

func doBench(b *testing.B, c *http.Client, method, url string, body []byte) {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer bench")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s %s: %d", method, url, resp.StatusCode)
	}
}

// BenchmarkServerList lists 50 groups of 10 keys over loopback HTTP, the
// call behind `tfy-secrets group list`.
func BenchmarkServerList(b *testing.B) {
	srv, _ := benchServer(b, 50, 10)
	c := &http.Client{}
	url := srv.URL() + apiPrefix + "secret-groups?limit=100"
	b.ReportAllocs()
	for b.Loop() {
		doBench(b, c, "GET", url, nil)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkServerUpdate rotates one value of a 10-key group per request.
func BenchmarkServerUpdate(b *testing.B) {
	srv, ids := benchServer(b, 50, 10)
	c := &http.Client{}
	url := srv.URL() + apiPrefix + "secret-groups/" + ids[0]
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		body := fmt.Appendf(nil, `{"secrets":[{"key":"KEY_0","value":"rotated-%d"},{"key":"KEY_1"},{"key":"KEY_2"},{"key":"KEY_3"},{"key":"KEY_4"},{"key":"KEY_5"},{"key":"KEY_6"},{"key":"KEY_7"},{"key":"KEY_8"},{"key":"KEY_9"}]}`, i)
		doBench(b, c, "PUT", url, body)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkServerUpdate1000 rewrites a 1,000-key group with one changed
// value, the write behind the design's 1 s budget for a 1,000-key update.
func BenchmarkServerUpdate1000(b *testing.B) {
	srv, ids := benchServer(b, 1, 1000)
	c := &http.Client{}
	url := srv.URL() + apiPrefix + "secret-groups/" + ids[0]
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		var body bytes.Buffer
		fmt.Fprintf(&body, `{"secrets":[{"key":"KEY_0","value":"rotated-%d"}`, i)
		for k := 1; k < 1000; k++ {
			fmt.Fprintf(&body, `,{"key":"KEY_%d"}`, k)
		}
		body.WriteString("]}")
		doBench(b, c, "PUT", url, body.Bytes())
	}
}

// BenchmarkServerListAll pages through 10,000 groups / 100,000 secrets with
// limit 1000, the design's large-tenant budget (3 s for the whole CLI):
// warm (rendered groups cached, the usual case) and cold (every group
// changed since the last listing).
func BenchmarkServerListAll(b *testing.B) {
	srv, _ := benchServer(b, 10_000, 10)
	c := &http.Client{}
	listAll := func() {
		for off := 0; off < 10_000; off += 1000 {
			doBench(b, c, "GET", fmt.Sprintf("%s%ssecret-groups?limit=1000&offset=%d", srv.URL(), apiPrefix, off), nil)
		}
	}
	b.Run("warm", func(b *testing.B) {
		listAll()
		b.ReportAllocs()
		for b.Loop() {
			listAll()
		}
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			for _, g := range srv.st.groups {
				g.touch()
			}
			b.StartTimer()
			listAll()
		}
	})
}
