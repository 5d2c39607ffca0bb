// Package sources turns the SOURCES of `group create` and `group update`
// (--from-env, --from-file, --from-dotenv, --prompt and positional
// KEY=VALUE arguments) into plugin.Change values.
//
// Parsing a flag never reads a value; Read reads each value exactly once
// into a secret.Value. Nothing here may put a value, or text that might be
// one, into an error: the part after '=' of --from-env and --from-file, and
// the whole of a positional argument except its key, are never repeated.
package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/internal/dotenv"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Spec is one source as given on the command line, before its value is read.
type Spec struct {
	Key      string        // empty for --from-dotenv (the file names the keys)
	Source   plugin.Source // env, file, stdin, prompt, dotenv or literal
	Name     string        // env: the variable; file and dotenv: the path ("-" for stdin)
	Encoding Encoding      // file and stdin: how the bytes are stored; "" is text
}

// Encoding is how a --from-file value is stored.
type Encoding string

// The encodings. Text stores the exact bytes, which must be UTF-8 because
// TrueFoundry carries values as JSON strings; base64 stores any bytes as
// their base64 text.
const (
	EncodingText   Encoding = "text"
	EncodingBase64 Encoding = "base64"
)

// ParseEncoding checks an --encoding value.
func ParseEncoding(s string) (Encoding, error) {
	switch e := Encoding(s); e {
	case EncodingText, EncodingBase64:
		return e, nil
	}
	return "", cmdutil.UsageError("unknown --encoding %q: use text or base64", s)
}

// encode applies the spec's encoding to a value just read.
func (s Spec) encode(c plugin.Change) plugin.Change {
	if s.Encoding != EncodingBase64 {
		return c
	}
	encoded := c.Value.Base64()
	c.Value.Wipe()
	c.Value, c.Origin = encoded, c.Origin+" (base64)"
	return c
}

// RefuseEmpty is --strict: a value that is empty stops the command, naming
// its key and where it came from.
func RefuseEmpty(changes []plugin.Change) error {
	for _, c := range changes {
		if c.Value.IsSet() && c.Value.Len() == 0 {
			return cmdutil.UsageError("key %s has an empty value (from %s), and --strict refuses empty values", c.Key, c.Origin).
				WithHint("set the variable or file to the value first, or leave out --strict to store it empty")
		}
	}
	return nil
}

// stdin is the path that means standard input.
const stdin = "-"

// MaxValueBytes bounds a value read from a file or stdin. No store accepts
// more than 64 KiB; the bound keeps `--from-file K=/dev/zero` or a wrong
// multi-gigabyte file from being read into memory.
const MaxValueBytes = 1 << 20

// maxConventionalName bounds the names conventionalName accepts.
const maxConventionalName = 64

