package manifests

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// BenchmarkCheck1000Manifests is the host's part of manifest check over a
// repository of 1,000 manifests holding 10,000 references to 200 groups:
// reading, judging against an answer that finds every key, and writing
// the text report (design section 9 budgets the whole command at 2 s).
func BenchmarkCheck1000Manifests(b *testing.B) {
	files := make([][]byte, 1000)
	for i := range files {
		var s strings.Builder
		fmt.Fprintf(&s, "# service %d\nname: svc-%d\ntype: service\nimage:\n  type: image\n  image_uri: acme/svc-%d:1.0\nenv:\n  LOG_LEVEL: info\n", i, i, i)
		for k := range 10 {
			fmt.Fprintf(&s, "  KEY_%d: tfy-secret://demo:mf-%05d:KEY_%04d\n", k, (i*10+k)%200+1, (i+k)%50)
		}
		files[i] = []byte(s.String())
	}
	b.ReportAllocs()
	for b.Loop() {
		var s Scan
		for i, f := range files {
			if err := s.Add(fmt.Sprintf("svc-%03d/truefoundry.yaml", i), f, nil); err != nil {
				b.Fatal(err)
			}
		}
		groups := s.Groups()
		ans := plugin.CheckRefsResult{Tenant: "demo", TenantSource: plugin.TenantFromKey}
		for _, g := range groups {
			a := plugin.GroupAnswer{FQN: g.FQN, Status: plugin.GroupFound}
			for _, k := range g.Keys {
				a.Keys = append(a.Keys, plugin.KeyAnswer{Key: k, Found: true})
			}
			ans.Groups = append(ans.Groups, a)
		}
		r := s.Check(ans, false)
		if len(groups) != 200 || r.Summary.References != 10000 || r.Failed() {
			b.Fatalf("%d groups, %+v", len(groups), r.Summary)
		}
		if err := r.WriteText(io.Discard, false); err != nil {
			b.Fatal(err)
		}
	}
}
