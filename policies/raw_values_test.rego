package tfy.secrets.raw_values_test

import data.tfy.secrets.fixtures_test as fx
import data.tfy.secrets.raw_values

test_literal_denied_naming_key_and_fix if {
	inp := fx.with_changes("group.create", fx.azure, [{"key": "DB-PASSWORD", "action": "add", "source": "literal", "length": 24}])
	msgs := raw_values.deny with input as inp
	count(msgs) == 1
	some msg in msgs
	contains(msg, "\"DB-PASSWORD\"")
	contains(msg, "export DB-PASSWORD=...")
	contains(msg, "--from-env DB-PASSWORD")
}

test_every_literal_reported_once if {
	inp := fx.with_changes("group.update", fx.gsm, [
		{"key": "A", "action": "add", "source": "literal", "length": 3},
		{"key": "B", "action": "rotate", "source": "literal", "length": 3},
		{"key": "C", "action": "add", "source": "env", "length": 3},
	])
	msgs := raw_values.deny with input as inp
	count(msgs) == 2
}

test_indirect_sources_allowed if {
	every source in ["env", "file", "stdin", "prompt", "dotenv", "manifest"] {
		inp := fx.with_changes("group.create", fx.gsm, [{"key": "K", "action": "add", "source": source, "length": 5}])
		count(raw_values.deny) == 0 with input as inp
	}
}

test_no_changes_no_denial if {
	count(raw_values.deny) == 0 with input as fx.base_input
}
