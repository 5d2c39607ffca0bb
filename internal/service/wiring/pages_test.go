package wiring_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/service/wiring"
)

// TestValueListingsUseSmallPages holds value listings to pages that stay far
// below tfyapi.MaxResponseBytes even at the largest store limit, while
// key-only listings keep the API's largest page (fewer round trips).
func TestValueListingsUseSmallPages(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	limits := map[bool]int{}
	var fqnsPerRequest []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Limit      int      `json:"limit"`
			WithValue  bool     `json:"withValue"`
			SecretFQNs []string `json:"secretFqns"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		mu.Lock()
		limits[body.WithValue] = body.Limit
		if len(body.SecretFQNs) > 0 {
			fqnsPerRequest = append(fqnsPerRequest, len(body.SecretFQNs))
		}
		mu.Unlock()
		_, _ = io.WriteString(w, `{"data":[],"pagination":{"total":0}}`)
	}))
	defer srv.Close()
	api, err := wiring.Connect(wiring.NewStores(nil))(srv.URL, secret.FromString("k"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, wv := range []bool{true, false} {
		for _, err := range api.Secrets(context.Background(), "g", wv) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if limits[true] != 100 || limits[false] != 1000 {
		t.Errorf("page sizes = %v, want 100 with values and 1000 without", limits)
	}
	mu.Lock()
	limits = map[bool]int{}
	mu.Unlock()
	// 250 names go as requests of 100, 100 and 50, each carrying only its
	// own names: a large read-back must not send every name every time.
	var fqns []string
	for i := range 250 {
		fqns = append(fqns, fmt.Sprintf("demo:g:K%d", i))
	}
	for _, err := range api.SecretValues(context.Background(), fqns) {
		if err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if limits[true] != 100 || !slices.Equal(fqnsPerRequest, []int{100, 100, 50}) {
		t.Errorf("SecretValues page size = %d, names per request %v; want 100 and [100 100 50]", limits[true], fqnsPerRequest)
	}
}
