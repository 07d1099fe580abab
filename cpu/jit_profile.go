package cpu

import (
	"fmt"
	"io"
	"sort"
)

// A profile of the translating tier: which instructions the interpreter runs while the
// tier is on, and why. It costs nothing unless SetJITProfile installed one; with one
// installed the execution is the same (the profile only watches jitDispatch).

// JITMissReason says why the interpreter ran an instruction while the translating tier
// was on.
type JITMissReason uint8

// Reasons the interpreter runs an instruction in the translating tier.
const (
	// MissUntranslated: the translator does not translate the instruction (a block
	// that starts with it, or the instruction a translation stops in front of).
	MissUntranslated JITMissReason = iota
	// MissSlowPath: generated code left the instruction to the interpreter at run time
	// (a TLB miss, a page crossing, a fault, a device or code page, a run-time check).
	MissSlowPath
	// MissStaged: the first run of a block whose translation was just staged.
	MissStaged
	// MissBudget: the block does not fit the instruction budget left.
	MissBudget
	// MissTierOff: the tier stands aside (outside 64-bit mode, breakpoints, alignment
	// checks, watchpoints).
	MissTierOff
	// MissShort: a translation shorter than the translator accepts in front of an
	// untranslated instruction (the whole block is interpreted).
	MissShort
	// MissHelper: generated code handed the instruction to the interpreter's handler
	// and went on after it (a helper exit: system instructions and the forms the
	// translator does not generate code for).
	MissHelper
	nMissReasons
)

var missNames = [nMissReasons]string{"untranslated", "slow path", "staged", "budget", "tier off", "short prefix", "helper"}

// String names the reason.
func (r JITMissReason) String() string {
	if r < nMissReasons {
		return missNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// JITProfile counts the instructions the interpreter runs in the translating tier, by
// mnemonic and reason. The instructions the run loop executes on its own (the one after
// STI or MOV SS, the first of a page that does not translate, an instruction that does not
// fit a block) are not attributed: Instret - Ran - Total() of them.
type JITProfile struct {
	ByOp map[string]*[nMissReasons]uint64
	// Chained counts the instructions of interpreted blocks run after the block that was
	// dispatched (the interpreter follows block links), by reason.
	Chained [nMissReasons]uint64
	stops   map[uint64]bool   // linear addresses where a translation stops
	shorts  map[uint64]uint64 // blocks left untranslated for a short prefix: the stop's index
}

// NewJITProfile returns an empty profile.
func NewJITProfile() *JITProfile {
	return &JITProfile{ByOp: make(map[string]*[nMissReasons]uint64), stops: make(map[uint64]bool), shorts: make(map[uint64]uint64)}
}

// SetJITProfile installs p (nil: none) to count what the interpreter runs in the
// translating tier.
func (c *CPU) SetJITProfile(p *JITProfile) { c.jit.prof = p }

func (p *JITProfile) add(u *uop, r JITMissReason, n uint64) {
	name := "(unknown)"
	if u != nil {
		name = opName(u)
		if u.rep || u.repne {
			name = "REP " + name
		}
	}
	e := p.ByOp[name]
	if e == nil {
		e = new([nMissReasons]uint64)
		p.ByOp[name] = e
	}
	e[r] += n
}

// block attributes the ran instructions the interpreter ran from the start of block b
// to reason r, but for the stop'th (from 0), which is untranslated.
func (p *JITProfile) block(b *block, r JITMissReason, ran uint64, stop int) {
	i := 0
	one := func(u *uop) {
		if i == stop {
			p.add(u, MissUntranslated, 1)
		} else {
			p.add(u, r, 1)
		}
		i++
		ran--
	}
	for k := range b.ops {
		if ran == 0 {
			return
		}
		op := &b.ops[k]
		one(&op.u)
		if op.cnt == 2 && ran > 0 {
			one(op.u.pair)
		}
	}
	p.Chained[r] += ran
}

// Total returns the instructions the profile attributes.
func (p *JITProfile) Total() uint64 {
	var t uint64
	for _, e := range p.ByOp {
		for _, v := range e {
			t += v
		}
	}
	for _, v := range p.Chained {
		t += v
	}
	return t
}

// Merge adds q's counts to p.
func (p *JITProfile) Merge(q *JITProfile) {
	for name, e := range q.ByOp {
		d := p.ByOp[name]
		if d == nil {
			d = new([nMissReasons]uint64)
			p.ByOp[name] = d
		}
		for i, v := range e {
			d[i] += v
		}
	}
	for i, v := range q.Chained {
		p.Chained[i] += v
	}
}

// Write prints the top instructions of the profile, most frequent first, as a share
// of total (the instructions of the run).
func (p *JITProfile) Write(w io.Writer, total uint64, top int) {
	type row struct {
		name string
		n    uint64
		by   [nMissReasons]uint64
	}
	var rows []row
	for name, e := range p.ByOp {
		r := row{name: name, by: *e}
		for _, v := range e {
			r.n += v
		}
		rows = append(rows, r)
	}
	var ch uint64
	for _, v := range p.Chained {
		ch += v
	}
	rows = append(rows, row{name: "(chained blocks)", n: ch, by: p.Chained})
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].n != rows[j].n {
			return rows[i].n > rows[j].n
		}
		return rows[i].name < rows[j].name
	})
	pct := func(n uint64) float64 {
		if total == 0 {
			return 0
		}
		return 100 * float64(n) / float64(total)
	}
	for i, r := range rows {
		if i == top || r.n == 0 {
			break
		}
		fmt.Fprintf(w, "  %-18s %12d %7.3f%%", r.name, r.n, pct(r.n))
		for k, v := range r.by {
			if v != 0 {
				fmt.Fprintf(w, "  %s %d", JITMissReason(k), v)
			}
		}
		fmt.Fprintln(w)
	}
}
