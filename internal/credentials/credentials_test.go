package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// memKeyring is the in-memory Keyring for unit tests; the real one is
// exercised in keyring_test.go against a real Secret Service.
type memKeyring struct {
	mu      sync.Mutex
	entries map[string]secret.Value
	err     error // returned by every call when set
	calls   int
}

func (m *memKeyring) Get(_ context.Context, host string) (secret.Value, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.err != nil {
		return secret.Value{}, m.err
	}
	v, ok := m.entries[host]
	if !ok {
		return secret.Value{}, ErrNotFound
	}
	return v, nil
}

func (m *memKeyring) Store(_ context.Context, host string, key secret.Value) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.err != nil {
		return m.err
	}
	if m.entries == nil {
		m.entries = map[string]secret.Value{}
	}
	m.entries[host] = key
	return nil
}

func (m *memKeyring) Delete(_ context.Context, host string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.err != nil {
		return m.err
	}
	if _, ok := m.entries[host]; !ok {
		return ErrNotFound
	}
	delete(m.entries, host)
	return nil
}

// resolved is what a command uses: the host, then the key for it.
type resolved struct {
	Host, HostSource string
	Key              secret.Value
	KeySource        string
}

func resolve(ctx context.Context, r *Resolver, flag string) (resolved, error) {
	h, hs, err := r.Host(ctx, flag)
	if err != nil {
		return resolved{}, err
	}
	k, ks, err := r.Key(ctx, h)
	if err != nil {
		return resolved{Host: h, HostSource: hs}, err
	}
	return resolved{Host: h, HostSource: hs, Key: k, KeySource: ks}, nil
}

// world is one test's outside: environment, files and keyring.
type world struct {
	t       *testing.T
	env     map[string]string
	home    string
	work    string
	keyring *memKeyring
}

func newWorld(t *testing.T) *world {
	t.Helper()
	root := t.TempDir()
	w := &world{t: t, env: map[string]string{}, home: filepath.Join(root, "home"), work: filepath.Join(root, "work"), keyring: &memKeyring{}}
	for _, d := range []string{w.home, w.work} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) resolver() *Resolver {
	return New(Options{
		LookupEnv: func(k string) (string, bool) { v, ok := w.env[k]; return v, ok },
		WorkDir:   w.work,
		HomeDir:   w.home,
		Keyring:   w.keyring,
	})
}

func (w *world) write(path, content string) {
	w.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) dotenv(content string) { w.write(filepath.Join(w.work, ".env"), content) }
func (w *world) loginConfig(content string) {
	w.write(filepath.Join(w.home, ".config", "tfy-secrets", "config.json"), content)
}
func (w *world) tfyCredentials(content string) {
	w.write(filepath.Join(w.home, ".truefoundry", "credentials.json"), content)
}

func tfyJSON(host, token string) string {
	b, _ := json.Marshal(map[string]any{"access_token": token, "refresh_token": nil, "host": host})
	return string(b)
}

// Every rung of the host order, each giving a different host. Enabling
// rungs i..end must pick rung i: that proves each rung is read and beats
// every rung below it.
func TestHostPrecedence(t *testing.T) {
	t.Parallel()
	type rung struct {
		source string
		host   string
		set    func(w *world, dotenv *strings.Builder, flag *string)
	}
	rungs := []rung{
		{SourceFlag, "https://flag.example.com", func(_ *world, _ *strings.Builder, f *string) { *f = "https://flag.example.com/" }},
		{"env TFY_BASE_URL", "https://env-base.example.com", func(w *world, _ *strings.Builder, _ *string) { w.env[EnvBaseURL] = "https://env-base.example.com" }},
		{"env TFY_HOST", "https://env-host.example.com", func(w *world, _ *strings.Builder, _ *string) { w.env[EnvHost] = "https://env-host.example.com" }},
		{"env TFY_API_HOST", "https://env-api.example.com", func(w *world, _ *strings.Builder, _ *string) { w.env[EnvAPIHost] = "https://env-api.example.com" }},
		{".env TFY_BASE_URL", "https://dot-base.example.com", func(_ *world, d *strings.Builder, _ *string) {
			d.WriteString("TFY_BASE_URL=\"https://dot-base.example.com\"\n")
		}},
		{".env TFY_HOST", "https://dot-host.example.com", func(_ *world, d *strings.Builder, _ *string) {
			d.WriteString("export TFY_HOST=https://dot-host.example.com\n")
		}},
		{".env TFY_API_HOST", "https://dot-api.example.com", func(_ *world, d *strings.Builder, _ *string) {
			d.WriteString("TFY_API_HOST='https://dot-api.example.com'\n")
		}},
		{SourceLogin, "https://login.example.com", func(w *world, _ *strings.Builder, _ *string) {
			w.loginConfig(`{"host":"https://login.example.com"}`)
		}},
		{SourceTFYCredentials, "https://tfy.example.com", func(w *world, _ *strings.Builder, _ *string) {
			w.tfyCredentials(tfyJSON("https://tfy.example.com/", "tok"))
		}},
	}
	for i := range rungs {
		t.Run(rungs[i].source, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			var dot strings.Builder
			dot.WriteString("# unrelated lines are skipped like tfy-api.sh does\nnot an assignment\n")
			var flag string
			for _, r := range rungs[i:] {
				r.set(w, &dot, &flag)
			}
			w.dotenv(dot.String())
			host, source, err := w.resolver().Host(context.Background(), flag)
			if err != nil {
				t.Fatal(err)
			}
			if host != rungs[i].host || source != rungs[i].source {
				t.Fatalf("got %s from %s, want %s from %s", host, source, rungs[i].host, rungs[i].source)
			}
		})
	}
}

