package cpu

// System instructions: HLT, MOV to/from control and debug registers.

func init() {
	register("HLT", func(u *uop, d *decodeInfo) bool { u.fn = hlt; return true })
}

// hlt is HLT: privileged; the CPU halts until an interrupt or NMI.
func hlt(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	c.Halted = true
	c.setPending(pendHalt)
	return nil
}

// Reserved-bit masks for CR writes (SDM Vol. 3A §2.5).
const (
	cr0Writable = CR0PE | CR0MP | CR0EM | CR0TS | CR0ET | CR0NE | CR0WP | CR0AM | CR0NW | CR0CD | CR0PG
	cr4Writable = CR4VME | CR4PVI | CR4TSD | CR4DE | CR4PSE | CR4PAE | CR4MCE | CR4PGE | CR4PCE |
		CR4OSFXSR | CR4OSXMMEXCPT | CR4UMIP | CR4FSGSBASE | CR4OSXSAVE | CR4SMEP | CR4SMAP | CR4PKE
)

// movCRReg is MOV CRn, r.
func movCRReg(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	v := c.reg(u.r[1], u.sz[1])
	return c.writeCR(u.r[0], v)
}

// writeCR writes control register n with the architectural checks.
func (c *CPU) writeCR(n uint8, v uint64) *Fault {
	switch n {
	case 0:
		if !c.long {
			v = uint64(uint32(v))
		}
		if v&^uint64(cr0Writable) != 0 {
			return c.gp(0)
		}
		if v&CR0PG != 0 && v&CR0PE == 0 || v&CR0NW != 0 && v&CR0CD == 0 {
			return c.gp(0)
		}
		v |= CR0ET
		if v == c.CR0 {
			// Nothing changes: no mode, paging or TLB effect (the TLB is flushed only
			// when CR0.PG changes, SDM Vol. 3A §4.10.4.1).
			return nil
		}
		efer := c.EFER
		if v&CR0PG != 0 && c.CR0&CR0PG == 0 && efer&EFERLME != 0 {
			// Activating IA-32e mode (SDM Vol. 3A §10.8.5).
			if c.CR4&CR4PAE == 0 || c.Seg[CS].Attr&attrL != 0 {
				return c.gp(0)
			}
			efer |= EFERLMA
		}
		if v&CR0PG == 0 && c.CR0&CR0PG != 0 && efer&EFERLMA != 0 {
			if c.long {
				return c.gp(0)
			}
			efer &^= EFERLMA
		}
		c.CR0 = v
		c.EFER = efer
		c.updateAC()
		c.updateMode()
		c.pushControl()
	case 2:
		c.CR2 = v
	case 3:
		if !c.long {
			v = uint64(uint32(v))
		}
		if v>>52 != 0 {
			return c.gp(0)
		}
		c.CR3 = v
		c.pushControl()
	case 4:
		if v&^uint64(cr4Writable) != 0 {
			return c.gp(0)
		}
		if c.EFER&EFERLMA != 0 && v&CR4PAE == 0 || v&CR4OSXSAVE != 0 && !hasXSAVE() ||
			v&CR4FSGSBASE != 0 && !hasFSGSBASE() || v&CR4PKE != 0 && !hasPKU() {
			return c.gp(0)
		}
		c.CR4 = v
		c.pushControl()
	case 8:
		if !c.long {
			return c.ud()
		}
		if v>>4 != 0 {
			return c.gp(0)
		}
		c.CR8 = v
		if c.tprHook != nil && (c.tprView == nil || *c.tprView != uint32(v)<<4) {
			c.tprHook(uint8(v))
		}
	default:
		return c.ud()
	}
	return nil
}

// movRegCR is MOV r, CRn.
func movRegCR(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	var v uint64
	switch u.r[1] {
	case 0:
		v = c.CR0
	case 2:
		v = c.CR2
	case 3:
		v = c.CR3
	case 4:
		v = c.CR4
	case 8:
		if !c.long {
			return c.ud()
		}
		v = c.CR8
	default:
		return c.ud()
	}
	c.setReg(u.r[0], u.sz[0], v)
	return nil
}

// TPR returns CR8 (the task-priority register), for the local APIC to mirror.
func (c *CPU) TPR() uint8 { return uint8(c.CR8) }

// SetTPR sets CR8 from the APIC side (writes of the APIC TPR register).
func (c *CPU) SetTPR(v uint8) { c.CR8 = uint64(v & 15) }

