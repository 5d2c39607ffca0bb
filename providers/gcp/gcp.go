// Package gcp knows Google Secret Manager behind TrueFoundry's
// integration/secret-store/gcp/gsm integrations (also spelled
// gcp/secret-manager in TrueFoundry's skills): secret IDs of up to 255
// characters from [A-Za-z0-9_-] and values up to 64 KiB.
package gcp

import (
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/providers"
)

// GSMType is the integration type of Google Secret Manager.
const GSMType = providers.TypePrefix + "gcp/gsm"

// skillsType is the spelling TrueFoundry's agent skills use for the same store.
const skillsType = providers.TypePrefix + "gcp/secret-manager"

var gsm = providers.Store{
	Type: GSMType, Provider: "gcp", Kind: "gsm",
	Rules: providers.NewRules("Google Secret Manager", "^[A-Za-z0-9_-]{1,255}$", 64*1024),
}

// Provider is the GCP provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// New returns the GCP provider.
func New() Provider { return Provider{} }

// Name implements providers.Provider.
func (Provider) Name() string { return "gcp" }

// Stores implements providers.Provider.
func (Provider) Stores() []providers.Store { return []providers.Store{gsm} }

// Recognize implements providers.Provider.
func (Provider) Recognize(in providers.Integration) (providers.Store, bool) {
	switch t := in.FullType(); {
	case t == GSMType || t == skillsType:
		return gsm, true
	case t == "" && in.IsSecretStore() && in.Provider == "gcp":
		return gsm, true
	}
	return providers.Store{}, false
}

// Location implements providers.Provider: GSM integrations name no region.
func (Provider) Location(in providers.Integration) string { return in.Config["project"] }

// Explain implements providers.Provider. Google Secret Manager deletes
// immediately and has no name reservation, so it has nothing store-specific
// to add beyond the generic explanations.
func (Provider) Explain(providers.Store, providers.Integration, providers.APIFailure) *failure.Error {
	return nil
}
