# Shared inputs for the default policies' tests. stores mirrors
# testdata/stores.json (a Go test keeps the two equal), so the Rego tests
# and the Go tests judge the same store rules.
package tfy.secrets.fixtures_test

stores := {
	"integration/secret-store/aws/parameter-store": {
		"name": "AWS Parameter Store",
		"key_chars": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.-",
		"key_min": 1,
		"key_max": 1011,
		"key_pattern": "^[A-Za-z0-9_.-]{1,1011}$",
		"max_value_bytes": 4096,
		"underscore_ok": true
	},
	"integration/secret-store/aws/secrets-manager": {
		"name": "AWS Secrets Manager",
		"key_chars": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/_+=.@-",
		"key_min": 1,
		"key_max": 512,
		"key_pattern": "^[A-Za-z0-9/_+=.@-]{1,512}$",
		"max_value_bytes": 65536,
		"underscore_ok": true
	},
	"integration/secret-store/azure/vault": {
		"name": "Azure Key Vault",
		"key_chars": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-",
		"key_min": 1,
		"key_max": 127,
		"key_pattern": "^[0-9A-Za-z-]{1,127}$",
		"max_value_bytes": 25600,
		"underscore_ok": false
	},
	"integration/secret-store/gcp/gsm": {
		"name": "GCP Secret Manager",
		"key_chars": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-",
		"key_min": 1,
		"key_max": 255,
		"key_pattern": "^[A-Za-z0-9_-]{1,255}$",
		"max_value_bytes": 65536,
		"underscore_ok": true
	}
}

# underscore_store_names is the data the engine derives from stores
# (policies/internal/lean), written here as the rule it replaces.
underscore_store_names := concat(", ", sort([s.name | some s in stores; s.underscore_ok == true]))

# base_input is a policy input as the plugin builds it: every field present.
base_input := {
	"operation": "group.update",
	"tenant": "demo",
	"group": {"name": "my-app-secrets", "id": "g1", "fqn": "demo:my-app-secrets"},
	"integration": {"id": "i1", "fqn": "demo:azure:vault", "type": "integration/secret-store/azure/vault", "provider": "azure"},
	"changes": [],
	"secrets": [],
	"context": {
		"client": "cli", "interactive": true, "yes": false, "confirm_name": "",
		"dry_run": false, "ci": false, "show_prefix": false,
	},
}

with_changes(op, type, changes) := object.union(base_input, {
	"operation": op,
	"integration": object.union(base_input.integration, {"type": type}),
	"changes": changes,
})

azure := "integration/secret-store/azure/vault"

gsm := "integration/secret-store/gcp/gsm"

secrets_manager := "integration/secret-store/aws/secrets-manager"

parameter_store := "integration/secret-store/aws/parameter-store"
