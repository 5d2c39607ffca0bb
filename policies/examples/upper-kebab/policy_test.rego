package tfy.secrets_test

import data.tfy.secrets

add(key) := {"operation": "group.create", "changes": [{"key": key, "action": "add", "source": "env", "length": 8}]}

test_upper_kebab_keys_pass if {
	every key in ["DB-PASSWORD", "API-KEY-2", "X"] {
		secrets.decision.deny == [] with input as add(key)
	}
}

test_other_spellings_are_denied_with_a_suggestion if {
	d := secrets.decision with input as add("db_password")
	count(d.deny) == 1
	contains(d.deny[0], "\"DB-PASSWORD\"")
}

test_malformed_kebab_denied if {
	every key in ["-A", "A-", "A--B", "a-b", "A.B", "A B"] {
		count(secrets.decision.deny) == 1 with input as add(key)
	}
}

test_existing_keys_are_not_rejudged if {
	inp := {"operation": "group.update", "changes": [{"key": "old_key", "action": "rotate", "source": "env", "length": 8}]}
	secrets.decision.deny == [] with input as inp
}