// conventionalName reports whether s has the upper-case shape of variable
// names people export (at most 64 of A-Z, 0-9 and '_', not starting with a
// digit). Only a name of this shape is repeated in an error: tokens such as
// sk_live_... or ghp_... are valid names too, and may be a value typed
// where the name belongs.
func conventionalName(s string) bool {
	if s == "" || len(s) > maxConventionalName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ParseFromEnv parses `--from-env KEY` (value of $KEY) or
// `--from-env KEY=VAR` (value of $VAR).
func ParseFromEnv(arg string) (Spec, error) {
	key, name, hasName := strings.Cut(arg, "=")
	if err := cmdutil.ValidateKey(key); err != nil {
		return Spec{}, fmt.Errorf("--from-env: %w", err)
	}
	if !hasName {
		return Spec{Key: key, Source: plugin.SourceEnv, Name: key}, nil
	}
	// Anything but a variable name after '=' is more likely a value typed
	// by mistake.
	if !cmdutil.IsEnvName(name) {
		return Spec{}, notAVariable(key)
	}
	return Spec{Key: key, Source: plugin.SourceEnv, Name: name}, nil
}

// notAVariable is the error for a --from-env whose part after '=' names no
// variable. It never says what that part was: it may be the value itself.
func notAVariable(key string) error {
	return cmdutil.UsageError("--from-env %s=...: the part after '=' must name a set environment variable, and it does not", key).
		WithHint("export the value first, then pass --from-env %s=VARIABLE_NAME; values are never given on the command line", key)
}

// ParseFromFile parses `--from-file KEY=PATH`; PATH "-" is stdin.
func ParseFromFile(arg string) (Spec, error) {
	key, path, ok := strings.Cut(arg, "=")
	if !ok {
		return Spec{}, cmdutil.UsageError("--from-file needs KEY=PATH")
	}
	if err := cmdutil.ValidateKey(key); err != nil {
		return Spec{}, fmt.Errorf("--from-file: %w", err)
	}
	if path == "" {
		return Spec{}, cmdutil.UsageError("--from-file %s=: the path is empty (use - for stdin)", key)
	}
	if path == stdin {
		return Spec{Key: key, Source: plugin.SourceStdin, Name: stdin}, nil
	}
	return Spec{Key: key, Source: plugin.SourceFile, Name: path}, nil
}

// ParseFromDotenv parses `--from-dotenv PATH`; PATH "-" is stdin.
func ParseFromDotenv(arg string) (Spec, error) {
	if arg == "" {
		return Spec{}, cmdutil.UsageError("--from-dotenv: the path is empty (use - for stdin)")
	}
	return Spec{Source: plugin.SourceDotenv, Name: arg}, nil
}

// ParsePrompt parses `--prompt KEY`.
func ParsePrompt(arg string) (Spec, error) {
	if err := cmdutil.ValidateKey(arg); err != nil {
		return Spec{}, fmt.Errorf("--prompt: %w", err)
	}
	return Spec{Key: arg, Source: plugin.SourcePrompt}, nil
}

// ParsePositional parses a positional argument among SOURCES. KEY=VALUE is
// an inline value: it becomes a literal source whose value is dropped here,
// so that policy refuses it naming KEY only. n is the argument's 1-based
// position, for messages that cannot quote the argument.
func ParsePositional(arg string, n int) (Spec, error) {
	key, _, ok := strings.Cut(arg, "=")
	if !ok {
		return Spec{}, cmdutil.UsageError("argument %d is not a source", n).
			WithHint("give values with --from-env KEY, --from-file KEY=PATH, --from-dotenv PATH or --prompt KEY")
	}
	if cmdutil.ValidateKey(key) != nil {
		return Spec{}, cmdutil.UsageError("argument %d looks like an inline value with no usable key", n).
			WithHint("give values with --from-env KEY, --from-file KEY=PATH, --from-dotenv PATH or --prompt KEY")
	}
	return Spec{Key: key, Source: plugin.SourceLiteral}, nil
}

// readsStdin reports whether a spec consumes standard input.
func (s Spec) readsStdin() bool {
	return s.Source == plugin.SourceStdin || (s.Source == plugin.SourceDotenv && s.Name == stdin)
}

// CheckStdin rejects more than one source reading standard input: the first
// would consume it all.
func CheckStdin(specs []Spec) error {
	n := 0
	for _, s := range specs {
		if s.readsStdin() {
			n++
		}
	}
	if n > 1 {
		return cmdutil.UsageError("%d sources read standard input; at most one may", n)
	}
	return nil
}

// Reader reads the values of specs.
type Reader struct {
	LookupEnv func(string) (string, bool)
	Stdin     io.Reader
	// Prompt asks for a hidden value; nil when there is no terminal.
	Prompt func(ctx context.Context, prompt string) (secret.Value, error)
	// Timeout bounds each read of standard input (--timeout; zero: none).
	// Reads also end with ctx, so Ctrl-C and SIGTERM always stop them.
	Timeout time.Duration
}

// Read reads every value once and returns the changes in the order given.
// Literal sources come back without a value.
func (r Reader) Read(ctx context.Context, specs []Spec) ([]plugin.Change, error) {
	if err := CheckStdin(specs); err != nil {
		return nil, err
	}
	var changes []plugin.Change
	seen := map[string]bool{}
	add := func(c plugin.Change) error {
		if seen[c.Key] {
			return cmdutil.UsageError("key %s is given by more than one source", c.Key)
		}
		seen[c.Key] = true
		changes = append(changes, c)
		return nil
	}
	for _, s := range specs {
		if s.Source == plugin.SourceDotenv {
			pairs, err := r.dotenv(ctx, s.Name)
			if err != nil {
				return nil, err
			}
			for _, p := range pairs {
				origin := fmt.Sprintf("dotenv %s line %d", s.Name, p.Line)
				if err := add(plugin.Change{Key: p.Key, Source: plugin.SourceDotenv, Origin: origin, Value: p.Value}); err != nil {
					return nil, err
				}
			}
			continue
		}
		c, err := r.one(ctx, s)
		if err != nil {
			return nil, err
		}
		if err := add(s.encode(c)); err != nil {
			return nil, err
		}
	}
	return changes, nil
}

func (r Reader) dotenv(ctx context.Context, path string) ([]dotenv.Pair, error) {
	if path != stdin {
		// dotenv.ReadFile opens the path itself; a path that is not a
		// regular file is refused before that, and the read honours ctx
		// should a FIFO appear there in between.
		if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
			return nil, notRegular(FlagFromDotenv, "")
		}
		pairs, err := within(ctx, 0, "--from-dotenv", func() ([]dotenv.Pair, error) { return dotenv.ReadFile(path) }, func([]dotenv.Pair) {})
		if err != nil {
			return nil, fmt.Errorf("--from-dotenv: %w", err)
		}
		return pairs, nil
	}
	pairs, err := within(ctx, r.Timeout, "--from-dotenv -: standard input", func() ([]dotenv.Pair, error) { return dotenv.Parse(r.Stdin) }, func([]dotenv.Pair) {})
	if _, ok := errors.AsType[*failure.Error](err); ok || ctx.Err() != nil {
		return nil, err
	}
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, fmt.Sprintf("--from-dotenv -: read standard input: %v", err)).
			WithHint("%s", dotenv.Hint(err))
	}
	return pairs, nil
}

