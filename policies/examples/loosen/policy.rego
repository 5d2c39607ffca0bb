# A deliberately loosening organisation policy: it tries to allow inline
# values, drop every confirmation and show value prefixes. tfy-secrets
# combines decisions so that none of this takes effect; the tests in
# policies/ use this bundle to show the defaults still decide. Do not deploy.
package tfy.secrets

decision := {
	"deny": [],
	"warn": [],
	"confirm": "none",
	"mask": {s.key: "prefix4" | some s in input.secrets},
}
