# Organisation policy: new keys are UPPER-KEBAB-CASE (DB-PASSWORD) on every
# store, so one spelling works on Azure Key Vault (no underscores) and on the
# stores that allow more, and a group can move between stores unchanged.
package tfy.secrets

allowed := "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

upper_kebab(key) if {
	trim(key, allowed) == ""
	not startswith(key, "-")
	not endswith(key, "-")
	not contains(key, "--")
}

suggestion(key) := trim(upper(replace(replace(replace(key, "_", "-"), ".", "-"), "/", "-")), "-")

deny contains msg if {
	some change in input.changes
	change.action == "add"
	change.key != ""
	not upper_kebab(change.key)
	msg := concat("", [
		"key \"", change.key, "\" is not UPPER-KEBAB-CASE (this organisation's rule on every store); ",
		"try \"", suggestion(change.key), "\"",
	])
}

decision := {"deny": sort(deny)}
