package scenario

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// table lays out rows of cells in columns that fit a line width: cells may
// hold several lines ("\n"), and the columns marked wrap are narrowed and
// word-wrapped until the table fits.
type table struct {
	header []string
	wrap   []bool
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// colGap separates columns.
const colGap = 2

// minWrapWidth is the narrowest a wrapped column gets.
const minWrapWidth = 12

func textWidth(s string) int { return utf8.RuneCountInString(s) }

// natural is the width of a cell's longest line.
func natural(cell string) int {
	w := 0
	for _, l := range strings.Split(cell, "\n") {
		w = max(w, textWidth(l))
	}
	return w
}

// widths computes the column widths for a line of `width` columns (0: no
// limit): fixed columns keep their natural width; the wrapped ones share
// what is left, the narrow ones keeping their natural width.
func (t *table) widths(width int) []int {
	n := len(t.header)
	w := make([]int, n)
	for i, h := range t.header {
		w[i] = natural(h)
	}
	for _, r := range t.rows {
		for i := 0; i < n && i < len(r); i++ {
			w[i] = max(w[i], natural(r[i]))
		}
	}
	if width <= 0 {
		return w
	}
	total := colGap * (n - 1)
	var wrapCols []int
	for i := range w {
		if t.wrap[i] {
			wrapCols = append(wrapCols, i)
		} else {
			total += w[i]
		}
	}
	avail := width - total
	// Columns that need less than a proportional share keep what they
	// need; the others split what remains in proportion to their widths.
	need := 0
	for _, i := range wrapCols {
		need += w[i]
	}
	if need <= avail {
		return w
	}
	left := wrapCols
	for len(left) > 0 {
		sum := 0
		for _, i := range left {
			sum += w[i]
		}
		var next []int
		for _, i := range left {
			if w[i]*avail/sum >= w[i] {
				avail -= w[i]
			} else {
				next = append(next, i)
			}
		}
		if len(next) == len(left) {
			given := 0
			for _, i := range left {
				w[i] = max(w[i]*avail/sum, minWrapWidth)
				given += w[i]
			}
			for k := 0; given < avail; k++ {
				w[left[k%len(left)]]++ // hand out the remainder
				given++
			}
			break
		}
		left = next
	}
	return w
}

// write renders the table.
func (t *table) write(out io.Writer, width int) {
	w := t.widths(width)
	rows := append([][]string{t.header}, t.rows...)
	for _, r := range rows {
		cells := make([][]string, len(w))
		height := 1
		for i := range w {
			c := ""
			if i < len(r) {
				c = r[i]
			}
			for _, l := range strings.Split(c, "\n") {
				cells[i] = append(cells[i], wrapWords(l, w[i])...)
			}
			height = max(height, len(cells[i]))
		}
		for k := 0; k < height; k++ {
			var b strings.Builder
			for i := range w {
				l := ""
				if k < len(cells[i]) {
					l = cells[i][k]
				}
				if i < len(w)-1 {
					b.WriteString(l + strings.Repeat(" ", w[i]-textWidth(l)+colGap))
				} else {
					b.WriteString(l)
				}
			}
			fmt.Fprintln(out, strings.TrimRight(b.String(), " "))
		}
	}
}

// wrapWords breaks a line into lines of at most width runes, at spaces
// where it can, inside a word where it must.
func wrapWords(s string, width int) []string {
	if width <= 0 || textWidth(s) <= width {
		return []string{s}
	}
	var out []string
	cur := ""
	for _, word := range strings.Fields(s) {
		for textWidth(word) > width {
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
		case textWidth(cur)+1+textWidth(word) <= width:
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

// wrapText wraps each line of s to width (0: no limit), continuing wrapped
// lines with indent.
func wrapText(s string, width int, indent string) string {
	if width <= 0 {
		return s
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if textWidth(line) <= width {
			out = append(out, line)
			continue
		}
		lead := line[:len(line)-len(strings.TrimLeft(line, " "))]
		parts := wrapWords(strings.TrimLeft(line, " "), width-textWidth(lead))
		out = append(out, lead+parts[0])
		if len(parts) > 1 {
			rest := wrapWords(strings.Join(parts[1:], " "), width-textWidth(indent))
			for _, p := range rest {
				out = append(out, indent+p)
			}
		}
	}
	return strings.Join(out, "\n")
}
