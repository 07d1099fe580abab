package cpu

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/kppemu/kppemu/mmu"
)

// Event kinds for deliverEvent.
const (
	evException = iota // fault or abort: RIP is the faulting instruction
	evTrap             // debug trap after an instruction: RIP is the next instruction
	evSoftware         // INT n / INT3 / INTO: gate DPL checked, RIP is the next instruction
	evExternal         // INTR
	evNMI
)

// Exception classes for double-fault escalation (SDM Vol. 3A §6.15, Table 6-5).
func contributory(v uint8) bool {
	switch v {
	case VecDE, VecTS, VecNP, VecSS, VecGP:
		return true
	}
	return false
}

func causesDF(first, second uint8) bool {
	if contributory(first) {
		return contributory(second)
	}
	if first == VecPF {
		return contributory(second) || second == VecPF
	}
	return false
}

// exception delivers fault f raised by the instruction at c.ip0 (RIP already rolled back),
// escalating to #DF and triple fault as the SDM's Table 6-5 says.
func (c *CPU) exception(f *Fault) {
	var chain [8]Fault
	n := 0
	cur := *f
	chain[n] = cur
	n++
	for {
		if cur.Vector == VecPF {
			c.CR2 = cur.CR2
		}
		g := c.deliverEvent(cur.Vector, cur.Code, cur.HasCode, evException)
		if g == nil {
			return
		}
		next := *g
		chain[n] = next
		n++
		if cur.Vector == VecDF || n >= len(chain)-1 {
			c.tripleFault(chain[:n])
			return
		}
		if causesDF(cur.Vector, next.Vector) {
			if next.Vector == VecPF {
				c.CR2 = next.CR2
			}
			next = Fault{Vector: VecDF, HasCode: true}
			chain[n] = next
			n++
		}
		cur = next
	}
}

// tripleFault stops the CPU (shutdown) with a diagnosis of the fault chain.
func (c *CPU) tripleFault(chain []Fault) {
	var parts []string
	for _, f := range chain {
		parts = append(parts, f.String())
	}
	diag := fmt.Sprintf("triple fault at RIP %#x (CPL %d, CS %#x): %s", c.ip0, c.CPL, c.Seg[CS].Selector,
		strings.Join(parts, " -> "))
	c.log.Error("cpu shutdown", "diag", diag)
	c.Halted = true
	c.Shutdown = true
	c.ShutdownMsg = diag
	c.syncPending()
	c.stop(Exit{Reason: ExitTripleFault, Diag: diag})
}

// deliverEvent delivers vector vec through the IDT. kind decides the return address
// (the current c.RIP is pushed; the caller has set it to the faulting or next instruction)
// and the checks. A fault while delivering is returned, with nothing changed.
func (c *CPU) deliverEvent(vec uint8, code uint32, hasCode bool, kind int) *Fault {
	c.wake()
	if vec == VecDB && kind != evSoftware {
		// Entering the #DB handler clears DR7.GD, so that the handler
		// itself can use the debug registers (SDM Vol. 3B 17.2.4).
		c.DR[7] &^= dr7GD
	}
	if c.realMode() {
		return c.deliverReal(vec)
	}
	if c.EFER&EFERLMA != 0 {
		return c.deliverLong(vec, code, hasCode, kind)
	}
	return c.deliverProt(vec, code, hasCode, kind)
}

// idtErr is the error code of a fault that refers to IDT entry vec (SDM Vol. 3A §6.13).
func idtErr(vec uint8, kind int) uint32 {
	e := uint32(vec)<<3 | 2
	if kind != evSoftware {
		e |= 1 // EXT
	}
	return e
}

// selErr is the error code of a fault that refers to selector sel during delivery.
func selErr(sel uint16, kind int) uint32 {
	e := uint32(sel &^ 3)
	if kind != evSoftware {
		e |= 1
	}
	return e
}

