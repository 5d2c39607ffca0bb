# Confirmation: what a user must do before a mutation runs. Reads change
# nothing and need nothing; creates, updates, single-secret deletes and
# migrations need a yes (a TTY answer or --yes); deleting a whole group is
# the one operation that destroys many secrets at once, so it needs the
# group name typed back. A dry run is decided like the real run, so that its
# plan says what the real run will ask for; being a dry run, it asks nothing.
package tfy.secrets.confirmation

default confirm := "none"

confirm := "typed" if {
	input.operation == "group.delete"
} else := "yes" if {
	# A set literal rather than a named rule: each named rule is one more
	# entry for the compiled module to look up (see policies/README.md).
	input.operation in {"group.create", "group.update", "secret.delete", "manifest.migrate"}
}
