package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// The emulator's ids: 24 characters of lower-case base32.
	idPattern = regexp.MustCompile(`\b[a-z2-7]{24}\b`)
	// Timestamps in any of the usual renderings.
	timePattern = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?`)
	digits      = regexp.MustCompile(`\d`)
)

// normalize makes output comparable across runs: the emulator's random ids
// become ID01____..., in order of first appearance, and timestamp digits
// become zeros. Both keep their length, so table columns stay aligned.
func normalize(s, url string) string {
	s = strings.ReplaceAll(s, url, "http://127.0.0.1:PORT")
	ids := map[string]string{}
	s = idPattern.ReplaceAllStringFunc(s, func(id string) string {
		if _, ok := ids[id]; !ok {
			ids[id] = fmt.Sprintf("ID%02d", len(ids)+1) + strings.Repeat("_", len(id)-4)
		}
		return ids[id]
	})
	return timePattern.ReplaceAllStringFunc(s, func(ts string) string { return digits.ReplaceAllString(ts, "0") })
}

// TestGolden pins what users and scripts see for every read and for a
// dry-run plan, in each output format. Run with -update to accept changes.
func TestGolden(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["GOLDEN_A"] = "golden-value-a-0123456789"
	u.env["GOLDEN_B"] = "golden-value-b-0123456789"
	u.must("", "group", "create", "golden-app", "--provider", "azure", "--from-env", "API-KEY=GOLDEN_A", "--from-env", "DB-PASSWORD=GOLDEN_B", "--yes")
	u.must("", "group", "create", "golden-web", "--provider", "azure", "--from-env", "TOKEN=GOLDEN_A", "--yes")

	commands := []struct {
		name string
		args []string
	}{
		{"group-list", []string{"group", "list"}},
		{"group-get", []string{"group", "get", "golden-app"}},
		{"group-get-prefix", []string{"group", "get", "golden-app", "--show-prefix"}},
		{"secret-get", []string{"secret", "get", "golden-app:API-KEY"}},
		{"integration-list", []string{"integration", "list"}},
		{"plan-dry-run", []string{"group", "update", "golden-app", "--from-env", "NEW-KEY=GOLDEN_B", "--unset", "DB-PASSWORD", "--dry-run"}},
	}
	for _, c := range commands {
		for _, format := range []string{"table", "json", "yaml"} {
			name := c.name + "." + format + ".golden"
			t.Run(name, func(t *testing.T) {
				r := u.must("", append(c.args, "-o", format)...)
				got := normalize(r.stdout, e.url)
				path := filepath.Join("testdata", name)
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run `go test ./e2e -run TestGolden -update` to create it)", err)
				}
				if got != string(want) {
					t.Fatalf("%s differs from %s:\n--- got\n%s\n--- want\n%s", strings.Join(r.args, " "), path, got, want)
				}
			})
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	in := "abcdefghijklmnopqrstuvwx 2026-11-28T11:06:44.123Z abcdefghijklmnopqrstuvwx mnopqrstuvwxyz234567abcd http://127.0.0.1:4242/x"
	want := "ID01____________________ 0000-00-00T00:00:00.000Z ID01____________________ ID02____________________ http://127.0.0.1:PORT/x"
	if got := normalize(in, "http://127.0.0.1:4242"); got != want {
		t.Fatalf("normalize:\n%s\nwant\n%s", got, want)
	}
}
