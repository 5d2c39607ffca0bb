package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// hostileName carries what a terminal acts on: colour, an OSC window
// title, screen clearing, carriage return and backspace, and a
// right-to-left override.
const hostileName = "pwn\x1b[31mRED\x1b]0;owned\x07\x1b[2J\r\bevil\u202etxt.exe"

// rawControls must never reach the terminal from a table.
var rawControls = []string{"\x1b", "\x07", "\r", "\b", "\u202e"}

// TestHostileNamesNeverReachTheTerminal: the real emulator serves a group,
// a key and an integration whose names hold escape sequences (restored
// from a state file: its API refuses such names, TrueFoundry's may not).
// Every table and message shows them as visible escapes; JSON carries
// them exactly (issue 11, item 8).
func TestHostileNamesNeverReachTheTerminal(t *testing.T) {
	t.Parallel()
	first := filepath.Join(t.TempDir(), "state.json")
	e := startEmulator(t, "--state", first)
	u := newUser(t, e)
	u.env["VAL"] = testkit.Canary("hostile-value-")
	u.must("", "group", "create", "named", "--provider", "gcp", "--from-env", "KEY=VAL", "--yes")
	u.must("", "group", "create", "keyed", "--provider", "gcp", "--from-env", "KEY=VAL", "--yes")

	// In the saved state, give the first group, the second group's key and
	// the gcp integration hostile names. (A hostile key could not be
	// written back: the emulator checks every key of a write.)
	var state map[string]any
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	var namedID, keyedID, secretID, integrationID string
	for _, g := range state["groups"].([]any) {
		g := g.(map[string]any)
		integrationID = g["integrationId"].(string)
		switch g["name"] {
		case "named":
			g["name"], namedID = hostileName, g["id"].(string)
		case "keyed":
			sec := g["secrets"].([]any)[0].(map[string]any)
			sec["key"], keyedID, secretID = hostileName, g["id"].(string), sec["id"].(string)
		}
	}
	for _, a := range state["accounts"].([]any) {
		for _, in := range a.(map[string]any)["integrations"].([]any) {
			if in := in.(map[string]any); in["id"] == integrationID {
				in["name"] = hostileName
			}
		}
	}
	second := filepath.Join(t.TempDir(), "state.json")
	data, err = json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(second, data, 0o600); err != nil {
		t.Fatal(err)
	}
	e = startEmulator(t, "--state", second)
	u = newUser(t, e)
	u.env["VAL"] = testkit.Canary("hostile-value-")

	for _, args := range [][]string{
		{"group", "list"},
		{"group", "get", namedID},
		{"group", "get", keyedID},
		{"integration", "list"},
		{"secret", "get", secretID},
		{"secret", "versions", secretID},
		{"group", "update", namedID, "--from-env", "NEW=VAL", "--dry-run"},
		{"group", "update", namedID, "--from-env", "NEW=VAL", "--yes"},
		{"group", "update", keyedID, "--from-env", "NEW=VAL", "--dry-run"},
	} {
		r := u.run("", args...)
		if r.code != 0 {
			t.Errorf("want success\n%v", r)
			continue
		}
		for _, c := range rawControls {
			if strings.Contains(r.stdout+r.stderr, c) {
				t.Errorf("%q reached the terminal\n%v", c, r)
			}
		}
		if !strings.Contains(r.stdout+r.stderr, `\x1b[31mRED`) && args[1] != "versions" {
			t.Errorf("the name is not shown with visible escapes\n%v", r)
		}
	}

	var doc struct {
		Groups []struct {
			Name string `json:"name"`
		} `json:"groups"`
	}
	r := u.must("", "group", "list", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Groups) != 2 || doc.Groups[0].Name+doc.Groups[1].Name != hostileName+"keyed" && doc.Groups[1].Name+doc.Groups[0].Name != hostileName+"keyed" {
		t.Fatalf("JSON must carry the name exactly: %v\n%v", err, r)
	}
	var integrations struct {
		Integrations []struct {
			Name string `json:"name"`
		} `json:"integrations"`
	}
	r = u.must("", "integration", "list", "-o", "json")
	found := false
	if err := json.Unmarshal([]byte(r.stdout), &integrations); err != nil {
		t.Fatal(err)
	}
	for _, in := range integrations.Integrations {
		found = found || in.Name == hostileName
	}
	if !found {
		t.Fatalf("JSON lost the integration's name\n%v", r)
	}
}
