package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// bin is the tfy-secrets binary built once for these process-level tests.
var bin string

func TestMain(m *testing.M) {
	// The end-to-end test needs the real plugin (with its checksum file,
	// which the launcher verifies) and emulator beside the host.
	dir, err := testkit.Commands("tfy-secrets", "tfy-secrets-plugin", "tfy-emulator")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "tfy-secrets")
	os.Exit(testkit.Run(m))
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env []string, stdin string, argv0 string, args ...string) result {
	t.Helper()
	cmd := exec.Command(argv0, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", argv0, err)
	}
	return r
}

func TestProcessExitCodes(t *testing.T) {
	t.Parallel()
	noPlugin := []string{"TFY_SECRETS_PLUGIN=" + filepath.Join(t.TempDir(), "missing-plugin")}
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"version"}, 0, "tfy-secrets ", ""},
		{[]string{"-o", "json", "version"}, 0, `"version":`, ""},
		{[]string{"ref", "a:b:c", "K"}, 2, "", "error: GROUP has 3"},
		{[]string{"group", "list", "--nope"}, 2, "", "error: unknown flag --nope"},
		{[]string{"group", "update", "app", "--from-env", "K=s3cr3t-value!"}, 2, "", "the part after '='"},
		{[]string{"group", "list"}, 1, "", "hint:"},
		{[]string{"group", "list", "-o", "json"}, 1, "", `{"error":{"code":`},
	} {
		r := run(t, noPlugin, "", bin, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("%v: exit %d\nstdout %s\nstderr %s", tc.args, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stderr, "s3cr3t-value!") {
			t.Errorf("%v: value echoed", tc.args)
		}
	}
}

// TestCompletion asks the real binary for candidates the way the shell
// scripts do, and runs the bash script in bash (e2e runs every shell's
// script against the emulator).
func TestCompletion(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "", bin, "__complete", "group", "")
	for _, want := range []string{"list", "get", "create", "update", "delete"} {
		if !strings.Contains("\n"+r.stdout, "\n"+want+"\t") {
			t.Errorf("group completion lacks %s: %q", want, r.stdout)
		}
	}
	r = run(t, nil, "", bin, "__complete", "group", "update", "--from")
	if !strings.Contains(r.stdout, "--from-env\t") || !strings.Contains(r.stdout, "--from-dotenv\t") || r.stderr != "" {
		t.Errorf("flag completion: %q (stderr %q)", r.stdout, r.stderr)
	}
	script := run(t, nil, "", bin, "completion", "bash").stdout
	bash := `source /dev/stdin; COMP_LINE="$1 gr"; COMP_POINT=${#COMP_LINE}; _tfy_secrets_complete; echo "${COMPREPLY[@]}"`
	r = run(t, nil, script, "bash", "--norc", "-c", bash, "bash", bin)
	if strings.TrimSpace(r.stdout) != "group" {
		t.Fatalf("bash completion of 'gr': %q (stderr %s)", r.stdout, r.stderr)
	}
}

// TestTfyShim installs the binary as `tfy` in front of another `tfy`.
func TestTfyShim(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	shimDir, otherDir := filepath.Join(dir, "shim"), filepath.Join(dir, "other")
	for _, d := range []string{shimDir, otherDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	shim := filepath.Join(shimDir, "tfy")
	if err := os.Symlink(bin, shim); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(otherDir, "tfy"), []byte("#!/bin/sh\necho \"other tfy: $*\"\nexit 5\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + shimDir + string(os.PathListSeparator) + otherDir + string(os.PathListSeparator) + os.Getenv("PATH")}
	r := run(t, env, "", shim, "deploy", "--workspace", "w1")
	if r.code != 5 || r.stdout != "other tfy: deploy --workspace w1\n" {
		t.Fatalf("pass-through: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "", shim, "secrets", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "tfy-secrets ") {
		t.Fatalf("tfy secrets version: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// BenchmarkStartVersion measures a whole `tfy-secrets version` process: the
// host's start-up cost without the plugin (which version never starts).
func BenchmarkStartVersion(b *testing.B) {
	for b.Loop() {
		if out, err := exec.Command(bin, "version").Output(); err != nil || len(out) == 0 {
			b.Fatalf("version: %v", err)
		}
	}
}

// TestHostStaysSmall guards the architecture: the host never links the
// TrueFoundry client, the service, the policy engine or OPA, nor keyring
// code. Those live in the plugin (and OPA only in tfy-secrets-policy).
func TestHostStaysSmall(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/tfy-secrets/tfy-secrets/internal/tfyapi",
		"github.com/tfy-secrets/tfy-secrets/internal/service",
		"github.com/tfy-secrets/tfy-secrets/internal/credentials",
		"github.com/tfy-secrets/tfy-secrets/policies",
		"github.com/tfy-secrets/tfy-secrets/providers",
		"github.com/open-policy-agent/opa",
		"github.com/tetratelabs/wazero",
		"github.com/zalando/go-keyring",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("tfy-secrets links %s", dep)
			}
		}
	}
}

// The stackstart and prestart packages only help if their initialisers
// run before the heavy ones (see their docs); Go's init order follows
// import paths and imports, so a rename or a new import could silently
// undo it.
func TestEarlyInitialisersRunFirst(t *testing.T) {
	t.Parallel()
	r := run(t, []string{"GODEBUG=inittrace=1"}, "", bin, "version")
	const module = "github.com/tfy-secrets/tfy-secrets/"
	// stackstart imports nothing and comes before every gRPC, protobuf
	// and go-plugin package.
	err := initialisedBefore(r.stderr, module+"cmd/internal/stackstart", func(name string) bool {
		return strings.HasPrefix(name, "google.golang.org/") || strings.HasPrefix(name, "github.com/hashicorp/")
	})
	if err != nil {
		t.Error(err)
	}
	// prestart needs os and crypto/sha256 first, and must come before the
	// protobuf registrations and gRPC that make up most of the host's
	// initialisation.
	err = initialisedBefore(r.stderr, module+"cmd/tfy-secrets/internal/prestart", func(name string) bool {
		return strings.HasPrefix(name, "google.golang.org/protobuf/types/") || name == "google.golang.org/grpc" ||
			strings.HasPrefix(name, "github.com/hashicorp/go-plugin")
	})
	if err != nil {
		t.Error(err)
	}
}

// initialisedBefore checks an inittrace for pkg's line before that of any
// package heavy reports.
func initialisedBefore(trace, pkg string, heavy func(string) bool) error {
	for _, line := range strings.Split(trace, "\n") {
		name, ok := strings.CutPrefix(line, "init ")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		switch {
		case name == pkg:
			return nil
		case heavy(name):
			return fmt.Errorf("%s initialised before %s:\n%s", name, pkg, trace)
		}
	}
	return fmt.Errorf("no init line for %s:\n%s", pkg, trace)
}
