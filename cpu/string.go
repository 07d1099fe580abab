package cpu

// String instructions: MOVS, STOS, LODS, CMPS, SCAS in byte/word/dword/qword forms, with
// REP (F3) and, for CMPS/SCAS, REPE (F3) / REPNE (F2) (SDM Vol. 2B "REP/REPE/REPZ/REPNE/
// REPNZ"). Pointers and the count use the address size (RSI/RDI/RCX, or ESI/EDI/ECX with
// 67h, whose updates zero-extend). The source (DS:RSI) takes a segment override; the
// destination is always ES:RDI. DF selects the direction.
//
// The virtual clock and REP: one execution of a repeated string instruction processes at
// most strChunk elements and counts as one instruction (Clock and Instret advance by one).
// If elements remain, RIP is left on the instruction with RCX/RSI/RDI updated, so the
// next "instruction" resumes it: interrupts, RequestExit and the Run budget are honoured
// between chunks, exactly as hardware recognises interrupts between iterations. Under
// single-step (TF) a chunk is one element, so #DB arrives after every iteration. A fault
// on an element leaves the registers describing the elements already done, with RIP on
// the instruction.
//
// Speed: REP MOVS and REP STOS move page-bounded runs of whole elements directly between
// RAM pages (movsRun, stosRun) when no watchpoint, data breakpoint or alignment check
// needs per-access checking; everything else, and every run the bulk path declines
// (MMIO, faults, overlaps that must replicate bytes), goes element by element through
// c.read/c.write. Both paths give the same architectural result.

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/kppemu/kppemu/mmu"
)

// strChunk is the number of elements one REP "instruction" processes at most.
const strChunk = 1024

const (
	strMOVS = iota
	strSTOS
	strLODS
	strCMPS
	strSCAS
)

// uop.aux bits for string instructions.
const (
	strRep   = 0x10 // a repeat prefix is present
	strRepNE = 0x20 // the repeat condition is REPNE (CMPS/SCAS)
)

func init() {
	for _, g := range []struct {
		op    uint8
		names [4]string
		fn    handler
	}{
		{strMOVS, [4]string{"MOVSB", "MOVSW", "MOVSD", "MOVSQ"}, movs},
		{strSTOS, [4]string{"STOSB", "STOSW", "STOSD", "STOSQ"}, stos},
		{strLODS, [4]string{"LODSB", "LODSW", "LODSD", "LODSQ"}, lods},
		{strCMPS, [4]string{"CMPSB", "CMPSW", "CMPSD", "CMPSQ"}, cmps},
		{strSCAS, [4]string{"SCASB", "SCASW", "SCASD", "SCASQ"}, scas},
	} {
		for i, name := range g.names {
			op, fn, size := g.op, g.fn, uint8(1)<<i
			register(name, func(u *uop, d *decodeInfo) bool { return xlateString(u, d, op, size, fn) })
		}
	}
}

// srcSegment returns the segment of a string source: the last segment-override prefix in
// the instruction bytes, or DS. (x86asm reports overrides on string operands only in
// some cases, so the bytes are read here.)
func srcSegment(b []byte, mode uint8) uint8 {
	seg := uint8(DS)
	for _, x := range b {
		switch x {
		case 0x26:
			seg = ES
		case 0x2E:
			seg = CS
		case 0x36:
			seg = SS
		case 0x3E:
			seg = DS
		case 0x64:
			seg = FS
		case 0x65:
			seg = GS
		case 0x66, 0x67, 0xF0, 0xF2, 0xF3:
		default:
			if mode == 64 && x&0xF0 == 0x40 {
				continue // REX
			}
			return seg
		}
	}
	return seg
}

func xlateString(u *uop, d *decodeInfo, op, size uint8, fn handler) bool {
	u.osize = size
	u.seg = srcSegment(d.bytes, d.mode)
	u.aux = op
	switch {
	case u.rep:
		u.aux |= strRep
	case u.repne:
		u.aux |= strRep
		if op == strCMPS || op == strSCAS {
			u.aux |= strRepNE
		}
	}
	u.fn = fn
	// Without a repeat prefix the handlers reach memory only through c.read and c.write
	// and read nothing a lazy block step skips (block.go): one element, no chunking.
	u.lazy = !u.rep && !u.repne
	return true
}

