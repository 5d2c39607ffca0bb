package sources

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

const canary = "canary-93be1c-never-print"

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		fn   func(string) (Spec, error)
		arg  string
		want Spec
	}{
		{"env bare", ParseFromEnv, "DB_PASSWORD", Spec{Key: "DB_PASSWORD", Source: plugin.SourceEnv, Name: "DB_PASSWORD"}},
		{"env named", ParseFromEnv, "API-KEY=NEW_API_KEY", Spec{Key: "API-KEY", Source: plugin.SourceEnv, Name: "NEW_API_KEY"}},
		{"file", ParseFromFile, "TLS=./a=b.pem", Spec{Key: "TLS", Source: plugin.SourceFile, Name: "./a=b.pem"}},
		{"file stdin", ParseFromFile, "TLS=-", Spec{Key: "TLS", Source: plugin.SourceStdin, Name: "-"}},
		{"dotenv", ParseFromDotenv, ".env", Spec{Source: plugin.SourceDotenv, Name: ".env"}},
		{"prompt", ParsePrompt, "API-KEY", Spec{Key: "API-KEY", Source: plugin.SourcePrompt}},
	} {
		got, err := tc.fn(tc.arg)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v", tc.name, got, err)
		}
	}
	got, err := ParsePositional("API_KEY="+canary, 2)
	if err != nil || got != (Spec{Key: "API_KEY", Source: plugin.SourceLiteral}) {
		t.Fatalf("positional: %+v, %v", got, err)
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fn   func(string) (Spec, error)
		arg  string
		want string
	}{
		{ParseFromEnv, "", "KEY is empty"},
		{ParseFromEnv, "=VAR", "KEY is empty"},
		{ParseFromEnv, "K=" + canary, "must name a set environment variable"},
		{ParseFromEnv, "K=", "must name a set environment variable"},
		{ParseFromEnv, "K=1VAR", "must name a set environment variable"},
		{ParseFromEnv, "A B=VAR", "whitespace"},
		{ParseFromFile, "K", "needs KEY=PATH"},
		{ParseFromFile, "K=", "the path is empty"},
		{ParseFromFile, "=x", "KEY is empty"},
		{ParseFromFile, "K:1=x", "contains ':'"},
		{ParseFromDotenv, "", "the path is empty"},
		{ParsePrompt, "", "KEY is empty"},
		{ParsePrompt, "K=V", "contains ':' or '='"},
		{ParsePrompt, "K\x00", "control character"},
		{func(s string) (Spec, error) { return ParsePositional(s, 3) }, canary, "argument 3 is not a source"},
		{func(s string) (Spec, error) { return ParsePositional(s, 3) }, "=" + canary, "argument 3 looks like an inline value"},
		{func(s string) (Spec, error) { return ParsePositional(s, 3) }, "a b=" + canary, "argument 3 looks like an inline value"},
	} {
		_, err := tc.fn(tc.arg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.arg, err, tc.want)
			continue
		}
		if failure.KindOf(err) != failure.Usage {
			t.Errorf("%q: kind %s", tc.arg, failure.KindOf(err))
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(failure.As(err).Hint, canary) {
			t.Errorf("%q: error repeats the value: %v", tc.arg, err)
		}
	}
}

