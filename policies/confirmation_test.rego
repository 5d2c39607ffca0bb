package tfy.secrets.confirmation_test

import data.tfy.secrets.confirmation
import data.tfy.secrets.fixtures_test as fx

op_input(op, dry) := object.union(fx.base_input, {
	"operation": op,
	"context": object.union(fx.base_input.context, {"dry_run": dry}),
})

test_yes_for_mutations if {
	every op in ["group.create", "group.update", "secret.delete", "manifest.migrate"] {
		confirmation.confirm == "yes" with input as op_input(op, false)
	}
}

test_typed_for_group_delete if {
	confirmation.confirm == "typed" with input as op_input("group.delete", false)
}

test_typed_even_with_yes_flag if {
	inp := object.union(op_input("group.delete", false), {"context": object.union(fx.base_input.context, {"yes": true})})
	confirmation.confirm == "typed" with input as inp
}

test_none_for_reads if {
	every op in ["group.list", "group.get", "secret.get", "secret.versions", "auth.login"] {
		confirmation.confirm == "none" with input as op_input(op, false)
	}
}

test_dry_runs_say_what_the_real_run_needs if {
	every op in ["group.create", "group.update", "secret.delete", "manifest.migrate"] {
		confirmation.confirm == "yes" with input as op_input(op, true)
	}
	confirmation.confirm == "typed" with input as op_input("group.delete", true)
}

test_none_without_operation if {
	confirmation.confirm == "none" with input as {}
}
