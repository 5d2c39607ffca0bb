package cmdutil

import (
	"context"
	"errors"
	"testing"

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
	s := f.Session(Globals{Debug: true})
	for range 3 {
		if _, err := s.Service(context.Background()); err != nil {
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
	_, err := f.Session(Globals{}).Service(context.Background())
	if !errors.Is(err, cause) || failure.KindOf(err) != failure.Config {
		t.Fatalf("err %v", err)
	}
	f.Close() // nothing started, nothing to stop
}