// strLimit returns how many elements this execution may process (see strChunk).
func (c *CPU) strLimit() uint64 {
	if c.RFLAGS&FlagTF != 0 {
		return 1
	}
	return strChunk
}

// strYield leaves RIP on the unfinished REP instruction so it resumes next time; a host
// breakpoint on it must not fire again for the continuation (as RF suppresses debug
// faults on a resumed REP).
func (c *CPU) strYield() {
	c.RIP = c.ip0
	if len(c.breakpoints) > 0 && c.breakpoints[c.RIP+c.icBase] {
		c.bpSkip, c.bpSkipValid = c.RIP+c.icBase, true
	}
}

// strRunMax bounds a bulk run so neither pointer wraps at the address size (back: the
// pointers move down).
func strRunMax(si, di uint64, as, s uint8, back bool) uint64 {
	switch {
	case as == 8:
		return ^uint64(0)
	case back:
		return min(si/uint64(s), di/uint64(s)) + 1
	}
	top := uint64(1) << (8 * uint64(as)) // 2^16 or 2^32: the index registers wrap there
	return min((top-si)/uint64(s), (top-di)/uint64(s))
}

// ramRun translates a run of nb bytes at linear address lin that lies within one page
// and returns its offset in guest RAM; ok is false when the run cannot take the bulk path
// (not RAM, non-canonical, or a translation fault, which the element path then raises).
func (c *CPU) ramRun(lin, nb uint64, acc mmu.Access) (pa uint64, ok bool) {
	if c.long && !canonical(lin) {
		return 0, false
	}
	p, mf := c.mem.Translate(mmu.VAddr(lin), acc, c.user, c.acFlag())
	if mf != nil || uint64(p)+nb > uint64(len(c.mem.RAM())) {
		return 0, false
	}
	return uint64(p), true
}

// pageRun limits a run of k elements of s bytes starting with the element at lin to its
// page (back: the run goes down from lin, as with DF=1).
func pageRun(lin, k uint64, s uint8, back bool) uint64 {
	off := lin & 0xFFF
	if !back {
		return min(k, (0x1000-off)/uint64(s))
	}
	if off+uint64(s) > 0x1000 {
		return 0
	}
	return min(k, off/uint64(s)+1)
}

// runStart returns the lowest linear address of a run of k elements starting at lin.
func runStart(lin, k uint64, s uint8, back bool) uint64 {
	if back {
		return lin - (k-1)*uint64(s)
	}
	return lin
}

// movsRun copies up to k elements of s bytes (forward, or backward with DF=1) directly
// between RAM pages, as far as both runs stay inside their pages, and returns the number
// copied (0: use the element path). Where source and destination overlap so that an
// element copy would re-read bytes it already wrote (forward with the destination above
// the source, backward with it below), the element path keeps the hardware's byte
// replication; every other case equals a block move.
func (c *CPU) movsRun(src, dst, k uint64, s uint8, back bool) uint64 {
	if c.memSlow {
		return 0
	}
	k = pageRun(dst, pageRun(src, k, s, back), s, back)
	if k < 2 {
		return 0
	}
	src, dst = runStart(src, k, s, back), runStart(dst, k, s, back)
	nb := k * uint64(s)
	ps, ok := c.ramRun(src, nb, mmu.Read)
	if !ok {
		return 0
	}
	pd, ok := c.ramRun(dst, nb, mmu.Write)
	if !ok || !back && pd > ps && pd < ps+nb || back && pd < ps && pd+nb > ps {
		return 0
	}
	// WritePhys copies with memmove semantics and drops decoded instructions of the page
	// it writes.
	c.mem.WritePhys(mmu.PAddr(pd), c.mem.RAM()[ps:ps+nb])
	return k
}

