package cmdutil

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fn   func(string) error
		arg  string
		want string // "" = valid
	}{
		{ValidateGroup, "my-app", ""},
		{ValidateGroup, "demo:my-app", ""},
		{ValidateGroup, "cl2x9f0a1b2c3d4e5f6g", ""},
		{ValidateGroup, "", "GROUP is empty"},
		{ValidateGroup, "a:b:c", "3 ':'-separated parts"},
		{ValidateGroup, ":app", "empty part"},
		{ValidateGroup, "demo:", "empty part"},
		{ValidateGroup, "my app", "whitespace"},
		{ValidateGroup, "app\n", "whitespace"},
		{ValidateGroup, "\xff", "not valid UTF-8"},
		{ValidateGroup, "API_KEY=sk-live-123", "looks like KEY=VALUE"},
		{ValidateSecret, "app:K=v", "looks like KEY=VALUE"},
		{ValidateName, "K=v", "looks like KEY=VALUE"},
		{ValidateGroup, strings.Repeat("a", 513), "longer than 512"},
		{ValidateSecret, "sec_123", ""},
		{ValidateSecret, "app:DB", ""},
		{ValidateSecret, "demo:app:DB", ""},
		{ValidateSecret, "tfy-secret://demo:app:DB", ""},
		{ValidateSecret, "tfy-secret://app:DB", "must be tfy-secret://TENANT:GROUP:KEY"},
		{ValidateSecret, "tfy-secret://", "must be tfy-secret://TENANT:GROUP:KEY"},
		{ValidateSecret, "tfy-secret://a::c", "empty part"},
		{ValidateSecret, "s3://a:b:c", "unknown scheme"},
		{ValidateSecret, "a:b:c:d", "4 ':'-separated parts"},
		{ValidateSecret, "app:", "empty part"},
		{ValidateSecret, "", "SECRET is empty"},
		{ValidateKey, "DB_PASSWORD", ""},
		{ValidateKey, "API-KEY", ""},
		{ValidateKey, "a/b.c", ""},
		{ValidateKey, "K=V", "contains ':' or '='"},
		{ValidateKey, "K:V", "contains ':' or '='"},
		{ValidateKey, "K\t", "whitespace"},
		{ValidateName, "my-app", ""},
		{ValidateName, "demo:my-app", "plain group name"},
	} {
		err := tc.fn(tc.arg)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.arg, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want %q", tc.arg, err, tc.want)
		case err != nil && failure.KindOf(err) != failure.Usage:
			t.Errorf("%q: kind %s", tc.arg, failure.KindOf(err))
		}
	}
}

// fixedTexts is the wording of the checks' messages: an argument found in
// an error only because it is part of that wording is no leak.
const fixedTexts = "contains '=': it looks like KEY=VALUE, and values are never given on the command line GROUP SECRET is empty is longer than bytes is not valid UTF-8 contains whitespace or a control character " +
	"GROUP has ':'-separated parts: use NAME, TENANT:NAME or an id GROUP has an empty part around ':': use NAME, TENANT:NAME or an id " +
	"SECRET reference must be tfy-secret://TENANT:GROUP:KEY SECRET uses an unknown scheme: only tfy-secret:// references are understood " +
	"SECRET has ':'-separated parts: use an id, GROUP:KEY or TENANT:GROUP:KEY SECRET has an empty part around ':': use an id, GROUP:KEY or TENANT:GROUP:KEY"

// The GROUP and SECRET checks quote nothing of an invalid argument: it may
// be a value pasted by mistake.
func FuzzValidateGroup(f *testing.F) {
	for _, s := range []string{"app", "demo:app", "a:b:c", ":", "", "a b", "\xff\xfe", "grp_9:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		err := ValidateGroup(arg)
		if err == nil {
			if arg == "" || strings.Count(arg, ":") > 1 || strings.ContainsAny(arg, " \t\n\r=") {
				t.Fatalf("%q accepted", arg)
			}
			return
		}
		if len(arg) >= 8 && strings.Contains(err.Error(), arg) && !strings.Contains(fixedTexts, arg) {
			t.Fatalf("%q repeated in %v", arg, err)
		}
	})
}

func FuzzValidateSecret(f *testing.F) {
	for _, s := range []string{"id", "g:k", "t:g:k", "tfy-secret://t:g:k", "tfy-secret://", "x://y", "a:b:c:d", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		err := ValidateSecret(arg)
		if err == nil {
			body := strings.TrimPrefix(arg, RefScheme)
			if arg == "" || strings.Count(body, ":") > 2 || strings.Contains(body, "::") || strings.HasPrefix(body, ":") || strings.HasSuffix(body, ":") {
				t.Fatalf("%q accepted", arg)
			}
			return
		}
		if len(arg) >= 8 && strings.Contains(err.Error(), arg) && !strings.Contains(fixedTexts, arg) {
			t.Fatalf("%q repeated in %v", arg, err)
		}
	})
}

// envNameRE is the definition IsEnvName implements without a regexp.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func TestIsEnvName(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"HOME": true, "_": true, "db_password": true, "A1": true, "_9": true,
		"": false, "9A": false, "A-B": false, "A B": false, "A=B": false, "Ä": false, "A\x00": false, "sk-live": false,
	} {
		if got := IsEnvName(s); got != want || got != envNameRE.MatchString(s) {
			t.Errorf("IsEnvName(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzIsEnvName holds IsEnvName to the regexp it replaced.
func FuzzIsEnvName(f *testing.F) {
	for _, s := range []string{"HOME", "_x1", "1A", "A-B", "", "\xff", "A\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := IsEnvName(s), envNameRE.MatchString(s); got != want {
			t.Fatalf("IsEnvName(%q) = %v, regexp says %v", s, got, want)
		}
	})
}
