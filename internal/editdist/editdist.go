// Package editdist measures how far a mistyped name is from the names it
// may have meant: the "did you mean" of the command line, the scenario
// parser and the debugger rank their candidates with Distance.
package editdist

// Distance is the Levenshtein distance of a and b (insertions, deletions
// and substitutions of bytes), or limit+1 as soon as it is known to
// exceed limit: names far apart cost little, whatever their length.
func Distance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit+1)
}
