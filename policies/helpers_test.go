package policies_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies"
	"github.com/tfy-secrets/tfy-secrets/policies/authoring"
)

const (
	azure          = "integration/secret-store/azure/vault"
	gsm            = "integration/secret-store/gcp/gsm"
	secretsManager = "integration/secret-store/aws/secrets-manager"
	parameterStore = "integration/secret-store/aws/parameter-store"
)

// testStores is the store-rules object of testdata/stores.json, the same
// shape the providers module hands the plugin.
func testStores(t testing.TB) json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile("testdata/stores.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Stores json.RawMessage `json:"stores"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Stores == nil {
		t.Fatalf("testdata/stores.json: %v", err)
	}
	return doc.Stores
}

// cacheDir is one compilation cache for the whole test binary: compiling
// the default module afresh for every test would dominate the run under
// -race. Tests of the cache itself belong to opawasm.
var cacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "policies-cache-")
	if err != nil {
		panic(err)
	}
	cacheDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func newEngine(t testing.TB, bundle string) *policies.Engine {
	t.Helper()
	e, err := policies.New(context.Background(), policies.Options{Bundle: bundle, Stores: testStores(t), CacheDir: cacheDir})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

// buildExample compiles policies/examples/NAME into a bundle with the same
// code `tfy-secrets policy build` runs.
func buildExample(t testing.TB, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".tar.gz")
	if err := authoring.Build(context.Background(), filepath.Join("examples", name), out); err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	return out
}

// baseInput is an update of an Azure-backed group, as the plugin builds it.
func baseInput() policydoc.Input {
	return policydoc.Input{
		Operation:   "group.update",
		Tenant:      "demo",
		Group:       policydoc.Group{Name: "my-app-secrets", ID: "g1", FQN: "demo:my-app-secrets"},
		Integration: policydoc.Integration{ID: "i1", FQN: "demo:azure", Type: azure, Provider: "azure"},
		Context:     policydoc.Context{Client: "cli", Interactive: true},
	}
}

func readFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}
