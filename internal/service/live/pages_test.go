package live_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/service/live"
)

// TestValueListingsUseSmallPages holds value listings to pages that stay far
// below tfyapi.MaxResponseBytes even at the largest store limit, while
// key-only listings keep the API's largest page (fewer round trips).
func TestValueListingsUseSmallPages(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	limits := map[bool]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Limit     int  `json:"limit"`
			WithValue bool `json:"withValue"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		mu.Lock()
		limits[body.WithValue] = body.Limit
		mu.Unlock()
		_, _ = io.WriteString(w, `{"data":[],"pagination":{"total":0}}`)
	}))
	defer srv.Close()
	api, err := live.Connect(live.NewStores(nil))(srv.URL, secret.FromString("k"), slog.New(slog.DiscardHandler))
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
	for _, err := range api.SecretValues(context.Background(), []string{"demo:g:K"}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if limits[true] != 100 {
		t.Errorf("SecretValues page size = %d, want 100", limits[true])
	}
}
