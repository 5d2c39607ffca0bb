package migrate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// manifest200 is four services of 50 credentials each, as scripts/bench.sh
// migrates against the emulator.
func manifest200() string {
	var b strings.Builder
	for d := range 4 {
		fmt.Fprintf(&b, "---\ntype: service\nname: svc-%d\nimage:\n  type: image\n  image_uri: ghcr.io/acme/svc:1.0.%d\nenv:\n  LOG_LEVEL: info\n", d, d)
		for k := range 50 {
			fmt.Fprintf(&b, "  SVC%d_KEY_%03d_PASSWORD: \"%016x%016x\"\n", d, k, d*1000+k+1, (d*1000+k+1)*7919)
		}
	}
	return b.String()
}

// BenchmarkDryRun200 is the host's share of migrating a 200-key manifest:
// reading and selecting, the rewrite (twice: the check before the plan and
// the real one) and the masked diff, with a plugin that answers at once.
func BenchmarkDryRun200(b *testing.B) {
	file := filepath.Join(b.TempDir(), "truefoundry.yaml")
	if err := os.WriteFile(file, []byte(manifest200()), 0o600); err != nil {
		b.Fatal(err)
	}
	svc := fakePlugin(true)
	service := func(context.Context) (plugin.Service, error) { return svc, nil }
	for b.Loop() {
		ios, _, _ := iostreams.Test("")
		opts := &Options{
			Session: cmdutil.Session{IO: ios, Service: service, Restart: service},
			Globals: cmdutil.Globals{Output: render.Table, DryRun: true}, File: file, Group: "web", files: osFiles,
		}
		if err := run(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}