// drIndex resolves DR4/DR5 aliases (#UD when CR4.DE=1).
func (c *CPU) drIndex(n uint8) (uint8, *Fault) {
	switch n {
	case 4, 5:
		if c.CR4&CR4DE != 0 {
			return 0, c.ud()
		}
		return n + 2, nil
	case 0, 1, 2, 3, 6, 7:
		return n, nil
	}
	return 0, c.ud()
}

// generalDetect is the general-detect condition of MOV to or from a debug
// register (SDM Vol. 3B 17.2.4): with DR7.GD=1 the access is a fault-class
// #DB before the instruction runs, with DR6.BD set and B0-B3 clear. The
// processor clears GD when it enters the #DB handler (deliverEvent).
func (c *CPU) generalDetect() *Fault {
	if c.DR[7]&dr7GD == 0 {
		return nil
	}
	c.DR[6] = c.DR[6]&^0xF | dr6BD
	return c.raise(VecDB)
}

const (
	dr7GD = 1 << 13 // DR7 general detect enable
	dr6BD = 1 << 13 // DR6 debug-register access detected
)

// movDRReg is MOV DRn, r.
func movDRReg(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	n, f := c.drIndex(u.r[0])
	if f != nil {
		return f
	}
	if f := c.generalDetect(); f != nil {
		return f
	}
	v := c.reg(u.r[1], u.sz[1])
	switch n {
	case 6:
		if v>>32 != 0 {
			return c.gp(0)
		}
		v = v | 0xFFFF0FF0
	case 7:
		if v>>32 != 0 {
			return c.gp(0)
		}
		v = v&^(1<<11|1<<12|1<<14|1<<15) | 0x400
	}
	c.DR[n] = v
	c.updateDR()
	return nil
}

// movRegDR is MOV r, DRn.
func movRegDR(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	n, f := c.drIndex(u.r[1])
	if f != nil {
		return f
	}
	if f := c.generalDetect(); f != nil {
		return f
	}
	c.setReg(u.r[0], u.sz[0], c.DR[n])
	return nil
}

func init() {
	reg0 := func(name string, fn handler) {
		register(name, func(u *uop, d *decodeInfo) bool { u.fn = fn; return true })
	}
	register("LGDT", xlateLxDT)
	register("LIDT", xlateLxDT)
	register("SGDT", xlateSxDT)
	register("SIDT", xlateSxDT)
	register("LLDT", xlateSelRM(lldt))
	register("LTR", xlateSelRM(ltr))
	register("SLDT", xlateStoreSel)
	register("STR", xlateStoreSel)
	register("SMSW", xlateStoreSel)
	register("LMSW", xlateSelRM(lmsw))
	reg0("CLTS", clts)
	register("INVLPG", func(u *uop, d *decodeInfo) bool {
		u.fn = invlpg
		return u.kind[0] == kMem
	})
	reg0("INVD", privNop)
	reg0("WBINVD", privNop)
	reg0("LFENCE", handleNOP)
	reg0("MFENCE", handleNOP)
	reg0("SFENCE", handleNOP)
	register("CLFLUSH", func(u *uop, d *decodeInfo) bool {
		u.fn = clflush
		return u.kind[0] == kMem
	})
	reg0("XGETBV", xgetbv)
	reg0("XSETBV", xsetbv)
	reg0("RDTSC", rdtsc)
	reg0("RDTSCP", rdtscp)
	register("RDRAND", func(u *uop, d *decodeInfo) bool {
		u.fn = rdrand
		return u.kind[0] == kReg
	})
	reg0("SWAPGS", swapgs)
	reg0("UD2", handleUD)
	reg0("UD1", handleUD)
	reg0("UD0", handleUD)
	hCLAC, hSTAC = clac, stac
	hRDRAND, hRDSEED, hRDPID = rdrand, rdrand, rdpid
}

// privNop is a CPL-0-only instruction with no architectural effect here (INVD, WBINVD).
func privNop(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	return nil
}

func xlateLxDT(u *uop, d *decodeInfo) bool {
	if u.kind[0] != kMem {
		return false
	}
	if d.name == "LIDT" {
		u.aux = 1
	}
	u.fn = lxdt
	return true
}

// lxdt is LGDT/LIDT m: limit (2 bytes) then base (8 bytes in 64-bit mode, else 4).
func lxdt(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	a := c.ea(u)
	lim, f := c.read(a, 2)
	if f != nil {
		return f
	}
	var base uint64
	if c.long {
		if base, f = c.read(a+2, 8); f != nil {
			return f
		}
		if !canonical(base) {
			return c.gp(0)
		}
	} else {
		if base, f = c.read(a+2, 4); f != nil {
			return f
		}
		if u.osize == 2 {
			base &= 0xFFFFFF
		}
	}
	t := &c.GDTR
	if u.aux == 1 {
		t = &c.IDTR
	}
	*t = DTR{Base: base, Limit: uint16(lim)}
	return nil
}

