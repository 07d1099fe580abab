package dev

import (
	"math"
	"math/bits"
)

// Local APIC register offsets (Intel SDM Vol. 3A, Table 11-1), relative to
// the MMIO base 0xFEE00000. Registers are 32 bits on 16-byte boundaries.
const (
	LAPICBase       = 0xFEE00000
	LAPICSize       = 0x1000
	LAPICID         = 0x020
	LAPICVersion    = 0x030
	LAPICTPR        = 0x080
	LAPICAPR        = 0x090
	LAPICPPR        = 0x0A0
	LAPICEOI        = 0x0B0
	LAPICRRD        = 0x0C0
	LAPICLDR        = 0x0D0
	LAPICDFR        = 0x0E0
	LAPICSVR        = 0x0F0
	LAPICISR        = 0x100 // 8 registers, 0x100-0x170
	LAPICTMR        = 0x180 // 0x180-0x1F0
	LAPICIRR        = 0x200 // 0x200-0x270
	LAPICESR        = 0x280
	LAPICLVTCMCI    = 0x2F0
	LAPICICRLo      = 0x300
	LAPICICRHi      = 0x310
	LAPICLVTTimer   = 0x320
	LAPICLVTThermal = 0x330
	LAPICLVTPerf    = 0x340
	LAPICLVTLINT0   = 0x350
	LAPICLVTLINT1   = 0x360
	LAPICLVTError   = 0x370
	LAPICTimerICR   = 0x380 // initial count
	LAPICTimerCCR   = 0x390 // current count
	LAPICTimerDCR   = 0x3E0 // divide configuration
)

// LAPICVersionValue is what QEMU reports: version 0x14, max LVT entry 5.
const LAPICVersionValue = 0x00050014

// IA32_APIC_BASE.
const (
	MSRAPICBase       = 0x1B
	APICBaseBSP       = 1 << 8
	APICBaseEXTD      = 1 << 10 // x2APIC mode (x2apic.go)
	APICBaseEN        = 1 << 11
	apicBaseAddrMask  = 0x000F_FFFF_FFFF_F000 // 52-bit physical addresses
	APICBaseResetBits = LAPICBase | APICBaseBSP | APICBaseEN
)

// SVR, LVT and ICR fields.
const (
	LAPICSVREnable     = 1 << 8
	LAPICLVTMasked     = 1 << 16
	LAPICLVTLevel      = 1 << 15 // trigger mode
	LAPICLVTRemoteIRR  = 1 << 14
	LAPICLVTPeriodic   = 1 << 17 // timer mode bits 18:17 = 01
	lapicTimerModeMask = 3 << 17
	lapicDelivMask     = 7 << 8

	LAPICDelivFixed  = 0 << 8
	LAPICDelivLowest = 1 << 8
	LAPICDelivSMI    = 2 << 8
	LAPICDelivNMI    = 4 << 8
	LAPICDelivINIT   = 5 << 8
	LAPICDelivSIPI   = 6 << 8
	LAPICDelivExtINT = 7 << 8

	LAPICICRLogical    = 1 << 11
	LAPICICRBusy       = 1 << 12 // delivery status: always reads 0
	LAPICICRShortShift = 18
	LAPICShortNone     = 0
	LAPICShortSelf     = 1
	LAPICShortAll      = 2
	LAPICShortOthers   = 3

	// ESR bits.
	LAPICESRSendIllegal = 1 << 5
	LAPICESRRecvIllegal = 1 << 6
	LAPICESRIllegalReg  = 1 << 7
)

// LAPICTimerHz is the timer's input (bus) clock before the divider: 1 GHz,
// as QEMU's APIC (APIC_BUS_CYCLE_NS = 1), which is also one tick per
// executed instruction here.
const LAPICTimerHz = 1_000_000_000

