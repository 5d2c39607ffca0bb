// Package aws knows the AWS stores behind TrueFoundry's secret-store
// integrations: Secrets Manager (integration/secret-store/aws/secrets-manager),
// which schedules deletions with a recovery window, and Systems Manager
// Parameter Store (integration/secret-store/aws/parameter-store), with its
// tighter value-size limit.
package aws

import (
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/providers"
)

// The AWS integration types.
const (
	SecretsManagerType = providers.TypePrefix + "aws/secrets-manager"
	ParameterStoreType = providers.TypePrefix + "aws/parameter-store"
)

var (
	// Secrets Manager names: 1-512 of [A-Za-z0-9/_+=.@-]; values up to 64 KiB.
	secretsManager = providers.Store{
		Type: SecretsManagerType, Provider: "aws", Kind: "secrets-manager",
		Rules: providers.NewRules("AWS Secrets Manager", "^[A-Za-z0-9/_+=.@-]{1,512}$", 64*1024),
	}
	// Parameter Store names: 1-1011 of [A-Za-z0-9_.-]; standard-tier values up to 4 KiB.
	parameterStore = providers.Store{
		Type: ParameterStoreType, Provider: "aws", Kind: "parameter-store",
		Rules: providers.NewRules("AWS Parameter Store", "^[A-Za-z0-9_.-]{1,1011}$", 4*1024),
	}
)

// Provider is the AWS provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// New returns the AWS provider.
func New() Provider { return Provider{} }

// Name implements providers.Provider.
func (Provider) Name() string { return "aws" }

// Stores implements providers.Provider.
func (Provider) Stores() []providers.Store { return []providers.Store{secretsManager, parameterStore} }

// Recognize implements providers.Provider.
func (Provider) Recognize(in providers.Integration) (providers.Store, bool) {
	switch in.FullType() {
	case SecretsManagerType:
		return secretsManager, true
	case ParameterStoreType:
		return parameterStore, true
	case "":
		if in.IsSecretStore() && in.Provider == "aws" {
			// A bare "secret-store" category does not say which AWS store.
			return providers.Store{Provider: "aws"}, true
		}
	}
	return providers.Store{}, false
}

// Location implements providers.Provider: the region.
func (Provider) Location(in providers.Integration) string { return in.Config["region"] }

// Explain implements providers.Provider.
func (p Provider) Explain(st providers.Store, in providers.Integration, f providers.APIFailure) *failure.Error {
	msg := strings.ToLower(f.Message)
	if f.Status == 409 && st.Type == SecretsManagerType && strings.Contains(msg, "scheduled for deletion") {
		return scheduledDeletion(scheduledName(f), p.Location(in))
	}
	return nil
}

// scheduledName pulls the secret name out of messages like "You can't
// create secret API_KEY because ... scheduled for deletion", else uses the
// key: a whole-group write does not know which of its keys was refused.
func scheduledName(f providers.APIFailure) string {
	if rest, ok := strings.CutPrefix(f.Message, "You can't create secret "); ok {
		if name, _, ok := strings.Cut(rest, " "); ok && name != "" {
			return strings.Trim(name, `"'`)
		}
	}
	return f.Key
}

// scheduledDeletion explains Secrets Manager's recovery window.
func scheduledDeletion(key, region string) *failure.Error {
	name := key
	if name == "" {
		name = "<secret-id>"
	}
	regionFlag := ""
	if region != "" {
		regionFlag = " --region " + region
	}
	return failure.New(failure.Conflict, "secret %q is scheduled for deletion in AWS Secrets Manager", name).
		WithHint("%s", strings.Join([]string{
			"AWS keeps a deleted secret for its recovery window (7-30 days) before the name can be reused. Either:",
			"  restore it: aws secretsmanager restore-secret --secret-id " + name + regionFlag,
			"  wait until the recovery window ends,",
			"  or use another key name.",
		}, "\n"))
}
