# Masking: how each secret is displayed. "set" shows (set); "prefix4" shows
# the first four characters then ***. A prefix is shown only when the user
# asked for it (--show-prefix) and the value is long enough (16 bytes or more)
# that four characters do not give most of it away.
package tfy.secrets.masking

min_prefix_length := 16

# Without --show-prefix (the common case) every key is (set). With it, when
# every listing is long enough (the common case again) every key gets a
# prefix, found by counting the long listings; only otherwise is each key
# judged by level. The bound is min_prefix_length written out and bound
# once, outside the loop (see policies/README.md).
mask := {s.key: "set" | some s in input.secrets} if {
	input.context.show_prefix != true
} else := {s.key: "prefix4" | some s in input.secrets} if {
	bound := 16
	count([s | some s in input.secrets; n := s.length; is_number(n); n >= bound]) == count(input.secrets)
} else := {s.key: level(s.key) | some s in input.secrets}

# A key listed twice gets a prefix only if every listing qualifies, so a
# malformed input can never loosen the mask. The negation goes through the
# helper long_enough, never inline (not is_number(s.length)): the engine
# may leave a secret's length out of its input, and on an absent field the
# compiled module and OPA disagree on an inline negation.
short_listing contains key if {
	some s in input.secrets
	key := s.key
	not long_enough(s)
}

long_enough(s) if {
	is_number(s.length)
	s.length >= min_prefix_length
}

level(key) := "set" if short_listing[key]

else := "prefix4"
