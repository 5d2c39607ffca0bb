# A copy of the shape of tfy-secrets' default decision (entrypoint
# tfy/secrets/decision), used by the opawasm tests and benchmarks as a
# realistic workload. It uses sprintf, a host builtin, so the round trip
# through the host is measured. Like the default policies it checks key
# characters with trim, not regex.match: OPA's wasm runtime compiles the
# regular expression again on every evaluation.
package tfy.secrets

needs_yes := {"group.create", "group.update", "secret.delete", "manifest.migrate"}

deny contains msg if {
	some change in input.changes
	change.source == "literal"
	msg := sprintf("key %q: a value typed inline is refused; pass --from-env %s instead", [change.key, change.key])
}

deny contains msg if {
	input.integration.provider == "azure"
	some change in input.changes
	change.action == "add"
	trim(change.key, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") != ""
	msg := sprintf("key %q is not a valid Azure Key Vault secret name; use %q", [change.key, replace(change.key, "_", "-")])
}

deny contains msg if {
	some change in input.changes
	change.length > data.max_value_bytes
	msg := sprintf("value for key %q is %d bytes; the store accepts at most %d", [change.key, change.length, data.max_value_bytes])
}

warn contains msg if {
	input.context.ci
	not input.context.yes
	msg := "running in CI without --yes"
}

default confirm := "none"

confirm := "none" if {
	input.context.dry_run
} else := "typed" if {
	input.operation == "group.delete"
} else := "yes" if {
	input.operation in needs_yes
}

level(s) := "prefix4" if {
	input.context.show_prefix
	s.length >= 16
} else := "set"

mask := {s.key: level(s) | some s in input.secrets}

decision := {
	"deny": sort(deny),
	"warn": sort(warn),
	"confirm": confirm,
	"mask": mask,
}
