# Sanity of a change set, independent of the store: every key has a name, no
# key is given twice (which value would win is not obvious), and no update
# leaves a group empty (the API would refuse it, and the user most likely
# meant to delete the group).
package tfy.secrets.sanity

deny contains "a change has an empty key name; every secret needs a key" if {
	some change in input.changes
	change.key == ""
}

# Most changes repeat no key, which a set's size shows cheaply; only then
# are the keys sorted so repeats sit side by side (comparing every pair would
# be quadratic in a thousand-key update). repeats is only a shortcut: a
# change without a key makes it true, and the sorted keys then show no
# repeat, so it needs no array of the keys in the common case.
repeats if count({change.key | some change in input.changes}) < count(input.changes)

sorted_keys := sort([change.key | some change in input.changes]) if repeats

deny contains msg if {
	repeats
	some i, key in sorted_keys
	i > 0
	sorted_keys[i - 1] == key
	key != ""
	msg := concat("", ["key \"", key, "\" is given more than once; give each key once"])
}

# The first change usually keeps its key, which settles it without a scan
# (the compiled module scans every change otherwise; it has no early exit).
keeps_a_key := true if {
	input.changes[0].action != "remove"
} else := true if {
	some change in input.changes
	change.action != "remove"
}

deny contains "this update would leave the group with no secrets; delete the group instead (tfy-secrets group delete GROUP)" if {
	input.operation == "group.update"
	not keeps_a_key
}

deny contains "a new group needs at least one secret; pass one with --from-env, --from-file, --from-dotenv or --prompt" if {
	input.operation == "group.create"
	not keeps_a_key
}