// deliverLong is IA-32e mode delivery through a 64-bit gate (SDM Vol. 3A §6.14).
func (c *CPU) deliverLong(vec uint8, code uint32, hasCode bool, kind int) *Fault {
	off := uint64(vec) * 16
	if off+15 > uint64(c.IDTR.Limit) {
		return c.gp(idtErr(vec, kind))
	}
	lo, f := c.readSys(c.IDTR.Base+off, 8)
	if f != nil {
		return f
	}
	hi, f := c.readSys(c.IDTR.Base+off+8, 8)
	if f != nil {
		return f
	}
	gtype := uint8(lo>>40) & 0xF
	gdpl := uint8(lo>>45) & 3
	if gtype != sysIntGate && gtype != sysTrapGate {
		return c.gp(idtErr(vec, kind))
	}
	if kind == evSoftware && gdpl < c.CPL {
		return c.gp(idtErr(vec, kind))
	}
	if lo&(1<<47) == 0 {
		return c.raiseCode(VecNP, idtErr(vec, kind))
	}
	sel := uint16(lo >> 16)
	target := lo&0xFFFF | (lo>>48&0xFFFF)<<16 | (hi&0xFFFFFFFF)<<32
	ist := uint8(lo>>32) & 7

	if sel&^3 == 0 {
		return c.gp(selErr(0, kind))
	}
	d, _, f := c.readDesc(sel)
	if f != nil {
		c.fault.Code = selErr(sel, kind)
		return f
	}
	a := descAttr(d)
	dpl := attrDPL(a)
	if !isCode(a) || a&attrL == 0 || a&attrDB != 0 || dpl > c.CPL {
		return c.gp(selErr(sel, kind))
	}
	if a&attrP == 0 {
		return c.raiseCode(VecNP, selErr(sel, kind))
	}
	newCPL := c.CPL
	if a&0x4 == 0 { // non-conforming
		newCPL = dpl
	}
	rsp := c.GPR[RSP]
	ssSel := c.Seg[SS].Selector
	if newCPL < c.CPL || ist != 0 {
		var tssOff uint64
		if ist != 0 {
			tssOff = 36 + uint64(ist-1)*8
		} else {
			tssOff = 4 + uint64(newCPL)*8
		}
		if tssOff+7 > uint64(c.TR.Limit) {
			return c.raiseCode(VecTS, selErr(c.TR.Selector, kind))
		}
		v, f := c.readSys(c.TR.Base+tssOff, 8)
		if f != nil {
			return f
		}
		rsp = v
		if newCPL < c.CPL {
			ssSel = uint16(newCPL)
		}
	}
	if !canonical(rsp) {
		return c.ss(selErr(0, kind))
	}
	rsp &^= 15
	if !canonical(target) {
		return c.gp(selErr(0, kind))
	}
	var frame [48]byte
	n := 40
	fl := c.frameFlags(vec, kind)
	if hasCode {
		n = 48
		binary.LittleEndian.PutUint64(frame[0:], uint64(code))
	}
	b := frame[n-40:]
	binary.LittleEndian.PutUint64(b[0:], c.RIP)
	binary.LittleEndian.PutUint64(b[8:], uint64(c.Seg[CS].Selector))
	binary.LittleEndian.PutUint64(b[16:], fl)
	binary.LittleEndian.PutUint64(b[24:], c.GPR[RSP])
	binary.LittleEndian.PutUint64(b[32:], uint64(c.Seg[SS].Selector))
	newRSP := rsp - uint64(n)
	if !canonical(newRSP) {
		return c.ss(selErr(0, kind))
	}
	if f := c.writeFrame(newRSP, frame[:n], newCPL); f != nil {
		return f
	}
	// Commit.
	if newCPL < c.CPL {
		c.Seg[SS] = Segment{Selector: ssSel, Attr: attrP | attrS | 0x3 | uint16(newCPL)<<5}
	}
	c.GPR[RSP] = newRSP
	c.loadCS(sel, d, newCPL)
	c.RIP = target
	nf := fl &^ (FlagTF | FlagNT | FlagRF | FlagVM)
	if gtype == sysIntGate {
		nf &^= FlagIF
	}
	c.writeFlagsRaw(nf)
	return nil
}

// writeFrame writes an interrupt frame at linear address addr with the privilege of cpl.
// Pages are checked from the top of the frame down, as the pushes happen, so a #PF
// reports the address of the first push that faults (SS at the top).
func (c *CPU) writeFrame(addr uint64, frame []byte, cpl uint8) *Fault {
	save := c.user
	c.user = cpl == 3
	ac, acChk, slow := c.RFLAGS, c.acChk, c.memSlow
	c.RFLAGS &^= FlagAC
	c.acChk = false
	c.memSlow = c.watchOn
	var f *Fault
	slot := uint64(8)
	if !c.long && c.EFER&EFERLMA == 0 {
		slot = 4
	}
	top := addr + uint64(len(frame)) - slot
	page := ^uint64(0)
	for a := top; ; a -= slot {
		if a>>12 != page {
			page = a >> 12
			if _, mf := c.mem.Translate(mmu.VAddr(a), mmu.Write, c.user, false); mf != nil {
				f = c.pageFault(a, mf.Code)
				break
			}
		}
		if a <= addr {
			break
		}
	}
	// Every page is writable now: store slot by slot (no slice reaches the MMU, so the
	// frame stays on the Go stack).
	for off := 0; f == nil && off < len(frame); off += int(slot) {
		var v uint64
		if slot == 8 {
			v = leU64(frame[off:])
		} else {
			v = uint64(frame[off]) | uint64(frame[off+1])<<8 | uint64(frame[off+2])<<16 | uint64(frame[off+3])<<24
		}
		f = c.write(addr+uint64(off), uint8(slot), v)
	}
	c.RFLAGS, c.acChk, c.memSlow = ac, acChk, slow
	c.user = save
	if f != nil && f.Vector == VecGP {
		f.Vector = VecSS
	}
	return f
}