// stosRun fills up to k elements of s bytes (forward, or backward with DF=1) with v
// directly in a RAM page and returns the number stored (0: use the element path).
func (c *CPU) stosRun(dst, k uint64, s uint8, v uint64, back bool) uint64 {
	if c.memSlow {
		return 0
	}
	k = pageRun(dst, k, s, back)
	if k < 2 {
		return 0
	}
	dst = runStart(dst, k, s, back)
	nb := k * uint64(s)
	pd, ok := c.ramRun(dst, nb, mmu.Write)
	if !ok {
		return 0
	}
	c.mem.PrepareWrite(mmu.PAddr(pd), nb) // a write tracker sees the old bytes
	b := c.mem.RAM()[pd : pd+nb]
	for i := uint8(0); i < s; i++ {
		b[i] = byte(v >> (8 * i))
	}
	for i := uint64(s); i < nb; i *= 2 {
		copy(b[i:], b[:i])
	}
	// Writing the run onto itself through WritePhys drops decoded code on the page.
	c.mem.WritePhys(mmu.PAddr(pd), b)
	return k
}

// leN reads a little-endian value of s bytes.
func leN(b []byte, s uint8) uint64 {
	switch s {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(b[0]) | uint64(b[1])<<8
	case 4:
		return uint64(leU32(b))
	}
	return leU64(b)
}

func leU32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// scasRun compares acc with up to k forward elements in one RAM page. It returns the
// number of elements compared (0: use the element path), the last element and whether
// the repeat condition ended the scan (repne: an equal element; repe: a different one).
func (c *CPU) scasRun(dst, k uint64, s uint8, acc uint64, repne bool) (uint64, uint64, bool) {
	if c.memSlow {
		return 0, 0, false
	}
	k = pageRun(dst, k, s, false)
	if k < 2 {
		return 0, 0, false
	}
	pd, ok := c.ramRun(dst, k*uint64(s), mmu.Read)
	if !ok {
		return 0, 0, false
	}
	b := c.mem.RAM()[pd : pd+k*uint64(s)]
	if s == 1 && repne {
		// REPNE SCASB (strlen, memchr): the common case gets the library search.
		if j := bytes.IndexByte(b, byte(acc)); j >= 0 {
			return uint64(j) + 1, acc, true
		}
		return k, uint64(b[k-1]), false
	}
	var v uint64
	for j := uint64(0); j < k; j++ {
		v = leN(b[j*uint64(s):], s)
		if (v == acc) == repne {
			return j + 1, v, true
		}
	}
	return k, v, false
}

// cmpsRun compares up to k forward element pairs in one source and one destination RAM
// page, like scasRun, returning the count, the last pair and whether the scan ended.
func (c *CPU) cmpsRun(src, dst, k uint64, s uint8, repne bool) (uint64, uint64, uint64, bool) {
	if c.memSlow {
		return 0, 0, 0, false
	}
	k = pageRun(dst, pageRun(src, k, s, false), s, false)
	if k < 2 {
		return 0, 0, 0, false
	}
	nb := k * uint64(s)
	ps, ok := c.ramRun(src, nb, mmu.Read)
	if !ok {
		return 0, 0, 0, false
	}
	pd, ok := c.ramRun(dst, nb, mmu.Read)
	if !ok {
		return 0, 0, 0, false
	}
	ram := c.mem.RAM()
	bs, bd := ram[ps:ps+nb], ram[pd:pd+nb]
	var a, v uint64
	if !repne {
		// REPE CMPS (memcmp): the first differing byte decides, found eight bytes at a
		// time.
		j := mismatch(bs, bd) / uint64(s)
		if j == k {
			j = k - 1
		}
		a, v = leN(bs[j*uint64(s):], s), leN(bd[j*uint64(s):], s)
		return j + 1, a, v, a != v
	}
	for j := uint64(0); j < k; j++ {
		a, v = leN(bs[j*uint64(s):], s), leN(bd[j*uint64(s):], s)
		if (a == v) == repne {
			return j + 1, a, v, true
		}
	}
	return k, a, v, false
}

