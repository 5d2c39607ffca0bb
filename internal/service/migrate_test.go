package service

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func manifestChange(key, value string) plugin.Change {
	return plugin.Change{Key: key, Source: plugin.SourceManifest, Origin: "manifest env." + key, Value: secret.FromString(value)}
}

func migrateReq(group string, changes ...plugin.Change) plugin.MutationRequest {
	return plugin.MutationRequest{Call: call(), Operation: plugin.OpManifestMigrate, Group: group, Changes: changes}
}

// froms maps each planned key to the name the request gave it.
func froms(p plugin.Plan) map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		out[c.Key] = c.From
	}
	return out
}

// A migration names every key as the group's store keeps it, and the plan
// says which request name each stands for: Azure Key Vault keeps
// DB_PASSWORD as DB-PASSWORD, other stores keep it as it is.
func TestMigrateNamesKeysAsTheStoreKeepsThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("create on azure", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		p, err := h.svc.PlanMutation(ctx, migrateReq("web", manifestChange("DB_PASSWORD", "pw"), manifestChange("API-KEY", "k")))
		if err != nil {
			t.Fatal(err)
		}
		if got := froms(p); !maps.Equal(got, map[string]string{"DB-PASSWORD": "DB_PASSWORD", "API-KEY": ""}) {
			t.Fatalf("plan keys and froms = %v", got)
		}
		if !strings.Contains(h.dec.inputs[0], `"key":"DB-PASSWORD"`) || strings.Contains(h.dec.inputs[0], "DB_PASSWORD") {
			t.Fatalf("policy must judge the store's key: %s", h.dec.inputs[0])
		}
		if _, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		g, _, _ := h.api.GroupByFQN(ctx, "demo:web")
		if got := keysOf(g.Secrets); strings.Join(got, ",") != "API-KEY,DB-PASSWORD" {
			t.Fatalf("stored keys = %v", got)
		}
	})
	t.Run("merge on azure", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		h.api.add("web", map[string]string{"OTHER": "o"})
		p, err := h.svc.PlanMutation(ctx, migrateReq("web", manifestChange("DB_PASSWORD", "pw")))
		if err != nil {
			t.Fatal(err)
		}
		if got := froms(p); !maps.Equal(got, map[string]string{"DB-PASSWORD": "DB_PASSWORD", "OTHER": ""}) {
			t.Fatalf("plan keys and froms = %v", got)
		}
	})
	t.Run("create on aws", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		h.api.integrations = append(h.api.integrations, Integration{
			Name: "sm", ID: "int-aws", FQN: "demo:aws:acct:secret-store:sm", Provider: "aws", Store: "secrets-manager", Type: "integration/secret-store/aws/secrets-manager",
		})
		req := migrateReq("web", manifestChange("DB_PASSWORD", "pw"))
		req.IntegrationRef = "int-aws"
		p, err := h.svc.PlanMutation(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if got := froms(p); !maps.Equal(got, map[string]string{"DB_PASSWORD": ""}) {
			t.Fatalf("plan keys and froms = %v", got)
		}
	})
	t.Run("two names for one store key", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		_, err := h.svc.PlanMutation(ctx, migrateReq("web", manifestChange("DB_PASSWORD", "a"), manifestChange("DB-PASSWORD", "b")))
		if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), `"DB_PASSWORD" and "DB-PASSWORD" would both be stored as "DB-PASSWORD"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a group's store wins over --provider", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		h.api.add("web", map[string]string{"OTHER": "o"})
		req := migrateReq("web", manifestChange("DB_PASSWORD", "pw"))
		req.Provider = "aws"
		p, err := h.svc.PlanMutation(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "only choose the store of a new group") {
			t.Fatalf("warnings = %q", p.Warnings)
		}
	})
}

// A key the group holds with another value is a conflict unless the
// request says --overwrite; the same value is a no-op. The conflict names
// the key and never a value, and nothing is kept or written.
func TestMigrateConflicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const stored, manifest = "canary-stored-5f1e", "canary-manifest-9a2c"
	t.Run("different value", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		h.api.add("web", map[string]string{"DB-PASSWORD": stored})
		for _, dry := range []bool{false, true} {
			req := migrateReq("web", manifestChange("DB_PASSWORD", manifest), manifestChange("NEW", "n"))
			req.DryRun = dry
			_, err := h.svc.PlanMutation(ctx, req)
			f := failure.As(err)
			if f.Kind != failure.Conflict || !strings.Contains(f.Message, `already holds a different value for DB-PASSWORD`) || !strings.Contains(f.Hint, "--overwrite") {
				t.Fatalf("dry run %v: err = %v (hint %q)", dry, err, f.Hint)
			}
			for _, text := range []string{f.Message, f.Hint, h.debug.String()} {
				if strings.Contains(text, stored) || strings.Contains(text, manifest) {
					t.Fatalf("a value leaked: %q", text)
				}
			}
		}
		if len(h.svc.plans) != 0 || h.api.callCount("UpdateGroup") != 0 {
			t.Fatal("a conflicting plan was kept or written")
		}
	})
	t.Run("overwrite", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		g := h.api.add("web", map[string]string{"DB-PASSWORD": stored})
		req := migrateReq("web", manifestChange("DB_PASSWORD", manifest))
		req.Overwrite = true
		p, err := h.svc.PlanMutation(ctx, req)
		if err != nil || p.Changes[0].Action != plugin.ActionRotate {
			t.Fatalf("plan %+v, %v", p, err)
		}
		if _, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if g.keys["DB-PASSWORD"] != manifest {
			t.Fatal("--overwrite did not rotate the key")
		}
	})
	t.Run("same value", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		h.api.add("web", map[string]string{"DB-PASSWORD": manifest})
		p, err := h.svc.PlanMutation(ctx, migrateReq("web", manifestChange("DB_PASSWORD", manifest)))
		if err != nil {
			t.Fatal(err)
		}
		if p.Changes[0].Action != plugin.ActionUnchanged || p.Changes[0].From != "DB_PASSWORD" || p.Confirm != plugin.ConfirmNone {
			t.Fatalf("plan = %+v", p)
		}
		res, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID})
		if err != nil || !res.Verified || h.api.callCount("UpdateGroup") != 0 {
			t.Fatalf("res %+v, %v, %d writes", res, err, h.api.callCount("UpdateGroup"))
		}
	})
	t.Run("values hidden", func(t *testing.T) {
		t.Parallel()
		h := newHarness()
		h.api.valueHidden = true
		h.api.add("web", map[string]string{"DB-PASSWORD": manifest})
		_, err := h.svc.PlanMutation(ctx, migrateReq("web", manifestChange("DB_PASSWORD", manifest)))
		if failure.KindOf(err) != failure.Conflict || !strings.Contains(err.Error(), "could not be compared") {
			t.Fatalf("err = %v", err)
		}
	})
}
