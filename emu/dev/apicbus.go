package dev

// APICBus connects the local APICs of a machine's processors and its I/O
// APIC: interprocessor interrupts written to an ICR and I/O APIC
// redirections reach their destinations through it (Intel SDM Vol. 3A
// §11.6 "Issuing Interprocessor Interrupts", §11.6.2 destination modes).
//
//   - Destinations: the shorthands self, all including self and all
//     excluding self; otherwise physical (APIC ID, 0xFF = all) or logical
//     (flat model: any bit of the 8-bit destination in LDR[31:24]; cluster
//     model: the high nibble names the cluster, the low nibble the
//     members; 0xFF = all).
//   - Fixed interrupts go to every destination, lowest-priority ones to the
//     destination with the lowest arbitration priority (the first in APIC
//     order among equals), NMI to every destination's processor.
//   - INIT (edge, or level assert) resets the destination's APIC and calls
//     the machine's INIT callback; INIT level de-assert is ignored. STARTUP
//     calls the SIPI callback with the vector. SMI and ExtINT messages are
//     dropped.
//   - A destination that no processor has receives nothing: a guest that
//     addresses an absent CPU loses the IPI, as on hardware.
//
// The bus holds no state of its own: every piece of it lives in the APICs.
type APICBus struct {
	APICs  []*LAPIC
	IOAPIC *IOAPIC // nil: none
	// Init and SIPI are the machine's INIT and start-up signal to
	// processor i (the index in APICs).
	Init func(i int)
	SIPI func(i int, vector uint8)
}

// NewAPICBus connects apics (processor i has apics[i]).
func NewAPICBus(apics []*LAPIC, init func(i int), sipi func(i int, vector uint8)) *APICBus {
	b := &APICBus{APICs: apics, Init: init, SIPI: sipi}
	for _, a := range apics {
		a.bus = b
	}
	return b
}

// matches reports whether APIC a is addressed by dest in the given mode.
// x2 says dest is a 32-bit x2APIC destination (from an APIC in x2APIC
// mode; 0xFFFFFFFF is the broadcast), else an 8-bit one (0xFF). An APIC in
// x2APIC mode reads an 8-bit logical destination as cluster (7:4) and
// members (3:0).
func (a *LAPIC) matches(dest uint32, logical, x2 bool) bool {
	s := &a.State
	if x2 && dest == 0xFFFFFFFF || !x2 && dest == 0xFF {
		return true
	}
	if a.X2APICMode() {
		if !logical {
			return dest == s.ID
		}
		if !x2 {
			dest = (dest>>4)<<16 | dest&0xF
		}
		return dest>>16 == s.LDR>>16 && dest&s.LDR&0xFFFF != 0
	}
	if dest > 0xFF {
		return false
	}
	if !logical {
		return dest == s.ID&0xFF
	}
	ldr := uint32(uint8(s.LDR >> 24))
	if s.DFR>>28 == 0xF { // flat model
		return dest&ldr != 0
	}
	return dest>>4 == ldr>>4 && dest&ldr&0xF != 0 // cluster model
}

// targets returns the APICs an ICR value addresses (dest and x2 as for
// matches).
func (b *APICBus) targets(src *LAPIC, lo, dest uint32, x2 bool) []*LAPIC {
	var out []*LAPIC
	short := (lo >> LAPICICRShortShift) & 3
	for _, a := range b.APICs {
		var hit bool
		switch short {
		case LAPICShortSelf:
			hit = a == src
		case LAPICShortAll:
			hit = true
		case LAPICShortOthers:
			hit = a != src
		default:
			hit = a.matches(dest, lo&LAPICICRLogical != 0, x2)
		}
		if hit {
			out = append(out, a)
		}
	}
	return out
}

// send delivers the IPI src wrote to its ICR in xAPIC mode.
func (b *APICBus) send(src *LAPIC, lo, hi uint32) { b.sendDest(src, lo, hi>>24, false) }

// sendX2 delivers the IPI src wrote to its ICR in x2APIC mode (hi: the
// 32-bit destination).
func (b *APICBus) sendX2(src *LAPIC, lo, hi uint32) { b.sendDest(src, lo, hi, true) }

func (b *APICBus) sendDest(src *LAPIC, lo, dest uint32, x2 bool) {
	mode := lo & lapicDelivMask
	vec := uint8(lo)
	if (mode == LAPICDelivFixed || mode == LAPICDelivLowest) && vec < 16 {
		src.error(LAPICESRSendIllegal)
	}
	if mode == LAPICDelivINIT && lo&(1<<14) == 0 && lo&LAPICLVTLevel != 0 {
		return // INIT level de-assert: an arbitration-ID sync on old processors
	}
	b.deliver(b.targets(src, lo, dest, x2), mode, vec, lo&LAPICLVTLevel != 0)
}

// deliver sends an interrupt message to dests.
func (b *APICBus) deliver(dests []*LAPIC, mode uint32, vec uint8, level bool) {
	if mode == LAPICDelivLowest {
		var best *LAPIC
		for _, a := range dests {
			if !a.hwEnabled() {
				continue
			}
			if best == nil || a.apr() < best.apr() {
				best = a
			}
		}
		dests = dests[:0]
		if best != nil {
			dests = append(dests, best)
		}
	}
	for _, a := range dests {
		switch mode {
		case LAPICDelivFixed, LAPICDelivLowest:
			if !a.hwEnabled() {
				continue
			}
			if vec >= 16 {
				a.accept(vec, level)
			} else {
				a.error(LAPICESRRecvIllegal)
			}
			a.update()
		case LAPICDelivNMI:
			if a.hwEnabled() && a.nmi != nil {
				a.nmi()
			}
		case LAPICDelivINIT:
			a.InitReset()
			if b.Init != nil {
				b.Init(b.index(a))
			}
		case LAPICDelivSIPI:
			if b.SIPI != nil {
				b.SIPI(b.index(a), vec)
			}
		case LAPICDelivExtINT:
			// Only meaningful from the 8259 through LINT0.
		}
	}
}

// index returns a's processor number.
func (b *APICBus) index(a *LAPIC) int {
	for i, x := range b.APICs {
		if x == a {
			return i
		}
	}
	return -1
}

// eoi broadcasts the EOI of a level-triggered vector to the I/O APIC.
func (b *APICBus) eoi(vec uint8) {
	if b.IOAPIC != nil {
		b.IOAPIC.EOI(vec)
	}
}

// Message delivers an interrupt message from the I/O APIC: destination
// dest (physical or logical), delivery mode (LAPICDeliv*), vector and
// trigger mode.
func (b *APICBus) Message(dest uint8, logical bool, mode uint32, vec uint8, level bool) {
	var out []*LAPIC
	for _, a := range b.APICs {
		if a.matches(uint32(dest), logical, false) {
			out = append(out, a)
		}
	}
	if mode == LAPICDelivExtINT {
		return
	}
	b.deliver(out, mode, vec, level)
}
