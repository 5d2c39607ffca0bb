package cmdutil

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func TestServiceStartsOnceAndStops(t *testing.T) {
	t.Parallel()
	ios, _, _ := iostreams.Test("")
	starts, stops := 0, 0
	var gotDebug bool
	f := NewFactory(ios, func(_ context.Context, opts StartOptions) (plugin.Service, func(), error) {
		starts++
		gotDebug = opts.Debug
		return nil, func() { stops++ }, nil
	})
	f.Globals.Debug = true
	for range 3 {
		if _, err := f.Service(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	f.Close()
	if starts != 1 || stops != 1 || !gotDebug {
		t.Fatalf("starts %d stops %d debug %v", starts, stops, gotDebug)
	}
}

func TestServiceStartFailure(t *testing.T) {
	t.Parallel()
	ios, _, _ := iostreams.Test("")
	cause := failure.New(failure.Config, "plugin missing").WithHint("install it")
	f := NewFactory(ios, func(context.Context, StartOptions) (plugin.Service, func(), error) { return nil, nil, cause })
	_, err := f.Service(context.Background())
	if !errors.Is(err, cause) || failure.KindOf(err) != failure.Config {
		t.Fatalf("err %v", err)
	}
	f.Close() // nothing started, nothing to stop
}

func TestCall(t *testing.T) {
	t.Parallel()
	ios, _, _ := iostreams.Test("")
	f := NewFactory(ios, nil)
	f.LookupEnv = func(k string) (string, bool) { return map[string]string{"CI": "TRUE"}[k], k == "CI" }
	f.Globals = Globals{Host: "h", Policy: "p", Yes: true, DryRun: true, Debug: true, Timeout: time.Second}
	want := plugin.Call{Host: "h", PolicyPath: "p", Client: plugin.ClientCLI, Yes: true, DryRun: true, CI: true, Debug: true, Timeout: time.Second}
	if got := f.Call(); got != want {
		t.Fatalf("call %+v", got)
	}
	for v, want := range map[string]bool{"1": true, "yes": true, "on": true, "0": false, "false": false, "": false} {
		if isTrue(v) != want {
			t.Errorf("isTrue(%q) = %v", v, !want)
		}
	}
}