// LAPICState is the local APIC's snapshot state.
type LAPICState struct {
	Base          uint64 // IA32_APIC_BASE
	ID            uint32
	TPR           uint32
	LDR, DFR      uint32
	SVR           uint32
	ISR, TMR, IRR [8]uint32
	ESR           uint32 // visible error status
	ESRPending    uint32 // errors since the last ESR write
	ICRLo, ICRHi  uint32
	LVT           [7]uint32 // timer, thermal, perf, LINT0, LINT1, error, CMCI
	// Timer: counting from First at Start (guest ns) in units of 2^Shift ns,
	// reloading Initial in periodic mode.
	Initial      uint32
	First        uint32
	Start        uint64
	DCR          uint32
	Shift        uint8
	TimerOn      bool   // an expiry is still to come
	TimerNext    uint64 // guest ns of that expiry
	LINT0, LINT1 bool   // input levels
	INTR         bool   // last level of the INTR output
	// TSCDeadline is IA32_TSC_DEADLINE in TSC-deadline mode: the armed deadline
	// (TSC units), 0 when disarmed.
	TSCDeadline uint64
}

// LVT indexes in LAPICState.LVT.
const (
	lvtTimer = iota
	lvtThermal
	lvtPerf
	lvtLINT0
	lvtLINT1
	lvtError
	lvtCMCI
)

// LAPIC is the bootstrap processor's local APIC in xAPIC mode (MMIO
// 0xFEE00000, 4 KiB) and the machine's interrupt glue: the CPU's INTA
// (Ack) and INTR input come from it, the PIC's INTR enters at LINT0.
//
// Reset follows QEMU for the BSP: IA32_APIC_BASE = 0xFEE00900, SVR = 0xFF
// (software-disabled), every LVT masked except LINT0 = ExtINT, so the
// PIC's interrupts pass through until software changes LVT LINT0; with
// IA32_APIC_BASE.EN clear the PIC passes through directly. Software can
// clear EN and set it again (re-enabling gives the reset register state).
// Clearing SVR bit 8 stops fixed interrupts from the APIC. As in QEMU
// (and unlike the SDM's software-disabled state) the LVT mask bits are
// neither forced on nor sticky: guests that program LVTs before SVR work
// the same on both machines. Moving the APIC base is recorded but the MMIO range
// stays at 0xFEE00000.
//
// The timer counts at LAPICTimerHz (or SetTimerHz's) divided by the DCR setting; one-shot
// and periodic modes, and TSC-deadline mode when enabled (x2apic.go;
// otherwise that mode counts as stopped). The current count is computed
// from the clock. ICR delivers
// fixed, lowest-priority and NMI IPIs to this CPU when it is addressed
// (self, all-including-self, physical ID or 0xFF, logical LDR/DFR match);
// INIT and STARTUP have no other CPU to reach and are dropped. The
// delivery status bit always reads 0.
type LAPIC struct {
	State LAPICState
	clk   Clock
	intr  func(level bool)
	nmi   func()
	pic   Acker
	bus   *APICBus // the other processors' APICs and the I/O APIC (nil: alone)

	timerHz           uint64        // the timer's input clock; 0: LAPICTimerHz
	x2Supported       bool          // x2APIC mode may be enabled (x2apic.go)
	deadlineSupported bool          // TSC-deadline timer mode exists
	tscOffset         func() uint64 // the processor's TSC minus the clock
}

// NewLAPIC returns the local APIC after reset. intr drives the CPU's INTR
// input; nmi delivers an NMI to the CPU. Call SetPIC to connect the PIC's
// INTA for ExtINT and feed the PIC's INTR output to SetLINT0.
func NewLAPIC(clk Clock, intr func(level bool), nmi func()) *LAPIC {
	a := &LAPIC{clk: clk, intr: intr, nmi: nmi}
	a.State.Base = APICBaseResetBits
	a.resetRegs()
	return a
}

// SetTimerHz sets the timer's input clock before the divider (0:
// LAPICTimerHz). Real processors' run at 25 to 200 MHz, Bochs's at 4 MHz;
// a guest that calibrates its tick against another clock finds the
// difference. Set it before the guest runs.
func (a *LAPIC) SetTimerHz(hz uint64) {
	if hz == LAPICTimerHz {
		hz = 0
	}
	a.timerHz = hz
}

