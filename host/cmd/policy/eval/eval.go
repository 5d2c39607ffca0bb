// Package eval implements `policy eval --input FILE`: the plugin evaluates
// a policy input document and the combined decision is printed as JSON.
// A decision that denies ends with exit 7, so the command can gate a CI
// step the way `conftest test` does. The input is checked here, before the
// plugin starts; it never holds a value.
package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags, the global ones included, and the
// streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals cmdutil.Globals
	Input   string // path, "-" for stdin
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "eval",
		Usage:     "Evaluate a policy input document and print the decision as JSON",
		ArgsUsage: "--input FILE [--policy BUNDLE]",
		Description: "FILE is a policy input document (design section 6, at most 1 MiB); - reads standard input.\n" +
			"The decision is printed as JSON; when it denies, the command exits 7 (denied by policy).\n\n" +
			cmdutil.Examples("tfy-secrets policy eval --input input.json", "tfy-secrets policy eval --input - --policy org.tar.gz < input.json"),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "input", Usage: "policy input document `FILE` (- for stdin)"},
		},
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g, Input: c.String("input")}
			if opts.Input == "" {
				return cmdutil.UsageError("policy eval needs --input FILE")
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	input, err := readInput(opts.IO.In, opts.Input)
	if err != nil {
		return err
	}
	svc, err := opts.Service(ctx)
	if err != nil {
		return err
	}
	decision, err := svc.EvalPolicy(ctx, plugin.PolicyEvalRequest{Call: opts.Globals.Call(opts.IO.CanPrompt()), Input: input})
	if err != nil {
		return fmt.Errorf("policy eval: %w", err)
	}
	out := opts.IO.Out
	if _, err := out.Write(decision); err != nil {
		return fmt.Errorf("policy eval: %w", err)
	}
	if len(decision) == 0 || decision[len(decision)-1] != '\n' {
		_, _ = io.WriteString(out, "\n")
	}
	return denied(decision)
}

// denied is the exit-7 failure for a decision that denies, naming its
// reasons (policy messages, which never hold a value).
func denied(decision []byte) error {
	var d struct {
		Deny []string `json:"deny"`
	}
	if err := json.Unmarshal(decision, &d); err != nil {
		return fmt.Errorf("policy eval: read the decision: %w", err)
	}
	if len(d.Deny) == 0 {
		return nil
	}
	return failure.New(failure.Denied, "denied by policy: %s", strings.Join(d.Deny, "; ")).
		WithHint("the decision on stdout lists every reason; policy eval exits 7 whenever deny is not empty")
}

// readInput reads and checks the document before the plugin starts, so a
// typo in the file is a usage error pointing at the spot. "-" is stdin.
func readInput(stdin io.Reader, path string) ([]byte, error) {
	r := stdin
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return nil, failure.Wrap(failure.Usage, err, fmt.Sprintf("--input: %v", err))
		}
		defer func() { _ = file.Close() }()
		r = file
	}
	b, err := io.ReadAll(io.LimitReader(r, plugin.MaxPolicyInput+1))
	if err != nil {
		return nil, fmt.Errorf("--input: read %s: %w", path, err)
	}
	if len(b) > plugin.MaxPolicyInput {
		return nil, cmdutil.UsageError("--input %s: larger than %d bytes (1 MiB), the limit of a policy input", path, plugin.MaxPolicyInput)
	}
	return b, CheckInput(b, path)
}

// CheckInput verifies the document is one JSON object and says where it is
// not. Only offsets are reported, never the document's text.
func CheckInput(b []byte, name string) error {
	var doc any
	err := json.Unmarshal(b, &doc)
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return cmdutil.UsageError("--input %s: not valid JSON at byte %d", name, se.Offset)
	}
	if err != nil {
		return cmdutil.UsageError("--input %s: not valid JSON", name)
	}
	if _, ok := doc.(map[string]any); !ok {
		return cmdutil.UsageError("--input %s: the policy input must be a JSON object", name)
	}
	return nil
}
