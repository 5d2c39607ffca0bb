# Sanity of a change set, independent of the store: every key has a name, no
# key is given twice (which value would win is not obvious), and no update
# leaves a group empty (the API would refuse it, and the user most likely
# meant to delete the group).
package tfy.secrets.sanity

deny contains "a change has an empty key name; every secret needs a key" if {
	some change in input.changes
	change.key == ""
}

# Sorting puts repeated keys side by side, which keeps this linear-ish for
# updates of a thousand keys where comparing every pair would not be.
sorted_keys := sort([change.key | some change in input.changes])

deny contains msg if {
	some i, key in sorted_keys
	i > 0
	sorted_keys[i - 1] == key
	key != ""
	msg := concat("", ["key \"", key, "\" is given more than once; give each key once"])
}

remaining contains change.key if {
	some change in input.changes
	change.action != "remove"
}

deny contains "this update would leave the group with no secrets; delete the group instead (tfy-secrets group delete GROUP)" if {
	input.operation == "group.update"
	count(remaining) == 0
}

deny contains "a new group needs at least one secret; pass one with --from-env, --from-file, --from-dotenv or --prompt" if {
	input.operation == "group.create"
	count(remaining) == 0
}
