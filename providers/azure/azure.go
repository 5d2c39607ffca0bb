// Package azure knows Azure Key Vault behind TrueFoundry's
// integration/secret-store/azure/vault integrations: its key-name rule (no
// underscores), its value-size limit, and soft-delete, which keeps a deleted
// secret's name reserved for the vault's retention period.
package azure

import (
	"fmt"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/providers"
)

// VaultType is the integration type of Azure Key Vault.
const VaultType = providers.TypePrefix + "azure/vault"

// vault is Azure Key Vault: names of 1-127 characters from [0-9A-Za-z-];
// values up to 25 KiB.
var vault = providers.Store{
	Type: VaultType, Provider: "azure", Kind: "vault",
	Rules: providers.NewRules("Azure Key Vault", "^[0-9A-Za-z-]{1,127}$", 25*1024),
}

// Provider is the Azure provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// New returns the Azure provider.
func New() Provider { return Provider{} }

// Name implements providers.Provider.
func (Provider) Name() string { return "azure" }

// Stores implements providers.Provider.
func (Provider) Stores() []providers.Store { return []providers.Store{vault} }

// Recognize implements providers.Provider.
func (Provider) Recognize(in providers.Integration) (providers.Store, bool) {
	if in.FullType() == VaultType || (in.FullType() == "" && in.IsSecretStore() && in.Provider == "azure") {
		return vault, true
	}
	return providers.Store{}, false
}

// Location implements providers.Provider: the vault's name.
func (Provider) Location(in providers.Integration) string { return in.Config["key_vault_name"] }

// Explain implements providers.Provider.
func (p Provider) Explain(_ providers.Store, in providers.Integration, f providers.APIFailure) *failure.Error {
	msg := strings.ToLower(f.Message)
	switch {
	case f.Status == 409 && (strings.Contains(msg, "deleted state") || strings.Contains(msg, "soft-delete") || strings.Contains(msg, "soft delete")):
		return softDeleted(in, p.Location(in), deletedName(f))
	case (f.Status == 422 || f.Status == 400) && f.Key != "" && strings.Contains(f.Key, "_"):
		return failure.New(failure.Usage, "Azure Key Vault does not accept underscores in key %q", f.Key).
			WithHint("use hyphens instead: %s (AWS and GCP stores accept underscores)", strings.ReplaceAll(f.Key, "_", "-"))
	}
	return nil
}

// softDeleted explains Azure's soft-delete conflict with the three ways out.
func softDeleted(in providers.Integration, vaultName, name string) *failure.Error {
	if vaultName == "" {
		vaultName = "<vault>"
	}
	if name == "" {
		name = "<name>"
	}
	return failure.New(failure.Conflict,
		"secret %q was deleted recently and is still soft-deleted in Azure Key Vault %q", name, vaultName).
		WithHint("%s", strings.Join([]string{
			"Azure keeps a deleted secret's name reserved for the vault's retention period (7-90 days). Either:",
			fmt.Sprintf("  purge it:   az keyvault secret purge --vault-name %s --name %s", vaultName, name),
			fmt.Sprintf("  recover it: az keyvault secret recover --vault-name %s --name %s", vaultName, name),
			"  or use another key name.",
			"If the vault has purge protection, purging is refused: recover it or wait out the retention period.",
			"TrueFoundry itself cannot purge soft-deleted secrets; purging needs Azure access to the vault" +
				integrationNote(in) + ".",
		}, "\n"))
}

func integrationNote(in providers.Integration) string {
	if in.FQN == "" {
		return ""
	}
	return " behind integration " + in.FQN
}

// deletedName pulls the secret name out of messages like
// "Secret DB-PASSWORD is already in a deleted state", else uses the key.
func deletedName(f providers.APIFailure) string {
	if rest, ok := strings.CutPrefix(f.Message, "Secret "); ok {
		if name, _, ok := strings.Cut(rest, " "); ok && name != "" {
			return strings.Trim(name, `"'`)
		}
	}
	return f.Key
}
