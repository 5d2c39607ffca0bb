// Package builtin assembles the registry of every provider tfy-secrets knows.
// It exists so that the providers package does not import its own
// subpackages.
package builtin

import (
	"github.com/tfy-secrets/tfy-secrets/providers"
	"github.com/tfy-secrets/tfy-secrets/providers/aws"
	"github.com/tfy-secrets/tfy-secrets/providers/azure"
	"github.com/tfy-secrets/tfy-secrets/providers/gcp"
)

// Registry returns a registry of the AWS, Azure and GCP providers; other
// stores (HashiCorp Vault, TrueFoundry DB, custom) get the generic store.
func Registry() *providers.Registry {
	return providers.NewRegistry(aws.New(), azure.New(), gcp.New())
}
