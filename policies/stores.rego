# Store rules: each secret store limits key names and value sizes. The rules
# are data (data.stores, keyed by integration type, supplied by the provider
# modules), not code, so a new store needs no policy change. Key characters
# are checked with trim against the store's list of allowed characters rather
# than regex.match: OPA's WebAssembly runtime recompiles a regular expression
# on every evaluation, which would dominate the decision time. The tests
# check that this form agrees with each store's key_pattern.
package tfy.secrets.stores

integration_type := object.get(input, ["integration", "type"], "")

store := data.stores[integration_type]

# Keys that will be created in the store. Rotated keys already exist there,
# so their names were accepted once and are not re-judged.
new_keys contains change.key if {
	some change in input.changes
	change.action == "add"
	is_string(change.key)
	change.key != ""
}

# Changes that send a value to the store.
valued contains change if {
	some change in input.changes
	change.action in {"add", "rotate"}
}

# chars_ok holds when every character of key is one the store allows: trim
# removes allowed characters from both ends, so anything left over is a
# character the store refuses.
chars_ok(key, s) if trim(key, s.key_chars) == ""

length_ok(key, s) if {
	count(key) >= s.key_min
	count(key) <= s.key_max
}

valid_key(key, s) if {
	chars_ok(key, s)
	length_ok(key, s)
}

quote(s) := concat("", ["\"", s, "\""])

underscore_stores := sort([s.name | some s in data.stores; s.underscore_ok == true])

# A store that refuses underscores gets the hyphenated key suggested, and the
# stores that would accept the key as it is are named.
deny contains msg if {
	some key in new_keys
	not chars_ok(key, store)
	store.underscore_ok == false
	contains(key, "_")
	suggestion := replace(key, "_", "-")
	valid_key(suggestion, store)
	msg := concat("", [
		"key ", quote(key), " is not a valid ", store.name, " secret name (underscores are not allowed); ",
		"use ", quote(suggestion), ", or a group on a store that accepts underscores: ",
		concat(", ", underscore_stores),
	])
}

deny contains msg if {
	some key in new_keys
	not chars_ok(key, store)
	not hyphen_fixes(key)
	msg := concat("", [
		"key ", quote(key), " is not a valid ", store.name, " secret name; ",
		"names must match ", store.key_pattern,
	])
}

hyphen_fixes(key) if {
	store.underscore_ok == false
	contains(key, "_")
	valid_key(replace(key, "_", "-"), store)
}

deny contains msg if {
	some key in new_keys
	chars_ok(key, store)
	not length_ok(key, store)
	msg := concat("", [
		"key ", quote(key), " has ", format_int(count(key), 10), " characters; ",
		store.name, " accepts ", format_int(store.key_min, 10), " to ", format_int(store.key_max, 10),
	])
}

deny contains msg if {
	some change in valued
	is_number(change.length)
	change.length > store.max_value_bytes
	msg := concat("", [
		"value for key ", quote(change.key), " is ", format_int(change.length, 10), " bytes; ",
		store.name, " accepts at most ", format_int(store.max_value_bytes, 10),
	])
}

warn contains msg if {
	count(valued) > 0
	not store
	msg := concat("", [
		"the key-name and value-size rules of store ", quote(integration_type),
		" are unknown; the store may still refuse a key or value",
	])
}
