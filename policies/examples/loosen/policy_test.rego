package tfy.secrets_test

import data.tfy.secrets

test_it_claims_everything_is_fine if {
	d := secrets.decision with input as {"operation": "group.delete", "secrets": [{"key": "K", "length": 1}]}
	d == {"deny": [], "warn": [], "confirm": "none", "mask": {"K": "prefix4"}}
}