func xlateSxDT(u *uop, d *decodeInfo) bool {
	if u.kind[0] != kMem {
		return false
	}
	if d.name == "SIDT" {
		u.aux = 1
	}
	u.fn = sxdt
	return true
}

// sxdt is SGDT/SIDT m.
func sxdt(c *CPU, u *uop) *Fault {
	if c.CPL != 0 && c.CR4&CR4UMIP != 0 {
		return c.gp(0)
	}
	t := c.GDTR
	if u.aux == 1 {
		t = c.IDTR
	}
	var b [10]byte
	b[0], b[1] = byte(t.Limit), byte(t.Limit>>8)
	n := 6
	base := t.Base
	if c.long {
		n = 10
	} else {
		base &= 0xFFFFFFFF
	}
	for i := 0; i < n-2; i++ {
		b[2+i] = byte(base >> (8 * i))
	}
	return c.writeBuf(c.ea(u), b[:n])
}

// xlateSelRM builds a translator for instructions taking an r/m16 operand.
func xlateSelRM(fn handler) translator {
	return func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kReg && u.kind[0] != kMem {
			return false
		}
		u.sz[0] = 2
		if u.kind[0] == kReg {
			u.r[0] &= 15
		}
		u.fn = fn
		return true
	}
}

// lldt is LLDT r/m16.
func lldt(c *CPU, u *uop) *Fault {
	if c.realMode() {
		return c.ud() // not recognised in real-address mode
	}
	if c.CPL != 0 {
		return c.gp(0)
	}
	v, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	sel := uint16(v)
	if sel&^3 == 0 {
		c.LDTR = Segment{Selector: sel}
		return nil
	}
	if sel&4 != 0 {
		return c.gp(uint32(sel &^ 3))
	}
	lo, hi, _, f := c.sysDesc(sel)
	if f != nil {
		return f
	}
	a := descAttr(lo)
	if a&attrS != 0 || a&attrType != sysLDT {
		return c.gp(uint32(sel &^ 3))
	}
	if a&attrP == 0 {
		return c.raiseCode(VecNP, uint32(sel&^3))
	}
	s := segFromDesc(sel, lo)
	s.Attr = a
	s.Base |= hi << 32
	c.LDTR = s
	return nil
}

// sysDesc reads a system descriptor: 16 bytes in IA-32e mode, 8 otherwise.
func (c *CPU) sysDesc(sel uint16) (lo, hi, addr uint64, f *Fault) {
	if c.EFER&EFERLMA != 0 {
		return c.readDesc16(sel)
	}
	lo, addr, f = c.readDesc(sel)
	return lo, 0, addr, f
}

// ltr is LTR r/m16: loads TR from an available TSS descriptor and marks it busy.
func ltr(c *CPU, u *uop) *Fault {
	if c.realMode() {
		return c.ud() // not recognised in real-address mode
	}
	if c.CPL != 0 {
		return c.gp(0)
	}
	v, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	sel := uint16(v)
	if sel&^3 == 0 || sel&4 != 0 {
		return c.gp(uint32(sel &^ 3))
	}
	lo, hi, addr, f := c.sysDesc(sel)
	if f != nil {
		return f
	}
	a := descAttr(lo)
	if a&attrS != 0 || a&attrType != sysTSSAvail {
		return c.gp(uint32(sel &^ 3))
	}
	if a&attrP == 0 {
		return c.raiseCode(VecNP, uint32(sel&^3))
	}
	if f := c.writeSys(addr+5, 1, (lo>>40|2)&0xFF); f != nil {
		return f
	}
	s := segFromDesc(sel, lo)
	s.Attr = a | 2
	s.Base |= hi << 32
	c.TR = s
	return nil
}

// lmsw is LMSW r/m16: loads CR0 bits PE, MP, EM, TS; it cannot clear PE.
func lmsw(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	v, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	cr0 := c.CR0&^0xE | v&0xF | c.CR0&CR0PE
	return c.writeCR(0, cr0)
}

// clts is CLTS: clears CR0.TS.
func clts(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	c.CR0 &^= CR0TS
	return nil
}

func xlateStoreSel(u *uop, d *decodeInfo) bool {
	switch d.name {
	case "SLDT":
		u.aux = 0
	case "STR":
		u.aux = 1
	default:
		u.aux = 2
	}
	switch u.kind[0] {
	case kReg:
		u.r[0] &= 15
	case kMem:
		u.sz[0] = 2
	default:
		return false
	}
	u.fn = storeSel
	return true
}