func (r Reader) one(ctx context.Context, s Spec) (plugin.Change, error) {
	c := plugin.Change{Key: s.Key, Source: s.Source}
	switch s.Source {
	case plugin.SourceEnv:
		v, ok := r.LookupEnv(s.Name)
		if !ok {
			if s.Name != s.Key {
				return c, notAVariable(s.Key)
			}
			if !conventionalName(s.Name) {
				return c, cmdutil.UsageError("--from-env: the named environment variable is not set").
					WithHint("export it first; to store it under another key use --from-env KEY=VARIABLE_NAME")
			}
			return c, cmdutil.UsageError("--from-env %s: environment variable %s is not set", s.Key, s.Name)
		}
		c.Value, c.Origin = secret.FromString(v), "env "+s.Name
	case plugin.SourceFile:
		f, err := openRegular(s.Name)
		if errors.Is(err, errNotRegular) {
			return c, notRegular(FlagFromFile, s.Key)
		}
		if err != nil {
			return c, unreadable(s.Key, err)
		}
		b, err := readValue(ctx, 0, f, s.Key, "--from-file")
		_ = f.Close()
		if err != nil {
			return c, err
		}
		c.Value, c.Origin = secret.New(b), "file "+s.Name
		clear(b)
	case plugin.SourceStdin:
		b, err := readValue(ctx, r.Timeout, r.Stdin, s.Key, fromFileWhat(s.Key))
		if err != nil {
			return c, err
		}
		c.Value, c.Origin = secret.New(b), "stdin"
		clear(b)
	case plugin.SourcePrompt:
		if r.Prompt == nil {
			return c, cmdutil.UsageError("--prompt %s needs a terminal", s.Key).
				WithHint("without a terminal use --from-file %s=- to read the value from standard input", s.Key)
		}
		v, err := r.Prompt(ctx, fmt.Sprintf("Value for %s (input hidden): ", s.Key))
		if err != nil {
			return c, fmt.Errorf("--prompt %s: %w", s.Key, err)
		}
		c.Value, c.Origin = v, "prompt"
	case plugin.SourceLiteral:
		c.Origin = "command line"
	default:
		return c, fmt.Errorf("read source: unknown source %q", s.Source)
	}
	return c, nil
}

// readBounded reads a whole value of at most MaxValueBytes.
func readBounded(r io.Reader, key string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxValueBytes+1))
	if err != nil {
		clear(b)
		return nil, failure.Wrap(failure.Usage, err, fmt.Sprintf("--from-file %s=...: cannot read the value: %v", key, readReason(err)))
	}
	if len(b) > MaxValueBytes {
		clear(b)
		return nil, cmdutil.UsageError("--from-file %s=...: the value is larger than %d bytes, more than any secret store accepts", key, MaxValueBytes)
	}
	return b, nil
}

func readReason(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// unreadable explains a failed --from-file without the path: the text after
// '=' may be a value typed where a path belongs.
func unreadable(key string, err error) error {
	return failure.Wrap(failure.Usage, err, fmt.Sprintf("--from-file %s=...: cannot read the named file: %v", key, readReason(err)))
}

// NewReader reads values from the environment lookupEnv reads and the
// streams ios, bounding each read of stdin by timeout (--timeout); the
// hidden prompt is offered only when a person can answer it.
func NewReader(ios *iostreams.IOStreams, lookupEnv func(string) (string, bool), timeout time.Duration) Reader {
	r := Reader{LookupEnv: lookupEnv, Stdin: ios.In, Timeout: timeout}
	if ios.CanPrompt() {
		r.Prompt = ios.ReadSecret
	}
	return r
}