func TestKeyPrecedence(t *testing.T) {
	t.Parallel()
	const host = "https://acme.example.com"
	type rung struct {
		source, key string
		set         func(w *world)
	}
	rungs := []rung{
		{"env TFY_API_KEY", "k-env", func(w *world) { w.env[EnvAPIKey] = "k-env" }},
		{".env TFY_API_KEY", "k-dotenv", func(w *world) { w.dotenv("TFY_API_KEY='k-dotenv'\n") }},
		{SourceKeyring, "k-keyring", func(w *world) { w.keyring.entries = map[string]secret.Value{host: secret.FromString("k-keyring")} }},
		{SourceTFYCredentials, "k-tfy", func(w *world) { w.tfyCredentials(tfyJSON(host+"/", "k-tfy")) }},
	}
	for i := range rungs {
		t.Run(rungs[i].source, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.env[EnvBaseURL] = host
			for _, r := range rungs[i:] {
				r.set(w)
			}
			c, err := resolve(context.Background(), w.resolver(), "")
			if err != nil {
				t.Fatal(err)
			}
			if c.Key.Reveal() != rungs[i].key || c.KeySource != rungs[i].source {
				t.Fatalf("key from %q, want %s from %s", c.KeySource, rungs[i].key, rungs[i].source)
			}
			if c.Host != host || c.HostSource != "env TFY_BASE_URL" {
				t.Fatalf("host = %+v", c.Host)
			}
		})
	}
}

