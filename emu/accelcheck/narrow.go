package accelcheck

import (
	"fmt"
	"io"
	"strings"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
)

// Divergence is the first difference between the tiers.
type Divergence struct {
	Test, Ref Tier
	// Chunk is the index of the first chunk after which the machines
	// differed, [ChunkStart, ChunkEnd) its guest time.
	Chunk                int
	ChunkStart, ChunkEnd uint64
	// Reproduced: re-running the chunk from the state at its start (a
	// snapshot restore, which drops decoded and translated code) shows
	// the difference again. When it does not, the difference depends on
	// code decoded or translated before the chunk (a missed invalidation)
	// and Time is ChunkEnd.
	Reproduced bool
	// Time is the first guest time at which the machines differ: run from
	// the chunk's start to Time-1 they agree, to Time they do not.
	Time uint64
	// Diffs lists what differs at Time, one line each (test | reference).
	Diffs []string
	// CPUs are both machines' processors at Time: [0] test, [1] reference.
	CPUs [2][]cpu.State
	// Trace is the reference tier's last instructions up to Time,
	// disassembled ("addr: text"), oldest first.
	Trace []string
}

// Error makes a Divergence an error value.
func (d *Divergence) Error() string {
	if len(d.Diffs) == 0 {
		return "the tiers diverged"
	}
	return "the tiers diverged: " + d.Diffs[0]
}

// fill records both machines' processors.
func (d *Divergence) fill(test, ref *emu.Machine) {
	for i, m := range []*emu.Machine{test, ref} {
		d.CPUs[i] = d.CPUs[i][:0]
		for _, c := range m.CPUs {
			d.CPUs[i] = append(d.CPUs[i], c.Snapshot())
		}
	}
}

// traceLen is the number of instructions Divergence.Trace shows.
const traceLen = 12

// narrow finds the first guest time of chunk d.Chunk at which the
// machines differ (a bisection over the guest time each run stops at,
// every run starting from the snapshot of the chunk's start) and leaves
// both machines at that time.
func (k *Checker) narrow(d *Divergence) {
	first, err := k.probe(d.ChunkEnd)
	if err != nil {
		d.Diffs = append(d.Diffs, "narrowing failed: "+err.Error())
		return
	}
	if first == nil {
		d.Time = d.ChunkEnd
		return
	}
	d.Reproduced = true
	lo, hi, at := d.ChunkStart, d.ChunkEnd, first
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		p, err := k.probe(mid)
		if err != nil {
			d.Diffs = append(d.Diffs, "narrowing failed: "+err.Error())
			return
		}
		if p != nil {
			hi, at = mid, p
		} else {
			lo = mid
		}
	}
	d.Trace = k.trace(hi)
	// Leave the machines at the first difference, for the report and for
	// whoever inspects them.
	if p, err := k.probe(hi); err == nil && p != nil {
		at = p
	}
	d.Time = hi
	d.Diffs, d.CPUs = at.Diffs, at.CPUs
}

// probe restores both machines to the chunk's start, runs them to guest
// time t and compares them (serial output from the chunk's start on).
func (k *Checker) probe(t uint64) (*Divergence, error) {
	var outs [2]*capture
	var stops [2]emu.Stop
	for i, m := range []*emu.Machine{k.Test, k.Ref} {
		if err := m.Restore(k.start); err != nil {
			return nil, err
		}
		outs[i] = &capture{}
		m.SetSerialOutput(outs[i])
	}
	for i, m := range []*emu.Machine{k.Test, k.Ref} {
		stops[i] = m.Run(t)
	}
	saved := k.out
	k.out = outs
	err := k.compare(&stops)
	k.out = saved
	if err == nil {
		return nil, nil
	}
	if d, ok := err.(*Divergence); ok {
		return d, nil
	}
	return nil, err
}

