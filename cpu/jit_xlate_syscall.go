package cpu

import (
	"unsafe"

	"github.com/kppemu/kppemu/cpu/jit"
)

// Translation of SYSCALL and SYSRETQ (SDM Vol. 2B), the fast system-call pair of 64-bit
// mode. Each does in generated code what syscallInsn and sysret do, field for field:
// RCX and R11, RFLAGS through FMASK (or from R11), CS and SS as the flat descriptors the
// instructions load, the CPL, and the privilege-dependent state of the run loop (the
// MMU access class and the current code page, which is dropped as resync drops it).
// Then generated code switches to the TLB arrays of the new privilege (jitDispatch
// leaves both privileges' arrays in jitState) and goes on at the target through the
// jump cache, so that a system call and its return do not come back to Go.
//
// Whatever would make the instruction do more than that leaves it to the interpreter
// before anything has changed: SCE clear (#UD), SYSRET at CPL > 0 or to a non-canonical
// RCX (#GP), a target that is not canonical, and flags after the instruction that
// change how the next one runs in Go's eyes: TF (single-step), AC (alignment checks at
// CPL 3, SMAP's access class at CPL 0), IF set while INTR is asserted (the interrupt is
// taken after the instruction). SYSRET with a 32-bit operand size returns to
// compatibility mode, where the tier does not run: it is not translated.

// Offsets of the state SYSCALL and SYSRET write.
var (
	offEFER    = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.EFER))
	offSTAR    = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.STAR))
	offLSTAR   = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.LSTAR))
	offFMASK   = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.FMASK))
	offSeg     = int32(unsafe.Offsetof(CPU{}.State) + unsafe.Offsetof(State{}.Seg))
	offUser    = int32(unsafe.Offsetof(CPU{}.user))
	offICLin   = int32(unsafe.Offsetof(CPU{}.icLin))
	offTLBSupR = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.tlbSup))
	offTLBUsrR = int32(unsafe.Offsetof(CPU{}.jit) + unsafe.Offsetof(jitState{}.tlbUsr))

	segOffSel   = int32(unsafe.Offsetof(Segment{}.Selector))
	segOffBase  = int32(unsafe.Offsetof(Segment{}.Base))
	segOffLimit = int32(unsafe.Offsetof(Segment{}.Limit))
	segOffAttr  = int32(unsafe.Offsetof(Segment{}.Attr))
)

// The segment attributes SYSCALL and SYSRETQ load (as syscallInsn and sysret write them).
const (
	sysCSAttr  = attrP | attrS | 0xB | attrL | attrG
	sysSSAttr  = attrP | attrS | 0x3 | attrDB | attrG
	sysUCSAttr = attrP | attrS | 0xB | 3<<5 | attrL | attrG
	sysUSSAttr = attrP | attrS | 0x3 | 3<<5 | attrDB | attrG
	// sysretFlags are the bits of R11 SYSRET loads into RFLAGS (as sysret masks them,
	// and then setRFLAGS).
	sysretFlags = 0x3C7FD7 & flagsWritable
)

// jitTLBSet is the three TLB arrays (read, write, fetch) of one privilege, with RFLAGS.AC
// clear, laid out as tlbR, tlbW and tlbX.
type jitTLBSet struct{ r, w, x uintptr }

var (
	jopSYSCALL = jop("SYSCALL")
	jopSYSRET  = jop("SYSRET")
)

// loadSeg writes the flat descriptor with the selector in RAX (low 16 bits) and
// attributes attr into segment register seg.
func (x *xlator) loadSeg(seg int, attr uint16) {
	a := x.a
	at := offSeg + segSize*int32(seg)
	a.Store(2, jit.M(hCPU, at+segOffSel), jit.RAX)
	a.StoreImm(8, jit.M(hCPU, at+segOffBase), 0)
	a.StoreImm(4, jit.M(hCPU, at+segOffLimit), -1)
	a.StoreImm(2, jit.M(hCPU, at+segOffAttr), int64(int16(attr)))
}

// fullFlags leaves the guest's whole RFLAGS in RCX (the arithmetic flags from the slot).
// It clobbers RDX.
func (x *xlator) fullFlags() {
	a := x.a
	arith := int64(fArith)
	if x.fl.afDirty {
		arith &^= FlagAF // the slot's AF is the host's: the guest's is 0
	}
	a.Load(8, jit.RCX, jit.M(hCPU, offRFLAGS))
	a.AluRI(8, jit.AND, jit.RCX, ^int64(fArith))
	a.Load(8, jit.RDX, jit.M(hCPU, offFlagSlot))
	a.AluRI(4, jit.AND, jit.RDX, arith)
	a.AluRR(8, jit.OR, jit.RCX, jit.RDX)
}

// newFlagsCheck exits through slow unless the RFLAGS value in RSI, which the
// instruction is about to load, leaves TF and AC clear and does not make an interrupt
// deliverable (IF set with INTR asserted).
func (x *xlator) newFlagsCheck(slow jit.Label) {
	a := x.a
	a.TestRI(4, jit.RSI, FlagTF|FlagAC)
	a.Jcc(jit.CondNE, slow)
	noIF := a.NewLabel()
	a.TestRI(4, jit.RSI, FlagIF)
	a.Jcc(jit.CondE, noIF)
	a.AluMI(1, jit.CMP, jit.M(hCPU, offINTRLine), 0)
	a.Jcc(jit.CondNE, slow)
	a.Bind(noIF)
}

