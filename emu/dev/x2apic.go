package dev

// The local APIC's x2APIC mode and TSC-deadline timer (Intel SDM Vol. 3A §11.12
// "Extended XAPIC (x2APIC)" and §11.5.4.1 "TSC-Deadline Mode"). Both are optional
// (EnableX2APIC, EnableTSCDeadline): the CPU advertises them in CPUID only when the
// machine turns them on.
//
// Modes, selected by IA32_APIC_BASE.EN (bit 11) and EXTD (bit 10):
//
//	EN EXTD
//	 0  0   disabled
//	 1  0   xAPIC: registers in the 4 KiB MMIO page
//	 1  1   x2APIC: registers as MSRs 0x800-0x8FF, the MMIO page not decoded
//	 0  1   invalid
//
// WRMSR IA32_APIC_BASE raises #GP for the invalid state, for x2APIC -> xAPIC and for
// disabled -> x2APIC (SDM Figure 11-27); x2APIC -> disabled -> xAPIC is the way back,
// and leaves the registers in their power-up state.
//
// In x2APIC mode the APIC ID is 32 bits and read-only, the logical destination
// register is read-only and derived from it (cluster = ID[19:4] in bits 31:16, one bit
// per ID[3:0] in bits 15:0), DFR is gone, ICR is the single 64-bit MSR 0x830 with a
// 32-bit destination in bits 63:32, and SELF IPI (0x83F) sends a fixed interrupt to
// this APIC. RDMSR of a write-only register (EOI, SELF IPI), WRMSR of a read-only one,
// an index with no register, bits 63:32 set in any register but ICR, and a non-zero
// write to EOI or ESR raise #GP.
const (
	// MSRX2APICBase is the first x2APIC MSR: register offset o (xAPIC MMIO) is MSR
	// MSRX2APICBase + o>>4.
	MSRX2APICBase = 0x800
	MSRX2APICLast = 0x8FF
	// MSRX2APICICR is the 64-bit interrupt command register.
	MSRX2APICICR = 0x830
	// MSRX2APICSelfIPI is the SELF IPI register (write-only).
	MSRX2APICSelfIPI = 0x83F
	// MSRTSCDeadline is IA32_TSC_DEADLINE.
	MSRTSCDeadline = 0x6E0

	// LAPICLVTTSCDeadline is LVT timer mode 10b.
	LAPICLVTTSCDeadline = 2 << 17
)

// EnableX2APIC makes x2APIC mode available (IA32_APIC_BASE.EXTD and the MSRs).
func (a *LAPIC) EnableX2APIC() { a.x2Supported = true }

// EnableTSCDeadline makes the TSC-deadline timer mode and IA32_TSC_DEADLINE available.
// tscOffset returns the processor's TSC minus the clock (the TSC counts the clock's
// nanoseconds from an offset software may change with WRMSR IA32_TSC).
func (a *LAPIC) EnableTSCDeadline(tscOffset func() uint64) {
	a.deadlineSupported = true
	a.tscOffset = tscOffset
}

// X2APICMode reports whether the APIC is enabled in x2APIC mode.
func (a *LAPIC) X2APICMode() bool {
	return a.State.Base&(APICBaseEN|APICBaseEXTD) == APICBaseEN|APICBaseEXTD
}

// x2LDR is the logical destination an x2APIC derives from its ID.
func x2LDR(id uint32) uint32 { return (id>>4)<<16 | 1<<(id&0xF) }

// setBase is WRMSR IA32_APIC_BASE: false for reserved bits and illegal mode changes.
func (a *LAPIC) setBase(v uint64) bool {
	allowed := uint64(apicBaseAddrMask | APICBaseBSP | APICBaseEN)
	if a.x2Supported {
		allowed |= APICBaseEXTD
	}
	if v&^allowed != 0 {
		return false
	}
	s := &a.State
	oldEN, oldX2 := s.Base&APICBaseEN != 0, s.Base&APICBaseEXTD != 0
	newEN, newX2 := v&APICBaseEN != 0, v&APICBaseEXTD != 0
	switch {
	case newX2 && !newEN: // invalid state
		return false
	case oldEN && oldX2 && newEN && !newX2: // x2APIC -> xAPIC
		return false
	case !oldEN && newEN && newX2: // disabled -> x2APIC
		return false
	}
	s.Base = v&(apicBaseAddrMask|APICBaseEN|APICBaseEXTD) | s.Base&APICBaseBSP
	switch {
	case oldEN && !newEN:
		s.SVR &^= LAPICSVREnable
		s.TimerOn = false
		s.TSCDeadline = 0
	case !oldEN && newEN:
		a.resetRegs()
	}
	if newX2 && !oldX2 {
		// Entering x2APIC mode: the LDR follows the ID, DFR no longer exists.
		s.LDR = x2LDR(s.ID)
	}
	a.update()
	return true
}

