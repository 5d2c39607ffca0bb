package service

import (
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

func TestParseSecretRef(t *testing.T) {
	t.Parallel()
	good := map[string]SecretRef{
		"sec123":                   {ID: "sec123"},
		"app:DB":                   {Group: "app", Key: "DB"},
		"demo:app:DB":              {Tenant: "demo", Group: "app", Key: "DB"},
		"tfy-secret://demo:app:DB": {Tenant: "demo", Group: "app", Key: "DB"},
		"app:a/b+c=d.e@f-g_h":      {Group: "app", Key: "a/b+c=d.e@f-g_h"},
	}
	for in, want := range good {
		got, err := ParseSecretRef(in)
		if err != nil || got != want {
			t.Errorf("ParseSecretRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                               "is empty",
		":DB":                            "empty group",
		"app:":                           "empty key",
		":app:DB":                        "empty tenant",
		"a:b:c:d":                        "at most 3",
		"tfy-secret://app:DB":            "three parts",
		"tfy-secret://a:b:c:d":           "three parts",
		"tfy-secret://":                  "three parts",
		"https://demo:app:DB":            "unknown scheme",
		"app: DB":                        "space or control character at byte 4",
		"app:D\x00B":                     "control character",
		"app:\xff":                       "not valid UTF-8",
		"a/b":                            "is not an id",
		strings.Repeat("x", maxRefLen+1): "longer than",
	}
	for in, want := range bad {
		_, err := ParseSecretRef(in)
		if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSecretRef(%q) = %v; want a usage error containing %q", in, err, want)
		}
		if len(err.Error()) > 200 {
			t.Errorf("ParseSecretRef(%q): message is %d bytes long", in, len(err.Error()))
		}
	}
}

func FuzzParseSecretRef(f *testing.F) {
	for _, s := range []string{"sec1", "app:K", "t:app:K", "tfy-secret://t:app:K", "tfy-secret://", "a:b:c:d", "x://y", "\xff", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseSecretRef(s)
		if err != nil {
			if failure.KindOf(err) != failure.Usage {
				t.Fatalf("non-usage error %v", err)
			}
			return
		}
		// What parses re-parses to the same reference.
		again, err := ParseSecretRef(r.String())
		if err != nil || again != r {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, r, r.String(), again, err)
		}
		if r.ID == "" && (r.Group == "" || r.Key == "") {
			t.Fatalf("%q parsed without group or key: %+v", s, r)
		}
	})
}