// storeSel is SLDT/STR/SMSW r/m: memory stores 16 bits, registers get the operand size.
func storeSel(c *CPU, u *uop) *Fault {
	if u.aux != 2 && c.realMode() {
		return c.ud() // SLDT and STR are not recognised in real-address mode
	}
	if c.CPL != 0 && c.CR4&CR4UMIP != 0 {
		return c.gp(0)
	}
	var v uint64
	switch u.aux {
	case 0:
		v = uint64(c.LDTR.Selector)
	case 1:
		v = uint64(c.TR.Selector)
	default:
		v = c.CR0
		if u.kind[0] == kMem {
			v &= 0xFFFF
		}
	}
	return c.writeArg(u, 0, v)
}

// invlpg is INVLPG m.
func invlpg(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	if c.CR0&CR0PG == 0 {
		return nil // no translation to drop: without paging the TLB holds none that matters
	}
	c.mem.Invlpg(mmuVAddr(c.ea(u)))
	// The current code page stays current unless its own translation was dropped.
	if c.icLin != icInvalid && !c.mem.ExecCached(mmuVAddr(c.icLin), c.user) {
		c.resync()
	}
	return nil
}

// clflush is CLFLUSH m: no cache to flush, but the address must be readable.
func clflush(c *CPU, u *uop) *Fault {
	_, f := c.read(c.ea(u), 1)
	return f
}

// xgetbv is XGETBV: EDX:EAX = XCR0 (ECX = 0), or XCR0 & XINUSE (ECX = 1, advertised by
// CPUID.(EAX=0DH,ECX=1):EAX[2]).
func xgetbv(c *CPU, u *uop) *Fault {
	if c.CR4&CR4OSXSAVE == 0 {
		return c.ud()
	}
	var v uint64
	switch uint32(c.GPR[RCX]) {
	case 0:
		v = c.XCR0
	case 1:
		v = c.XCR0 & c.xinuse()
	default:
		return c.gp(0)
	}
	c.GPR[RAX] = v & 0xFFFFFFFF
	c.GPR[RDX] = v >> 32
	return nil
}

// xsetbv is XSETBV: XCR[ECX] = EDX:EAX. XCR0 holds x87 (always set), SSE and, with
// protection keys, PKRU; other bits are #GP(0).
func xsetbv(c *CPU, u *uop) *Fault {
	if c.CR4&CR4OSXSAVE == 0 {
		return c.ud()
	}
	if c.CPL != 0 || uint32(c.GPR[RCX]) != 0 {
		return c.gp(0)
	}
	v := c.GPR[RDX]<<32 | c.GPR[RAX]&0xFFFFFFFF
	if v&xcr0x87 == 0 || v&^xcr0Supported() != 0 {
		return c.gp(0)
	}
	c.XCR0 = v
	return nil
}

// rdtsc is RDTSC: EDX:EAX = Clock + IA32_TSC offset.
func rdtsc(c *CPU, u *uop) *Fault {
	if c.CR4&CR4TSD != 0 && c.CPL != 0 {
		return c.gp(0)
	}
	t := c.Clock + c.TSCOffset
	c.GPR[RAX] = t & 0xFFFFFFFF
	c.GPR[RDX] = t >> 32
	return nil
}

// rdtscp is RDTSCP: RDTSC plus ECX = IA32_TSC_AUX.
func rdtscp(c *CPU, u *uop) *Fault {
	if f := rdtsc(c, u); f != nil {
		return f
	}
	c.GPR[RCX] = c.TSCAux & 0xFFFFFFFF
	return nil
}

// rdrand is RDRAND/RDSEED r: a deterministic generator (splitmix64) seeded by Config.Seed
// and kept in State; always succeeds (CF=1, OF/SF/ZF/AF/PF=0).
func rdrand(c *CPU, u *uop) *Fault {
	c.RandState += 0x9E3779B97F4A7C15
	z := c.RandState
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	z ^= z >> 31
	sz := u.sz[0]
	if sz == 0 {
		sz = u.osize
	}
	c.setReg(u.r[0], sz, z)
	c.setFlagsBits(FlagCF, flagsArith)
	return nil
}

// swapgs is SWAPGS: exchanges GS.base and IA32_KERNEL_GS_BASE (64-bit mode, CPL 0).
func swapgs(c *CPU, u *uop) *Fault {
	if !c.long {
		return c.ud()
	}
	if c.CPL != 0 {
		return c.gp(0)
	}
	c.Seg[GS].Base, c.KernelGSBase = c.KernelGSBase, c.Seg[GS].Base
	return nil
}