// countsIn is the number of timer counts in d ns at the current divider.
func (a *LAPIC) countsIn(d uint64) uint64 {
	s := &a.State
	if a.timerHz == 0 {
		return d >> s.Shift
	}
	hi, lo := bits.Mul64(d, a.timerHz)
	den := uint64(LAPICTimerHz) << s.Shift
	if hi >= den {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, den)
	return q
}

// nsFor is the time n counts take at the current divider, rounded up (the
// count has run out by then, not before).
func (a *LAPIC) nsFor(n uint64) uint64 {
	s := &a.State
	if a.timerHz == 0 {
		return n << s.Shift
	}
	hi, lo := bits.Mul64(n<<s.Shift, LAPICTimerHz)
	if hi >= a.timerHz {
		return math.MaxUint64 / 2
	}
	q, r := bits.Div64(hi, lo, a.timerHz)
	if r != 0 {
		q++
	}
	return q
}

// SetupLikeBIOS leaves the APIC as SeaBIOS hands it to a kernel on QEMU
// (observed on QEMU 7.2): software-enabled with spurious vector 0xFF, LVT
// LINT0 = ExtINT (level), LVT LINT1 = NMI (level), the rest masked. The PIC
// still passes through LINT0.
func (a *LAPIC) SetupLikeBIOS() {
	s := &a.State
	s.SVR = LAPICSVREnable | 0xFF
	s.LVT[lvtLINT0] = LAPICDelivExtINT | LAPICLVTLevel
	s.LVT[lvtLINT1] = LAPICDelivNMI | LAPICLVTLevel
	a.update()
}

// SetPIC connects the 8259's INTA, used for ExtINT delivery.
func (a *LAPIC) SetPIC(pic Acker) { a.pic = pic }

// SetINTR replaces the INTR output callback.
func (a *LAPIC) SetINTR(intr func(level bool)) { a.intr = intr }

// SetNMI replaces the NMI output callback.
func (a *LAPIC) SetNMI(nmi func()) { a.nmi = nmi }

// resetRegs puts the registers in their power-up state (the base MSR and
// the input levels are kept).
func (a *LAPIC) resetRegs() {
	s := &a.State
	base, id, l0, l1 := s.Base, s.ID, s.LINT0, s.LINT1
	*s = LAPICState{Base: base, ID: id, LINT0: l0, LINT1: l1, INTR: s.INTR}
	s.DFR = 0xFFFFFFFF
	s.SVR = 0xFF
	for i := range s.LVT {
		s.LVT[i] = LAPICLVTMasked
	}
	if base&APICBaseBSP != 0 {
		// The bootstrap processor's LINT0 passes the 8259 through (QEMU).
		s.LVT[lvtLINT0] = LAPICDelivExtINT
	}
	s.Shift = 1 // DCR 0: divide by 2
	if a.X2APICMode() {
		s.LDR = x2LDR(s.ID)
	}
}

func (a *LAPIC) now() uint64 {
	if a.clk == nil {
		return 0
	}
	return a.clk.Now()
}

func (a *LAPIC) hwEnabled() bool { return a.State.Base&APICBaseEN != 0 }
func (a *LAPIC) swEnabled() bool { return a.hwEnabled() && a.State.SVR&LAPICSVREnable != 0 }

// highest returns the highest vector set in a 256-bit register, or -1.
func highest(r *[8]uint32) int {
	for i := 7; i >= 0; i-- {
		if r[i] != 0 {
			return i*32 + 31 - bits.LeadingZeros32(r[i])
		}
	}
	return -1
}

func setBit(r *[8]uint32, v uint8)       { r[v>>5] |= 1 << (v & 31) }
func clrBit(r *[8]uint32, v uint8)       { r[v>>5] &^= 1 << (v & 31) }
func testBit(r *[8]uint32, v uint8) bool { return r[v>>5]&(1<<(v&31)) != 0 }

// ppr is the processor priority (SDM 10.8.3.1).
func (a *LAPIC) ppr() uint32 {
	s := &a.State
	isrv := uint32(0)
	if v := highest(&s.ISR); v >= 0 {
		isrv = uint32(v)
	}
	if s.TPR>>4 >= isrv>>4 {
		return s.TPR & 0xFF
	}
	return isrv & 0xF0
}

