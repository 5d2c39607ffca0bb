package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// PolicyTool is the policy authoring program. It links OPA's compiler, so
// the host runs it as a separate process instead of linking OPA itself.
const PolicyTool = "tfy-secrets-policy"

// FindHelper looks for a helper program beside the running executable,
// then on PATH.
func (f *Factory) FindHelper(name string) (string, error) {
	if exe, err := f.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(exe); err == nil {
			exe = resolved
		}
		candidate := filepath.Join(filepath.Dir(exe), name)
		if p, err := exec.LookPath(candidate); err == nil {
			return p, nil
		}
	}
	if p, err := f.LookPath(name); err == nil {
		return p, nil
	}
	return "", failure.New(failure.Config, "%s not found beside %s or on PATH", name, "tfy-secrets").
		WithHint("install %s next to tfy-secrets (make build puts both in bin/)", name)
}

// RunHelper runs a helper program on the host's own streams and returns its
// exit status as an *ExitStatus when it is not zero.
func (f *Factory) RunHelper(ctx context.Context, name string, args ...string) error {
	path, err := f.FindHelper(name)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f.IOStreams.In, f.IOStreams.Out, f.IOStreams.ErrOut
	err = cmd.Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return &ExitStatus{Code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", name, err)
	}
	return nil
}
