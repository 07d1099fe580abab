package scenario

import (
	"fmt"
	"io"
	"strings"

	"github.com/kppemu/kppemu/internal/textwrap"
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

// natural is the width of a cell's longest line.
func natural(cell string) int {
	w := 0
	for _, l := range strings.Split(cell, "\n") {
		w = max(w, textwrap.Width(l))
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
				cells[i] = append(cells[i], textwrap.Words(l, w[i])...)
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
					b.WriteString(l + strings.Repeat(" ", w[i]-textwrap.Width(l)+colGap))
				} else {
					b.WriteString(l)
				}
			}
			fmt.Fprintln(out, strings.TrimRight(b.String(), " "))
		}
	}
}
