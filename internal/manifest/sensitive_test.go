package manifest

import (
	"strings"
	"testing"
)

// Test values are built from pieces so that no token-shaped literal sits in
// the source for a scanner to mistake for a leak.
var (
	fakeAWSKeyID  = "AKIA" + "IOSFODNN7EXAMPLE"
	fakeAWSSecret = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
	fakeJWT       = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiJhcHAiLCJ0ZW5hbnROYW1lIjoiYWNtZSJ9." + "c2lnbmF0dXJl"
	fakePEM       = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAFAKE\n-----END RSA PRIVATE KEY-----\n"
)

func TestAssessFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, value, reason string
		whole               bool
	}{
		// By name.
		{"DB_PASSWORD", "hunter2", "name matches PASSWORD", true},
		{"postgresPassword", "x9f!kq", "name matches PASSWORD", true},
		{"REDIS_PASSWD", "r3d1s", "name matches PASSWD", true},
		{"GPG_PASSPHRASE", "correct horse battery staple", "name matches PASSPHRASE", true},
		{"DB_PASS", "s3cr3t", "name matches PASS", true},
		{"MYSQL_PWD", "abc123", "name matches PWD", true},
		{"CLIENT_SECRET", "abcdef", "name matches SECRET", true},
		{"JWT_SECRET_KEY", "change-me-please", "name matches SECRET", true},
		{"HF_TOKEN", "my-token", "name matches TOKEN", true},
		{"accessToken", "opaque", "name matches TOKEN", true},
		{"OPENAI_API_KEY", "my-key-here", "name matches API_KEY", true},
		{"ENCRYPTION_KEY", "0123456789abcdef", "name matches KEY", true},
		{"GOOGLE_APPLICATION_CREDENTIALS_JSON", `{"type": "service_account"}`, "name matches CREDENTIAL", true},
		{"AWS_CREDS", "opaque", "name matches CREDENTIAL", true},
		{"SENTRY_DSN", "https://public@sentry.acme.internal/4", "name matches DSN", true},
		{"SSH_PRIVATE", "opaque", "name matches PRIVATE", true},
		{"BASIC_AUTH", "user:pass", "name matches AUTH", true},
		{"AUTHORIZATION", "Bearer opaque", "name matches AUTH", true},
		{"SESSION_COOKIE", "opaque", "name matches COOKIE", true},
		{"REQUEST_SIGNING_KEY", "opaque", "name matches SIGNING", true},
		{"TEAMS_WEBHOOK_URL", "https://acme.webhook.office.com/webhookb2/abc", "name matches WEBHOOK", true},
		{"PASSWORD_SALT", "opaque", "name matches PASSWORD", true},
		// By shape, whatever the name.
		{"DATABASE_URL", "postgres://app:s3cr3t@db.internal:5432/app", "postgres URL with password", true},
		{"MONGO_URI", "mongodb+srv://app:s3cr3t@cluster0.example.net/app?retryWrites=true", "mongodb+srv URL with password", true},
		{"REDIS_URL", "redis://:s3cr3t@redis:6379/0", "redis URL with password", true},
		{"BROKER", "amqp://guest:guest@rabbit:5672/", "amqp URL with password", true},
		{"JDBC_ARGS", "--url postgres://app:s3cr3t@db/app --pool 5", "postgres URL with password inside a longer value", false},
		{"S3_ACCESS_KEY_ID", fakeAWSKeyID, "AWS access key id", true},
		{"", "ASIA" + "IOSFODNN7EXAMPLE", "AWS access key id", true},
		{"", "key=" + fakeAWSKeyID, "AWS access key id inside a longer value", false},
		{"MLFOUNDRY_API_KEY", fakeJWT, "JWT", true},
		{"HEADERS", "Authorization: Bearer " + fakeJWT, "JWT inside a longer value", false},
		{"TLS_KEY", fakePEM, "PEM private key", true},
		{"", "-----BEGIN OPENSSH PRIVATE KEY-----", "PEM private key", true},
		{"", "-----BEGIN PGP PRIVATE KEY BLOCK-----", "PEM private key", true},
		{"", "-----BEGIN ENCRYPTED PRIVATE KEY-----", "PEM private key", true},
		{"config", "[tls]\nkey = " + fakePEM, "PEM private key inside a longer value", false},
		{"STRIPE", "sk_live_" + "FAKEfakeFAKEfake0000", "Stripe live key prefix", true},
		{"", "rk_live_" + "FAKEfakeFAKEfake0000", "Stripe restricted key prefix", true},
		{"", "sk_test_" + "FAKEfakeFAKEfake0000", "Stripe test key prefix", true},
		{"", "whsec_" + "FAKEfakeFAKEfake0000", "Stripe webhook secret prefix", true},
		{"", "sk-ant-api03-" + "FAKEfakeFAKEfakeFAKEfake", "Anthropic key prefix", true},
		{"", "sk-proj-" + "FAKEfakeFAKEfakeFAKEfake", "OpenAI-style sk- key prefix", true},
		{"", "ghp_" + "FAKEfakeFAKEfakeFAKEfakeFAKEfake0000", "GitHub token prefix", true},
		{"", "github_pat_" + "11FAKEfakeFAKEfakeFAKE_fakeFAKEfake", "GitHub fine-grained token prefix", true},
		{"", "glpat-" + "FAKEfakeFAKEfake1234", "GitLab token prefix", true},
		{"", "xoxb-" + "123456789012-FAKEfake", "Slack token prefix", true},
		{"", "AIza" + "SyFAKEfakeFAKEfakeFAKEfakeFAKEfake0", "Google API key prefix", true},
		{"", "hf_" + "FAKEfakeFAKEfakeFAKEfakeFAKEfake00", "Hugging Face token prefix", true},
		{"", "npm_" + "FAKEfakeFAKEfakeFAKEfakeFAKEfake0000", "npm token prefix", true},
		{"NOTIFY", "https://hooks.slack.com/services/" + "T00000000/B00000000/FAKEfakeFAKE", "Slack webhook URL", true},
		{"ERRORS", "https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/4504", "Sentry DSN", true},
		{"AWS_SECRET", fakeAWSSecret, "high-entropy string", true},
		{"X", "Zk9x2Lq7Wm4Rt8Yp3Vn6Bc1Hs5Jd0Gf", "high-entropy string", true},
		{"JAVA_OPTS", "-Xmx1g -Dspring.datasource.password=s3cr3t -Dx=1", "password-like setting inside a longer value", false},
		{"data", "[client]\nuser = app\npassword = s3cr3t\n", "password-like setting inside a longer value", false},
		{"CALLBACK", "https://api.acme.example.com/cb?token=abcdef123", "password-like setting inside a longer value", false},
	}
	for _, c := range cases {
		got := Assess(c.name, c.value)
		if got.Reason != c.reason || got.Whole != c.whole {
			t.Errorf("Assess(%q, …) = %q whole=%v, want %q whole=%v", c.name, got.Reason, got.Whole, c.reason, c.whole)
		}
		if strings.Contains(got.Reason, strings.TrimSpace(c.value)) {
			t.Errorf("the reason %q repeats the value", got.Reason)
		}
	}
}