// deliverProt is 32-bit protected-mode delivery through a 32-bit interrupt or trap gate
// (SDM Vol. 3A §6.12); task gates and 16-bit gates are not supported (#GP).
func (c *CPU) deliverProt(vec uint8, code uint32, hasCode bool, kind int) *Fault {
	off := uint64(vec) * 8
	if off+7 > uint64(c.IDTR.Limit) {
		return c.gp(idtErr(vec, kind))
	}
	g, f := c.readSys(uint64(uint32(c.IDTR.Base+off)), 8)
	if f != nil {
		return f
	}
	gtype := uint8(g>>40) & 0xF
	gdpl := uint8(g>>45) & 3
	if gtype != sysIntGate && gtype != sysTrapGate {
		return c.gp(idtErr(vec, kind))
	}
	if kind == evSoftware && gdpl < c.CPL {
		return c.gp(idtErr(vec, kind))
	}
	if g&(1<<47) == 0 {
		return c.raiseCode(VecNP, idtErr(vec, kind))
	}
	sel := uint16(g >> 16)
	target := g&0xFFFF | (g>>48&0xFFFF)<<16
	if sel&^3 == 0 {
		return c.gp(selErr(0, kind))
	}
	d, _, f := c.readDesc(sel)
	if f != nil {
		c.fault.Code = selErr(sel, kind)
		return f
	}
	a := descAttr(d)
	dpl := attrDPL(a)
	if !isCode(a) || dpl > c.CPL {
		return c.gp(selErr(sel, kind))
	}
	if a&attrP == 0 {
		return c.raiseCode(VecNP, selErr(sel, kind))
	}
	newCPL := c.CPL
	if a&0x4 == 0 {
		newCPL = dpl
	}
	fl := c.frameFlags(vec, kind)
	var buf [24]byte
	b := buf[:0]
	if hasCode {
		b = binary.LittleEndian.AppendUint32(b, code)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(c.RIP))
	b = binary.LittleEndian.AppendUint32(b, uint32(c.Seg[CS].Selector))
	b = binary.LittleEndian.AppendUint32(b, uint32(fl))
	var newSS Segment
	var esp uint64
	if newCPL < c.CPL {
		b = binary.LittleEndian.AppendUint32(b, uint32(c.GPR[RSP]))
		b = binary.LittleEndian.AppendUint32(b, uint32(c.Seg[SS].Selector))
		// 32-bit TSS: ESPn at 4+8n, SSn at 8+8n.
		if uint64(8+8*newCPL)+1 > uint64(c.TR.Limit) {
			return c.raiseCode(VecTS, selErr(c.TR.Selector, kind))
		}
		v, f := c.readSys(c.TR.Base+4+8*uint64(newCPL), 8)
		if f != nil {
			return f
		}
		esp = v & 0xFFFFFFFF
		ssSel := uint16(v >> 32)
		sd, _, f := c.readDesc(ssSel)
		if f != nil {
			c.fault.Vector = VecTS
			return f
		}
		sa := descAttr(sd)
		if ssSel&3 != uint16(newCPL) || attrDPL(sa) != newCPL || sa&attrS == 0 || sa&0xA != 0x2 {
			return c.raiseCode(VecTS, selErr(ssSel, kind))
		}
		if sa&attrP == 0 {
			return c.raiseCode(VecSS, selErr(ssSel, kind))
		}
		newSS = segFromDesc(ssSel, sd)
	} else {
		newSS = c.Seg[SS]
		esp = c.GPR[RSP]
	}
	mem := b // lowest address first: [error code], EIP, CS, EFLAGS, [ESP, SS]
	spMask := uint64(0xFFFFFFFF)
	if newSS.Attr&attrDB == 0 {
		spMask = 0xFFFF
	}
	newESP := (esp - uint64(len(mem))) & spMask
	lin := uint64(uint32(newSS.Base + newESP))
	if f := c.writeFrame(lin, mem, newCPL); f != nil {
		return f
	}
	if newCPL < c.CPL {
		c.Seg[SS] = newSS
	}
	c.GPR[RSP] = (esp&^spMask | newESP) & 0xFFFFFFFF
	c.loadCS(sel, d, newCPL)
	c.RIP = target
	nf := fl &^ (FlagTF | FlagNT | FlagRF | FlagVM)
	if gtype == sysIntGate {
		nf &^= FlagIF
	}
	c.writeFlagsRaw(nf)
	return nil
}

// writeFlagsRaw sets RFLAGS without privilege checks and updates what derives from IF/TF.
func (c *CPU) writeFlagsRaw(v uint64) {
	c.setRFLAGS(v)
	c.syncPending()
}
