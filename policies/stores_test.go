package policies_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
)

type storeRule struct {
	Name       string `json:"name"`
	KeyChars   string `json:"key_chars"`
	KeyMin     int    `json:"key_min"`
	KeyMax     int    `json:"key_max"`
	KeyPattern string `json:"key_pattern"`
}

// patternMatcher is the key_pattern as Go's regexp can run it. RE2 refuses
// repeat counts above 1000 (AWS Parameter Store allows 1011 characters), so
// a pattern ending in its own {key_min,key_max} becomes the character class
// repeated plus a length check; the test asserts the pattern has that shape.
func patternMatcher(t *testing.T, s storeRule) func(string) bool {
	t.Helper()
	if re, err := regexp.Compile(s.KeyPattern); err == nil {
		return re.MatchString
	}
	bounds := "{" + itoa(s.KeyMin) + "," + itoa(s.KeyMax) + "}$"
	if !strings.HasSuffix(s.KeyPattern, bounds) {
		t.Fatalf("%s: pattern %q neither compiles nor ends in %s", s.Name, s.KeyPattern, bounds)
	}
	re := regexp.MustCompile(strings.TrimSuffix(s.KeyPattern, bounds) + "+$")
	return func(k string) bool {
		n := utf8.RuneCountInString(k)
		return re.MatchString(k) && n >= s.KeyMin && n <= s.KeyMax
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The compiled policy's native key check (trim against key_chars, count
// against the bounds) must accept exactly the keys each store's key_pattern
// accepts. Keys are drawn from the store's characters, characters it
// refuses, and multi-byte runes, at lengths around both bounds.
func TestNativeKeyRuleAgreesWithPattern(t *testing.T) {
	t.Parallel()
	var stores map[string]storeRule
	if err := json.Unmarshal(testStores(t), &stores); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, "")
	r := rand.New(rand.NewPCG(3, 5))
	const foreign = "_-./+=@ \t:é日😀\"\\"
	for typ, s := range stores {
		matches := patternMatcher(t, s)
		alphabet := []rune(s.KeyChars + foreign)
		valid, invalid := 0, 0
		for i := range 300 {
			n := []int{1, 2, 5, s.KeyMax - 1, s.KeyMax, s.KeyMax + 1}[i%6]
			var b strings.Builder
			for range n {
				// Mostly allowed characters, so long valid keys occur.
				if r.IntN(40) == 0 {
					b.WriteRune(alphabet[r.IntN(len(alphabet))])
				} else {
					b.WriteByte(s.KeyChars[r.IntN(len(s.KeyChars))])
				}
			}
			key := b.String()
			in := baseInput()
			in.Operation = "group.create"
			in.Integration.Type = typ
			in.Changes = []policydoc.Change{{Key: key, Action: "add", Source: "env", Length: 1}}
			d, err := e.Decide(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if want := matches(key); d.Denied() == want {
				t.Fatalf("%s: key %q: pattern says valid=%v, policy denied=%v (%q)", s.Name, key, want, d.Denied(), d.Deny)
			}
			if d.Denied() {
				invalid++
			} else {
				valid++
			}
		}
		if valid == 0 || invalid == 0 {
			t.Errorf("%s: %d valid and %d invalid keys; the sample does not cover both", s.Name, valid, invalid)
		}
	}
}

// fixtures_test.rego carries the store rules the Rego tests use; they must
// be the ones in testdata/stores.json, which the Go tests use.
func TestRegoFixturesMatchTestdata(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("fixtures_test.rego")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rego.New(
		rego.Query("data.tfy.secrets.fixtures_test.stores"),
		rego.Module("fixtures_test.rego", string(src)),
		rego.SetRegoVersion(ast.RegoV1),
	).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("eval fixtures: %v", err)
	}
	b, _ := json.Marshal(rs[0].Expressions[0].Value)
	var fromRego, fromFile any
	if err := json.Unmarshal(b, &fromRego); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(testStores(t), &fromFile); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromRego, fromFile) {
		t.Fatalf("fixtures_test.rego stores differ from testdata/stores.json:\n%v\n%v", fromRego, fromFile)
	}
}
