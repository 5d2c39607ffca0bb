package spawn

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// TestMismatchHint: the hint for a plugin whose sum does not match says
// what can fix it. With the sum fixed into the host at build time only a
// reinstall of both binaries from one build can; without one, the sum
// file beside the plugin is what the host trusts, so rewriting it is a
// fix too.
func TestMismatchHint(t *testing.T) {
	t.Parallel()
	const path = "/opt/tfy/tfy-secrets-plugin"
	builtIn := mismatchHint(path, true)
	if !strings.Contains(builtIn, "reinstall tfy-secrets and tfy-secrets-plugin together from one build") || strings.Contains(builtIn, SumSuffix) {
		t.Errorf("built-in sum: hint %q", builtIn)
	}
	file := mismatchHint(path, false)
	if !strings.Contains(file, "reinstall tfy-secrets and tfy-secrets-plugin together from one build") ||
		!strings.Contains(file, "sha256sum "+path+" > "+path+SumSuffix) {
		t.Errorf("sum file: hint %q", file)
	}
}

// TestVerifyMismatchHintNamesTheSumFile: this test binary is built without
// a sum, so a mismatch must be explained in terms of the sum file.
func TestVerifyMismatchHintNamesTheSumFile(t *testing.T) {
	privateCache(t)
	path, sum := copyPlugin(t)
	wrong := bytes.Clone(sum)
	wrong[0] ^= 1
	_, _, err := verify(path, wrong)
	if f := failure.As(err); f.Hint != mismatchHint(path, false) {
		t.Fatalf("hint %q, want %q", f.Hint, mismatchHint(path, false))
	}
}
