package editdist

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"kmain", "kmain", 2, 0},
		{"kmian", "kmain", 2, 2}, // a swapped pair: two substitutions
		{"kmai", "kmain", 2, 1},
		{"putc", "puts", 2, 1},
		{"", "abc", 5, 3},
		{"abc", "", 5, 3},
		{"kitten", "sitting", 5, 3},
		{"kitten", "sitting", 2, 3},    // over the limit: limit+1
		{"a", "abcdefgh", 2, 3},        // lengths alone exceed it
		{"abcdefgh", "hgfedcba", 3, 4}, // rows exceed it early
		{"service_table", "service_tables", 0, 1},
	} {
		if got := Distance(c.a, c.b, c.limit); got != c.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", c.a, c.b, c.limit, got, c.want)
		}
	}
	// Long names far apart end at once.
	long := strings.Repeat("x", 1<<20)
	if got := Distance(long, "kmain", 2); got != 3 {
		t.Errorf("a 1 MiB name against kmain: %d", got)
	}
}