// apr is the arbitration priority.
func (a *LAPIC) apr() uint32 {
	s := &a.State
	p := s.TPR & 0xF0
	if v := highest(&s.ISR); v >= 0 && uint32(v)&0xF0 > p {
		p = uint32(v) & 0xF0
	}
	if v := highest(&s.IRR); v >= 0 && uint32(v)&0xF0 > p {
		p = uint32(v) & 0xF0
	}
	if s.TPR&0xF0 >= p {
		return s.TPR & 0xFF
	}
	return p
}

// fixedPending returns the vector of a deliverable fixed interrupt or -1.
func (a *LAPIC) fixedPending() int {
	if !a.swEnabled() {
		return -1
	}
	v := highest(&a.State.IRR)
	if v < 0 || uint32(v)&0xF0 <= a.ppr()&0xF0 {
		return -1
	}
	return v
}

// passThrough reports whether the PIC's INTR passes through: APIC
// disabled, or LVT LINT0 = ExtINT unmasked.
func (a *LAPIC) passThrough() bool {
	if !a.hwEnabled() {
		return true
	}
	l := a.State.LVT[lvtLINT0]
	return l&LAPICLVTMasked == 0 && l&lapicDelivMask == LAPICDelivExtINT
}

// LINT0NMI reports whether LVT LINT0 (the PIC's output) is unmasked with
// NMI delivery: the PIC's interrupts then reach the processor as NMIs.
func (a *LAPIC) LINT0NMI() bool {
	l := a.State.LVT[lvtLINT0]
	return a.hwEnabled() && l&LAPICLVTMasked == 0 && l&lapicDelivMask == LAPICDelivNMI
}

// extINT reports whether the PIC's INTR passes through and is high.
func (a *LAPIC) extINT() bool { return a.State.LINT0 && a.passThrough() }

// update drives the INTR output.
func (a *LAPIC) update() {
	level := a.fixedPending() >= 0 || a.extINT()
	if level != a.State.INTR {
		a.State.INTR = level
		if a.intr != nil {
			a.intr(level)
		}
	}
}

// INTR returns the current level of the INTR output.
func (a *LAPIC) INTR() bool { return a.State.INTR }

// accept puts a fixed interrupt in IRR (vectors 0-15 are illegal).
func (a *LAPIC) accept(vec uint8, level bool) {
	s := &a.State
	if vec < 16 {
		a.error(LAPICESRRecvIllegal)
		return
	}
	setBit(&s.IRR, vec)
	if level {
		setBit(&s.TMR, vec)
	} else {
		clrBit(&s.TMR, vec)
	}
}

// error records an APIC error and raises the LVT error interrupt.
func (a *LAPIC) error(bit uint32) {
	s := &a.State
	s.ESRPending |= bit
	if l := s.LVT[lvtError]; l&LAPICLVTMasked == 0 && uint8(l) >= 16 {
		setBit(&s.IRR, uint8(l))
	}
}

// Ack is the CPU's INTA: the highest deliverable fixed vector (moved from
// IRR to ISR), else the PIC's vector when it passes through (ExtINT or
// APIC disabled), else the APIC's spurious vector (SVR[7:0]).
func (a *LAPIC) Ack() uint8 {
	s := &a.State
	if v := a.fixedPending(); v >= 0 {
		clrBit(&s.IRR, uint8(v))
		setBit(&s.ISR, uint8(v))
		a.update()
		return uint8(v)
	}
	// In pass-through mode the PIC answers even when its request vanished
	// (it then gives its spurious IRQ 7 vector).
	if a.passThrough() && a.pic != nil {
		v := a.pic.Ack()
		a.update()
		return v
	}
	a.update()
	return uint8(s.SVR)
}

// SetLINT0 drives the LINT0 input (the PIC's INTR output).
func (a *LAPIC) SetLINT0(level bool) { a.setLINT(lvtLINT0, &a.State.LINT0, level) }

// SetLINT1 drives the LINT1 input.
func (a *LAPIC) SetLINT1(level bool) { a.setLINT(lvtLINT1, &a.State.LINT1, level) }

