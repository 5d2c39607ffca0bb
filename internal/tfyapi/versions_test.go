package tfyapi

import (
	"strings"
	"testing"
)

// TestSecretVersionNumber: the latest version is the highest number
// reported; versions listed without numbers (the SDK's example of a
// secrets listing shows only id and fqn) count from 1; no versions at all
// is 0, unknown (issue 11, item 21).
func TestSecretVersionNumber(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int{
		`{"data":{"secretVersions":[{"id":"a","version":1},{"id":"b","version":3}]}}`: 3,
		`{"data":{"secretVersions":[{"id":"a","version":"2"}]}}`:                      2,
		`{"data":{"secretVersions":[{"id":"a","fqn":"f1"},{"id":"b","fqn":"f2"}]}}`:   2,
		`{"data":{"secretVersions":[{"id":"a","version":null}]}}`:                     1,
		`{"data":{"secretVersions":[]}}`:                                              0,
		`{"data":{"id":"s"}}`:                                                         0,
	} {
		s, err := decodeSecret(strings.NewReader(body), "get secret")
		if err != nil || s.Version != want {
			t.Errorf("%s: version %d, %v; want %d", body, s.Version, err, want)
		}
	}
	p, err := decodePage[wireSecret](strings.NewReader(`{"data":[{"name":"K","secretVersions":[{"id":"a"},{"id":"b"},{"id":"c"}]}]}`), "list secrets")
	if err != nil || p.items[0].secret(false).Version != 3 {
		t.Errorf("listed secret: %+v, %v", p, err)
	}
}