// switchPrivilege writes the CPL, the run loop's view of it and the TLB arrays of
// privilege cpl (0 or 3) from the set at off, and drops the current code page (the
// next dispatch from Go looks the page up again at the new privilege).
func (x *xlator) switchPrivilege(cpl uint8, off int32) {
	a := x.a
	a.StoreImm(1, jit.M(hCPU, offCPL), int64(cpl))
	user := int64(0)
	if cpl == 3 {
		user = 1
	}
	a.StoreImm(1, jit.M(hCPU, offUser), user)
	a.StoreImm(8, jit.M(hCPU, offICLin), icInvalid)
	for i, dst := range []int32{offTLBR, offTLBW, offTLBX} {
		a.Load(8, jit.RAX, jit.M(hCPU, off+8*int32(i)))
		a.Store(8, jit.M(hCPU, dst), jit.RAX)
	}
}

// syscall translates SYSCALL (64-bit mode).
func (x *xlator) syscall() bool {
	a := x.a
	x.clobber()
	slow := x.stub()
	a.TestMI(4, jit.M(hCPU, offEFER), EFERSCE)
	a.Jcc(jit.CondE, slow)
	a.Load(8, jit.RDI, jit.M(hCPU, offLSTAR))
	x.canonicalCheck(jit.RDI)
	x.fullFlags()
	// RSI: the new RFLAGS, RCX &^ (FMASK | RF).
	a.Load(8, jit.RSI, jit.M(hCPU, offFMASK))
	a.AluRI(8, jit.OR, jit.RSI, FlagRF)
	a.Not(8, jit.RSI)
	a.AluRR(8, jit.AND, jit.RSI, jit.RCX)
	a.AluRI(8, jit.AND, jit.RSI, flagsWritable)
	a.AluRI(8, jit.OR, jit.RSI, flagRsv1)
	x.newFlagsCheck(slow)
	// Nothing can fail from here on.
	a.AluRI(8, jit.AND, jit.RCX, ^int64(FlagRF))
	x.storeReg(R11, 8, jit.RCX)
	a.MovImm(jit.RAX, x.next)
	x.storeReg(RCX, 8, jit.RAX)
	x.sysTransfer(0, func() {
		a.ShiftRI(8, jit.SHR, jit.RAX, 32)
		a.AluRI(4, jit.AND, jit.RAX, 0xFFFC)
	}, 8, sysCSAttr, sysSSAttr, offTLBSupR)
	return true
}

// sysret translates SYSRETQ (to 64-bit code at CPL 3).
func (x *xlator) sysret(u *uop) bool {
	a := x.a
	if u.osize != 8 {
		return false
	}
	x.clobber()
	slow := x.stub()
	a.TestMI(4, jit.M(hCPU, offEFER), EFERSCE)
	a.Jcc(jit.CondE, slow)
	a.AluMI(1, jit.CMP, jit.M(hCPU, offCPL), 0)
	a.Jcc(jit.CondNE, slow)
	x.loadReg(jit.RDI, RCX, 8)
	x.canonicalCheck(jit.RDI)
	x.loadReg(jit.RSI, R11, 8)
	a.AluRI(8, jit.AND, jit.RSI, sysretFlags)
	a.AluRI(8, jit.OR, jit.RSI, flagRsv1)
	x.newFlagsCheck(slow)
	// Nothing can fail from here on.
	x.sysTransfer(3, func() {
		a.ShiftRI(8, jit.SHR, jit.RAX, 48)
		a.AluRI(4, jit.ADD, jit.RAX, 16)
		a.AluRI(4, jit.OR, jit.RAX, 3)
	}, -8, sysUCSAttr, sysUSSAttr, offTLBUsrR)
	return true
}

// sysTransfer ends SYSCALL or SYSRETQ once nothing can fail: RFLAGS (and the flag slot)
// from RSI; CS with the selector sel computes in RAX from STAR, and attributes csAttr;
// SS with CS's selector plus ssDelta and attributes ssAttr; privilege cpl with the TLB
// arrays at tlb; then the jump to the target in RDI.
func (x *xlator) sysTransfer(cpl uint8, sel func(), ssDelta int64, csAttr, ssAttr uint16, tlb int32) {
	a := x.a
	a.Store(8, jit.M(hCPU, offRFLAGS), jit.RSI)
	a.Store(8, jit.M(hCPU, offFlagSlot), jit.RSI)
	x.fl = flagState{}
	a.Load(8, jit.RAX, jit.M(hCPU, offSTAR))
	sel()
	x.loadSeg(CS, csAttr)
	a.AluRI(4, jit.ADD, jit.RAX, ssDelta)
	x.loadSeg(SS, ssAttr)
	x.switchPrivilege(cpl, tlb)
	a.Store(8, jit.M(hCPU, offRIP), jit.RDI)
	x.jumpIndirect()
}