func (a *LAPIC) setLINT(idx int, in *bool, level bool) {
	rising := level && !*in
	*in = level
	l := a.State.LVT[idx]
	if rising && a.hwEnabled() && l&LAPICLVTMasked == 0 {
		switch l & lapicDelivMask {
		case LAPICDelivFixed:
			a.accept(uint8(l), false)
		case LAPICDelivNMI:
			if a.nmi != nil {
				a.nmi()
			}
		}
	}
	a.update()
}

// CR8 returns TPR[7:4], the CPU's CR8 view of the task priority.
func (a *LAPIC) CR8() uint64 { return uint64(a.State.TPR>>4) & 0xF }

// SetCR8 writes CR8[3:0] to TPR[7:4] (TPR[3:0] = 0).
func (a *LAPIC) SetCR8(v uint64) {
	a.State.TPR = uint32(v&0xF) << 4
	a.update()
}

// TPRRegister returns the task priority register itself, for a CPU that skips SetCR8
// when it would not change it (update keeps INTR equal to what the registers say, so
// SetCR8 of the TPR's own value changes nothing).
func (a *LAPIC) TPRRegister() *uint32 { return &a.State.TPR }

// TPR returns the task priority register.
func (a *LAPIC) TPR() uint8 { return uint8(a.State.TPR) }

// SetTPR writes the task priority register.
func (a *LAPIC) SetTPR(v uint8) {
	a.State.TPR = uint32(v)
	a.update()
}

// HasMSR reports whether idx is an MSR of the local APIC: IA32_APIC_BASE,
// and with their features enabled the x2APIC registers and
// IA32_TSC_DEADLINE.
func (a *LAPIC) HasMSR(idx uint32) bool {
	switch {
	case idx == MSRAPICBase:
		return true
	case idx == MSRTSCDeadline:
		return a.deadlineSupported
	case idx >= MSRX2APICBase && idx <= MSRX2APICLast:
		return a.x2Supported
	}
	return false
}

// ReadMSR reads one of the APIC's MSRs (false: #GP, or not one of them).
func (a *LAPIC) ReadMSR(idx uint32) (uint64, bool) {
	if !a.HasMSR(idx) {
		return 0, false
	}
	switch idx {
	case MSRAPICBase:
		return a.State.Base, true
	case MSRTSCDeadline:
		return a.readDeadline(), true
	}
	return a.x2Read(idx)
}

// WriteMSR writes one of the APIC's MSRs (false: #GP, or not one of
// them). In IA32_APIC_BASE, reserved bits and illegal mode changes are
// #GP and BSP is read-only.
func (a *LAPIC) WriteMSR(idx uint32, v uint64) bool {
	if !a.HasMSR(idx) {
		return false
	}
	switch idx {
	case MSRAPICBase:
		return a.setBase(v)
	case MSRTSCDeadline:
		a.writeDeadline(v)
		a.update()
		return true
	}
	return a.x2Write(idx, v)
}

// LVT register offset -> index.
func lvtIndex(off uint64) int {
	switch off {
	case LAPICLVTTimer:
		return lvtTimer
	case LAPICLVTThermal:
		return lvtThermal
	case LAPICLVTPerf:
		return lvtPerf
	case LAPICLVTLINT0:
		return lvtLINT0
	case LAPICLVTLINT1:
		return lvtLINT1
	case LAPICLVTError:
		return lvtError
	case LAPICLVTCMCI:
		return lvtCMCI
	}
	return -1
}

// lvtWritable is the mask of writable bits per LVT.
var lvtWritable = [7]uint32{
	lvtTimer:   0xFF | LAPICLVTMasked | lapicTimerModeMask,
	lvtThermal: 0xFF | lapicDelivMask | LAPICLVTMasked,
	lvtPerf:    0xFF | lapicDelivMask | LAPICLVTMasked,
	lvtLINT0:   0xFF | lapicDelivMask | 1<<13 | LAPICLVTLevel | LAPICLVTMasked,
	lvtLINT1:   0xFF | lapicDelivMask | 1<<13 | LAPICLVTLevel | LAPICLVTMasked,
	lvtError:   0xFF | LAPICLVTMasked,
	lvtCMCI:    0xFF | lapicDelivMask | LAPICLVTMasked,
}

