// Package migrate implements `manifest migrate`: the plaintext credentials
// of a TrueFoundry manifest move into a secret group, and the manifest
// references them instead. The group is planned, confirmed and written like
// any mutation; the manifest is rewritten only after the group was written
// and verified, atomically, and only with --write. Values are read from the
// manifest once, here, and cross to the plugin only inside the plan
// request; every diff and message shows where a value was, never the value.
package migrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags, the global ones included, and arguments,
// and what run works with: the streams, the plugin and the file
// operations of the rewrite.
type Options struct {
	cmdutil.Session
	Globals     cmdutil.Globals
	File        string
	Group       string
	Integration string
	Provider    string
	Keys        []string // exactly these names; empty: every credential the heuristics find
	Overwrite   bool
	Write       bool
	Backup      bool
	ConfirmName string

	files fileOps
}

// maxManifest bounds the file read: real manifests are kilobytes, and the
// whole file is held several times over (read, rewritten, diffed).
const maxManifest = 16 << 20

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "migrate",
		Usage:     "Move a manifest's plaintext credentials into a secret group and reference them",
		ArgsUsage: "FILE --group NAME [--integration ID|FQN | --provider P] [--keys K,...] [--overwrite] [--write] [--backup]",
		Description: "Finds the env values (and Kubernetes Secret stringData and build secrets) of FILE that look\n" +
			"like credentials, or exactly the names given with --keys, and plans putting them into the\n" +
			"group, created when it does not exist (on --integration, else the only store, else the one of\n" +
			"--provider). A value used under several names or documents becomes one key. The store's\n" +
			"key name is used: on Azure Key Vault DB_PASSWORD is stored as DB-PASSWORD. A key the group\n" +
			"already holds with a different value is a conflict unless --overwrite.\n\n" +
			"It prints the plan and a diff of FILE in which each removed value shows as (set), then\n" +
			"writes the group once confirmed. With --write it then rewrites FILE atomically (--backup\n" +
			"keeps FILE.bak, mode 0600); without it FILE is left as it is. Credentials where a reference\n" +
			"cannot go (Helm values, a string mount's data, build arguments, inside a longer value) are\n" +
			"reported with their fix and left alone.\n\n" +
			cmdutil.Examples(
				"tfy-secrets manifest migrate truefoundry.yaml --group my-app --dry-run",
				"tfy-secrets manifest migrate truefoundry.yaml --group my-app --provider azure --write --backup",
				"tfy-secrets manifest migrate deploy.yaml --group my-app --keys DB_PASSWORD,API_KEY --write"),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "group", Usage: "the secret group `NAME` to put the values in (created when missing)"},
			&cli.StringFlag{Name: "integration", Usage: "secret-store integration `ID|FQN` of a new group"},
			&cli.StringFlag{Name: "provider", Usage: "pick the integration of a new group by `PROVIDER` (aws, azure, gcp, ...)"},
			&cli.StringSliceFlag{Name: "keys", Usage: "migrate exactly these names, `K,...` (repeatable)"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace a key the group holds with a different value"},
			&cli.BoolFlag{Name: "write", Usage: "rewrite FILE with the references once the group is written"},
			&cli.BoolFlag{Name: "backup", Usage: "with --write, keep the original as FILE.bak (mode 0600)"},
			cmdutil.ConfirmNameFlag(),
		},
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			opts := &Options{
				Session: f.Session(g), Globals: g, File: args[0], Group: c.String("group"),
				Integration: c.String("integration"), Provider: c.String("provider"),
				Overwrite: c.Bool("overwrite"), Write: c.Bool("write"), Backup: c.Bool("backup"),
				ConfirmName: c.String(cmdutil.FlagConfirmName), files: osFiles,
			}
			if err := check(opts); err != nil {
				return err
			}
			if opts.Keys, err = parseKeys(c.StringSlice("keys")); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func check(opts *Options) error {
	switch {
	case opts.File == "-" || opts.File == "":
		return cmdutil.UsageError("FILE must be a manifest file: migrate rewrites it, so it cannot be stdin")
	case opts.Group == "":
		return cmdutil.UsageError("--group NAME is required: the secret group the values go into").
			WithHint("e.g. tfy-secrets manifest migrate %s --group my-app --dry-run", opts.File)
	case opts.Backup && !opts.Write:
		return cmdutil.UsageError("--backup keeps FILE.bak when --write rewrites FILE; add --write")
	case opts.Provider != "" && !slices.Contains(cmdutil.Providers, opts.Provider):
		return cmdutil.UsageError("unknown --provider %q: use one of %v", opts.Provider, cmdutil.Providers)
	}
	return cmdutil.ValidateGroup(opts.Group)
}

