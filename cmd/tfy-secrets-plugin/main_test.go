package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/launcher"
	"github.com/tfy-secrets/tfy-secrets/host/launcher/spawn"
	"github.com/tfy-secrets/tfy-secrets/internal/emulator"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/handshake"
)

// envRunMain makes the test binary act as the plugin binary, so the tests
// run the real main in a real subprocess without a separate build step.
const envRunMain = "TFY_SECRETS_PLUGIN_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		os.Exit(run())
	}
	os.Exit(m.Run())
}

func TestRunByHand(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envRunMain+"=1", plugin.Handshake.MagicCookieKey+"=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v", err)
	}
	if stdout.Len() != 0 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "is a plugin of tfy-secrets") {
		t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
}

// The stackstart package only helps if its initialiser runs before the
// heavy ones (see its doc); Go's init order follows import paths, so a
// rename could silently undo it.
func TestStackStartInitialisesEarly(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envRunMain+"=1", plugin.Handshake.MagicCookieKey+"=", "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // run by hand: exit 2, checked by TestRunByHand
	for _, line := range strings.Split(stderr.String(), "\n") {
		pkg, ok := strings.CutPrefix(line, "init ")
		if !ok {
			continue
		}
		pkg, _, _ = strings.Cut(pkg, " ")
		switch {
		case pkg == "github.com/tfy-secrets/tfy-secrets/cmd/internal/stackstart":
			return
		case strings.HasPrefix(pkg, "google.golang.org/"), strings.HasPrefix(pkg, "github.com/hashicorp/"):
			t.Fatalf("%s initialised before stackstart:\n%s", pkg, stderr.String())
		}
	}
	t.Fatalf("no init line for stackstart:\n%s", stderr.String())
}

// The host starts the plugin before it has the TLS material (see
// host/launcher/spawn). If the host dies first, the plugin reads the end
// of its pipe instead, and exits without ever serving.
func TestExitsWhenTheHostGoesBeforeTheTLSMaterial(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	sockDir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envRunMain+"=1",
		handshake.CookieKey+"="+handshake.CookieValue, handshake.EnvUnixSocketDir+"="+sockDir)
	cmd.ExtraFiles = []*os.File{r} // handshake.TLSFD
	var stdout, stderr testkit.LockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = r.Close()
	_ = w.Close() // what the host's death does to its end
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the plugin still runs after its host's end of the pipe closed")
	}
	if stdout.String() != "" {
		t.Fatalf("the plugin offered to serve: %q", stdout.String())
	}
	if entries, err := os.ReadDir(sockDir); err != nil || len(entries) != 0 {
		t.Fatalf("socket dir holds %v, %v", entries, err)
	}
	if !strings.Contains(stderr.String(), "tls") {
		t.Fatalf("the plugin's diagnostics do not say what was missing: %q", stderr.String())
	}
}

// TestServesOverGoPlugin starts the plugin the way the host does (the host's
// own launcher: checksum, go-plugin handshake, authenticated gRPC) against a
// real emulator, creates a group with a canary value over the wire and checks
// the value never shows up in the plugin's diagnostics, even with --debug.
func TestServesOverGoPlugin(t *testing.T) {
	srv, err := emulator.NewServer(emulator.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	home := t.TempDir()
	bin := installSelf(t)
	// The launcher starts the plugin with this process's environment.
	for k, v := range map[string]string{
		envRunMain: "1", spawn.EnvPlugin: bin, "TFY_BASE_URL": srv.URL(), "TFY_API_KEY": srv.APIKey(),
		"HOME": home, "XDG_CONFIG_HOME": home + "/config", "XDG_CACHE_HOME": home + "/cache",
		"TFY_HOST": "", "TFY_API_HOST": "",
	} {
		t.Setenv(k, v)
	}
	stderr := &testkit.LockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	svc, stop, err := launcher.Start(ctx, launcher.Options{Debug: true, Stderr: stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	call := plugin.Call{Client: plugin.ClientCLI, Yes: true, Debug: true}

	st, err := svc.GetAuthStatus(ctx, call)
	if err != nil || st.Host != srv.URL() || st.Tenant != "demo" || st.KeySource != "env TFY_API_KEY" {
		t.Fatalf("status %+v %v", st, err)
	}
	var gsm string
	for _, in := range srv.Integrations() {
		if strings.HasSuffix(in.Type, "/gcp/gsm") {
			gsm = in.ID
		}
	}
	value := testkit.Canary("CANARY-over-the-wire-")
	p, err := svc.PlanMutation(ctx, plugin.MutationRequest{Call: call, Operation: plugin.OpGroupCreate, Group: "wire", IntegrationRef: gsm,
		Changes: []plugin.Change{{Key: "TOKEN", Source: plugin.SourceStdin, Origin: "stdin", Value: secret.FromString(value)}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call, PlanID: p.ID, Confirmed: true})
	if err != nil || !res.Verified {
		t.Fatalf("apply %+v %v", res, err)
	}
	// Failure kinds and hints survive the wire.
	_, err = svc.GetGroup(ctx, plugin.GetGroupRequest{Call: call, Group: "missing"})
	if failure.KindOf(err) != failure.NotFound || failure.As(err).Hint == "" {
		t.Fatalf("missing group: %v", err)
	}
	ref, err := svc.MakeRef(ctx, plugin.RefRequest{Call: call, Group: "wire", Key: "TOKEN"})
	if err != nil || ref != "tfy-secret://demo:wire:TOKEN" {
		t.Fatalf("ref %q %v", ref, err)
	}
	stop()
	if !strings.Contains(stderr.String(), "PUT") && !strings.Contains(stderr.String(), "POST") {
		t.Fatalf("no debug output reached stderr; the canary check would prove nothing:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), value) || strings.Contains(stderr.String(), srv.APIKey()) {
		t.Fatal("a value or the API key reached the plugin's stderr")
	}
}

// installSelf copies this test binary to a private directory as the plugin,
// with the checksum file the launcher verifies it against.
func installSelf(t *testing.T) string {
	t.Helper()
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), spawn.PluginBinary)
	if err := os.WriteFile(bin, self, 0o700); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(self)
	if err := os.WriteFile(bin+spawn.SumSuffix, []byte(hex.EncodeToString(sum[:])+"  "+spawn.PluginBinary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return bin
}
