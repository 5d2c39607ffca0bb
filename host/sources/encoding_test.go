package sources

import (
	"context"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// parseFlags parses args with the SOURCES flags, as create and update do.
func parseFlags(t *testing.T, args ...string) ([]Spec, error) {
	t.Helper()
	set := flag.NewFlagSet("test", flag.ContinueOnError)
	for _, f := range Flags() {
		if err := f.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.Parse(args); err != nil {
		t.Fatal(err)
	}
	return FromContext(cli.NewContext(cli.NewApp(), set, nil), set.Args(), 2)
}

// --encoding base64 stores the base64 text of a file's exact bytes, and
// says so in the origin; it is refused without a --from-file to apply to.
func TestEncodingBase64(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cert.der")
	raw := []byte{0x30, 0x82, 0xff, 0xfe, 0x00, 'z'}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	specs, err := parseFlags(t, "--from-file", "CERT="+path, "--from-file", "IN=-", "--from-env", "E", "--encoding", "base64")
	if err != nil {
		t.Fatal(err)
	}
	r := Reader{LookupEnv: func(string) (string, bool) { return "env-text", true }, Stdin: strings.NewReader("\xff")}
	changes, err := r.Read(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]plugin.Change{}
	for _, c := range changes {
		got[c.Key] = c
	}
	if c := got["CERT"]; c.Value.Reveal() != base64.StdEncoding.EncodeToString(raw) || c.Origin != "file "+path+" (base64)" {
		t.Errorf("CERT: origin %q", c.Origin)
	}
	if c := got["IN"]; c.Value.Reveal() != "/w==" || c.Origin != "stdin (base64)" {
		t.Errorf("IN: origin %q", c.Origin)
	}
	if c := got["E"]; c.Value.Reveal() != "env-text" || c.Origin != "env E" {
		t.Errorf("E is not a --from-file value and stays as it is: origin %q", c.Origin)
	}

	for _, bad := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--from-env", "E", "--encoding", "base64"}, "no --from-file is given"},
		{[]string{"--from-file", "K=" + path, "--encoding", "hex"}, `unknown --encoding "hex": use text or base64`},
	} {
		_, err := parseFlags(t, bad.args...)
		if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%v: %v", bad.args, err)
		}
	}
}

func TestRefuseEmpty(t *testing.T) {
	t.Parallel()
	changes := []plugin.Change{
		{Key: "FULL", Value: secret.FromString("x"), Origin: "env FULL"},
		{Key: "LIT", Source: plugin.SourceLiteral, Origin: "command line"},
	}
	if err := RefuseEmpty(changes); err != nil {
		t.Fatalf("no empty value: %v", err)
	}
	changes = append(changes, plugin.Change{Key: "EMPTY", Value: secret.FromString(""), Origin: "env EMPTY"})
	err := RefuseEmpty(changes)
	if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), "key EMPTY has an empty value (from env EMPTY)") {
		t.Fatalf("err = %v", err)
	}
}
