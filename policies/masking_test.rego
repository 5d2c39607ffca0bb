package tfy.secrets.masking_test

import data.tfy.secrets.fixtures_test as fx
import data.tfy.secrets.masking

secrets_input(show, secrets) := object.union(fx.base_input, {
	"operation": "group.get",
	"secrets": secrets,
	"context": object.union(fx.base_input.context, {"show_prefix": show}),
})

test_set_by_default if {
	inp := secrets_input(false, [{"key": "LONG", "id": "s1", "length": 64}, {"key": "SHORT", "id": "s2", "length": 4}])
	masking.mask == {"LONG": "set", "SHORT": "set"} with input as inp
}

test_prefix_only_when_asked_and_long if {
	inp := secrets_input(true, [
		{"key": "LONG", "id": "s1", "length": 64},
		{"key": "EDGE", "id": "s2", "length": 16},
		{"key": "BELOW", "id": "s3", "length": 15},
		{"key": "EMPTY", "id": "s4", "length": 0},
	])
	masking.mask == {"LONG": "prefix4", "EDGE": "prefix4", "BELOW": "set", "EMPTY": "set"} with input as inp
}

test_duplicate_listing_takes_the_stricter if {
	inp := secrets_input(true, [{"key": "K", "id": "s1", "length": 64}, {"key": "K", "id": "s2", "length": 3}])
	masking.mask == {"K": "set"} with input as inp
}

test_non_number_length_is_set if {
	inp := secrets_input(true, [{"key": "K", "id": "s1", "length": "99"}])
	masking.mask == {"K": "set"} with input as inp
}

test_no_secrets_empty_mask if {
	masking.mask == {} with input as fx.base_input
}
