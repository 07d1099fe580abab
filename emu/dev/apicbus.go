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
func (a *LAPIC) matches(dest uint8, logical bool) bool {
	s := &a.State
	if !logical {
		return dest == 0xFF || uint32(dest) == s.ID&0xFF
	}
	if dest == 0xFF {
		return true
	}
	ldr := uint8(s.LDR >> 24)
	if s.DFR>>28 == 0xF { // flat model
		return dest&ldr != 0
	}
	return dest>>4 == ldr>>4 && dest&ldr&0xF != 0 // cluster model
}

// targets returns the APICs an ICR value addresses.
func (b *APICBus) targets(src *LAPIC, lo, hi uint32) []*LAPIC {
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
			hit = a.matches(uint8(hi>>24), lo&LAPICICRLogical != 0)
		}
		if hit {
			out = append(out, a)
		}
	}
	return out
}

// send delivers the IPI src wrote to its ICR.
func (b *APICBus) send(src *LAPIC, lo, hi uint32) {
	mode := lo & lapicDelivMask
	vec := uint8(lo)
	if (mode == LAPICDelivFixed || mode == LAPICDelivLowest) && vec < 16 {
		src.error(LAPICESRSendIllegal)
	}
	if mode == LAPICDelivINIT && lo&(1<<14) == 0 && lo&LAPICLVTLevel != 0 {
		return // INIT level de-assert: an arbitration-ID sync on old processors
	}
	b.deliver(b.targets(src, lo, hi), mode, vec, lo&LAPICLVTLevel != 0)
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
		if a.matches(dest, logical) {
			out = append(out, a)
		}
	}
	if mode == LAPICDelivExtINT {
		return
	}
	b.deliver(out, mode, vec, level)
}