// migration is one run's manifest and what it moves.
type migration struct {
	opts *Options
	src  []byte
	f    *manifest.File
	sel  selection
}

func run(ctx context.Context, opts *Options) error {
	m := &migration{opts: opts}
	if err := m.read(); err != nil {
		return err
	}
	if len(m.sel.moves) == 0 {
		return m.nothingToMove()
	}
	svc, err := opts.Service(ctx)
	if err != nil {
		return err
	}
	req := m.request()
	plan, err := svc.PlanMutation(ctx, req)
	if err != nil {
		return planFailed(err, opts.Keys)
	}
	edits, report, err := m.edits(plan)
	if err != nil {
		return err
	}
	out, err := m.f.Rewrite(edits)
	if err != nil {
		return failure.Wrap(failure.Unexpected, err, fmt.Sprintf("%s cannot be rewritten with the references (%v); nothing was written", opts.File, err))
	}
	diff, err := m.diff(out)
	if err != nil {
		return failure.Wrap(failure.Unexpected, err, fmt.Sprintf("%s: %v; nothing was written", opts.File, err))
	}
	ios := opts.IO
	doc := render.Migration{Plan: &plan, Edits: report, Skipped: m.skipped()}
	if opts.Globals.DryRun {
		if opts.Globals.Output != render.Table {
			return render.WriteMigration(ios.Out, opts.Globals.Output, doc)
		}
		if err := render.New(render.Table, ios.ColorEnabled()).Plan(ios.Out, plan); err != nil {
			return err
		}
		m.warnSkipped()
		_, err := io.WriteString(ios.Out, diff)
		return err
	}
	// The plan and the diff are what the person decides on: stderr, as
	// every mutation's plan.
	if err := render.New(render.Table, ios.ErrColorEnabled()).Plan(ios.ErrOut, plan); err != nil {
		return err
	}
	m.warnSkipped()
	if _, err := io.WriteString(ios.ErrOut, diff); err != nil {
		return err
	}
	res, err := cmdutil.Apply(ctx, opts.Session, opts.Globals, req, plan)
	if err != nil {
		return unchanged(err, opts.File)
	}
	if !res.Verified {
		return failure.New(failure.Unavailable, "secret group %q was written but could not be verified, so %s was not rewritten", plan.Group, opts.File).
			WithHint("check with: tfy-secrets group get %s, then run this command again", plan.Group)
	}
	doc.Result = &res
	backup := ""
	if opts.Write {
		if backup, err = opts.files.rewrite(opts.File, m.src, out, opts.Backup); err != nil {
			return failure.Wrap(failure.Unexpected, err, fmt.Sprintf("secret group %q was written and verified, but %s was not rewritten: %v; %s is as it was", plan.Group, opts.File, err, opts.File)).
				WithHint("run this command again: the group holds these values now, so only %s is rewritten", opts.File)
		}
		doc.Written = true
	}
	if opts.Globals.Output != render.Table {
		return render.WriteMigration(ios.Out, opts.Globals.Output, doc)
	}
	if err := render.New(render.Table, ios.ColorEnabled()).Result(ios.Out, res); err != nil {
		return err
	}
	if !opts.Write {
		_, _ = fmt.Fprintf(ios.ErrOut, "%s was not changed; run again with --write to replace its values with the references\n", render.Text(opts.File))
		return nil
	}
	line := fmt.Sprintf("Rewrote %s: %s now %s secret group %q", render.Text(opts.File), count(len(report), "value", "values"), verb(len(report)), plan.Group)
	if backup != "" {
		line += "; the original is in " + render.Text(backup)
	}
	_, err = fmt.Fprintln(ios.Out, line)
	return err
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func verb(n int) string {
	if n == 1 {
		return "references"
	}
	return "reference"
}

// read reads, parses and selects. Every problem with FILE is a usage
// error: it is the argument that is wrong.
func (m *migration) read() error {
	name := m.opts.File
	info, err := os.Stat(name)
	switch {
	case err != nil:
		return cmdutil.UsageError("cannot read %s: %v", name, pathError(err))
	case !info.Mode().IsRegular():
		return cmdutil.UsageError("%s is not a regular file", name)
	case info.Size() > maxManifest:
		return cmdutil.UsageError("%s is larger than %d MiB; manifests are far smaller", name, maxManifest>>20)
	}
	if m.src, err = os.ReadFile(name); err != nil {
		return cmdutil.UsageError("cannot read %s: %v", name, pathError(err))
	}
	if m.f, err = manifest.Read(m.src); err != nil {
		return cmdutil.UsageError("%s: %v", name, err)
	}
	if len(m.f.Documents) == 0 {
		return cmdutil.UsageError("%s holds no TrueFoundry manifest (a YAML document with type and name)", name)
	}
	if m.sel, err = selectMoves(m.f, name, m.opts.Keys); err != nil {
		return err
	}
	m.leaveUnwritable()
	return nil
}

// pathError is an os error without the path, which the message names.
func pathError(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}

// leaveUnwritable takes out of the selection every place the rewriter
// refuses to change (a tag, a duplicated key, a spot where no way of
// writing a reference reads back), before anything is planned, so that
// each key the group gets is referenced somewhere. The references are
// stand-ins of the same form as the real ones.
func (m *migration) leaveUnwritable() {
	for {
		var edits []manifest.Edit
		for _, mv := range m.sel.moves {
			for _, i := range mv.locs {
				l := m.f.Locations[i]
				edits = append(edits, manifest.Edit{Document: l.Document, Path: l.Path, Value: manifest.Ref{Tenant: "tenant", Group: "group", Key: mv.name}.String()})
			}
		}
		if len(edits) == 0 {
			return
		}
		_, err := m.f.Rewrite(edits)
		ee, ok := errors.AsType[*manifest.EditError](err)
		if !ok || !m.drop(ee) {
			return // done, or a failure the real rewrite reports
		}
	}
}

// drop removes the location an edit error names from its move, and the
// move once it has no location left.
func (m *migration) drop(ee *manifest.EditError) bool {
	for k, mv := range m.sel.moves {
		for j, i := range mv.locs {
			l := m.f.Locations[i]
			if l.Document != ee.Document || !l.Path.Equal(ee.Path) {
				continue
			}
			m.sel.skipped = append(m.sel.skipped, skip{loc: i, problem: "it cannot be rewritten safely: " + ee.Reason, fix: "replace the value with its reference by hand"})
			m.sel.moves[k].locs = slices.Delete(mv.locs, j, j+1)
			if len(m.sel.moves[k].locs) == 0 {
				m.sel.moves = slices.Delete(m.sel.moves, k, k+1)
			}
			return true
		}
	}
	return false
}

// request is the plan request: one change per move, with no value in its
// Origin.
func (m *migration) request() plugin.MutationRequest {
	call := m.opts.Globals.Call(m.opts.IO.CanPrompt())
	call.ConfirmName = m.opts.ConfirmName
	req := plugin.MutationRequest{
		Call: call, Operation: plugin.OpManifestMigrate, Group: m.opts.Group,
		IntegrationRef: m.opts.Integration, Provider: m.opts.Provider, Overwrite: m.opts.Overwrite,
	}
	for _, mv := range m.sel.moves {
		req.Changes = append(req.Changes, plugin.Change{Key: mv.name, Source: plugin.SourceManifest, Origin: origin(m.f, mv), Value: mv.value})
	}
	return req
}

// edits are the manifest's edits under plan: every location of a move gets
// the reference to the key the plan stores it under (the store's name for
// it, in the group's tenant). report lists them for people and machines.
func (m *migration) edits(plan plugin.Plan) ([]manifest.Edit, []render.MigrationEdit, error) {
	tenant, _, _ := strings.Cut(plan.GroupFQN, ":")
	if tenant == "" || !strings.Contains(plan.GroupFQN, ":") {
		return nil, nil, failure.New(failure.Unexpected, "the plan does not say which tenant secret group %q belongs to, so no reference can be written; nothing was written", plan.Group).
			WithHint("check the login with: tfy-secrets auth status")
	}
	stored := map[string]string{}
	for _, c := range plan.Changes {
		if c.Action == plugin.ActionAdd || c.Action == plugin.ActionRotate || c.Action == plugin.ActionUnchanged {
			stored[cmp.Or(c.From, c.Key)] = c.Key
		}
	}
	var edits []manifest.Edit
	var report []render.MigrationEdit
	for _, mv := range m.sel.moves {
		key, ok := stored[mv.name]
		if !ok {
			return nil, nil, failure.New(failure.Unexpected, "the plan has no key for %s; nothing was written", mv.name)
		}
		ref, err := manifest.FormatRef(tenant, plan.Group, key)
		if err != nil {
			return nil, nil, failure.Wrap(failure.Unexpected, err, fmt.Sprintf("no reference can be made to %s: %v; nothing was written", key, err))
		}
		for _, i := range mv.locs {
			l := m.f.Locations[i]
			edits = append(edits, manifest.Edit{Document: l.Document, Path: l.Path, Value: ref})
			report = append(report, render.MigrationEdit{File: m.opts.File, Line: l.Line, Document: l.Document, Path: l.Path.String(), Env: l.Name, Key: key, Ref: ref})
		}
	}
	slices.SortFunc(report, func(a, b render.MigrationEdit) int {
		return cmp.Or(cmp.Compare(a.Document, b.Document), cmp.Compare(a.Line, b.Line))
	})
	return edits, report, nil
}

// diff is the manifest's diff with every value that could be a secret
// masked, in the original and in the rewrite: all but well-formed
// references.
func (m *migration) diff(out []byte) (string, error) {
	g, err := manifest.Read(out)
	if err != nil {
		return "", err
	}
	spans := m.f.Spans()
	var edited []manifest.Span
	for _, mv := range m.sel.moves {
		for _, i := range mv.locs {
			edited = append(edited, spans[i])
		}
	}
	return maskedDiff(m.opts.File, m.src, out, edited, masks(m.f, spans), masks(g, g.Spans()))
}

// masks are the spans of f's values that are not well-formed references.
func masks(f *manifest.File, spans []manifest.Span) []manifest.Span {
	var out []manifest.Span
	for i, l := range f.Locations {
		if l.Ref.Status != manifest.RefOK && spans[i].End > spans[i].Start {
			out = append(out, spans[i])
		}
	}
	return out
}

func (m *migration) skipped() []render.MigrationSkip {
	out := make([]render.MigrationSkip, 0, len(m.sel.skipped))
	for _, s := range m.sel.skipped {
		l := m.f.Locations[s.loc]
		out = append(out, render.MigrationSkip{File: m.opts.File, Line: l.Line, Document: l.Document, Path: l.Path.String(), Env: l.Name,
			Reason: l.Plaintext.Reason, Problem: s.problem, Fix: s.fix})
	}
	slices.SortFunc(out, func(a, b render.MigrationSkip) int {
		return cmp.Or(cmp.Compare(a.Document, b.Document), cmp.Compare(a.Line, b.Line))
	})
	return out
}

// warnSkipped tells the person, on stderr, of each credential left in the
// manifest, with its fix.
func (m *migration) warnSkipped() {
	var b strings.Builder
	for _, s := range m.skipped() {
		why := ""
		if s.Reason != "" {
			why = " (" + s.Reason + ")"
		}
		fmt.Fprintf(&b, "warning: %s:%d: %s%s stays in the manifest: %s\n", render.Text(s.File), s.Line, render.Text(s.Path), render.Text(why), render.Text(s.Problem))
		if s.Fix != "" {
			fmt.Fprintf(&b, "  fix: %s\n", render.Text(s.Fix))
		}
	}
	_, _ = io.WriteString(m.opts.IO.ErrOut, b.String())
}

// nothingToMove ends a run that found no value to migrate: a manifest
// already migrated, or one whose credentials all sit where a reference
// cannot go. Nothing is planned and the plugin is not started.
func (m *migration) nothingToMove() error {
	ios := m.opts.IO
	if m.opts.Globals.Output != render.Table {
		return render.WriteMigration(ios.Out, m.opts.Globals.Output, render.Migration{Skipped: m.skipped()})
	}
	m.warnSkipped()
	_, err := fmt.Fprintf(ios.ErrOut, "nothing to migrate: %s has no plaintext credential where a reference can go\n", render.Text(m.opts.File))
	return err
}

// planFailed is the error of a refused plan. A policy refusing one of the
// keys found (a name the store cannot hold) need not stop the others: the
// hint says how to leave it out.
func planFailed(err error, keys []string) error {
	err = fmt.Errorf("plan: %w", err)
	f := failure.As(err)
	if f.Kind != failure.Denied || len(keys) > 0 {
		return err
	}
	return &failure.Error{Kind: f.Kind, Message: err.Error(), Err: err,
		Hint: strings.TrimPrefix(f.Hint+"; to leave a value out, name the ones to migrate with --keys K,...", "; ")}
}

// unchanged adds to what ended a group write that the manifest was not
// touched, keeping the error's kind and, after a signal, its exit code.
func unchanged(err error, file string) error {
	note := "; " + file + " was not changed"
	if st, ok := errors.AsType[*cmdutil.Stopped](err); ok {
		e := *st.Err
		e.Message += note
		return &cmdutil.Stopped{Code: st.Code, Err: &e}
	}
	f := failure.As(err)
	out := &failure.Error{Kind: f.Kind, Message: err.Error() + note, Hint: f.Hint, Err: err}
	if f.Kind != failure.NotConfirmed {
		out.Hint = strings.TrimPrefix(out.Hint+"; then run this command again: values the group already holds are not written again", "; ")
	}
	return out
}
