# Confirmation: what a user must do before a mutation runs. Reads and dry
# runs change nothing and need nothing; creates, updates, single-secret
# deletes and migrations need a yes (a TTY answer or --yes); deleting a whole
# group is the one operation that destroys many secrets at once, so it needs
# the group name typed back.
package tfy.secrets.confirmation

needs_yes := {"group.create", "group.update", "secret.delete", "manifest.migrate"}

default confirm := "none"

confirm := "none" if {
	input.context.dry_run == true
} else := "typed" if {
	input.operation == "group.delete"
} else := "yes" if {
	input.operation in needs_yes
}
