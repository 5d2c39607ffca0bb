package manifest

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		in     string
		status RefStatus
		ref    Ref
		fix    string // with the tenant "acme" known
	}{
		{"canonical", "tfy-secret://acme:payments:DB_PASSWORD", RefOK, Ref{"acme", "payments", "DB_PASSWORD"}, ""},
		{"canonical with hyphenated key", "tfy-secret://acme:my-app:DB-PASSWORD", RefOK, Ref{"acme", "my-app", "DB-PASSWORD"}, ""},
		{"slash form without tenant", "tfy-secret://payments/DB_PASSWORD", RefSlashSeparator, Ref{"", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"slash form with tenant", "tfy-secret://acme/payments/DB_PASSWORD", RefSlashSeparator, Ref{"acme", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"two parts", "tfy-secret://payments:DB_PASSWORD", RefMissingTenant, Ref{"", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"four parts", "tfy-secret://acme:ws:payments:DB_PASSWORD", RefExtraPart, Ref{}, "keep only the tenant, the group and the key: tfy-secret://<tenant>:<group>:<key>"},
		{"one slash", "tfy-secret:/acme:payments:DB_PASSWORD", RefSchemeSlashes, Ref{"acme", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"no slash", "tfy-secret:acme:payments:DB_PASSWORD", RefSchemeSlashes, Ref{"acme", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"three slashes", "tfy-secret:///acme:payments:DB_PASSWORD", RefSchemeSlashes, Ref{"acme", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"upper-case scheme", "TFY-SECRET://acme:payments:DB_PASSWORD", RefSchemeCase, Ref{"acme", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"mixed-case scheme", "Tfy-Secret://acme:payments:DB_PASSWORD", RefSchemeCase, Ref{"acme", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"upper-case scheme and slash form", "TFY-SECRET://payments/DB_PASSWORD", RefSchemeCase, Ref{"", "payments", "DB_PASSWORD"}, "write tfy-secret://acme:payments:DB_PASSWORD"},
		{"leading whitespace", "  tfy-secret://acme:payments:DB_PASSWORD", RefWhitespace, Ref{"acme", "payments", "DB_PASSWORD"}, "remove the whitespace: tfy-secret://acme:payments:DB_PASSWORD"},
		{"trailing whitespace", "tfy-secret://acme:payments:DB_PASSWORD ", RefWhitespace, Ref{"acme", "payments", "DB_PASSWORD"}, "remove the whitespace: tfy-secret://acme:payments:DB_PASSWORD"},
		{"the final line break of a block scalar", "tfy-secret://acme:payments:DB_PASSWORD\n", RefWhitespace, Ref{"acme", "payments", "DB_PASSWORD"}, "remove the whitespace: tfy-secret://acme:payments:DB_PASSWORD"},
		{"empty key", "tfy-secret://acme:payments:", RefEmptySegment, Ref{"acme", "payments", ""}, "fill in the key: tfy-secret://acme:payments:<key>"},
		{"empty group", "tfy-secret://acme::DB_PASSWORD", RefEmptySegment, Ref{"acme", "", "DB_PASSWORD"}, "fill in the group: tfy-secret://acme:<group>:DB_PASSWORD"},
		{"empty tenant", "tfy-secret://:payments:DB_PASSWORD", RefEmptySegment, Ref{"", "payments", "DB_PASSWORD"}, "fill in the tenant: tfy-secret://acme:payments:DB_PASSWORD"},
		{"two parts, empty key", "tfy-secret://payments:", RefEmptySegment, Ref{"", "payments", ""}, "fill in the key: tfy-secret://acme:payments:<key>"},
		{"embedded after text", "Bearer tfy-secret://acme:payments:API_TOKEN", RefEmbedded, Ref{"acme", "payments", "API_TOKEN"}, "make the whole value tfy-secret://acme:payments:API_TOKEN and build the longer string in the application"},
		{"embedded before text", "tfy-secret://acme:payments:API_TOKEN and more", RefEmbedded, Ref{"acme", "payments", "API_TOKEN"}, "make the whole value tfy-secret://acme:payments:API_TOKEN and build the longer string in the application"},
		{"embedded in a URL", "postgres://app:tfy-secret://acme:payments:DB@db/app", RefEmbedded, Ref{}, "make the whole value a reference, tfy-secret://<tenant>:<group>:<key>, and build the longer string in the application"},
		{"scheme only", "tfy-secret://", RefUnfamiliar, Ref{}, "write tfy-secret://<tenant>:<group>:<key>"},
		{"one part", "tfy-secret://DB_PASSWORD", RefUnfamiliar, Ref{}, "write tfy-secret://<tenant>:<group>:<key>"},
		{"a control character", "tfy-secret://acme:payments:DB\x00", RefUnfamiliar, Ref{}, "write tfy-secret://<tenant>:<group>:<key>"},
		{"plain text", "hunter2", RefNone, Ref{}, ""},
		{"empty", "", RefNone, Ref{}, ""},
		{"a gateway placeholder is not a reference", "${secret:openai-key}", RefNone, Ref{}, ""},
		{"another scheme", "vault://secret/data/app", RefNone, Ref{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := ParseRef(c.in)
			if got.Status != c.status || got.Ref != c.ref {
				t.Fatalf("ParseRef(%q) = %s %+v, want %s %+v", c.in, got.Status, got.Ref, c.status, c.ref)
			}
			if fix := got.Fix("acme"); fix != c.fix {
				t.Errorf("Fix = %q, want %q", fix, c.fix)
			}
			msg := got.Message()
			if c.status.Broken() != (msg != "") {
				t.Errorf("Message %q for status %s", msg, c.status)
			}
			if len(c.in) > len(Scheme) && strings.Contains(msg, strings.TrimSpace(c.in)) {
				t.Errorf("Message %q repeats the value", msg)
			}
		})
	}
}

// TestRefMessagesSayWhatWasExpected holds the rule of truefoundry-manifests.md
// section 1: an unfamiliar form is not called malformed with certainty; every
// broken status says what was expected instead.
func TestRefMessagesSayWhatWasExpected(t *testing.T) {
	t.Parallel()
	for _, s := range RefStatuses() {
		if !s.Broken() {
			continue
		}
		c := RefCheck{Status: s, Place: PlaceHelmValues, Parts: 4, Empty: "key"}
		msg := c.Message()
		if msg == "" || strings.Contains(strings.ToLower(msg), "malformed") || strings.Contains(strings.ToLower(msg), "invalid") {
			t.Errorf("%s: message %q", s, msg)
		}
		if c.Fix("") == "" {
			t.Errorf("%s: no fix", s)
		}
	}
}

func TestParseFQN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in     string
		status RefStatus
		ref    Ref
		fix    string
	}{
		{"tfy-secret://acme:research:SSH_KEY", RefOK, Ref{"acme", "research", "SSH_KEY"}, ""},
		{"acme:research:SSH_KEY", RefMissingScheme, Ref{"acme", "research", "SSH_KEY"}, "add the scheme: tfy-secret://acme:research:SSH_KEY"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----", RefMissingScheme, Ref{}, "write a reference, tfy-secret://<tenant>:<group>:<key>, and keep the value itself in a secret group"},
		{"research/SSH_KEY", RefMissingScheme, Ref{}, "write a reference, tfy-secret://<tenant>:<group>:<key>, and keep the value itself in a secret group"},
		{"tfy-secret://research/SSH_KEY", RefSlashSeparator, Ref{"", "research", "SSH_KEY"}, "write tfy-secret://acme:research:SSH_KEY"},
	}
	for _, c := range cases {
		got := parseFQN(c.in)
		if got.Status != c.status || got.Ref != c.ref || got.Fix("acme") != c.fix {
			t.Errorf("parseFQN(%q) = %s %+v %q, want %s %+v %q", c.in, got.Status, got.Ref, got.Fix("acme"), c.status, c.ref, c.fix)
		}
		if strings.Contains(got.Message(), c.in) {
			t.Errorf("message %q repeats the value", got.Message())
		}
	}
}

// TestCheckRefByPlace: a well-formed reference where the platform does not
// resolve references is broken there, with the place's own fix.
func TestCheckRefByPlace(t *testing.T) {
	t.Parallel()
	const r = "tfy-secret://acme:db:PASSWORD"
	for _, p := range Places() {
		c := checkRef(p, r)
		want := RefOK
		if p.References() == Unresolved {
			want = RefNotResolvedHere
		}
		if c.Status != want {
			t.Errorf("%s: %s, want %s", p, c.Status, want)
		}
		if want == RefNotResolvedHere && (c.Fix("acme") != p.Fix() || p.Fix() == "" || !strings.Contains(c.Message(), "not resolved")) {
			t.Errorf("%s: message %q, fix %q", p, c.Message(), c.Fix("acme"))
		}
	}
}

func TestFormatRef(t *testing.T) {
	t.Parallel()
	got, err := FormatRef("acme", "my-app", "DB-PASSWORD")
	if err != nil || got != "tfy-secret://acme:my-app:DB-PASSWORD" {
		t.Fatalf("FormatRef = %q, %v", got, err)
	}
	if c := ParseRef(got); c.Status != RefOK || c.Ref != (Ref{"acme", "my-app", "DB-PASSWORD"}) {
		t.Errorf("the formatted reference reads back as %s %+v", c.Status, c.Ref)
	}
	for _, bad := range [][3]string{{"", "g", "k"}, {"t", "", "k"}, {"t", "g", ""}, {"t", "a:b", "k"}, {"t", "g", "a/b"}, {"t", "g", "a b"}, {"t\n", "g", "k"}} {
		if _, err := FormatRef(bad[0], bad[1], bad[2]); !errors.Is(err, ErrRefPart) {
			t.Errorf("FormatRef(%q) = %v, want ErrRefPart", bad, err)
		}
	}
}
