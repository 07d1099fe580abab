package cpu

import (
	"unsafe"

	"github.com/kppemu/kppemu/cpu/jit"
	"github.com/kppemu/kppemu/mmu"
)

// Translation of the system instructions a kernel runs in loops: MOV from a control
// register, CPUID (through a cache of the leaves the interpreter computed), RDTSCP, IN
// and OUT at ports no device decodes, and INVLPG of a 4 KiB page. Each checks at run
// time what the interpreter checks (CPL, IOPL, the state a result depends on) and leaves
// the instruction to the interpreter, before anything of it has happened, whenever the
// outcome is not the plain one. MOV to CR8 (the local APIC's task priority) stays a
// helper exit: the APIC must see it.

// Offsets in the CPU struct of the state these translations read and write.
var (
	offCR2       = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.CR2))
	offCR3       = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.CR3))
	offCR8       = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.CR8))
	offXCR0      = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.XCR0))
	offTSCAux    = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.TSCAux))
	offTPRView   = int32(unsafe.Offsetof(CPU{}.tprView))
	offCPUIDs    = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.cpuids))
	offPortMap   = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.portMap))
	offTLBBase   = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.tlbBase))
	offLargeSpan = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.largeSpan))
	offVictims   = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.victims))
)

var (
	jopCPUID  = jop("CPUID")
	jopRDTSCP = jop("RDTSCP")
	jopIN     = jop("IN")
	jopOUT    = jop("OUT")
	jopINVLPG = jop("INVLPG")
)

// jitCPUID is a CPUID result as the interpreter computed it: leaf EAX and subleaf ECX
// (key, EAX | ECX<<32) gave r while CR4 and XCR0 were cr4 and xcr0, the only state
// besides the processor's configuration that a cached leaf depends on. An empty entry
// has a cr4 no CR4 can be (reserved bits set).
type jitCPUID struct {
	key, cr4, xcr0 uint64
	r              [4]uint32
	_              [24]byte // 64 bytes: the index scales by a shift
}

// jitCPUIDSets is the number of cached CPUID results (a power of two).
const jitCPUIDSets = 8

// cpuidIndex is the cache slot of leaf and subleaf (generated code computes it alike).
func cpuidIndex(leaf, sub uint32) uint32 { return (leaf ^ leaf>>29 ^ sub) & (jitCPUIDSets - 1) }

// cpuidCacheable reports whether CPUID leaf's result depends only on the processor's
// configuration, CR4 and XCR0. Leaf 1 also reads IA32_APIC_BASE, a device's.
func cpuidCacheable(leaf uint32) bool { return leaf != 1 }

// jitCPUIDNote records a CPUID result for generated code (the interpreter's CPUID calls
// it with the translating tier on).
func (c *CPU) jitCPUIDNote(leaf, sub uint32, r [4]uint32) {
	if !cpuidCacheable(leaf) {
		return
	}
	c.jit.cpuids[cpuidIndex(leaf, sub)] = jitCPUID{key: uint64(leaf) | uint64(sub)<<32, cr4: c.CR4, xcr0: c.XCR0, r: r}
}

// jitClearCPUIDs empties the CPUID cache.
func (c *CPU) jitClearCPUIDs() {
	for i := range c.jit.cpuids {
		c.jit.cpuids[i] = jitCPUID{cr4: ^uint64(0)}
	}
}

// jitPorts is the optional interface of a Bus that lets generated code tell the ports
// no device decodes: PortMap returns one word per port, 0 for such a port (an IN
// reads all ones, an OUT does nothing: what the Bus does for it).
type jitPorts interface {
	PortMap() *[1 << 16]uint16
}

// sysReg translates the instructions of this file; false leaves u to the interpreter.
func (x *xlator) sysReg(u *uop) bool {
	switch u.op {
	case jopCPUID:
		return x.cpuid()
	case jopRDTSCP:
		if !x.rdtsc() {
			return false
		}
		x.a.Load(4, jit.RAX, jit.M(hCPU, offTSCAux))
		x.storeReg(RCX, 4, jit.RAX)
		return true
	case jopIN, jopOUT:
		return x.portIO(u, u.op == jopIN)
	case jopINVLPG:
		return x.invlpg(u)
	}
	return false
}

// jitSysRegOp reports whether u is one of the instructions of this file.
func jitSysRegOp(u *uop) bool {
	return u.op == jopCPUID || u.op == jopRDTSCP || u.op == jopIN || u.op == jopOUT || u.op == jopINVLPG
}

