// Package textwrap fits plain text to a line width counted in runes: the
// reports and tables of the command line (scenario reports, kppemu images,
// kppemu bench) wrap with it.
package textwrap

import (
	"strings"
	"unicode/utf8"
)

// Width is the number of columns s takes: one per rune.
func Width(s string) int { return utf8.RuneCountInString(s) }

// Words breaks a line into lines of at most width runes, at spaces where it
// can, inside a word where it must. A width of 0 or less is no limit.
func Words(s string, width int) []string {
	if width <= 0 || Width(s) <= width {
		return []string{s}
	}
	var out []string
	cur := ""
	for _, word := range strings.Fields(s) {
		for Width(word) > width {
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			r := []rune(word)
			out = append(out, string(r[:width]))
			word = string(r[width:])
		}
		switch {
		case cur == "":
			cur = word
		case Width(cur)+1+Width(word) <= width:
			cur += " " + word
		default:
			out = append(out, cur)
			cur = word
		}
	}
	if cur != "" || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// Text wraps each line of s to width (0: no limit); a wrapped line keeps
// its leading spaces on its first part and continues with indent.
func Text(s string, width int, indent string) string {
	if width <= 0 {
		return s
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if Width(line) <= width {
			out = append(out, line)
			continue
		}
		lead := line[:len(line)-len(strings.TrimLeft(line, " "))]
		parts := Words(strings.TrimLeft(line, " "), width-Width(lead))
		out = append(out, lead+parts[0])
		if len(parts) > 1 {
			rest := Words(strings.Join(parts[1:], " "), width-Width(indent))
			for _, p := range rest {
				out = append(out, indent+p)
			}
		}
	}
	return strings.Join(out, "\n")
}
