package e2e

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// TestBinaryValues: a file that is not UTF-8 text is refused before
// anything is written (it would be altered on the way), naming the key and
// its source; --encoding base64 stores its base64 text exactly; a value
// over the store's limit once encoded is refused by the store rules, with
// the store's limit, before any request.
func TestBinaryValues(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V"] = testkit.Canary("v-")
	u.must("", "group", "create", "bin", "--provider", "azure", "--from-env", "TEXT=V", "--yes")
	dir := t.TempDir()
	der := filepath.Join(dir, "cert.der")
	raw := append([]byte{0x30, 0x82, 0xff, 0xfe}, []byte(testkit.Canary("CANARY-"))...)
	if err := os.WriteFile(der, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	r := u.run("", "group", "update", "bin", "--from-file", "CERT="+der, "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, `the value for key "CERT" (from file `+der+`) is not UTF-8 text (byte 1 is not valid UTF-8)`) ||
		!strings.Contains(r.stderr, "--encoding base64") {
		t.Fatalf("%v", r)
	}
	if got := e.stored(t, "bin"); len(got) != 1 {
		t.Fatalf("a refused value was written: keys %v", keys(got))
	}
	// The same through stdin, and from the environment.
	if r := u.run(string(raw), "group", "update", "bin", "--from-file", "CERT=-", "--yes"); r.code != 2 || !strings.Contains(r.stderr, "(from stdin) is not UTF-8 text") {
		t.Fatalf("%v", r)
	}
	u.env["BINARY"] = string(raw)
	if r := u.run("", "group", "update", "bin", "--from-env", "CERT=BINARY", "--yes"); r.code != 2 || !strings.Contains(r.stderr, "(from env BINARY) is not UTF-8 text") {
		t.Fatalf("%v", r)
	}
	delete(u.env, "BINARY")

	r = u.must("", "group", "update", "bin", "--from-file", "CERT="+der, "--encoding", "base64", "--yes")
	if !strings.Contains(r.stderr, "from file "+der+" (base64)") || !strings.Contains(r.stdout, "(verified)") {
		t.Fatalf("%v", r)
	}
	stored := e.stored(t, "bin")["CERT"]
	back, err := base64.StdEncoding.DecodeString(stored)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("stored %d bytes that do not decode to the file's bytes (%v)", len(stored), err)
	}

	// Azure Key Vault holds at most 25 KiB: 20 KiB of bytes are 27 KiB as base64.
	big := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(big, bytes.Repeat([]byte{0xff}, 20<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	r = u.run("", "group", "update", "bin", "--from-file", "BIG="+big, "--encoding", "base64", "--yes")
	if r.code != 7 || !strings.Contains(r.stderr, `value for key "BIG" is 27308 bytes; Azure Key Vault accepts at most 25600`) {
		t.Fatalf("%v", r)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, "CANARY-") {
			t.Fatal("a value reached the output")
		}
	}
}

// TestEmptyValues: an empty value is stored with a warning in the plan;
// --strict refuses it.
func TestEmptyValues(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V"], u.env["EMPTY"] = testkit.Canary("v-"), ""
	u.must("", "group", "create", "blank", "--provider", "gcp", "--from-env", "A=V", "--yes")
	r := u.run("", "group", "update", "blank", "--from-env", "E=EMPTY", "--yes", "--strict")
	if r.code != 2 || !strings.Contains(r.stderr, "key E has an empty value (from env EMPTY), and --strict refuses empty values") {
		t.Fatalf("%v", r)
	}
	if _, ok := e.stored(t, "blank")["E"]; ok {
		t.Fatal("--strict wrote the empty value")
	}
	r = u.must("", "group", "update", "blank", "--from-env", "E=EMPTY", "--yes")
	if !strings.Contains(r.stderr, `warning: key "E" gets an empty value (from env EMPTY)`) {
		t.Fatalf("%v", r)
	}
	if v, ok := e.stored(t, "blank")["E"]; !ok || v != "" {
		t.Fatal("the empty value was not stored")
	}
}
