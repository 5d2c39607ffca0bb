package cmdutil

import "strings"

// Suggest returns the candidate a mistyped word most likely meant, or "".
// A candidate qualifies when it is a few edits away (swapping two
// neighbours, as in `lsit`, is one edit): one for words of three or four
// characters, two for longer ones, none for shorter ones, where one edit
// reaches almost anything. Failing that, the only candidate that starts
// with the word qualifies. Ties go to the earlier candidate, so callers
// list the likelier ones first. Leading dashes of flags do not count as
// characters.
func Suggest(word string, candidates []string) string {
	n := len(strings.TrimLeft(word, "-"))
	limit := 2
	switch {
	case n <= 2:
		limit = 0
	case n <= 4:
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" {
		return best
	}
	prefixed := ""
	if n >= 2 {
		for _, c := range candidates {
			if strings.HasPrefix(c, word) {
				if prefixed != "" && prefixed != c {
					return ""
				}
				prefixed = c
			}
		}
	}
	return prefixed
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of adjacent bytes.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
