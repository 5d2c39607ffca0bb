# The one document tfy-secrets asks for: entry point tfy/secrets/decision.
# Each concern lives in its own package; this file only gathers their verdicts
# into the shape the engine expects, with arrays sorted so that the document
# is stable from one evaluation to the next.
package tfy.secrets

import data.tfy.secrets.confirmation
import data.tfy.secrets.masking
import data.tfy.secrets.raw_values
import data.tfy.secrets.sanity
import data.tfy.secrets.stores

deny := (raw_values.deny | stores.deny) | sanity.deny

# Usually only the store rules deny anything, if anything is denied; their
# set is then the union, and is sorted without the two set unions that
# would copy and rehash every message.
sorted_deny := sort(stores.deny) if {
	count(raw_values.deny) == 0
	count(sanity.deny) == 0
} else := sort(deny)

# Only the store rules warn. Their set is used as it is, not through an
# alias rule (warn := stores.warn) the compiled module would look up.
decision := {
	"deny": sorted_deny,
	"warn": sort(stores.warn),
	"confirm": confirmation.confirm,
	"mask": masking.mask,
}
