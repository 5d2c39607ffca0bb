# Store rules: each secret store limits key names and value sizes. The rules
# are data (data.stores, keyed by integration type, supplied by the provider
# modules), not code, so a new store needs no policy change. Key characters
# are checked with trim_left against the store's list of allowed characters rather
# than regex.match: OPA's WebAssembly runtime recompiles a regular expression
# on every evaluation. The tests check that this form agrees with each
# store's key_pattern.
package tfy.secrets.stores

store := data.stores[input.integration.type]

# Helpers take plain strings and read the store's rules through `store`
# rather than taking the rules object as an argument. trim_left removes
# allowed characters from the start of a key, so whatever is left over
# starts with a character the store refuses. Only whether anything is left
# matters, so the right end is not trimmed (as trim would).
leftover(key) := trim_left(key, store.key_chars)

length_ok(key) if {
	n := count(key)
	n >= store.key_min
	n <= store.key_max
}

# Changes that send a value. A set lookup, not a two-body function: the
# compiled module evaluates every body of a function on every call.
value_actions := {"add", "rotate"}

quote(s) := concat("", ["\"", s, "\""])

# Only keys being created are judged: a rotated key already exists in the
# store, so its name was accepted once.
deny contains msg if {
	some change in input.changes
	change.action == "add"
	key := change.key
	is_string(key)
	key != ""
	msg := key_denial(key, leftover(key))
}

# A store that refuses underscores gets the hyphenated key suggested, and the
# stores that would take the key as it is are named. Their list depends on
# the store rules only, so the engine computes it once, with the data
# document (data.underscore_store_names: the sorted names of the stores whose
# underscore_ok is true, joined by ", "), rather than every evaluation.
#
# The suggestion is checked here rather than in a helper (one call fewer per
# refused key). A key whose refused part (rest, from its first refused
# character) has no "_" cannot be fixed by replacing "_": that character
# stays. Replacing "_" by "-" keeps the key's length, so the key's own length
# is checked. FuzzDifferential and the differential tests compare this with
# OPA's evaluation, invalid UTF-8 included.
key_denial(key, rest) := msg if {
	rest != ""
	s := store
	s.underscore_ok == false
	contains(rest, "_")
	suggestion := replace(key, "_", "-")
	trim_left(suggestion, s.key_chars) == ""
	length_ok(key)
	msg := concat("", [
		"key \"", key, "\" is not a valid ", s.name, " secret name (underscores are not allowed); ",
		"use \"", suggestion, "\", or a group on a store that accepts underscores: ",
		data.underscore_store_names,
	])
} else := msg if {
	rest != ""
	msg := concat("", [
		"key ", quote(key), " is not a valid ", store.name, " secret name; ",
		"names must match ", store.key_pattern,
	])
} else := msg if {
	not length_ok(key)
	msg := concat("", [
		"key ", quote(key), " has ", format_int(count(key), 10), " characters; ",
		store.name, " accepts ", format_int(store.key_min, 10), " to ", format_int(store.key_max, 10),
	])
}

# The length is tested first: the engine leaves out lengths no store's
# limit could refuse, so it is absent from almost every change.
deny contains msg if {
	some change in input.changes
	is_number(change.length)
	value_actions[change.action]
	change.length > store.max_value_bytes
	msg := concat("", [
		"value for key ", quote(change.key), " is ", format_int(change.length, 10), " bytes; ",
		store.name, " accepts at most ", format_int(store.max_value_bytes, 10),
	])
}

sends_values if {
	some change in input.changes
	value_actions[change.action]
}

# The store is looked up once per evaluation anyway, so it is tested first:
# with known rules (every decision but a misconfigured one) the changes are
# not scanned.
warn contains msg if {
	not store
	sends_values
	msg := concat("", [
		"the key-name and value-size rules of store ", quote(input.integration.type),
		" are unknown; the store may still refuse a key or value",
	])
}