func TestCheckStdin(t *testing.T) {
	t.Parallel()
	one := []Spec{{Key: "A", Source: plugin.SourceStdin, Name: "-"}, {Source: plugin.SourceDotenv, Name: ".env"}}
	if err := CheckStdin(one); err != nil {
		t.Fatal(err)
	}
	two := append(one, Spec{Source: plugin.SourceDotenv, Name: "-"})
	if err := CheckStdin(two); err == nil || failure.KindOf(err) != failure.Usage {
		t.Fatalf("two stdin readers accepted: %v", err)
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	exact := []byte("\x00\xff" + canary + "\r\n\n")
	if err := os.WriteFile(bin, exact, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"K": canary, "EMPTY": ""}
	prompted := 0
	r := Reader{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Stdin:     strings.NewReader("A=" + canary + "-a\n"),
		Prompt: func(_ context.Context, p string) (secret.Value, error) {
			prompted++
			if !strings.Contains(p, "P") {
				t.Errorf("prompt %q does not name the key", p)
			}
			return secret.FromString(canary + "-p"), nil
		},
	}
	changes, err := r.Read(context.Background(), []Spec{
		{Key: "K", Source: plugin.SourceEnv, Name: "K"},
		{Key: "E", Source: plugin.SourceEnv, Name: "EMPTY"},
		{Key: "F", Source: plugin.SourceFile, Name: bin},
		{Source: plugin.SourceDotenv, Name: "-"},
		{Key: "P", Source: plugin.SourcePrompt},
		{Key: "L", Source: plugin.SourceLiteral},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		key, value, origin string
		set                bool
	}{
		{"K", canary, "env K", true},
		{"E", "", "env EMPTY", true},
		{"F", string(exact), "file " + bin, true},
		{"A", canary + "-a", "dotenv - line 1", true},
		{"P", canary + "-p", "prompt", true},
		{"L", "", "command line", false},
	}
	if len(changes) != len(want) || prompted != 1 {
		t.Fatalf("changes %+v, prompted %d", changes, prompted)
	}
	for i, w := range want {
		c := changes[i]
		if c.Key != w.key || c.Value.Reveal() != w.value || c.Origin != w.origin || c.Value.IsSet() != w.set {
			t.Errorf("change %d: %s %q set=%v", i, c.Key, c.Origin, c.Value.IsSet())
		}
	}
}

func TestReadFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dup := filepath.Join(dir, "dup.env")
	if err := os.WriteFile(dup, []byte("K=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("OK=1\n"+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := Reader{LookupEnv: func(string) (string, bool) { return "", false }, Stdin: strings.NewReader("")}
	for _, tc := range []struct {
		specs []Spec
		want  string
	}{
		{[]Spec{{Key: "K", Source: plugin.SourceEnv, Name: "K"}}, "environment variable K is not set"},
		{[]Spec{{Key: "sk_live_" + strings.ReplaceAll(canary, "-", "_"), Source: plugin.SourceEnv, Name: "sk_live_" + strings.ReplaceAll(canary, "-", "_")}}, "the named environment variable is not set"},
		{[]Spec{{Key: "K", Source: plugin.SourceEnv, Name: "CANARY_VAR"}}, "K=...: the part after '='"},
		{[]Spec{{Key: "K", Source: plugin.SourceFile, Name: filepath.Join(dir, canary)}}, "K=...: cannot read the named file: no such file or directory"},
		{[]Spec{{Key: "K", Source: plugin.SourcePrompt}}, "--prompt K needs a terminal"},
		{[]Spec{{Key: "K", Source: plugin.SourceLiteral}, {Source: plugin.SourceDotenv, Name: dup}}, "key K is given by more than one source"},
		{[]Spec{{Source: plugin.SourceDotenv, Name: bad}}, "line 2"},
		{[]Spec{{Source: plugin.SourceDotenv, Name: filepath.Join(dir, "none.env")}}, "no such file"},
		{[]Spec{{Key: "Z", Source: plugin.SourceFile, Name: "/dev/zero"}}, "Z=...: the named path is not a regular file"},
		{[]Spec{{Key: "D", Source: plugin.SourceFile, Name: dir}}, "D=...: the named path is not a regular file"},
	} {
		_, err := r.Read(context.Background(), tc.specs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.specs, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(err.Error(), "CANARY_VAR") || strings.Contains(err.Error(), strings.ReplaceAll(canary, "-", "_")) {
			t.Errorf("error repeats what followed '=': %v", err)
		}
		if failure.KindOf(err) != failure.Usage {
			t.Errorf("%v: kind %s", err, failure.KindOf(err))
		}
	}
	stdinErr := Reader{Stdin: failingReader{}}
	if _, err := stdinErr.Read(context.Background(), []Spec{{Key: "K", Source: plugin.SourceStdin, Name: "-"}}); err == nil || failure.KindOf(err) != failure.Usage {
		t.Fatalf("a failing stdin: %v", err)
	}
	big := Reader{Stdin: strings.NewReader(strings.Repeat("x", MaxValueBytes+1))}
	if _, err := big.Read(context.Background(), []Spec{{Key: "K", Source: plugin.SourceStdin, Name: "-"}}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("an oversized stdin: %v", err)
	}
	exact := Reader{Stdin: strings.NewReader(strings.Repeat("x", MaxValueBytes))}
	if c, err := exact.Read(context.Background(), []Spec{{Key: "K", Source: plugin.SourceStdin, Name: "-"}}); err != nil || c[0].Value.Len() != MaxValueBytes {
		t.Fatalf("a value of exactly the bound: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }

// fuzzNoEcho checks the invariant of every parser here: no panic, and an
// error never repeats what followed the first '=' (or a whole positional).
// shown is what the error may name, as "KEY=" (the part before the '='),
// and is set aside before the check; when it holds the hidden part, a
// repeat cannot be told from the key.
func fuzzNoEcho(t *testing.T, arg, shown, hidden string, err error) {
	if err == nil || len(hidden) < 6 || strings.Contains(shown, hidden) {
		return
	}
	fe := failure.As(err)
	for _, text := range []string{err.Error(), fe.Hint} {
		if shown != "" {
			text = strings.ReplaceAll(text, shown+"=", "=")
		}
		// The fixed wording of a message may contain short fragments by
		// chance; only a verbatim copy of a long hidden part is a leak.
		if strings.Contains(text, hidden) && !strings.Contains(messages, hidden) {
			t.Fatalf("%q: error repeats %q: %s", arg, hidden, text)
		}
	}
}

// messages is every fixed text the parsers may print.
const messages = "--from-env --from-file --prompt KEY is empty KEY contains ':' or '=': a key is a plain name such as DB_PASSWORD the part after '=' must name a set environment variable, and it does not export the value first, then pass --from-env =VARIABLE_NAME; values are never given on the command line needs KEY=PATH the path is empty (use - for stdin) argument is not a source give values with --from-env KEY, --from-file KEY=PATH, --from-dotenv PATH or --prompt KEY looks like an inline value with no usable key contains whitespace or a control character is longer than bytes is not valid UTF-8"

func FuzzParseFromEnv(f *testing.F) {
	for _, s := range []string{"K", "K=VAR", "K=" + canary, "=", "", "K==", "a b=c", "K=VAR=x", "\xff=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		s, err := ParseFromEnv(arg)
		key, after, _ := strings.Cut(arg, "=")
		fuzzNoEcho(t, arg, key, after, err)
		if err == nil && (s.Key == "" || s.Name == "" || s.Source != plugin.SourceEnv) {
			t.Fatalf("%q: accepted as %+v", arg, s)
		}
	})
}

func FuzzParseFromFile(f *testing.F) {
	for _, s := range []string{"K=./f", "K=-", "K", "=f", "K=", "K=a=b", "\x00=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		s, err := ParseFromFile(arg)
		if err == nil && (s.Key == "" || s.Name == "") {
			t.Fatalf("%q: accepted as %+v", arg, s)
		}
		if err != nil && failure.KindOf(err) != failure.Usage {
			t.Fatalf("%q: kind %s", arg, failure.KindOf(err))
		}
	})
}

func FuzzParsePositional(f *testing.F) {
	for _, s := range []string{"K=V", canary, "=" + canary, "K=", "a b=c", "K:x=y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		s, err := ParsePositional(arg, 2)
		if err != nil {
			fuzzNoEcho(t, arg, "", arg, err)
			return
		}
		// Accepted means literal, keyed by what precedes '=', with nothing
		// of the value kept.
		before, _, _ := strings.Cut(arg, "=")
		if s.Source != plugin.SourceLiteral || s.Key == "" || s.Key != before || s.Name != "" {
			t.Fatalf("%q: accepted as %+v", arg, s)
		}
	})
}

// conventionalNameRE is the definition conventionalName implements without
// a regexp.
var conventionalNameRE = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,63}$`)

func TestConventionalName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("A", 64)
	for s, want := range map[string]bool{
		"DB_PASSWORD": true, "_": true, "A1": true, long: true,
		"": false, long + "A": false, "1A": false, "db_password": false, "sk_live_x": false, "A-B": false,
	} {
		if got := conventionalName(s); got != want || got != conventionalNameRE.MatchString(s) {
			t.Errorf("conventionalName(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzConventionalName holds conventionalName to the regexp it replaced.
func FuzzConventionalName(f *testing.F) {
	for _, s := range []string{"DB_PASSWORD", "ghp_x", "9", "", strings.Repeat("Z", 65), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := conventionalName(s), conventionalNameRE.MatchString(s); got != want {
			t.Fatalf("conventionalName(%q) = %v, regexp says %v", s, got, want)
		}
	})
}
