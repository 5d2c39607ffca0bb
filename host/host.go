// Package host runs the tfy-secrets command line: it builds the command
// tree over a Factory, runs it, and is the ONE place where an error becomes
// an exit code and the `error:`/`hint:` lines (or the JSON error document)
// on stderr. It also implements the `tfy` shim: invoked as `tfy`, it runs
// `tfy secrets ...` itself and hands any other command to the next `tfy`
// on PATH.
//
// The host never calls TrueFoundry and never holds an API key beyond
// passing a freshly typed one to the plugin; everything goes through
// plugin.Service.
package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/cmd/completion"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/root"
	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// Name is the binary's name.
const Name = "tfy-secrets"

// The `tfy` shim: invoked as ShimName (or ShimName.exe), the binary runs
// `tfy ShimCommand ...` itself and hands any other command to the next
// `tfy` on PATH.
const (
	ShimName    = "tfy"
	ShimCommand = "secrets"
)

// Process is what Main needs from the operating system; main passes the
// real things and tests pass their own.
type Process struct {
	Args       []string
	IOStreams  *iostreams.IOStreams
	LookupEnv  func(string) (string, bool)
	Environ    func() []string
	Executable func() (string, error)
	LookPath   func(string) (string, error)
	Start      cmdutil.StartFunc
	Version    string
}

// Main runs one invocation and returns the process exit code.
func Main(ctx context.Context, p Process) int {
	args, name := p.Args, Name
	if len(args) > 0 && isShim(args[0]) {
		if len(args) < 2 || args[1] != ShimCommand {
			return report(ctx, p.IOStreams.ErrOut, "", args, passThrough(p))
		}
		name = ShimName + " " + ShimCommand
		args = append([]string{name}, args[2:]...)
	}
	f := cmdutil.NewFactory(p.IOStreams, p.Start)
	f.LookupEnv, f.Environ, f.Executable, f.LookPath, f.Version = p.LookupEnv, p.Environ, p.Executable, p.LookPath, p.Version
	defer f.Close()
	if words, cur, legacy, ok := completion.Request(args); ok {
		// A shell asking for candidates reads stdout only: whatever goes
		// wrong is silence, never a message in the middle of a command line.
		f.IOStreams = &iostreams.IOStreams{In: strings.NewReader(""), Out: p.IOStreams.Out, ErrOut: io.Discard}
		completion.Serve(ctx, f, root.NewApp(f, name), words, cur, legacy, f.IOStreams.Out)
		return 0
	}
	app := root.NewApp(f, name)
	line, err := cmdutil.Normalize(app, args)
	if err == nil {
		err = app.RunContext(ctx, line.Argv)
	}
	output := line.Output
	if format, ok := cmdutil.ErrorFormat(err); ok && format != render.Table {
		output = string(format)
	}
	return report(ctx, p.IOStreams.ErrOut, output, args, err)
}

func isShim(argv0 string) bool {
	base := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	return base == ShimName
}

// exitCoder is an error that carries its own exit code, such as the
// launcher's report of Ctrl-C (130) or SIGTERM (143).
type exitCoder interface {
	error
	ExitCode() int
}

// errorDoc is the JSON error document of design section 5.
type errorDoc struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint,omitempty"`
	} `json:"error"`
}

// report prints err (if any) and returns the exit code. It is the only
// place that decides exit codes. Whatever follows '=' in a word of args is
// hidden from the message and hint, so that an error repeating a KEY=VALUE
// typed in the wrong place does not show the value.
func report(ctx context.Context, w io.Writer, output string, args []string, err error) int {
	if err == nil {
		return 0
	}
	if st, ok := errors.AsType[*cmdutil.ExitStatus](err); ok {
		return st.Code
	}
	// When the context was cancelled by a signal, its cause explains the
	// failure better than whatever the interrupted call returned, unless
	// the command already said what the signal cut short.
	stopped, isStopped := errors.AsType[*cmdutil.Stopped](err)
	if ctx.Err() != nil && !isStopped {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause
		}
	}
	code, kind, hint := 1, failure.Unexpected, ""
	if fe, ok := errors.AsType[*failure.Error](err); ok {
		kind, hint, code = fe.Kind, fe.Hint, fe.Kind.ExitCode()
	} else if ec, ok := errors.AsType[exitCoder](err); ok {
		code = ec.ExitCode()
	}
	if isStopped {
		code = stopped.Code
	}
	argv := failure.NewArgv(args)
	message, hint := argv.Hide(err.Error()), argv.Hide(hint)
	if output == string(render.JSON) {
		var doc errorDoc
		doc.Error.Code, doc.Error.Message, doc.Error.Hint = string(kind), message, hint
		b, _ := json.Marshal(doc)
		_, _ = fmt.Fprintf(w, "%s\n", b)
		return code
	}
	// The server's messages are cleaned where they are read; this is the
	// last guard for anything else that reached an error unquoted.
	_, _ = fmt.Fprintf(w, "error: %s\n", render.Block(message))
	if hint != "" {
		_, _ = fmt.Fprintf(w, "hint: %s\n", render.Block(hint))
	}
	return code
}
