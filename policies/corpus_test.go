package policies_test

import (
	"math/rand/v2"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
)

// Pools the corpus draws from, biased to the edges the policies care
// about: keys each store accepts or refuses, lengths either side of every
// limit, and strings that stress the native string builtins (multi-byte
// runes, empty strings, long keys).
var (
	corpusKeys = []string{
		"DB-PASSWORD", "DB_PASSWORD", "db.password", "path/to/key", "key+1=2@x", "API-KEY",
		"", "a", "-", "_", "A--B", "-A", "ключ", "emoji😀", "tab\tkey", "quote\"key", "x y",
		strings.Repeat("a", 127), strings.Repeat("b", 128), strings.Repeat("c", 255), strings.Repeat("d", 256),
		strings.Repeat("e", 512), strings.Repeat("f", 513), strings.Repeat("g", 1011), strings.Repeat("h", 1012),
	}
	corpusLengths = []int{0, 1, 15, 16, 17, 4096, 4097, 25600, 25601, 65536, 65537, 1 << 30}
	corpusTypes   = []string{azure, gsm, secretsManager, parameterStore, "integration/secret-store/hashicorp/vault", ""}
	corpusGroups  = []string{"my-app-secrets", "prod-payments", "prod-", "production", ""}
)

// corpus generates n policy inputs from a fixed seed, so a failure names an
// input that can be regenerated.
func corpus(n int, seed uint64) []policydoc.Input {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]policydoc.Input, n)
	for i := range out {
		out[i] = randomInput(r)
	}
	return out
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func randomInput(r *rand.Rand) policydoc.Input {
	in := policydoc.Input{
		Operation:   pick(r, policydoc.Operations),
		Tenant:      "demo",
		Group:       policydoc.Group{Name: pick(r, corpusGroups), ID: "g", FQN: "demo:g"},
		Integration: policydoc.Integration{ID: "i", FQN: "demo:i", Type: pick(r, corpusTypes), Provider: "x"},
		Context: policydoc.Context{
			Client:      pick(r, policydoc.Clients),
			Interactive: r.IntN(2) == 0,
			Yes:         r.IntN(2) == 0,
			DryRun:      r.IntN(4) == 0,
			CI:          r.IntN(2) == 0,
			ShowPrefix:  r.IntN(2) == 0,
		},
	}
	for range r.IntN(5) {
		c := policydoc.Change{Key: pick(r, corpusKeys), Action: pick(r, policydoc.Actions), Length: pick(r, corpusLengths)}
		if c.Action == "add" || c.Action == "rotate" {
			c.Source = pick(r, policydoc.Sources)
		}
		in.Changes = append(in.Changes, c)
	}
	for range r.IntN(4) {
		in.Secrets = append(in.Secrets, policydoc.Secret{Key: pick(r, corpusKeys), ID: "s", Length: pick(r, corpusLengths)})
	}
	return in
}