// movCR translates MOV r64, CRn (CR0, CR2, CR3, CR4, CR8) at CPL 0, and MOV CR8, r64 of
// a value that leaves the local APIC's TPR as it is (SetTPRView); the interpreter takes
// the other cases (the #GP, a TPR the APIC must see). MOV to another control register
// is left to the interpreter.
func (x *xlator) movCR(u *uop) bool {
	if u.kind[0] == kCR && u.kind[1] == kReg && u.r[0] == 8 && u.sz[1] == 8 {
		return x.movCR8(u)
	}
	if u.kind[0] != kReg || u.kind[1] != kCR || u.sz[0] != 8 {
		return false
	}
	var off int32
	switch u.r[1] {
	case 0:
		off = offCR0
	case 2:
		off = offCR2
	case 3:
		off = offCR3
	case 4:
		off = offCR4
	case 8:
		off = offCR8
	default:
		return false
	}
	a := x.a
	x.clobber()
	slow := x.hstub()
	a.AluMI(1, jit.CMP, jit.M(hCPU, offCPL), 0)
	a.Jcc(jit.CondNE, slow)
	a.Load(8, jit.RAX, jit.M(hCPU, off))
	x.storeReg(u.r[0], 8, jit.RAX)
	return true
}

// cpuid translates CPUID: the result the interpreter last computed for the same leaf and
// subleaf under the same CR4 and XCR0 (jitCPUID); any other goes to the interpreter,
// which computes it and records it.
func (x *xlator) cpuid() bool {
	a := x.a
	x.clobber()
	slow := x.hstub()
	x.loadReg(jit.RAX, RAX, 4)
	x.loadReg(jit.RCX, RCX, 4)
	// RSI: the entry, at (EAX ^ EAX>>29 ^ ECX) & 7.
	a.MovRR(4, jit.RSI, jit.RAX)
	a.ShiftRI(4, jit.SHR, jit.RSI, 29)
	a.AluRR(4, jit.XOR, jit.RSI, jit.RAX)
	a.AluRR(4, jit.XOR, jit.RSI, jit.RCX)
	a.AluRI(4, jit.AND, jit.RSI, jitCPUIDSets-1)
	a.ShiftRI(4, jit.SHL, jit.RSI, 6)
	a.Lea(8, jit.RSI, jit.MI(hCPU, jit.RSI, 0, offCPUIDs))
	// RDX: the key.
	a.MovRR(8, jit.RDX, jit.RCX)
	a.ShiftRI(8, jit.SHL, jit.RDX, 32)
	a.AluRR(8, jit.OR, jit.RDX, jit.RAX)
	e := unsafe.Offsetof(jitCPUID{}.r)
	a.AluRM(8, jit.CMP, jit.RDX, jit.M(jit.RSI, int32(unsafe.Offsetof(jitCPUID{}.key))))
	a.Jcc(jit.CondNE, slow)
	a.Load(8, jit.RDX, jit.M(hCPU, offCR4))
	a.AluRM(8, jit.CMP, jit.RDX, jit.M(jit.RSI, int32(unsafe.Offsetof(jitCPUID{}.cr4))))
	a.Jcc(jit.CondNE, slow)
	a.Load(8, jit.RDX, jit.M(hCPU, offXCR0))
	a.AluRM(8, jit.CMP, jit.RDX, jit.M(jit.RSI, int32(unsafe.Offsetof(jitCPUID{}.xcr0))))
	a.Jcc(jit.CondNE, slow)
	for i, g := range [4]uint8{RAX, RBX, RCX, RDX} {
		a.Load(4, jit.RAX, jit.M(jit.RSI, int32(e)+4*int32(i)))
		x.storeReg(g, 4, jit.RAX)
	}
	return true
}

// portIO translates IN and OUT of a port no device decodes (every port the access
// covers), when CPL <= IOPL (else the interpreter reads the TSS's I/O bitmap): IN reads
// all ones, OUT does nothing, as the bus does for such a port.
func (x *xlator) portIO(u *uop, in bool) bool {
	s := u.osize
	if s != 1 && s != 2 && s != 4 || x.c.jit.portMap == 0 {
		return false
	}
	a := x.a
	x.clobber()
	slow := x.hstub()
	a.LoadZx(1, jit.RAX, jit.M(hCPU, offCPL))
	a.Load(8, jit.RCX, jit.M(hCPU, offRFLAGS))
	a.ShiftRI(4, jit.SHR, jit.RCX, 12)
	a.AluRI(4, jit.AND, jit.RCX, 3)
	a.AluRR(4, jit.CMP, jit.RAX, jit.RCX)
	a.Jcc(jit.CondA, slow)
	a.Load(8, jit.RSI, jit.M(hCPU, offPortMap))
	if u.aux == 1 {
		x.loadReg(jit.RDX, RDX, 2)
	}
	for k := uint16(0); k < uint16(s); k++ {
		if u.aux == 1 {
			a.Lea(4, jit.RCX, jit.M(jit.RDX, int32(k)))
			a.Movzx(2, jit.RCX, jit.RCX)
			a.AluMI(2, jit.CMP, jit.MI(jit.RSI, jit.RCX, 1, 0), 0)
		} else {
			p := uint16(u.imm) + k
			a.AluMI(2, jit.CMP, jit.M(jit.RSI, 2*int32(p)), 0)
		}
		a.Jcc(jit.CondNE, slow)
	}
	if in {
		if s == 4 {
			a.MovImm(jit.RAX, 0xFFFFFFFF)
			x.storeReg(RAX, 4, jit.RAX)
		} else {
			x.storeRegImm(RAX, s, -1)
		}
	}
	return true
}