// mismatch returns the index of the first byte where a and b (of equal length) differ,
// or their length.
func mismatch(a, b []byte) uint64 {
	n := uint64(len(a))
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		if x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]); x != 0 {
			return i + uint64(bits.TrailingZeros64(x)>>3)
		}
	}
	for ; i < n && a[i] == b[i]; i++ {
	}
	return i
}

// movs is MOVS m, m.
func movs(c *CPU, u *uop) *Fault {
	s, as := u.osize, u.asize
	m := sizeMask[as]
	step := c.strStep(s)
	if u.aux&strRep == 0 {
		v, f := c.read(c.linear(u.seg, c.GPR[RSI]&m), s)
		if f != nil {
			return f
		}
		if f := c.write(c.linear(ES, c.GPR[RDI]&m), s, v); f != nil {
			return f
		}
		c.setReg(RSI, as, c.GPR[RSI]+step)
		c.setReg(RDI, as, c.GPR[RDI]+step)
		return nil
	}
	n := c.GPR[RCX] & m
	if n == 0 {
		return nil // no iteration: nothing is written, not even a zero-extension
	}
	si, di := c.GPR[RSI]&m, c.GPR[RDI]&m
	var f *Fault
	for lim := uint64(c.strLimit()); n != 0; lim-- {
		if lim == 0 {
			c.strYield()
			break
		}
		if n > 1 && lim > 1 {
			k := min(n, lim, strRunMax(si, di, as, s, step != uint64(s)))
			if k = c.movsRun(c.linear(u.seg, si), c.linear(ES, di), k, s, step != uint64(s)); k > 0 {
				si, di, n, lim = (si+k*step)&m, (di+k*step)&m, n-k, lim-k+1
				continue
			}
		}
		var v uint64
		if v, f = c.read(c.linear(u.seg, si), s); f != nil {
			break
		}
		if f = c.write(c.linear(ES, di), s, v); f != nil {
			break
		}
		si, di, n = (si+step)&m, (di+step)&m, n-1
	}
	c.setReg(RSI, as, si)
	c.setReg(RDI, as, di)
	c.setReg(RCX, as, n)
	return f
}

// stos is STOS m: store AL/AX/EAX/RAX at ES:RDI.
func stos(c *CPU, u *uop) *Fault {
	s, as := u.osize, u.asize
	m := sizeMask[as]
	step := c.strStep(s)
	v := c.GPR[RAX]
	if u.aux&strRep == 0 {
		if f := c.write(c.linear(ES, c.GPR[RDI]&m), s, v); f != nil {
			return f
		}
		c.setReg(RDI, as, c.GPR[RDI]+step)
		return nil
	}
	n := c.GPR[RCX] & m
	if n == 0 {
		return nil // no iteration: nothing is written, not even a zero-extension
	}
	di := c.GPR[RDI] & m
	var f *Fault
	for lim := uint64(c.strLimit()); n != 0; lim-- {
		if lim == 0 {
			c.strYield()
			break
		}
		if n > 1 && lim > 1 {
			k := min(n, lim, strRunMax(di, di, as, s, step != uint64(s)))
			if k = c.stosRun(c.linear(ES, di), k, s, v, step != uint64(s)); k > 0 {
				di, n, lim = (di+k*step)&m, n-k, lim-k+1
				continue
			}
		}
		if f = c.write(c.linear(ES, di), s, v); f != nil {
			break
		}
		di, n = (di+step)&m, n-1
	}
	c.setReg(RDI, as, di)
	c.setReg(RCX, as, n)
	return f
}

// lods is LODS m: load AL/AX/EAX/RAX from DS:RSI (segment overridable).
func lods(c *CPU, u *uop) *Fault {
	s, as := u.osize, u.asize
	m := sizeMask[as]
	step := c.strStep(s)
	if u.aux&strRep == 0 {
		v, f := c.read(c.linear(u.seg, c.GPR[RSI]&m), s)
		if f != nil {
			return f
		}
		c.setReg(RAX, s, v)
		c.setReg(RSI, as, c.GPR[RSI]+step)
		return nil
	}
	n := c.GPR[RCX] & m
	if n == 0 {
		return nil // no iteration: nothing is written, not even a zero-extension
	}
	si := c.GPR[RSI] & m
	var f *Fault
	for lim := c.strLimit(); n != 0; lim-- {
		if lim == 0 {
			c.strYield()
			break
		}
		var v uint64
		if v, f = c.read(c.linear(u.seg, si), s); f != nil {
			break
		}
		c.setReg(RAX, s, v)
		si, n = (si+step)&m, n-1
	}
	c.setReg(RSI, as, si)
	c.setReg(RCX, as, n)
	return f
}

