package render

import (
	"bytes"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// sameAsWholeDocument renders with the streaming YAML renderer and with
// the whole-document encoding and fails when a byte differs.
func sameAsWholeDocument(t *testing.T, gs []plugin.Group, d plugin.GroupDetail, vs []plugin.Version) {
	t.Helper()
	r := New(YAML, false)
	for _, tc := range []struct {
		name   string
		stream func(*bytes.Buffer) error
		whole  any
	}{
		{"groups", func(b *bytes.Buffer) error { return r.Groups(b, gs) }, toGroupsDoc(gs)},
		{"group detail", func(b *bytes.Buffer) error { return r.GroupDetail(b, d) }, toGroupDetailDoc(d)},
		{"versions", func(b *bytes.Buffer) error { return r.Versions(b, vs) }, toVersionsDoc(vs)},
	} {
		var got, want bytes.Buffer
		if err := tc.stream(&got); err != nil {
			t.Fatal(err)
		}
		if err := writeYAML(&want, tc.whole); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("%s: streamed YAML differs:\n%q\nwant\n%q", tc.name, got.String(), want.String())
		}
	}
}

func TestYAMLStreamIsTheWholeDocument(t *testing.T) {
	t.Parallel()
	sameAsWholeDocument(t, manyGroups(50), detail, []plugin.Version{{Version: 2, CreatedAt: t1}, {Version: 1, CreatedAt: t0}})
	sameAsWholeDocument(t, nil, plugin.GroupDetail{}, nil)
	odd := []string{"", " ", "a\nb", "a\n\nb\n", "  lead", "trail ", "- x", "key: v", "'q'", "\"dq\"", "#c", "yes", "null", "0x1F",
		"multi\n  indented\n\n\tline\n", "\x1b[31m", "\u202e", "é", "a\r\nb", "\n", "\n\n", " \n ", "~", "@at", "`tick`", "x\u0085y"}
	var gs []plugin.Group
	var ss []plugin.SecretInfo
	for _, s := range odd {
		gs = append(gs, plugin.Group{Name: s, ID: s + s, FQN: "demo:" + s})
		ss = append(ss, plugin.SecretInfo{Key: s, Masked: s})
	}
	sameAsWholeDocument(t, gs, plugin.GroupDetail{Group: gs[3], Secrets: ss}, nil)
}

// FuzzYAMLStream: for any names, the streamed YAML is byte for byte the
// whole-document encoding, so scripts and golden files cannot tell them
// apart.
func FuzzYAMLStream(f *testing.F) {
	f.Add("name", "id", "a\n\nb\n")
	f.Add(" ", "- x", "  lead\n")
	f.Add("\x1b", "\xff", "\t")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		gs := []plugin.Group{{Name: a, ID: b, FQN: c, Tenant: a + c}, {Name: c, ID: a, IntegrationID: b}}
		d := plugin.GroupDetail{Group: gs[0], Secrets: []plugin.SecretInfo{{Key: a, ID: b, Masked: c}, {Key: c, FQN: a}}}
		sameAsWholeDocument(t, gs, d, []plugin.Version{{Version: len(a)}})
	})
}
