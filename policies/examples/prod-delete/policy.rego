# Organisation policy: deleting anything from a production group (named
# prod-*) needs the group name typed back, even when the caller passed --yes.
# The defaults already ask that for group deletes; this adds single-secret
# deletes, where one slip takes down a production deployment just the same.
package tfy.secrets

production if startswith(input.group.name, "prod-")

deletes := {"group.delete", "secret.delete"}

default confirm := "none"

confirm := "typed" if {
	production
	input.operation in deletes
}

decision := {"confirm": confirm}
