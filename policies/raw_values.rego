# Raw-value rejection. A value typed on the command line (KEY=VALUE) or sent
# inline by an agent ends up in shell history, process listings and agent
# transcripts, so it is refused. The input never holds the value itself; the
# message names only the key and shows the safe way to pass it.
package tfy.secrets.raw_values

deny contains msg if {
	some change in input.changes
	change.source == "literal"
	msg := concat("", [
		"key \"", change.key, "\": a value typed inline is refused; ",
		"run `export ", change.key, "=...` and pass --from-env ", change.key, " instead",
	])
}
