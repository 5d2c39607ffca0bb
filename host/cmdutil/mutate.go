package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Mutate runs the one flow every create, update and delete follows: plan,
// show the plan, obtain the confirmation the plan demands, apply, report.
//
// The plan is information for the person deciding, so it goes to stderr;
// with --dry-run the plan is the command's output and goes to stdout in the
// chosen format.
//
// g are the command line's global options: --dry-run, --yes and the
// output format.
func Mutate(ctx context.Context, s Session, g Globals, req plugin.MutationRequest) error {
	svc, err := s.Service(ctx)
	if err != nil {
		return err
	}
	plan, err := svc.PlanMutation(ctx, req)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	ios := s.IO
	if g.DryRun {
		return render.New(g.Output, ios.ColorEnabled()).Plan(ios.Out, plan)
	}
	if err := render.New(render.Table, ios.ErrColorEnabled()).Plan(ios.ErrOut, plan); err != nil {
		return err
	}
	res, err := Apply(ctx, s, g, req, plan)
	if err != nil {
		return err
	}
	return render.New(g.Output, ios.ColorEnabled()).Result(ios.Out, res)
}

// Apply is the second half of Mutate, for a command that shows more than
// the plan before asking (manifest migrate shows its diff): it obtains the
// confirmation plan demands, carries the plan out, and reports an ending
// that may have left a write behind. Warnings about other writers go to
// stderr; the result is the caller's to show.
func Apply(ctx context.Context, s Session, g Globals, req plugin.MutationRequest, plan plugin.Plan) (plugin.Result, error) {
	svc, err := s.Service(ctx)
	if err != nil {
		return plugin.Result{}, err
	}
	typed, err := confirm(ctx, s.IO, g.Yes, plan, req.ConfirmName)
	if err != nil {
		return plugin.Result{}, err
	}
	res, err := svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: req.Call, PlanID: plan.ID, Confirmed: true, TypedName: typed})
	if err != nil {
		return plugin.Result{}, applyFailed(ctx, s.Restart, req.Call, plan, err)
	}
	// What another writer did around the write is for the person (stderr);
	// JSON and YAML also carry it in the result document.
	for _, w := range res.Warnings {
		_, _ = fmt.Fprintf(s.IO.ErrOut, "warning: %s\n", w)
	}
	return res, nil
}

// confirm obtains what plan.Confirm demands and returns the typed name (for
// typed confirmation). Without a terminal, --yes (and, for typed, a matching
// --confirm-name) stands in for the person.
func confirm(ctx context.Context, ios *iostreams.IOStreams, yes bool, plan plugin.Plan, confirmName string) (string, error) {
	switch plan.Confirm {
	case plugin.ConfirmNone, "":
		return "", nil
	case plugin.ConfirmTyped:
		if yes && confirmName != "" {
			return checkTyped(plan, confirmName, "--confirm-name")
		}
		if !ios.CanPrompt() {
			return "", failure.New(failure.NotConfirmed, "%s needs confirmation by name and there is no terminal to ask on", describe(plan)).
				WithHint("pass --yes --confirm-name %s", plan.Group)
		}
		answer, err := ios.ReadLine(ctx, fmt.Sprintf("Type the group name %q to confirm: ", plan.Group))
		if err != nil {
			return "", promptFailure(err)
		}
		return checkTyped(plan, strings.TrimSpace(answer), "the typed name")
	default:
		if yes {
			return "", nil
		}
		if !ios.CanPrompt() {
			return "", failure.New(failure.NotConfirmed, "%s needs confirmation and there is no terminal to ask on", describe(plan)).
				WithHint("pass --yes to confirm non-interactively, or --dry-run to only see the plan")
		}
		answer, err := ios.ReadLine(ctx, "Proceed? [y/N] ")
		if err != nil {
			return "", promptFailure(err)
		}
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "y", "yes":
			return "", nil
		}
		return "", failure.New(failure.NotConfirmed, "cancelled: nothing was changed")
	}
}

func checkTyped(plan plugin.Plan, got, what string) (string, error) {
	if got != plan.Group && (plan.GroupFQN == "" || got != plan.GroupFQN) {
		return "", failure.New(failure.NotConfirmed, "%s does not match the group name %q: nothing was changed", what, plan.Group)
	}
	return got, nil
}

func promptFailure(err error) error {
	if errors.Is(err, iostreams.ErrInterrupted) {
		return failure.Wrap(failure.NotConfirmed, err, "cancelled: nothing was changed")
	}
	return fmt.Errorf("confirm: %w", err)
}

func describe(p plugin.Plan) string {
	switch p.Operation {
	case plugin.OpGroupCreate:
		return "creating a secret group"
	case plugin.OpGroupDelete:
		return "deleting a secret group"
	case plugin.OpSecretDelete:
		return "deleting a secret"
	case plugin.OpManifestMigrate:
		return "migrating a manifest's values into a secret group"
	}
	return "changing a secret group"
}
