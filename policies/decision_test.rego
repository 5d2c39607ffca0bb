package tfy.secrets.decision_test

import data.tfy.secrets
import data.tfy.secrets.fixtures_test as fx

test_decision_shape_for_a_read if {
	inp := object.union(fx.base_input, {"operation": "group.get", "secrets": [{"key": "K", "id": "s", "length": 3}]})
	d := secrets.decision with input as inp with data.stores as fx.stores
		with data.underscore_store_names as fx.underscore_store_names
	d == {"deny": [], "warn": [], "confirm": "none", "mask": {"K": "set"}}
}

test_denials_from_every_concern_sorted if {
	inp := fx.with_changes("group.create", fx.azure, [
		{"key": "Z_KEY", "action": "add", "source": "env", "length": 3},
		{"key": "A", "action": "add", "source": "literal", "length": 3},
		{"key": "", "action": "add", "source": "env", "length": 3},
	])
	d := secrets.decision with input as inp with data.stores as fx.stores
		with data.underscore_store_names as fx.underscore_store_names
	count(d.deny) == 3
	d.deny == sort(d.deny)
	d.confirm == "yes"
	d.warn == []
}

test_warnings_are_an_array if {
	inp := fx.with_changes("group.update", "integration/secret-store/custom/thing", [{"key": "A", "action": "add", "source": "env", "length": 3}])
	d := secrets.decision with input as inp with data.stores as fx.stores
		with data.underscore_store_names as fx.underscore_store_names
	d.deny == []
	count(d.warn) == 1
	is_array(d.warn)
}
