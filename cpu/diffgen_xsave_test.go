package cpu

// Generators for XSAVE, XSAVEOPT and XRSTOR (standard format, x87 and SSE components).
// Each snippet starts from a known x87 state (FNINIT, then FRSTOR of a random image, and
// sometimes FNINIT again so the x87 component is in its initial configuration) and ends
// with FNINIT. EDX:EAX requests a subset of x87|SSE, so the host's wider XCR0 does not
// matter. The x87 FOP/FIP/FDP bytes (6-23) and MXCSR_MASK are model-specific and not
// compared.

import "github.com/kppemu/kppemu/cpu/internal/native"

func xsaveForms() []dform {
	var fs []dform
	add := func(name, mnem, need string, gen func(g *dgen)) {
		fs = append(fs, dform{name: name, mnem: mnem, weight: 6, need: need, gen: func(g *dgen) {
			g.spFree = false
			gen(g)
		}})
	}
	// x87 state: a random FNSAVE image restored, sometimes re-initialised.
	x87State := func(g *dgen) {
		img := uint64(native.StackAddr + 0x100)
		g.x87Image(img)
		g.raw(x87Init...)
		g.raw(x87Op(0xDD, 4, img)...)
		if g.n(3) == 0 {
			g.raw(x87Init...)
		}
	}
	request := func(g *dgen) {
		g.claim(RAX, RDX)
		g.c.in.GPR[RAX] = g.r.Uint64()&^0xFFFFFFFF | uint64(g.n(4))
		g.c.in.GPR[RDX] = g.r.Uint64()
		g.c.in.MXCSR = 0x1F80 | uint32(g.n(4))<<13 | uint32(g.n(64))
		if g.n(4) == 0 {
			g.c.in.XMM = [16][2]uint64{} // SSE in its initial configuration
			g.c.in.MXCSR = 0x1F80
		}
	}
	area := func(g *dgen) uint64 {
		a := uint64(native.ScratchAddr + g.n((native.ScratchSize-xsAreaSize)/64)*64)
		if g.coin() {
			g.putMem(a+xsHeader, 8, g.r.Uint64()) // XSTATE_BV bits not requested stay
		}
		return a
	}
	ignore := func(g *dgen, a uint64) {
		// FOP/FIP/FDP, and MXCSR_MASK (the host's need not be the emulator's).
		g.c.memIgn = append(g.c.memIgn, memRange{int(a-native.MemAddr) + 6, 18}, memRange{int(a-native.MemAddr) + 28, 4})
		// XSTATE_BV's SSE bit reports the host's XINUSE[1], which the host
		// kernel's own save and restore around a preemption of the test
		// thread can change between two snippets: it is checked by the
		// emulator's unit tests, not against the host.
		g.c.bitIgn = append(g.c.bitIgn, memBits{int(a-native.MemAddr) + xsHeader, 1 << 1})
	}
	for _, v := range []struct {
		name, need string
		digit      uint8
	}{{"XSAVE", "xsave", 4}, {"XSAVEOPT", "xsaveopt", 6}} {
		for _, w := range []bool{false, true} {
			v, w := v, w
			mn := v.name
			if w {
				mn += "64"
			}
			add(mn, mn, v.need, func(g *dgen) {
				request(g)
				x87State(g)
				a := area(g)
				a32, p := g.a32Pfx()
				g.emit(insn{pfx: p, w: w, op: []byte{0x0F, 0xAE}, modrm: true, reg: v.digit, rm: g.memAt(a, a32), opReg: -1}, a)
				g.raw(x87Init...)
				ignore(g, a)
				if v.digit == 6 && g.c.in.XMM == ([16][2]uint64{}) {
					// XMM registers in their initial configuration: XSAVEOPT
					// skips them when the host's XINUSE[1] is clear, which a
					// preemption can change (see above), so whether the host
					// writes bytes 160-415 is not the snippet's to decide.
					g.c.memIgn = append(g.c.memIgn, memRange{int(a-native.MemAddr) + 160, 256})
				}
			})
		}
	}
	for _, w := range []bool{false, true} {
		w := w
		mn := "XRSTOR"
		if w {
			mn += "64"
		}
		add(mn, mn, "xsave", func(g *dgen) {
			request(g)
			x87State(g)
			a := uint64(native.ScratchAddr + g.n(native.ScratchSize/2/64)*64)
			b := a + 0x1000 - 0x200 + uint64(g.n(8))*64 // the second area: XSAVE after XRSTOR
			// A valid image: any FCW/FSW/FTW and registers, a valid MXCSR, header with
			// XSTATE_BV within x87|SSE and the reserved header bytes zero.
			g.x87ImageFX(a)
			g.putMem(a+fxMXCSR, 4, 0x1F80|uint64(g.n(4))<<13|uint64(g.n(64)))
			g.putMem(a+xsHeader, 8, uint64(g.n(4)))
			for i := 8; i < 64; i += 8 {
				g.putMem(a+xsHeader+uint64(i), 8, 0)
			}
			a32, p := g.a32Pfx()
			g.emit(insn{pfx: p, w: w, op: []byte{0x0F, 0xAE}, modrm: true, reg: 5, rm: g.memAt(a, a32), opReg: -1}, a)
			// Observe the x87 state: XSAVE of both components (RAX = 3), then FNINIT.
			g.raw(0xB8, 3, 0, 0, 0)                                                                             // mov eax, 3
			g.raw(encodeNoMain(insn{op: []byte{0x0F, 0xAE}, modrm: true, reg: 4, rm: absMem(b), opReg: -1})...) // xsave [b]
			g.raw(x87Init...)
			ignore(g, b)
		})
	}
	return fs
}

// x87ImageFX writes random x87 state in FXSAVE layout at addr (bytes 0-159): FCW with
// every exception masked, random FSW and abridged FTW, random registers.
func (g *dgen) x87ImageFX(addr uint64) {
	g.putMem(addr, 2, 0x37F&^uint64(g.n(64))|0x3F|uint64(g.n(4))<<8|uint64(g.n(4))<<10)
	g.putMem(addr+2, 2, g.r.Uint64()&0x387F) // no ES/B: nothing pending
	g.putMem(addr+4, 2, g.r.Uint64()&0xFF)
	for i := 6; i < 24; i += 2 {
		g.putMem(addr+uint64(i), 2, 0)
	}
	for i := 0; i < 8; i++ {
		m, se := g.f80()
		g.putMem(addr+32+16*uint64(i), 8, m)
		g.putMem(addr+40+16*uint64(i), 8, uint64(se))
	}
	for i := 0; i < 16; i++ {
		l := g.lanes(g.n(3))
		g.putMem(addr+160+16*uint64(i), 8, l[0])
		g.putMem(addr+168+16*uint64(i), 8, l[1])
	}
}
