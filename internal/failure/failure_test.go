package failure

import (
	"errors"
	"fmt"
	"testing"
)

func TestExitCodes(t *testing.T) {
	t.Parallel()
	want := map[Kind]int{
		Unexpected: 1, Config: 1, Usage: 2, Unauthorized: 3, Forbidden: 4, NotFound: 5,
		Conflict: 6, Denied: 7, NotConfirmed: 8, Unavailable: 9, CheckFailed: 10,
	}
	if len(want) != len(Kinds()) {
		t.Fatalf("Kinds() has %d kinds, table has %d", len(Kinds()), len(want))
	}
	for _, k := range Kinds() {
		if got := k.ExitCode(); got != want[k] {
			t.Errorf("%s: exit %d, want %d", k, got, want[k])
		}
	}
}

func TestKindSurvivesWrapping(t *testing.T) {
	t.Parallel()
	base := New(NotFound, "secret group %q not found", "app").WithHint("run `tfy-secrets group list`")
	wrapped := fmt.Errorf("get group: %w", base)
	if KindOf(wrapped) != NotFound {
		t.Fatalf("KindOf = %s", KindOf(wrapped))
	}
	if e := As(wrapped); e.Hint == "" || e.Message != `secret group "app" not found` {
		t.Fatalf("As lost the message or hint: %+v", e)
	}
	plain := errors.New("boom")
	if KindOf(plain) != Unexpected || As(plain).Message != "boom" {
		t.Fatal("plain errors are unexpected failures carrying their text")
	}
	cause := errors.New("cause")
	if w := Wrap(Unavailable, cause, "upstream down"); !errors.Is(w, cause) || w.Error() != "upstream down" {
		t.Fatal("Wrap keeps the cause for errors.Is and shows the message")
	}
}