// clac / stac are CLAC / STAC (SMAP): CPL 0 only (#UD otherwise).
func clac(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.ud()
	}
	c.RFLAGS &^= FlagAC
	c.updateAC()
	return nil
}

func stac(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.ud()
	}
	c.RFLAGS |= FlagAC
	c.updateAC()
	return nil
}

func init() {
	for _, n := range []string{"LAR", "LSL"} {
		register(n, func(u *uop, d *decodeInfo) bool {
			if u.kind[0] != kReg || (u.kind[1] != kReg && u.kind[1] != kMem) {
				return false
			}
			u.sz[1] = 2
			u.r[1] &= 15
			if d.name == "LSL" {
				u.aux = 1
			}
			u.fn = larLsl
			return true
		})
	}
	for _, n := range []string{"VERR", "VERW"} {
		register(n, func(u *uop, d *decodeInfo) bool {
			if u.kind[0] != kReg && u.kind[0] != kMem {
				return false
			}
			u.sz[0] = 2
			u.r[0] &= 15
			if d.name == "VERW" {
				u.aux = 1
			}
			u.fn = verrw
			return true
		})
	}
}

// selectorVisible reads the descriptor of sel for LAR/LSL/VERR/VERW and applies the
// privilege rule they share (DPL >= CPL and >= RPL, except for conforming code).
// ok=false means "ZF=0": these instructions report failures in ZF, not by faulting.
func (c *CPU) selectorVisible(sel uint16) (d uint64, ok bool, f *Fault) {
	if sel&^3 == 0 {
		return 0, false, nil
	}
	idx := uint64(sel &^ 7)
	base, limit := c.GDTR.Base, uint64(c.GDTR.Limit)
	if sel&4 != 0 {
		if c.LDTR.Selector&^3 == 0 {
			return 0, false, nil
		}
		base, limit = c.LDTR.Base, uint64(c.LDTR.Limit)
	}
	if idx+7 > limit {
		return 0, false, nil
	}
	d, f = c.readSys(base+idx, 8)
	if f != nil {
		return 0, false, f
	}
	a := descAttr(d)
	if isCode(a) && a&0x4 != 0 {
		return d, true, nil
	}
	dpl := attrDPL(a)
	if dpl < c.CPL || dpl < uint8(sel&3) {
		return d, false, nil
	}
	return d, true, nil
}

// larLsl is LAR r, r/m16 (access rights) and LSL r, r/m16 (segment limit).
func larLsl(c *CPU, u *uop) *Fault {
	if c.realMode() {
		return c.ud() // not recognised in real-address mode
	}
	v, f := c.readArg(u, 1)
	if f != nil {
		return f
	}
	d, ok, f := c.selectorVisible(uint16(v))
	if f != nil {
		return f
	}
	if ok && descAttr(d)&attrS == 0 {
		// System descriptors: LDT and TSSs for both, call gates for LAR only (64-bit types).
		switch descAttr(d) & attrType {
		case sysLDT, sysTSSAvail, sysTSSBusy:
		case sysCallGate:
			ok = u.aux == 0
		default:
			ok = false
		}
	}
	if !ok {
		c.setFlagsBits(0, FlagZF)
		return nil
	}
	var r uint64
	if u.aux == 0 {
		r = d >> 32 & 0x00F0FF00
	} else {
		r = uint64(descLimit(d))
	}
	c.setReg(u.r[0], u.sz[0], r)
	c.setFlagsBits(FlagZF, FlagZF)
	return nil
}

// verrw is VERR / VERW r/m16: ZF=1 when the segment is readable / writable from here.
func verrw(c *CPU, u *uop) *Fault {
	if c.realMode() {
		return c.ud() // not recognised in real-address mode
	}
	v, f := c.readArg(u, 0)
	if f != nil {
		return f
	}
	d, ok, f := c.selectorVisible(uint16(v))
	if f != nil {
		return f
	}
	a := descAttr(d)
	if ok {
		switch {
		case a&attrS == 0:
			ok = false
		case u.aux == 0: // VERR: data, or readable code
			ok = !isCode(a) || a&0x2 != 0
		default: // VERW: writable data
			ok = !isCode(a) && a&0x2 != 0
		}
	}
	if ok {
		c.setFlagsBits(FlagZF, FlagZF)
	} else {
		c.setFlagsBits(0, FlagZF)
	}
	return nil
}
