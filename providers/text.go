package providers

import (
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

// sizeText renders a byte count for people: 4096 -> "4 KiB", 25600 -> "25 KiB".
func sizeText(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return itoa(n/1024) + " KiB"
	}
	return itoa(n) + " bytes"
}

// charClass extracts the bracket expression of a key pattern such as
// ^[0-9A-Za-z-]{1,127}$, for the short rules text.
func charClass(pattern string) string {
	start := strings.IndexByte(pattern, '[')
	end := strings.LastIndexByte(pattern, ']')
	if start < 0 || end < start {
		return pattern
	}
	return pattern[start : end+1]
}

// CharsOf expands a bracket expression of single characters and ranges
// (as the store rules use, e.g. "[A-Za-z0-9/_+=.@-]") into the characters it
// allows, so the policy can check keys with string builtins instead of regex.
func CharsOf(class string) string {
	body := strings.TrimSuffix(strings.TrimPrefix(class, "["), "]")
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if i+2 < len(body) && body[i+1] == '-' {
			for c := body[i]; c <= body[i+2]; c++ {
				b.WriteByte(c)
			}
			i += 2
			continue
		}
		b.WriteByte(body[i])
	}
	return b.String()
}

// NewRules builds Rules from a key pattern of the form ^[class]{min,max}$,
// the one form every store's rule takes; any other form is a programming
// error in a provider's static table.
func NewRules(name, pattern string, maxValue int) *Rules {
	chars := CharsOf(charClass(pattern))
	bounds, ok := strings.CutSuffix(pattern[strings.LastIndexByte(pattern, ']')+1:], "}$")
	lo, hi, ok2 := strings.Cut(strings.TrimPrefix(bounds, "{"), ",")
	min, err1 := strconv.Atoi(lo)
	max, err2 := strconv.Atoi(hi)
	if !ok || !ok2 || err1 != nil || err2 != nil {
		panic("providers: key pattern not of the form ^[class]{min,max}$: " + pattern)
	}
	return &Rules{
		Name:          name,
		KeyChars:      chars,
		KeyMin:        min,
		KeyMax:        max,
		KeyPattern:    pattern,
		MaxValueBytes: maxValue,
		UnderscoreOK:  strings.ContainsRune(chars, '_'),
	}
}
