// Package spawn starts the tfy-secrets plugin process: it verifies the
// binary's SHA-256 and executes the very file it verified, with the
// environment the plugin needs and nothing else. The started plugin waits
// for its TLS material, which the launcher sends once it is ready to
// connect; until then nothing can talk to it.
//
// The host calls it from one of its first package initialisers (Prestart), so
// that the plugin's start overlaps the host's own. Go initialises a package
// after its imports, and otherwise in import-path order, so this package
// imports neither go-plugin nor gRPC, nor os/exec and path/filepath, which
// come after most of protobuf: it starts processes with os.StartProcess
// and joins paths itself. Searching for the plugin and connecting to it
// are the launcher's jobs.
package spawn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin/handshake"
)

// Process is a started plugin. It blocks until SendTLS gives it its TLS
// material, or exits when the host goes away first.
type Process struct {
	// Path is the plugin binary, as given to Start.
	Path string
	// Verified says how its checksum was established, for --debug.
	Verified string
	// Stdout carries go-plugin's handshake line; Stderr the plugin's
	// diagnostics. Whoever adopts the process reads both.
	Stdout, Stderr io.ReadCloser
	// SockDir is the private (0700) directory in which the plugin makes
	// its socket; Discard removes it.
	SockDir string

	file     os.FileInfo // the verified file
	sum      []byte      // its expected SHA-256
	proc     *os.Process
	tls      *os.File // the write end of the plugin's handshake.TLSFD
	release  func()   // removes SockDir (see makeSockDir)
	waitOnce sync.Once
	waitErr  error
}

// Start verifies the plugin at path (see verify) and starts it.
func Start(path string) (*Process, error) {
	go warmProcessStart()
	sum, err := expectedSum(path)
	if err != nil {
		return nil, fmt.Errorf("verify plugin: %w", err)
	}
	bin, how, err := verify(path, sum)
	if err != nil {
		return nil, fmt.Errorf("verify plugin: %w", err)
	}
	defer bin.Close()
	info, err := bin.Stat()
	if err != nil {
		return nil, failure.Wrap(failure.Config, err, fmt.Sprintf("cannot inspect the plugin %s", path))
	}
	// go-plugin would put the socket straight into the shared temp
	// directory; makeSockDir makes a private one (0700), preferably on a
	// memory file system (see socketBase).
	sockDir, release, err := makeSockDir()
	if err != nil {
		return nil, err
	}
	p, err := run(bin, path, sockDir)
	if err != nil {
		release()
		return nil, err
	}
	p.Verified, p.file, p.sum, p.release = how, info, sum, release
	return p, nil
}

// Runs reports whether p is the plugin that Start(path) would run: the same
// file, expected to have the same checksum.
func (p *Process) Runs(path string) bool {
	info, err := os.Stat(path)
	if err != nil || !os.SameFile(info, p.file) {
		return false
	}
	sum, err := expectedSum(path)
	return err == nil && bytes.Equal(sum, p.sum)
}

// run executes the verified file bin (found at path) as the plugin.
func run(bin *os.File, path, sockDir string) (*Process, error) {
	// The link to the verified descriptor is needed only until the child
	// has executed it, which os.StartProcess waits for.
	name, release := execTarget(bin, path, sockDir)
	defer release()
	// The child's ends: stdin, stdout, stderr, handshake.TLSFD. Ours close
	// on every path, theirs once the child has its copies.
	var ours, theirs []*os.File
	defer closeAll(&theirs)
	fail := func(err error, what string) (*Process, error) {
		closeAll(&ours)
		return nil, failure.Wrap(failure.Unexpected, err, what)
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return fail(err, "cannot open "+os.DevNull+" for the plugin")
	}
	theirs = append(theirs, devNull)
	// The child writes its stdout and stderr and reads the TLS material.
	for _, childWrites := range []bool{true, true, false} {
		r, w, err := os.Pipe()
		if err != nil {
			return fail(err, "cannot make pipes for the plugin")
		}
		if childWrites {
			ours, theirs = append(ours, r), append(theirs, w)
		} else {
			ours, theirs = append(ours, w), append(theirs, r)
		}
	}
	env := append(pluginEnv(os.Environ()),
		handshake.CookieKey+"="+handshake.CookieValue,
		handshake.EnvProtocolVersions+"="+strconv.Itoa(handshake.ProtocolVersion),
		handshake.EnvUnixSocketDir+"="+sockDir,
		handshake.EnvParentPID+"="+strconv.Itoa(os.Getpid()),
		envMaxProcs+"="+maxProcs(),
	)
	// argv[0] is the path, so ps and the plugin itself see its real name.
	proc, err := os.StartProcess(name, []string{path}, &os.ProcAttr{Env: env, Files: theirs})
	if err != nil {
		return fail(err, fmt.Sprintf("cannot start the plugin %s", path))
	}
	return &Process{Path: path, Stdout: ours[0], Stderr: ours[1], SockDir: sockDir, proc: proc, tls: ours[2]}, nil
}

// envMaxProcs is the Go runtime's variable for how many threads run Go
// code at once.
const envMaxProcs = "GOMAXPROCS"

// maxProcs is the plugin's GOMAXPROCS: the user's, or 1. The plugin serves
// one command's calls, one after another; with one processor its runtime
// starts fewer threads and per-processor caches, so it starts, and dies
// when killed, a little faster (0.5 ms of a 27 ms `group list`, interleaved
// runs), and the host keeps the other core.
func maxProcs() string {
	if v, ok := os.LookupEnv(envMaxProcs); ok {
		return v
	}
	return "1"
}

// closeAll closes the files in *fs and forgets them.
func closeAll(fs *[]*os.File) {
	for _, f := range *fs {
		_ = f.Close()
	}
	*fs = nil
}

// Pid is the plugin's process id.
func (p *Process) Pid() int { return p.proc.Pid }

// SendTLS hands the plugin its TLS material (see plugin.NewTLS), which lets
// it serve. The material is far below a pipe's buffer, so this does not
// wait for the plugin to read it.
func (p *Process) SendTLS(material []byte) error {
	_, err := p.tls.Write(material)
	if cerr := p.tls.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return failure.Wrap(failure.Unexpected, err, "cannot hand the plugin its TLS certificates")
	}
	return nil
}

// Wait waits for the plugin to exit, reaps it and closes the ends of its
// output pipes; an exit other than status 0 is an error. It may be called
// more than once, also concurrently; every call returns the first one's
// result. Whoever reads Stdout and Stderr reads them to their end (the
// plugin's exit) before calling Wait.
func (p *Process) Wait() error {
	p.waitOnce.Do(func() {
		state, err := p.proc.Wait()
		_ = p.Stdout.Close()
		_ = p.Stderr.Close()
		switch {
		case err != nil:
			p.waitErr = err
		case !state.Success():
			p.waitErr = fmt.Errorf("plugin %s", state)
		}
	})
	return p.waitErr
}

// Exited reports whether the plugin has ended, reaped or not.
func (p *Process) Exited() bool {
	return errors.Is(p.proc.Signal(syscall.Signal(0)), os.ErrProcessDone) || exitedUnreaped(p.proc.Pid)
}

// Kill ends the plugin at once; killing one that has exited is no error.
func (p *Process) Kill() error {
	if err := p.proc.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// Discard kills and reaps the plugin and removes its socket directory. It
// is for a process nobody else is waiting for (one that go-plugin
// adopted is reaped by go-plugin, through Wait), and safe to repeat.
func (p *Process) Discard() {
	_ = p.Kill()
	_ = p.Wait()
	_ = p.tls.Close()
	p.release()
}
