package launcher

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/launcher/spawn"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

func writeExec(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func noPath(string) (string, error) { return "", exec.ErrNotFound }

func TestFind(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// The host lives in install/, with the plugin beside it; people call it
	// through a `tfy` symlink in bin/.
	install := filepath.Join(root, "install")
	writeExec(t, filepath.Join(install, "tfy-secrets"))
	writeExec(t, filepath.Join(install, spawn.PluginBinary))
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	tfyLink := filepath.Join(root, "bin", "tfy")
	if err := os.Symlink(filepath.Join(install, "tfy-secrets"), tfyLink); err != nil {
		t.Fatal(err)
	}
	override := filepath.Join(root, "custom", "my-plugin")
	writeExec(t, override)
	onPath := filepath.Join(root, "path", spawn.PluginBinary)
	writeExec(t, onPath)
	notExec := filepath.Join(root, "custom", "not-exec")
	if err := os.WriteFile(notExec, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	lonely := filepath.Join(root, "lonely", "tfy-secrets")
	writeExec(t, lonely)

	env := func(v string) func(string) string {
		return func(k string) string {
			if k == spawn.EnvPlugin {
				return v
			}
			return ""
		}
	}
	exe := func(p string) func() (string, error) { return func() (string, error) { return p, nil } }
	lookPath := func(string) (string, error) { return onPath, nil }

	cases := []struct {
		name string
		loc  locator
		want string
		hint string // for failures: a part of the hint
	}{
		{"env wins", locator{env(override), exe(tfyLink), lookPath}, override, ""},
		{"beside the host through a symlink", locator{env(""), exe(tfyLink), lookPath}, filepath.Join(install, spawn.PluginBinary), ""},
		{"PATH last", locator{env(""), exe(lonely), lookPath}, onPath, ""},
		{"env points nowhere", locator{env(filepath.Join(root, "missing")), exe(tfyLink), lookPath}, "", "unset it"},
		{"env points at a non-executable", locator{env(notExec), exe(tfyLink), lookPath}, "", "unset it"},
		{"nowhere at all", locator{env(""), exe(lonely), noPath}, "", "set " + spawn.EnvPlugin},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.loc.find()
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("find = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			f := failure.As(err)
			if err == nil || f.Kind != failure.Config || !strings.Contains(f.Hint, tc.hint) {
				t.Fatalf("find = %q, %v (hint %q); want a config failure hinting %q", got, err, f.Hint, tc.hint)
			}
		})
	}
}
