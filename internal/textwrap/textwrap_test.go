package textwrap

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"short", 10, []string{"short"}},
		{"no limit at all here", 0, []string{"no limit at all here"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"abcdefghijkl xy", 5, []string{"abcde", "fghij", "kl xy"}},
		{"ééé ééé", 3, []string{"ééé", "ééé"}}, // runes, not bytes
		{"", 4, []string{""}},
	} {
		require.Equal(t, tc.want, Words(tc.in, tc.width), "%q at %d", tc.in, tc.width)
	}
}

func TestText(t *testing.T) {
	got := Text("  first words of a long line\nshort", 12, "    ")
	require.Equal(t, "  first\n    words of\n    a long\n    line\nshort", got)
	for _, l := range strings.Split(got, "\n") {
		require.LessOrEqual(t, Width(l), 12)
	}
	require.Equal(t, "unchanged line", Text("unchanged line", 0, "  "))
}