// invlpg translates INVLPG m at CPL 0 (in 64-bit mode paging is on) of a page that no
// large page in the TLB contains, while the TLB's victim buffers are empty, and that is
// neither the block's own nor the interpreter's current code page (dropping those makes
// the run loop fetch again: the interpreter runs them): the entries with the page's tag
// are dropped from every TLB array, which is all mmu.Invlpg does then.
func (x *xlator) invlpg(u *uop) bool {
	if u.kind[0] != kMem || x.c.jit.tlbBase == 0 {
		return false
	}
	a := x.a
	x.clobber()
	slow := x.hstub()
	a.AluMI(1, jit.CMP, jit.M(hCPU, offCPL), 0)
	a.Jcc(jit.CondNE, slow)
	if !x.ea(u, true) {
		return false
	}
	a.Load(8, jit.RSI, jit.M(hCPU, offVictims))
	a.AluMI(8, jit.CMP, jit.M(jit.RSI, 0), 0)
	a.Jcc(jit.CondNE, slow)
	a.MovRR(8, jit.RDX, jit.RAX)
	a.ShiftRI(8, jit.SHR, jit.RDX, 12) // the page number
	small := a.NewLabel()
	a.Load(8, jit.RSI, jit.M(hCPU, offLargeSpan))
	a.AluRM(8, jit.CMP, jit.RDX, jit.M(jit.RSI, 0))
	a.Jcc(jit.CondB, small)
	a.AluRM(8, jit.CMP, jit.RDX, jit.M(jit.RSI, 8))
	a.Jcc(jit.CondB, slow)
	a.Bind(small)
	a.Load(8, jit.RCX, jit.M(hCPU, offICLin))
	a.ShiftRI(8, jit.SHR, jit.RCX, 12)
	a.AluRR(8, jit.CMP, jit.RCX, jit.RDX)
	a.Jcc(jit.CondE, slow)
	for _, p := range []uint64{x.ip >> 12, (x.next - 1) >> 12} {
		a.MovImm(jit.RCX, p)
		a.AluRR(8, jit.CMP, jit.RCX, jit.RDX)
		a.Jcc(jit.CondE, slow)
	}
	a.MovRR(4, jit.RCX, jit.RDX)
	a.AluRI(4, jit.AND, jit.RCX, mmu.TLBSets-1)
	a.ImulRRI(4, jit.RCX, jit.RCX, int64(mmu.TLBEntrySize))
	a.AluRM(8, jit.ADD, jit.RCX, jit.M(hCPU, offTLBBase))
	for k := int32(0); k < mmu.TLBArrays; k++ {
		tag := jit.M(jit.RCX, k*int32(mmu.TLBArrayStride)+int32(mmu.TLBTagOffset))
		next := a.NewLabel()
		a.AluRM(8, jit.CMP, jit.RDX, tag)
		a.Jcc(jit.CondNE, next)
		a.StoreImm(8, tag, -1)
		a.StoreImm(1, jit.M(jit.RCX, k*int32(mmu.TLBArrayStride)+int32(mmu.TLBFlagsOffset)), 0)
		a.Bind(next)
	}
	return true
}

// invlpg writes InvalidTag as -1 sign-extended.
var _ [mmu.InvalidTag - ^uint64(0)]struct{}

// movCR8 translates MOV CR8, r64 when the value is the TPR's priority class already:
// CR8 gets it and the APIC is left alone (as writeCR does).
func (x *xlator) movCR8(u *uop) bool {
	a := x.a
	x.clobber()
	slow := x.hstub()
	a.AluMI(1, jit.CMP, jit.M(hCPU, offCPL), 0)
	a.Jcc(jit.CondNE, slow)
	x.loadReg(jit.RAX, u.r[1], 8)
	a.AluRI(8, jit.CMP, jit.RAX, 15)
	a.Jcc(jit.CondA, slow)
	a.Load(8, jit.RSI, jit.M(hCPU, offTPRView))
	a.TestRR(8, jit.RSI, jit.RSI)
	a.Jcc(jit.CondE, slow)
	a.MovRR(4, jit.RCX, jit.RAX)
	a.ShiftRI(4, jit.SHL, jit.RCX, 4)
	a.AluRM(4, jit.CMP, jit.RCX, jit.M(jit.RSI, 0))
	a.Jcc(jit.CondNE, slow)
	a.Store(8, jit.M(hCPU, offCR8), jit.RAX)
	return true
}