// readReg returns the 32-bit register at a 16-byte aligned offset.
func (a *LAPIC) readReg(off uint64) uint32 {
	s := &a.State
	switch {
	case off == LAPICID:
		return s.ID << 24
	case off == LAPICVersion:
		return LAPICVersionValue
	case off == LAPICTPR:
		return s.TPR
	case off == LAPICAPR:
		return a.apr()
	case off == LAPICPPR:
		return a.ppr()
	case off == LAPICEOI, off == LAPICRRD:
		return 0
	case off == LAPICLDR:
		return s.LDR
	case off == LAPICDFR:
		return s.DFR
	case off == LAPICSVR:
		return s.SVR
	case off >= LAPICISR && off < LAPICISR+0x80:
		return s.ISR[(off-LAPICISR)>>4]
	case off >= LAPICTMR && off < LAPICTMR+0x80:
		return s.TMR[(off-LAPICTMR)>>4]
	case off >= LAPICIRR && off < LAPICIRR+0x80:
		return s.IRR[(off-LAPICIRR)>>4]
	case off == LAPICESR:
		return s.ESR
	case off == LAPICICRLo:
		return s.ICRLo &^ LAPICICRBusy
	case off == LAPICICRHi:
		return s.ICRHi
	case lvtIndex(off) >= 0:
		return s.LVT[lvtIndex(off)]
	case off == LAPICTimerICR:
		return s.Initial
	case off == LAPICTimerCCR:
		if a.deadlineMode() {
			return 0
		}
		return a.currentCount(a.now())
	case off == LAPICTimerDCR:
		return s.DCR
	}
	a.error(LAPICESRIllegalReg)
	a.update()
	return 0
}

// ReadMMIO implements MMIODevice. Narrow reads return the bytes of the
// enclosing 32-bit register. In x2APIC mode the page is not decoded: reads
// return all ones.
func (a *LAPIC) ReadMMIO(off uint64, data []byte) {
	if a.X2APICMode() {
		fill(data, 0xFF)
		return
	}
	fill(data, 0)
	for i := range data {
		o := off + uint64(i)
		if o >= LAPICSize || o&0xF >= 4 {
			continue
		}
		r := a.readReg(o &^ 0xF)
		data[i] = byte(r >> (8 * (o & 3)))
	}
}

// WriteMMIO implements MMIODevice. Only 32-bit (or wider, low dword)
// writes at a register's offset take effect, as in QEMU; none in x2APIC
// mode.
func (a *LAPIC) WriteMMIO(off uint64, data []byte) {
	if len(data) < 4 || off&0xF != 0 || off >= LAPICSize || a.X2APICMode() {
		return
	}
	a.writeReg(off, uint32(getLE(data[:4])))
	a.update()
}