// x2Read is RDMSR of an x2APIC register (false: #GP).
func (a *LAPIC) x2Read(idx uint32) (uint64, bool) {
	if !a.X2APICMode() {
		return 0, false
	}
	s := &a.State
	off := uint64(idx-MSRX2APICBase) << 4
	switch {
	case off == LAPICID:
		return uint64(s.ID), true
	case off == LAPICLDR:
		return uint64(s.LDR), true
	case idx == MSRX2APICICR:
		return uint64(s.ICRHi)<<32 | uint64(s.ICRLo&^LAPICICRBusy), true
	case off == LAPICVersion, off == LAPICTPR, off == LAPICPPR, off == LAPICSVR,
		off >= LAPICISR && off < LAPICIRR+0x80, off == LAPICESR, lvtIndex(off) >= 0,
		off == LAPICTimerICR, off == LAPICTimerCCR, off == LAPICTimerDCR:
		return uint64(a.readReg(off)), true
	}
	// EOI and SELF IPI are write-only; APR, RRD, DFR, ICR high and the gaps do not
	// exist in x2APIC mode.
	return 0, false
}

// x2Write is WRMSR of an x2APIC register (false: #GP).
func (a *LAPIC) x2Write(idx uint32, v uint64) bool {
	if !a.X2APICMode() {
		return false
	}
	s := &a.State
	if idx == MSRX2APICICR {
		// Bits 63:32 are the destination; the delivery status bit does not exist.
		s.ICRHi = uint32(v >> 32)
		s.ICRLo = uint32(v) &^ LAPICICRBusy
		if a.bus != nil {
			a.bus.sendX2(a, s.ICRLo, s.ICRHi)
		} else {
			a.sendIPI()
		}
		a.update()
		return true
	}
	if v>>32 != 0 {
		return false
	}
	off := uint64(idx-MSRX2APICBase) << 4
	switch {
	case idx == MSRX2APICSelfIPI:
		// A fixed, edge-triggered interrupt to this APIC (vector in bits 7:0).
		vec := uint8(v)
		if vec < 16 {
			a.error(LAPICESRSendIllegal | LAPICESRRecvIllegal)
		} else {
			a.accept(vec, false)
		}
	case off == LAPICEOI, off == LAPICESR:
		if v != 0 {
			return false
		}
		a.writeReg(off, 0)
	case off == LAPICTPR, off == LAPICSVR, lvtIndex(off) >= 0, off == LAPICTimerICR,
		off == LAPICTimerDCR:
		a.writeReg(off, uint32(v))
	default:
		// Read-only (ID, version, LDR, PPR, ISR/TMR/IRR, current count), or no register.
		return false
	}
	a.update()
	return true
}

// deadlineMode reports whether the timer is in TSC-deadline mode.
func (a *LAPIC) deadlineMode() bool {
	return a.deadlineSupported && a.State.LVT[lvtTimer]&lapicTimerModeMask == LAPICLVTTSCDeadline
}

// readDeadline is RDMSR IA32_TSC_DEADLINE: the armed deadline, 0 when disarmed or
// when the timer is in another mode.
func (a *LAPIC) readDeadline() uint64 {
	if !a.deadlineMode() {
		return 0
	}
	return a.State.TSCDeadline
}

// writeDeadline is WRMSR IA32_TSC_DEADLINE: 0 disarms; a deadline at or before the
// current TSC expires at once. Ignored outside TSC-deadline mode.
func (a *LAPIC) writeDeadline(v uint64) {
	if !a.deadlineMode() {
		return
	}
	a.State.TSCDeadline = v
	a.armDeadline(a.now())
}

// armDeadline turns the armed TSC deadline into the clock time of its expiry.
func (a *LAPIC) armDeadline(now uint64) {
	s := &a.State
	if s.TSCDeadline == 0 {
		s.TimerOn = false
		return
	}
	var off uint64
	if a.tscOffset != nil {
		off = a.tscOffset()
	}
	at := s.TSCDeadline - off // the clock time at which the TSC reaches it
	if tsc := now + off; s.TSCDeadline <= tsc || at < now {
		at = now
	}
	s.TimerNext, s.TimerOn = at, true
}
