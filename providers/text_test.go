package providers

import "testing"

func TestCharsOf(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"[0-9A-C-]":   "0123456789ABC-",
		"[a/_+=.@-]":  "a/_+=.@-",
		"[A-Za-z0-9]": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	}
	for in, want := range cases {
		if got := CharsOf(in); got != want {
			t.Errorf("CharsOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewRulesRejectsOtherForms(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"^[a-z]+$", "^[a-z]{1}$", "[a-z]{x,2}"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewRules(%q) did not panic", p)
				}
			}()
			NewRules("x", p, 1)
		}()
	}
	r := NewRules("x", "^[a-c_]{2,9}$", 10)
	if r.KeyMin != 2 || r.KeyMax != 9 || r.KeyChars != "abc_" || !r.UnderscoreOK {
		t.Fatalf("%+v", r)
	}
}

func TestSizeText(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{4096: "4 KiB", 25600: "25 KiB", 1000: "1000 bytes"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q", n, got)
		}
	}
}