// The real environment wins over ./.env for every variable, and an empty
// value counts as unset (tfy-api.sh's ${VAR:-}).
func TestEnvironmentWinsOverDotenv(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.dotenv("TFY_BASE_URL=https://dot.example.com\nTFY_API_KEY=k-dot\n")
	w.env[EnvHost] = "https://env.example.com"
	w.env[EnvAPIKey] = "k-env"
	c, err := resolve(context.Background(), w.resolver(), "")
	if err != nil {
		t.Fatal(err)
	}
	// TFY_HOST from the environment beats TFY_BASE_URL from .env: a file in
	// the working directory never redirects a key set in the environment.
	if c.Host != "https://env.example.com" || c.Key.Reveal() != "k-env" {
		t.Fatalf("got host %+v key from %s", c.Host, c.KeySource)
	}

	w2 := newWorld(t)
	w2.dotenv("TFY_BASE_URL=https://dot.example.com\nTFY_API_KEY=k-dot\n")
	w2.env[EnvBaseURL] = ""
	w2.env[EnvAPIKey] = ""
	c, err = resolve(context.Background(), w2.resolver(), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.HostSource != ".env TFY_BASE_URL" || c.KeySource != ".env TFY_API_KEY" || c.Key.Reveal() != "k-dot" {
		t.Fatalf("empty env: host %+v key from %s", c.Host, c.KeySource)
	}
}

// ./.env is read only when an earlier rung did not answer.
func TestDotenvReadLazily(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.env[EnvBaseURL] = "https://a.example.com"
	w.env[EnvAPIKey] = "k"
	if err := os.Mkdir(filepath.Join(w.work, ".env"), 0o700); err != nil { // unreadable as a file
		t.Fatal(err)
	}
	if _, err := resolve(context.Background(), w.resolver(), ""); err != nil {
		t.Fatalf("a .env that is never needed must not matter: %v", err)
	}
	delete(w.env, EnvAPIKey)
	_, err := resolve(context.Background(), w.resolver(), "")
	if failure.KindOf(err) != failure.Config || !strings.Contains(err.Error(), ".env") {
		t.Fatalf("unreadable .env: %v", err)
	}
}

func TestCredentialsJSONOnlyForItsOwnHost(t *testing.T) {
	t.Parallel()
	const canary = "CANARY-tfy-token-31f"
	w := newWorld(t)
	w.env[EnvBaseURL] = "https://other.example.com"
	w.tfyCredentials(tfyJSON("https://acme.example.com", canary))
	_, err := resolve(context.Background(), w.resolver(), "")
	fe := failure.As(err)
	if fe.Kind != failure.Unauthorized || !strings.Contains(fe.Hint, "tfy-secrets auth login") || !strings.Contains(fe.Hint, "TFY_API_KEY") {
		t.Fatalf("got %v (hint %q), want unauthorized with login hint", err, fe.Hint)
	}
	if strings.Contains(err.Error()+fe.Hint, canary) {
		t.Fatal("error leaks the token")
	}
	// Same host spelled differently still matches after normalisation.
	w.env[EnvBaseURL] = "HTTPS://ACME.example.com///"
	c, err := resolve(context.Background(), w.resolver(), "")
	if err != nil || c.Key.Reveal() != canary || c.KeySource != SourceTFYCredentials {
		t.Fatalf("matching host: %v from %q", err, c.KeySource)
	}
}

// A keyring that fails is an error with a hint, never a quiet move to the
// plaintext credentials.json below it.
func TestKeyringFailureIsNotAFallback(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.env[EnvBaseURL] = "https://acme.example.com"
	w.tfyCredentials(tfyJSON("https://acme.example.com", "tok"))
	w.keyring.err = keyringFailure("read API key", "https://acme.example.com", errors.New("locked"))
	_, err := resolve(context.Background(), w.resolver(), "")
	fe := failure.As(err)
	if fe.Kind != failure.Unauthorized || !strings.Contains(fe.Hint, "TFY_API_KEY") || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("got %v hint %q", err, fe.Hint)
	}
	// With TFY_API_KEY set the keyring is not even asked.
	w.env[EnvAPIKey] = "k"
	w.keyring.calls = 0
	if _, err := resolve(context.Background(), w.resolver(), ""); err != nil || w.keyring.calls != 0 {
		t.Fatalf("err %v, keyring calls %d", err, w.keyring.calls)
	}
}

func TestNothingConfigured(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := resolve(context.Background(), w.resolver(), "")
	fe := failure.As(err)
	if fe.Kind != failure.Unauthorized || !strings.Contains(fe.Hint, "--host") || !strings.Contains(fe.Hint, "TFY_BASE_URL") {
		t.Fatalf("got %v hint %q", err, fe.Hint)
	}
	w.env[EnvHost] = "https://acme.example.com"
	_, err = resolve(context.Background(), w.resolver(), "")
	if fe := failure.As(err); fe.Kind != failure.Unauthorized || !strings.Contains(err.Error(), "https://acme.example.com") {
		t.Fatalf("got %v", err)
	}
}

func TestBadHostFromEachSource(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, _, err := w.resolver().Host(context.Background(), "http://acme.example.com")
	if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), "loopback") || !strings.Contains(err.Error(), SourceFlag) {
		t.Fatalf("flag: %v", err)
	}
	w.env[EnvAPIHost] = "acme.example.com"
	_, _, err = w.resolver().Host(context.Background(), "")
	if failure.KindOf(err) != failure.Config || !strings.Contains(err.Error(), "env TFY_API_HOST") || !strings.Contains(err.Error(), "needs a scheme") {
		t.Fatalf("env: %v", err)
	}
}

