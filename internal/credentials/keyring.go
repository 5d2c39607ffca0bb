package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	dbus "github.com/godbus/dbus/v5"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// KeyringService is the service name of every keyring entry; the entry's
// user is the normalised host URL, so each host has its own key.
const KeyringService = "tfy-secrets"

// DefaultKeyringTimeout bounds every keyring call. A Secret Service that is
// hung (or waiting on an unlock prompt nobody will answer) must not hang the
// CLI; a healthy one answers in milliseconds.
const DefaultKeyringTimeout = 3 * time.Second

// ErrNotFound means the keyring works but has no entry for the host.
var ErrNotFound = errors.New("no API key in the keyring for this host")

// Keyring stores one API key per host. Implementations return ErrNotFound
// for a missing entry and a *failure.Error for a keyring that cannot be used.
type Keyring interface {
	Get(ctx context.Context, host string) (secret.Value, error)
	Store(ctx context.Context, host string, key secret.Value) error
	Delete(ctx context.Context, host string) error
}

// SystemKeyring is the OS keyring through zalando/go-keyring: the Secret
// Service on Linux and BSD (gnome-keyring, KWallet), Keychain on macOS, the
// Credential Manager on Windows.
type SystemKeyring struct {
	Timeout time.Duration // zero means DefaultKeyringTimeout
}

var _ Keyring = SystemKeyring{}

const headlessHint = "set TFY_API_KEY for headless use, or start and unlock a Secret Service keyring (gnome-keyring, KWallet)"

// Get returns the key stored for host.
func (k SystemKeyring) Get(ctx context.Context, host string) (secret.Value, error) {
	var v secret.Value
	err := k.call(ctx, "read API key", host, func() error {
		s, err := gokeyring.Get(KeyringService, host)
		if err == nil {
			v = secret.FromString(s)
		}
		return err
	})
	return v, err
}

// Store saves key for host, replacing any earlier entry.
func (k SystemKeyring) Store(ctx context.Context, host string, key secret.Value) error {
	return k.call(ctx, "store API key", host, func() error {
		return gokeyring.Set(KeyringService, host, key.Reveal())
	})
}

// Delete removes host's entry; ErrNotFound if there was none.
func (k SystemKeyring) Delete(ctx context.Context, host string) error {
	return k.call(ctx, "delete API key", host, func() error {
		return gokeyring.Delete(KeyringService, host)
	})
}

// call runs op under the timeout. go-keyring has no context, so a hung call
// is abandoned: its goroutine stays blocked until the process exits, which
// for a CLI is moments later.
func (k SystemKeyring) call(ctx context.Context, what, host string, op func() error) error {
	if err := sessionBusPresent(runtime.GOOS, os.Getenv, fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err != nil {
		return keyringFailure(what, host, err)
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	done := make(chan error, 1)
	go func() { done <- op() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		switch {
		case err == nil:
			return nil
		case errors.Is(err, gokeyring.ErrNotFound):
			return ErrNotFound
		default:
			return keyringFailure(what, host, err)
		}
	case <-timer.C:
		return keyringFailure(what, host, fmt.Errorf("no answer within %s (keyring hung, or locked and waiting for an unlock prompt)", timeout))
	case <-ctx.Done():
		return keyringFailure(what, host, ctx.Err())
	}
}

func keyringFailure(what, host string, err error) *failure.Error {
	err = explain(err)
	kind := failure.Config
	if what == "read API key" {
		// Without the key nothing is authenticated: exit 3, like no key at all.
		kind = failure.Unauthorized
	}
	return failure.Wrap(kind, err, fmt.Sprintf("OS keyring: %s for %s: %v", what, host, err)).WithHint(headlessHint)
}

// explain puts the usual headless failures in words; the cause stays in the
// text (and in the chain) for anyone debugging.
func explain(err error) error {
	switch dbusErrorName(err) {
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
		return fmt.Errorf("no Secret Service (org.freedesktop.secrets) on the D-Bus session bus (%w)", err)
	}
	// go-keyring reports a refused or impossible unlock prompt only as text.
	if strings.Contains(err.Error(), "failed to unlock") {
		return fmt.Errorf("the keyring is locked, or has no default collection, and no unlock prompt could be shown (%w)", err)
	}
	return err
}

// dbusErrorName is the D-Bus error name of a failed call; godbus returns
// method errors by value, other paths by pointer.
func dbusErrorName(err error) string {
	if de, ok := errors.AsType[dbus.Error](err); ok {
		return de.Name
	}
	if de, ok := errors.AsType[*dbus.Error](err); ok {
		return de.Name
	}
	return ""
}

// sessionBusPresent stops go-keyring before it autolaunches a D-Bus daemon
// (godbus runs dbus-launch when no session bus is known), which would leave a
// stray process behind and still find no keyring. It accepts what godbus
// accepts: the address variable or the systemd user bus socket.
func sessionBusPresent(goos string, getenv func(string) string, userBus string) error {
	switch goos {
	case "darwin", "windows":
		return nil
	}
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	if _, err := os.Stat(userBus); err == nil {
		return nil
	}
	return errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service keyring is reachable")
}
