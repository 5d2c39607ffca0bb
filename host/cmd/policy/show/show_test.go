package show

import (
	"context"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
)

func TestParse(t *testing.T) {
	called := 0
	cmd := func() error {
		return hosttest.Parse(NewCmd(nil, func(context.Context, *Options) error { called++; return nil }))
	}
	if err := cmd(); err != nil || called != 1 {
		t.Fatalf("no arguments: %v (called %d)", err, called)
	}
	err := hosttest.Parse(NewCmd(nil, func(context.Context, *Options) error { called++; return nil }), "extra")
	if err == nil || called != 1 {
		t.Fatalf("an extra argument was accepted: %v", err)
	}
}
