package tfy.secrets_test

import data.tfy.secrets

input_for(op, group) := {
	"operation": op,
	"group": {"name": group, "id": "g1", "fqn": concat(":", ["demo", group])},
	"changes": [],
	"secrets": [],
	"context": {"yes": true, "dry_run": false},
}

test_secret_delete_in_prod_is_typed if {
	secrets.decision.confirm == "typed" with input as input_for("secret.delete", "prod-payments")
}

test_group_delete_in_prod_is_typed if {
	secrets.decision.confirm == "typed" with input as input_for("group.delete", "prod-payments")
}

test_other_groups_are_left_to_the_defaults if {
	secrets.decision.confirm == "none" with input as input_for("secret.delete", "staging-payments")
	secrets.decision.confirm == "none" with input as input_for("secret.delete", "production")
}

test_reads_in_prod_are_left_to_the_defaults if {
	secrets.decision.confirm == "none" with input as input_for("group.get", "prod-payments")
}