func TestAssessLeavesAlone(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, value string }{
		{"AWS_ACCESS_KEY_ID", "FAKEKEYID1234"},
		{"CLIENT_ID", "payments-api"},
		{"PUBLIC_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKE"},
		{"NEXT_PUBLIC_STRIPE_KEY", "pk_live_" + "FAKEfakeFAKEfake0000"},
		{"STRIPE_PUBLISHABLE_KEY", "pk_test_" + "FAKEfakeFAKEfake0000"},
		{"existingSecret", "payments-db-auth"},
		{"AWS_REGION", "us-east-1"},
		{"GCP_REGION", "europe-west4"},
		{"ZONE", "us-central1-a"},
		{"GOVCLOUD", "us-gov-west-1"},
		{"DB_HOST", "db.internal.acme.example.com"},
		{"SECRET_HOST", "vault.acme.example.com:8200"},
		{"PORT", "8080"},
		{"MAX_TOKENS", "4096"},
		{"MAX_NEW_TOKENS", "512"},
		{"TOKEN_TTL", "3600"},
		{"SECRET_ROTATION_DAYS", "30"},
		{"TOKEN_TIMEOUT", "30s"},
		{"TOKENIZERS_PARALLELISM", "false"},
		{"TOKENIZER_NAME", "bert-base-uncased"},
		{"AUTH_ENABLED", "true"},
		{"AUTH_MODE", "oidc"},
		{"AUTHOR", "Jane Doe"},
		{"DEBUG", "yes"},
		{"SECRET_NAME", "db-creds"},
		{"PASSWORD_FILE", "/run/secrets/db-password"},
		{"TOKEN_URL", "https://auth.acme.example.com/oauth/token"},
		{"SECRET_KEY_PATH", "./keys/app.pem"},
		{"SECRET_BUCKET", "acme-secrets"},
		{"AWS_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"},
		{"API_KEY", ""},
		{"API_KEY", "   "},
		{"API_KEY", "${OPENAI_API_KEY}"},
		{"DB_PASSWORD", "$(DB_PASSWORD)"},
		{"DB_PASSWORD", "<your-password>"},
		{"DB_PASSWORD", "{{ .Values.password }}"},
		{"DB_PASSWORD", "xxxxxxxx"},
		{"DB_PASSWORD", "********"},
		{"DB_PASSWORD", "null"},
		{"DB_PASSWORD", "tfy-secret://acme:payments:DB_PASSWORD"},
		{"DB_PASSWORD", "TFY-SECRET://acme:payments:DB_PASSWORD"},
		{"DATABASE_URL", "postgres://db.internal:5432/app"},
		{"DATABASE_URL", "postgres://app@db.internal:5432/app"},
		{"DATABASE_URL", "postgres://app:${DB_PASSWORD}@db.internal:5432/app"},
		{"GIT_SHA", "3f7c2a9e8b1d4c6f0a5e7b9d2c4f6a8e0b1d3c5f"},
		{"IMAGE_DIGEST", "sha256:9b2a1f0c7d3e5b8a6c4d2e0f1a3b5c7d9e8f6a4b2c0d1e3f5a7b9c8d6e4f2a0b"},
		{"IMAGE", "registry.acme.example.com/payments/api:2024.06.1"},
		{"MODEL", "meta-llama/Llama-3.1-8B-Instruct"},
		{"MODEL_ID", "mistralai/Mistral-7B-Instruct-v0.3"},
		{"HF_MODEL", "sentence-transformers/all-MiniLM-L6-v2"},
		{"REQUEST_ID", "550e8400-e29b-41d4-a716-446655440000"},
		{"KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"},
		{"LOG_LEVEL", "info"},
		{"CERTIFICATE", "-----BEGIN CERTIFICATE-----\nMIIFAKE\n-----END CERTIFICATE-----"},
		{"GREETING", "hello world"},
		{"JAVA_OPTS", "-Xmx512m -Ddb.user=payments -Dcache.ttl=60"},
		{"JAVA_OPTS", "-Dspring.datasource.password=${DB_PASSWORD}"},
		{"SHORT_B64", "SGVsbG8gd29ybGQ="},
	}
	for _, c := range cases {
		if got := Assess(c.name, c.value); got.Flagged() {
			t.Errorf("Assess(%q, %q) = %q, want nothing", c.name, c.value, got.Reason)
		}
	}
}

func TestNameWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"DB_PASSWORD":      "DB PASSWORD",
		"postgresPassword": "POSTGRES PASSWORD",
		"aws.secret-key":   "AWS SECRET KEY",
		"S3Key":            "S3 KEY",
		"HTTPServerToken":  "HTTPSERVER TOKEN",
		"":                 "",
	} {
		if got := strings.Join(nameWords(in), " "); got != want {
			t.Errorf("nameWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAssessAcross covers the heuristics that compare values within a file.
func TestAssessAcross(t *testing.T) {
	t.Parallel()
	src := `name: api
type: service
env:
  DB_PASSWORD: s3cr3t-Pass
  JAVA_OPTS: -Dfoo=bar -Ddb s3cr3t-Pass
  AWS_ACCESS_KEY_ID: FAKEKEYID12
  AWS_SECRET_ACCESS_KEY: abc-def-ghi
  PIN: abc
  GREETING: abc and more
---
name: worker
type: job
env:
  CONNECTION: host=db password-less s3cr3t-Pass
  OTHER_ACCESS_KEY_ID: FAKEKEYID34
`
	f, err := Read([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Assessment{
		"0 env.DB_PASSWORD":           {"name matches PASSWORD", true},
		"0 env.JAVA_OPTS":             {"repeats the credential at env.DB_PASSWORD", false},
		"0 env.AWS_ACCESS_KEY_ID":     {"access key id next to the flagged secret at env.AWS_SECRET_ACCESS_KEY", true},
		"0 env.AWS_SECRET_ACCESS_KEY": {"name matches SECRET", true},
		"0 env.PIN":                   {},
		"0 env.GREETING":              {},
		"1 env.CONNECTION":            {"repeats the credential at env.DB_PASSWORD of document 0", false},
		"1 env.OTHER_ACCESS_KEY_ID":   {},
	}
	for _, l := range f.Locations {
		k := strings.Join([]string{string(rune('0' + l.Document)), l.Path.String()}, " ")
		if l.Plaintext != want[k] {
			t.Errorf("%s: %+v, want %+v", k, l.Plaintext, want[k])
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("not reported: %v", want)
	}
}