// cmps is CMPS m, m: compare DS:RSI with ES:RDI (flags of [RSI] - [RDI]).
func cmps(c *CPU, u *uop) *Fault {
	s, as := u.osize, u.asize
	m := sizeMask[as]
	step := c.strStep(s)
	n := c.GPR[RCX] & m
	if u.aux&strRep == 0 {
		n = 1
	} else if n == 0 {
		return nil
	}
	si, di := c.GPR[RSI]&m, c.GPR[RDI]&m
	var f *Fault
	for lim := c.strLimit(); n != 0; lim-- {
		if lim == 0 {
			c.strYield()
			break
		}
		if u.aux&strRep != 0 && step == uint64(s) && n > 1 && lim > 1 {
			k := min(n, lim, strRunMax(si, di, as, s, false))
			if k, a, b, stop := c.cmpsRun(c.linear(u.seg, si), c.linear(ES, di), k, s, u.aux&strRepNE != 0); k > 0 {
				c.setFlagsSub(a, b, (a-b)&sizeMask[s], s)
				si, di, n, lim = (si+k*step)&m, (di+k*step)&m, n-k, lim-k+1
				if stop {
					break
				}
				continue
			}
		}
		var a, b uint64
		if a, f = c.read(c.linear(u.seg, si), s); f != nil {
			break
		}
		if b, f = c.read(c.linear(ES, di), s); f != nil {
			break
		}
		c.setFlagsSub(a, b, (a-b)&sizeMask[s], s)
		si, di, n = (si+step)&m, (di+step)&m, n-1
		if u.aux&strRep == 0 || (a == b) == (u.aux&strRepNE != 0) {
			break
		}
	}
	c.setReg(RSI, as, si)
	c.setReg(RDI, as, di)
	if u.aux&strRep != 0 {
		c.setReg(RCX, as, n)
	}
	return f
}

// scas is SCAS m: compare AL/AX/EAX/RAX with ES:RDI (flags of acc - [RDI]).
func scas(c *CPU, u *uop) *Fault {
	s, as := u.osize, u.asize
	m := sizeMask[as]
	step := c.strStep(s)
	n := c.GPR[RCX] & m
	if u.aux&strRep == 0 {
		n = 1
	} else if n == 0 {
		return nil
	}
	a := c.GPR[RAX] & sizeMask[s]
	di := c.GPR[RDI] & m
	var f *Fault
	for lim := c.strLimit(); n != 0; lim-- {
		if lim == 0 {
			c.strYield()
			break
		}
		if u.aux&strRep != 0 && step == uint64(s) && n > 1 && lim > 1 {
			k := min(n, lim, strRunMax(di, di, as, s, false))
			if k, v, stop := c.scasRun(c.linear(ES, di), k, s, a, u.aux&strRepNE != 0); k > 0 {
				c.setFlagsSub(a, v, (a-v)&sizeMask[s], s)
				di, n, lim = (di+k*step)&m, n-k, lim-k+1
				if stop {
					break
				}
				continue
			}
		}
		var b uint64
		if b, f = c.read(c.linear(ES, di), s); f != nil {
			break
		}
		c.setFlagsSub(a, b, (a-b)&sizeMask[s], s)
		di, n = (di+step)&m, n-1
		if u.aux&strRep == 0 || (a == b) == (u.aux&strRepNE != 0) {
			break
		}
	}
	c.setReg(RDI, as, di)
	if u.aux&strRep != 0 {
		c.setReg(RCX, as, n)
	}
	return f
}