// Malformed files are Config errors naming the file, and never quote it.
func TestMalformedFiles(t *testing.T) {
	t.Parallel()
	const canary = "CANARYjson77"
	cases := []struct {
		name, content, want string
		login               bool
	}{
		{"tfy not json", "{\"access_token\": \"" + canary, "truncated", false},
		{"tfy garbage", canary, "not valid JSON (at byte", false},
		{"tfy wrong type", `{"access_token": 7, "host": "https://a.example.com"}`, `field "access_token"`, false},
		{"tfy array", `["` + canary + `"]`, "not a JSON object", false},
		{"tfy empty", ``, "empty", false},
		{"tfy trailing", `{"host":"https://a.example.com"} {"x":"` + canary + `"}`, "more than one value", false},
		{"tfy bad host", `{"host":"http://a.example.com","access_token":"` + canary + `"}`, "loopback", false},
		{"login unknown field", `{"host":"https://a.example.com","key":"` + canary + `"}`, `unknown field "key"`, true},
		{"login garbage", `{"host":` + canary + `}`, "at byte", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			file := ".truefoundry/credentials.json"
			if tc.login {
				w.loginConfig(tc.content)
				file = "tfy-secrets/config.json"
			} else {
				w.tfyCredentials(tc.content)
			}
			_, err := resolve(context.Background(), w.resolver(), "")
			if failure.KindOf(err) != failure.Config {
				t.Fatalf("kind %s: %v", failure.KindOf(err), err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), file) {
				t.Fatalf("error %q does not say %q about %s", err, tc.want, file)
			}
			if strings.Contains(err.Error()+failure.As(err).Hint, canary) {
				t.Fatalf("error leaks file content: %q", err)
			}
		})
	}
}

func TestXDGConfigHome(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	xdg := filepath.Join(w.home, "xdg")
	w.env[EnvXDGConfigHome] = xdg
	if got := w.resolver().loginConfigPath(); got != filepath.Join(xdg, "tfy-secrets", "config.json") {
		t.Fatalf("path = %s", got)
	}
	w.env[EnvXDGConfigHome] = "relative/dir"
	if got := w.resolver().loginConfigPath(); got != filepath.Join(w.home, ".config", "tfy-secrets", "config.json") {
		t.Fatalf("relative XDG_CONFIG_HOME must be ignored, got %s", got)
	}
}

func TestStoreAndDelete(t *testing.T) {
	t.Parallel()
	const canary = "CANARY-login-key-9d2"
	const host = "https://acme.example.com"
	ctx := context.Background()
	w := newWorld(t)
	r := w.resolver()
	if err := r.Store(ctx, "https://Acme.example.com/", secret.FromString(canary)); err != nil {
		t.Fatalf("Store: %v", err)
	}
	if got := w.keyring.entries[host]; got.Reveal() != canary {
		t.Fatalf("keyring entries %v: the key must be under the normalised host", w.keyring.entries)
	}
	path := r.loginConfigPath()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), canary) || !strings.Contains(string(data), `"host": "https://acme.example.com"`) {
		t.Fatalf("config = %s", data)
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Fatalf("%s is readable by others: %v", p, fi.Mode())
		}
	}
	c, err := resolve(ctx, w.resolver(), "")
	if err != nil || c.HostSource != SourceLogin || c.KeySource != SourceKeyring || c.Key.Reveal() != canary {
		t.Fatalf("after login: %s from %q, key from %q, %v", c.Host, c.HostSource, c.KeySource, err)
	}

	// Logging out of another host keeps the remembered one and its key.
	if err := r.Delete(ctx, "https://other.example.com"); err != nil {
		t.Fatalf("Delete(other): %v", err)
	}
	if _, err := os.Stat(path); err != nil || len(w.keyring.entries) != 1 {
		t.Fatalf("other host's logout touched this one: %v, %d entries", err, len(w.keyring.entries))
	}
	if err := r.Delete(ctx, host+"/"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("config still there: %v", err)
	}
	if len(w.keyring.entries) != 0 {
		t.Fatalf("keyring still has %d entries", len(w.keyring.entries))
	}
	if _, err := resolve(ctx, w.resolver(), ""); failure.KindOf(err) != failure.Unauthorized {
		t.Fatalf("after logout: %v", err)
	}
	// Logging out again is fine: there is nothing left to remove.
	if err := r.Delete(ctx, host); err != nil {
		t.Fatalf("second Delete: %v", err)
	}

	// A failing keyring stops login before the host is remembered.
	w.keyring.err = keyringFailure("store API key", host, errors.New("no daemon"))
	if err := r.Store(ctx, host, secret.FromString(canary)); failure.KindOf(err) != failure.Config || strings.Contains(err.Error(), canary) {
		t.Fatalf("login with broken keyring: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("host remembered although the key was not stored")
	}
	if err := r.Delete(ctx, host); failure.KindOf(err) != failure.Config || !strings.Contains(failure.As(err).Hint, "TFY_API_KEY") {
		t.Fatalf("logout with broken keyring: %v", err)
	}
	w.keyring.err = nil
	if err := r.Store(ctx, "http://acme.example.com", secret.FromString(canary)); failure.KindOf(err) != failure.Usage {
		t.Fatalf("login to http host: %v", err)
	}
	if _, _, err := r.Key(ctx, "acme.example.com"); failure.KindOf(err) != failure.Usage {
		t.Fatalf("Key for a host without scheme: %v", err)
	}
}