// trace runs the reference from the chunk's start to shortly before t,
// then one instruction at a time to t, and returns those instructions
// disassembled (the bootstrap processor's; the reference runs on
// afterwards only in the next probe).
func (k *Checker) trace(t uint64) []string {
	m := k.Ref
	if len(m.CPUs) > 1 {
		return nil // Step runs the bootstrap processor alone
	}
	if err := m.Restore(k.start); err != nil {
		return []string{"trace: " + err.Error()}
	}
	m.SetSerialOutput(io.Discard)
	if t > k.start.CPU.Clock+traceLen {
		m.Run(t - traceLen)
	}
	var out []string
	for i := 0; i < 4*traceLen && m.Now() < t; i++ {
		before := m.CPU.Clock
		line := disasm(m)
		s := m.Step()
		if m.CPU.Clock == before {
			break // halted: nothing ran
		}
		out = append(out, line)
		if s.Reason != emu.StopStep {
			out = append(out, "  -> "+s.String())
			break
		}
	}
	return out
}

// disasm is the instruction at the bootstrap processor's RIP.
func disasm(m *emu.Machine) string {
	rip := m.CPU.LinearRIP()
	var b [15]byte
	n := len(b)
	for n > 0 && m.ReadVirt(rip, b[:n]) != nil {
		n-- // the instruction may end before an unmapped page
	}
	if n == 0 {
		return fmt.Sprintf("%#x: (not mapped)", rip)
	}
	text, l := cpu.Disassemble(b[:n], m.CPU.Mode())
	name := ""
	if r := m.Symbols(); r != nil {
		if s := r.Name(rip); s != "" && !strings.HasPrefix(s, "0x") {
			name = " <" + s + ">"
		}
	}
	return fmt.Sprintf("%#x%s: %-24s % x", rip, name, text, b[:l])
}

// Report writes d for a person: where the tiers parted, what differs and
// both register sets.
func (d *Divergence) Report(w io.Writer) {
	fmt.Fprintf(w, "accel-check: %v and %v diverged in chunk %d (guest time %d..%d ns)\n",
		d.Test, d.Ref, d.Chunk, d.ChunkStart, d.ChunkEnd)
	if d.Reproduced {
		fmt.Fprintf(w, "first difference at guest time %d ns (run from the chunk's start, the machines agree at %d ns)\n", d.Time, d.Time-1)
	} else {
		fmt.Fprintf(w, "re-running the chunk from a restored snapshot (decoded and translated code dropped) does not diverge:\n"+
			"the difference comes from code decoded or translated before the chunk (a missed invalidation?)\n")
	}
	if len(d.Trace) > 0 {
		fmt.Fprintf(w, "last instructions (%v):\n", d.Ref)
		for _, l := range d.Trace {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	fmt.Fprintf(w, "differences (%v | %v):\n", d.Test, d.Ref)
	for _, l := range d.Diffs {
		fmt.Fprintf(w, "  %s\n", l)
	}
	for i := range d.CPUs[0] {
		if i >= len(d.CPUs[1]) {
			break
		}
		fmt.Fprintf(w, "cpu %d registers (%v | %v; * differs):\n", i, d.Test, d.Ref)
		writeRegs(w, d.CPUs[0][i], d.CPUs[1][i])
	}
}

// writeRegs prints two register sets side by side.
func writeRegs(w io.Writer, a, b cpu.State) {
	type reg struct {
		name string
		a, b uint64
	}
	var regs []reg
	for i, n := range gprNames {
		regs = append(regs, reg{n, a.GPR[i], b.GPR[i]})
	}
	regs = append(regs, reg{"RIP", a.RIP, b.RIP}, reg{"RFLAGS", a.RFLAGS, b.RFLAGS})
	for i, n := range segNames {
		regs = append(regs, reg{n, uint64(a.Seg[i].Selector), uint64(b.Seg[i].Selector)})
	}
	regs = append(regs,
		reg{"CR0", a.CR0, b.CR0}, reg{"CR2", a.CR2, b.CR2}, reg{"CR3", a.CR3, b.CR3}, reg{"CR4", a.CR4, b.CR4},
		reg{"EFER", a.EFER, b.EFER}, reg{"CPL", uint64(a.CPL), uint64(b.CPL)},
		reg{"Clock", a.Clock, b.Clock}, reg{"Instret", a.Instret, b.Instret})
	for _, r := range regs {
		mark := " "
		if r.a != r.b {
			mark = "*"
		}
		if r.name == "Clock" || r.name == "Instret" {
			fmt.Fprintf(w, " %s %-7s %18d  %18d\n", mark, r.name, r.a, r.b)
		} else {
			fmt.Fprintf(w, " %s %-7s 0x%016x  0x%016x\n", mark, r.name, r.a, r.b)
		}
	}
}
