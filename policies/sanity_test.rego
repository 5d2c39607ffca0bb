package tfy.secrets.sanity_test

import data.tfy.secrets.fixtures_test as fx
import data.tfy.secrets.sanity

test_empty_key_denied if {
	inp := fx.with_changes("group.create", fx.gsm, [{"key": "", "action": "add", "source": "env", "length": 3}])
	msgs := sanity.deny with input as inp
	count(msgs) == 1
	some msg in msgs
	contains(msg, "empty key")
}

test_duplicate_key_denied_once if {
	inp := fx.with_changes("group.update", fx.gsm, [
		{"key": "A", "action": "add", "source": "env", "length": 3},
		{"key": "A", "action": "add", "source": "file", "length": 3},
		{"key": "A", "action": "rotate", "source": "stdin", "length": 3},
	])
	msgs := sanity.deny with input as inp
	msgs == {"key \"A\" is given more than once; give each key once"}
}

test_update_leaving_zero_keys_denied if {
	inp := fx.with_changes("group.update", fx.gsm, [
		{"key": "A", "action": "remove", "source": "", "length": 0},
		{"key": "B", "action": "remove", "source": "", "length": 0},
	])
	msgs := sanity.deny with input as inp
	count(msgs) == 1
	some msg in msgs
	contains(msg, "no secrets")
	contains(msg, "group delete")
}

test_update_keeping_one_key_allowed if {
	inp := fx.with_changes("group.update", fx.gsm, [
		{"key": "A", "action": "remove", "source": "", "length": 0},
		{"key": "B", "action": "keep", "source": "", "length": 0},
	])
	count(sanity.deny) == 0 with input as inp
}

test_create_without_keys_denied if {
	inp := fx.with_changes("group.create", fx.gsm, [])
	msgs := sanity.deny with input as inp
	count(msgs) == 1
}

test_reads_are_not_judged if {
	every op in ["group.get", "group.list", "group.delete", "secret.get"] {
		count(sanity.deny) == 0 with input as fx.with_changes(op, fx.gsm, [])
	}
}
