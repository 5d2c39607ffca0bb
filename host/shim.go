package host

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// passThrough hands a `tfy` command that is not `tfy secrets` to the next
// `tfy` on PATH (TrueFoundry's own CLI), unchanged: same arguments, same
// standard streams, its exit code returned as ours.
func passThrough(p Process) error {
	next, err := nextTfy(p)
	if err != nil {
		return err
	}
	cmd := exec.Command(next, p.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.IOStreams.In, p.IOStreams.Out, p.IOStreams.ErrOut
	err = cmd.Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return &cmdutil.ExitStatus{Code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", next, err)
	}
	return nil
}

// nextTfy finds the first `tfy` on PATH that is not this binary (the shim
// itself is usually first, through its symlink).
func nextTfy(p Process) (string, error) {
	self, err := p.Executable()
	if err != nil {
		return "", fmt.Errorf("find own executable: %w", err)
	}
	selfInfo, err := os.Stat(self)
	if err != nil {
		return "", fmt.Errorf("find own executable: %w", err)
	}
	path, _ := p.LookupEnv("PATH")
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		candidate := filepath.Join(dir, ShimName)
		info, err := os.Stat(candidate) // follows the symlink to its target
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			continue
		}
		if os.SameFile(info, selfInfo) {
			continue
		}
		return candidate, nil
	}
	return "", failure.New(failure.Config, "no other `tfy` found on PATH: this `tfy` only runs `tfy secrets ...`").
		WithHint("install TrueFoundry's CLI (pip install truefoundry) so that its `tfy` is on PATH too")
}