func TestTenantMethod(t *testing.T) {
	t.Parallel()
	r := newWorld(t).resolver()
	if got := r.Tenant(secret.FromString(jwtWith(t, map[string]any{"tenantName": "demo"}))); got != "demo" {
		t.Fatalf("Tenant = %q", got)
	}
	if got := r.Tenant(secret.FromString("not-a-jwt")); got != "" {
		t.Fatalf("Tenant of an opaque key = %q", got)
	}
}

// FromProcess reads the real environment and working directory (so no
// t.Parallel: it changes both for the test).
func TestFromProcess(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(EnvBaseURL, "")
	t.Setenv(EnvHost, "")
	t.Setenv(EnvAPIHost, "https://from-process.example.com/")
	t.Setenv(EnvAPIKey, "")
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("TFY_API_KEY=k-process\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := FromProcess()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.opts.Keyring.(SystemKeyring); !ok {
		t.Fatalf("keyring is %T, want SystemKeyring", r.opts.Keyring)
	}
	c, err := resolve(context.Background(), r, "")
	if err != nil || c.Host != "https://from-process.example.com" || c.HostSource != "env TFY_API_HOST" || c.KeySource != ".env TFY_API_KEY" {
		t.Fatalf("FromProcess resolved %+v from %q, key from %q: %v", c.Host, c.HostSource, c.KeySource, err)
	}
}

func TestConcurrentResolve(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.dotenv("TFY_BASE_URL=https://a.example.com\nTFY_API_KEY=k\n")
	r := w.resolver()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if c, err := resolve(context.Background(), r, ""); err != nil || c.Key.Reveal() != "k" {
				t.Errorf("Resolve = %v", err)
			}
		})
	}
	wg.Wait()
}

func FuzzParseTFYCredentials(f *testing.F) {
	for _, s := range []string{
		tfyJSON("https://a.example.com", "t"), `{}`, `{"access_token":null}`, `[]`, `{"host":1}`, ``, `{"a":`, `{} {}`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseTFYCredentials(data)
		if err != nil {
			if c.AccessToken.IsSet() || c.Host != "" {
				t.Fatal("partial result returned with an error")
			}
			return
		}
		if c.AccessToken.IsSet() && c.AccessToken.Reveal() == "" {
			t.Fatal("empty token counted as set")
		}
	})
}

func FuzzParseLoginConfig(f *testing.F) {
	for _, s := range []string{`{"host":"https://a.example.com"}`, `{"host":""}`, `{"key":"x"}`, `null`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseLoginConfig(data)
		if err != nil && c.Host != "" {
			t.Fatal("partial result returned with an error")
		}
	})
}

// BenchmarkResolve measures host and key resolution as a command does it,
// from the environment alone and from ./.env plus credentials.json (the
// slowest file-based path).
func BenchmarkResolve(b *testing.B) {
	ctx := context.Background()
	b.Run("env", func(b *testing.B) {
		env := map[string]string{EnvBaseURL: "https://acme.example.com", EnvAPIKey: "k"}
		opts := Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, WorkDir: b.TempDir(), HomeDir: b.TempDir(), Keyring: &memKeyring{}}
		for b.Loop() {
			if _, err := resolve(ctx, New(opts), ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dotenv+credentials.json", func(b *testing.B) {
		work, home := b.TempDir(), b.TempDir()
		if err := os.WriteFile(filepath.Join(work, ".env"), []byte("# app settings\nDB_HOST=db\nTFY_HOST=https://acme.example.com\n"), 0o600); err != nil {
			b.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(home, ".truefoundry"), 0o700); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, ".truefoundry", "credentials.json"), []byte(tfyJSON("https://acme.example.com", "t")), 0o600); err != nil {
			b.Fatal(err)
		}
		opts := Options{LookupEnv: func(string) (string, bool) { return "", false }, WorkDir: work, HomeDir: home, Keyring: &memKeyring{}}
		for b.Loop() {
			if _, err := resolve(ctx, New(opts), ""); err != nil {
				b.Fatal(err)
			}
		}
	})
}