func (a *LAPIC) writeReg(off uint64, v uint32) {
	s := &a.State
	now := a.now()
	switch {
	case off == LAPICID:
		s.ID = v >> 24
	case off == LAPICTPR:
		s.TPR = v & 0xFF
	case off == LAPICEOI:
		if vec := highest(&s.ISR); vec >= 0 {
			level := testBit(&s.TMR, uint8(vec))
			clrBit(&s.ISR, uint8(vec))
			clrBit(&s.TMR, uint8(vec))
			if level && a.bus != nil {
				a.bus.eoi(uint8(vec))
			}
		}
	case off == LAPICLDR:
		s.LDR = v & 0xFF000000
	case off == LAPICDFR:
		s.DFR = v | 0x0FFFFFFF
	case off == LAPICSVR:
		s.SVR = v & 0x1FF
	case off == LAPICESR:
		s.ESR, s.ESRPending = s.ESRPending, 0
	case off == LAPICICRLo:
		s.ICRLo = v &^ LAPICICRBusy
		if a.bus != nil {
			a.bus.send(a, s.ICRLo, s.ICRHi)
		} else {
			a.sendIPI()
		}
	case off == LAPICICRHi:
		s.ICRHi = v & 0xFF000000
	case lvtIndex(off) >= 0:
		i := lvtIndex(off)
		v &= lvtWritable[i]
		if i == lvtLINT0 || i == lvtLINT1 {
			v |= s.LVT[i] & LAPICLVTRemoteIRR
		}
		old := s.LVT[i]
		s.LVT[i] = v
		if i == lvtTimer {
			if a.deadlineSupported && (old^v)&lapicTimerModeMask != 0 &&
				(old&lapicTimerModeMask == LAPICLVTTSCDeadline || v&lapicTimerModeMask == LAPICLVTTSCDeadline) {
				// Entering or leaving TSC-deadline mode disarms the timer.
				s.TSCDeadline, s.Initial, s.First, s.TimerOn = 0, 0, 0, false
			}
			a.rearm(now)
		}
	case off == LAPICTimerICR:
		if a.deadlineMode() {
			break // the initial count is ignored in TSC-deadline mode
		}
		s.Initial, s.First, s.Start = v, v, now
		a.rearm(now)
	case off == LAPICTimerDCR:
		// Keep the current count and continue at the new rate.
		cur := a.currentCount(now)
		s.DCR = v & 0xB
		x := (s.DCR>>1)&4 | s.DCR&3
		s.Shift = uint8(x+1) & 7 // 0..6 -> /2../128, 7 -> /1
		if s.Initial != 0 && a.timerRunning(now) {
			s.First, s.Start = cur, now
		}
		a.rearm(now)
	case off == LAPICVersion, off == LAPICAPR, off == LAPICPPR, off == LAPICRRD,
		off >= LAPICISR && off < LAPICIRR+0x80, off == LAPICTimerCCR:
		// Read-only.
	default:
		a.error(LAPICESRIllegalReg)
	}
}

// sendIPI delivers the IPI just written to ICR of an APIC alone (no bus).
func (a *LAPIC) sendIPI() {
	s := &a.State
	icr := s.ICRLo
	vec := uint8(icr)
	mode := icr & lapicDelivMask
	if (mode == LAPICDelivFixed || mode == LAPICDelivLowest) && vec < 16 {
		a.error(LAPICESRSendIllegal)
	}
	var self bool
	switch (icr >> LAPICICRShortShift) & 3 {
	case LAPICShortSelf, LAPICShortAll:
		self = true
	case LAPICShortOthers:
		self = false
	default:
		if a.X2APICMode() {
			self = a.matches(s.ICRHi, icr&LAPICICRLogical != 0, true)
		} else {
			self = a.matches(s.ICRHi>>24, icr&LAPICICRLogical != 0, false)
		}
	}
	if !self {
		return // no other CPUs
	}
	switch mode {
	case LAPICDelivFixed, LAPICDelivLowest:
		if vec >= 16 {
			a.accept(vec, icr&LAPICLVTLevel != 0)
		} else {
			a.error(LAPICESRRecvIllegal)
		}
	case LAPICDelivNMI:
		if a.nmi != nil {
			a.nmi()
		}
	}
	// INIT, STARTUP and SMI to this CPU are dropped.
}

// timerRunning reports whether the count is still above 0 (or periodic).
func (a *LAPIC) timerRunning(now uint64) bool {
	s := &a.State
	if s.Initial == 0 {
		return false
	}
	if s.LVT[lvtTimer]&lapicTimerModeMask == LAPICLVTPeriodic {
		return true
	}
	return a.countsIn(now-s.Start) < uint64(s.First)
}

// currentCount computes the timer's current count at now.
func (a *LAPIC) currentCount(now uint64) uint32 {
	s := &a.State
	if s.Initial == 0 || now < s.Start {
		return s.First
	}
	e := a.countsIn(now - s.Start)
	if e < uint64(s.First) {
		return s.First - uint32(e)
	}
	switch s.LVT[lvtTimer] & lapicTimerModeMask {
	case LAPICLVTPeriodic:
		r := (e - uint64(s.First)) % uint64(s.Initial)
		return s.Initial - uint32(r)
	default:
		return 0
	}
}

