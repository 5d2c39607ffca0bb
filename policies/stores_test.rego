package tfy.secrets.stores_test

import data.tfy.secrets.fixtures_test as fx
import data.tfy.secrets.stores

add(key) := {"key": key, "action": "add", "source": "env", "length": 10}

deny_for(type, changes) := msgs if {
	msgs := stores.deny with input as fx.with_changes("group.create", type, changes)
		with data.stores as fx.stores
		with data.underscore_store_names as fx.underscore_store_names
}

warn_for(type, changes) := msgs if {
	msgs := stores.warn with input as fx.with_changes("group.create", type, changes)
		with data.stores as fx.stores
		with data.underscore_store_names as fx.underscore_store_names
}

test_azure_underscore_suggests_hyphen_and_names_stores if {
	msgs := deny_for(fx.azure, [add("DB_PASSWORD")])
	count(msgs) == 1
	some msg in msgs
	contains(msg, "\"DB-PASSWORD\"")
	contains(msg, "Azure Key Vault")
	contains(msg, "AWS Parameter Store, AWS Secrets Manager, GCP Secret Manager")
}

test_azure_other_chars_cite_the_rule if {
	msgs := deny_for(fx.azure, [add("DB.PASSWORD")])
	count(msgs) == 1
	some msg in msgs
	contains(msg, "^[0-9A-Za-z-]{1,127}$")
	not contains(msg, "use \"")
}

test_azure_underscore_and_dot_no_suggestion if {
	msgs := deny_for(fx.azure, [add("DB_PASS.WORD")])
	count(msgs) == 1
	some msg in msgs
	contains(msg, "must match")
}

test_valid_keys_per_store if {
	count(deny_for(fx.azure, [add("DB-PASSWORD"), add("x1")])) == 0
	count(deny_for(fx.gsm, [add("DB_PASSWORD"), add("db-password")])) == 0
	count(deny_for(fx.secrets_manager, [add("path/to/key+1=a.b@c_d-e")])) == 0
	count(deny_for(fx.parameter_store, [add("a.b_c-d")])) == 0
}

test_invalid_keys_per_store if {
	count(deny_for(fx.gsm, [add("a.b")])) == 1
	count(deny_for(fx.secrets_manager, [add("a b")])) == 1
	count(deny_for(fx.parameter_store, [add("a/b")])) == 1
	count(deny_for(fx.azure, [add("ключ")])) == 1
}

test_key_length_limits if {
	long := concat("", [x | some _ in numbers.range(1, 128); x := "a"])
	msgs := deny_for(fx.azure, [add(long)])
	count(msgs) == 1
	some msg in msgs
	contains(msg, "has 128 characters")
	count(deny_for(fx.gsm, [add(long)])) == 0
}

test_rotate_does_not_rejudge_name if {
	count(deny_for(fx.azure, [{"key": "OLD_NAME", "action": "rotate", "source": "env", "length": 5}])) == 0
}

test_value_size_limits if {
	big := {"key": "BIG", "action": "rotate", "source": "file", "length": 25601}
	msgs := deny_for(fx.azure, [big])
	count(msgs) == 1
	some msg in msgs
	contains(msg, "25601 bytes")
	contains(msg, "at most 25600")
	count(deny_for(fx.gsm, [big])) == 0
	count(deny_for(fx.parameter_store, [object.union(big, {"length": 4097})])) == 1
	count(deny_for(fx.parameter_store, [object.union(big, {"length": 4096})])) == 0
}

test_unknown_store_warns_and_denies_nothing if {
	type := "integration/secret-store/hashicorp/vault"
	changes := [add("any thing_at.all"), {"key": "BIG", "action": "add", "source": "env", "length": 999999999}]
	count(deny_for(type, changes)) == 0
	msgs := warn_for(type, changes)
	count(msgs) == 1
	some msg in msgs
	contains(msg, "hashicorp/vault")
	contains(msg, "unknown")
}

test_no_store_data_warns if {
	msgs := stores.warn with input as fx.with_changes("group.create", fx.azure, [add("A_B")])
	count(msgs) == 1
}

test_reads_do_not_warn if {
	count(warn_for("integration/secret-store/hashicorp/vault", [])) == 0
}

# The native form (trim against key_chars, count against key_min/key_max)
# must accept exactly what each store's key_pattern accepts. Patterns end in
# a {min,max} repeat that RE2 refuses above 1000 (AWS Parameter Store allows
# 1011), so the pattern is checked as its character class repeated (+) plus
# the bounds, after asserting it has exactly that shape.
samples := [
	"a", "A", "0", "-", "_", ".", "/", "+", "=", "@", " ", "a b", "DB_PASSWORD", "DB-PASSWORD",
	"db.password", "path/to/key", "key+1=2@x", "ключ", "tab\tkey", "emoji😀", "", "x-y_z.w",
	concat("", [x | some _ in numbers.range(1, 127); x := "a"]),
	concat("", [x | some _ in numbers.range(1, 128); x := "b"]),
	concat("", [x | some _ in numbers.range(1, 255); x := "c"]),
	concat("", [x | some _ in numbers.range(1, 256); x := "d"]),
]

native(key, type) := false if {
	stores.key_denial(key, stores.leftover(key)) with input as fx.with_changes("group.create", type, [])
		with data.stores as fx.stores
		with data.underscore_store_names as fx.underscore_store_names
} else := true

bounds(store) := concat("", ["{", format_int(store.key_min, 10), ",", format_int(store.key_max, 10), "}$"])

pattern_form(key, store) := true if {
	regex.match(replace(store.key_pattern, bounds(store), "+$"), key)
	count(key) >= store.key_min
	count(key) <= store.key_max
} else := false

test_patterns_end_in_their_bounds if {
	every store in fx.stores {
		endswith(store.key_pattern, bounds(store))
	}
}

test_native_form_agrees_with_pattern if {
	every type, store in fx.stores {
		every key in samples {
			native(key, type) == pattern_form(key, store)
		}
	}
}