// nextExpiry returns the first expiry strictly after now (in ns).
func (a *LAPIC) nextExpiry(now uint64) (uint64, bool) {
	s := &a.State
	if s.Initial == 0 {
		return 0, false
	}
	mode := s.LVT[lvtTimer] & lapicTimerModeMask
	if mode != 0 && mode != LAPICLVTPeriodic {
		return 0, false // TSC-deadline: not supported
	}
	first := s.Start + a.nsFor(uint64(s.First))
	if now < first {
		return first, true
	}
	if mode != LAPICLVTPeriodic {
		return 0, false
	}
	if a.timerHz != 0 {
		// In counts, so the expiries stay where the current count says.
		k := (a.countsIn(now-s.Start)-uint64(s.First))/uint64(s.Initial) + 1
		for {
			next := s.Start + a.nsFor(uint64(s.First)+k*uint64(s.Initial))
			if next > now {
				return next, true
			}
			k++
		}
	}
	period := uint64(s.Initial) << s.Shift
	k := (now-first)/period + 1
	return first + k*period, true
}

// rearm recomputes the next expiry after a timer register change. Expiries
// that passed while the LVT was masked are lost, as on hardware.
func (a *LAPIC) rearm(now uint64) {
	s := &a.State
	if a.deadlineMode() {
		a.armDeadline(now)
		return
	}
	if s.Initial != 0 && now == s.Start {
		// A fresh start: the first expiry is First ticks from now.
		s.TimerNext, s.TimerOn = s.Start+a.nsFor(uint64(s.First)), true
		if s.First == 0 {
			s.TimerOn = false
		}
		return
	}
	s.TimerNext, s.TimerOn = a.nextExpiry(now)
}

// NextDeadline implements Timed: the timer's next expiry when unmasked.
func (a *LAPIC) NextDeadline() (uint64, bool) {
	s := &a.State
	if !s.TimerOn || !a.hwEnabled() {
		return 0, false
	}
	// A TSC deadline expires (and disarms) even while the LVT is masked.
	if s.LVT[lvtTimer]&LAPICLVTMasked != 0 && !a.deadlineMode() {
		return 0, false
	}
	return s.TimerNext, true
}

// Advance implements Timed: a due expiry sets the timer vector in IRR
// (several missed periods coalesce into one).
func (a *LAPIC) Advance(now uint64) {
	s := &a.State
	if !s.TimerOn || now < s.TimerNext {
		return
	}
	if l := s.LVT[lvtTimer]; l&LAPICLVTMasked == 0 && a.hwEnabled() {
		a.accept(uint8(l), false)
	}
	if a.deadlineMode() {
		s.TSCDeadline, s.TimerOn = 0, false
	} else {
		s.TimerNext, s.TimerOn = a.nextExpiry(now)
	}
	a.update()
}

// SaveState implements Snapshotter.
func (a *LAPIC) SaveState() ([]byte, error) { return saveGob("lapic", &a.State) }

// LoadState implements Snapshotter. It re-drives the CPU's INTR input with
// the restored level (idempotent; no other callback is called).
func (a *LAPIC) LoadState(b []byte) error {
	var s LAPICState
	if err := loadGob("lapic", b, &s); err != nil {
		return err
	}
	a.State = s
	if a.intr != nil {
		a.intr(s.INTR)
	}
	return nil
}

// SetID sets the APIC ID (ID register bits 31:24), as the machine numbers
// its processors.
func (a *LAPIC) SetID(id uint8) { a.State.ID = uint32(id) }

// SetBSP sets or clears IA32_APIC_BASE.BSP: only the bootstrap processor's
// APIC has it.
func (a *LAPIC) SetBSP(bsp bool) {
	if bsp {
		a.State.Base |= APICBaseBSP
	} else {
		a.State.Base &^= APICBaseBSP
	}
}

// InitReset is the APIC side of an INIT: every register returns to its
// power-up value except the APIC ID and IA32_APIC_BASE.
func (a *LAPIC) InitReset() {
	a.resetRegs()
	a.update()
}
