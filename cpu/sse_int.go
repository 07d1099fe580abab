package cpu

// SSE2 packed-integer instructions and the bitwise logic instructions (which are also used
// on floating-point data: ANDPS, XORPD, ...). Lanes are little-endian inside each quadword
// half of the register.

func init() {
	// Logic.
	and := xop(func(d *[2]uint64, s0, s1 uint64) { d[0] &= s0; d[1] &= s1 })
	andn := xop(func(d *[2]uint64, s0, s1 uint64) { d[0] = ^d[0] & s0; d[1] = ^d[1] & s1 })
	or := xop(func(d *[2]uint64, s0, s1 uint64) { d[0] |= s0; d[1] |= s1 })
	xor := xop(func(d *[2]uint64, s0, s1 uint64) { d[0] ^= s0; d[1] ^= s1 })
	registerXopAll(and, "PAND", "ANDPS", "ANDPD")
	registerXopAll(andn, "PANDN", "ANDNPS", "ANDNPD")
	registerXopAll(or, "POR", "ORPS", "ORPD")
	registerXopAll(xor, "PXOR", "XORPS", "XORPD")

	// Wrapping add/subtract.
	const hB, hW, hD = 0x8080808080808080, 0x8000800080008000, 0x8000000080000000
	addH := func(h uint64) xop {
		return func(d *[2]uint64, s0, s1 uint64) { d[0] = sseAddLanes(d[0], s0, h); d[1] = sseAddLanes(d[1], s1, h) }
	}
	subH := func(h uint64) xop {
		return func(d *[2]uint64, s0, s1 uint64) { d[0] = sseSubLanes(d[0], s0, h); d[1] = sseSubLanes(d[1], s1, h) }
	}
	registerXop("PADDB", addH(hB))
	registerXop("PADDW", addH(hW))
	registerXop("PADDD", addH(hD))
	registerXop("PADDQ", func(d *[2]uint64, s0, s1 uint64) { d[0] += s0; d[1] += s1 })
	registerXop("PSUBB", subH(hB))
	registerXop("PSUBW", subH(hW))
	registerXop("PSUBD", subH(hD))
	registerXop("PSUBQ", func(d *[2]uint64, s0, s1 uint64) { d[0] -= s0; d[1] -= s1 })

	// Saturating add/subtract, compares, min/max, averages, multiplies: lane by lane.
	registerXop("PADDUSB", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = paddusb(d[0], s0), paddusb(d[1], s1) })
	registerXop("PADDUSW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = paddusw(d[0], s0), paddusw(d[1], s1) })
	registerXop("PSUBUSB", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = psubusb(d[0], s0), psubusb(d[1], s1) })
	registerXop("PSUBUSW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = psubusw(d[0], s0), psubusw(d[1], s1) })
	registerXop("PADDSB", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = paddsb(d[0], s0), paddsb(d[1], s1) })
	registerXop("PADDSW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = paddsw(d[0], s0), paddsw(d[1], s1) })
	registerXop("PSUBSB", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = psubsb(d[0], s0), psubsb(d[1], s1) })
	registerXop("PSUBSW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = psubsw(d[0], s0), psubsw(d[1], s1) })
	eq := func(h uint64, w uint) xop { // h: the top bit of each w-bit lane
		return func(d *[2]uint64, s0, s1 uint64) {
			d[0] = sseEqLanes(d[0], s0, h, w)
			d[1] = sseEqLanes(d[1], s1, h, w)
		}
	}
	registerXop("PCMPEQB", eq(hB, 8))
	registerXop("PCMPEQW", eq(hW, 16))
	registerXop("PCMPEQD", eq(hD, 32))
	register("PCMPGTB", lanes8(func(a, b uint64) uint64 { return laneMask(int8(a) > int8(b)) }))
	register("PCMPGTW", lanes16(func(a, b uint64) uint64 { return laneMask(int16(a) > int16(b)) }))
	register("PCMPGTD", lanes32(func(a, b uint64) uint64 { return laneMask(int32(a) > int32(b)) }))
	registerXop("PMINUB", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pminub(d[0], s0), pminub(d[1], s1) })
	registerXop("PMAXUB", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pmaxub(d[0], s0), pmaxub(d[1], s1) })
	registerXop("PMINSW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pminsw(d[0], s0), pminsw(d[1], s1) })
	registerXop("PMAXSW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pmaxsw(d[0], s0), pmaxsw(d[1], s1) })
	registerXop("PAVGB", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pavgb(d[0], s0), pavgb(d[1], s1) })
	registerXop("PAVGW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pavgw(d[0], s0), pavgw(d[1], s1) })
	registerXop("PMULLW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pmullw(d[0], s0), pmullw(d[1], s1) })
	registerXop("PMULHW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pmulhw(d[0], s0), pmulhw(d[1], s1) })
	registerXop("PMULHUW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = pmulhuw(d[0], s0), pmulhuw(d[1], s1) })
	registerXop("PMULUDQ", func(d *[2]uint64, s0, s1 uint64) {
		d[0] = d[0] & 0xFFFFFFFF * (s0 & 0xFFFFFFFF)
		d[1] = d[1] & 0xFFFFFFFF * (s1 & 0xFFFFFFFF)
	})
	registerXop("PMADDWD", func(d *[2]uint64, s0, s1 uint64) { d[0] = pmaddwd(d[0], s0); d[1] = pmaddwd(d[1], s1) })
	registerXop("PSADBW", func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = psadbwLanes(d[0], s0), psadbwLanes(d[1], s1) })

	// Unpacks (interleaves).
	registerXop("PUNPCKLBW", func(d *[2]uint64, s0, s1 uint64) { *d = sseInterleave(d[0], s0, 8) })
	registerXop("PUNPCKLWD", func(d *[2]uint64, s0, s1 uint64) { *d = sseInterleave(d[0], s0, 16) })
	registerXopAll(func(d *[2]uint64, s0, s1 uint64) { *d = sseInterleave(d[0], s0, 32) }, "PUNPCKLDQ", "UNPCKLPS")
	registerXopAll(func(d *[2]uint64, s0, s1 uint64) { d[1] = s0 }, "PUNPCKLQDQ", "UNPCKLPD")
	registerXop("PUNPCKHBW", func(d *[2]uint64, s0, s1 uint64) { *d = sseInterleave(d[1], s1, 8) })
	registerXop("PUNPCKHWD", func(d *[2]uint64, s0, s1 uint64) { *d = sseInterleave(d[1], s1, 16) })
	registerXopAll(func(d *[2]uint64, s0, s1 uint64) { *d = sseInterleave(d[1], s1, 32) }, "PUNPCKHDQ", "UNPCKHPS")
	registerXopAll(func(d *[2]uint64, s0, s1 uint64) { d[0], d[1] = d[1], s1 }, "PUNPCKHQDQ", "UNPCKHPD")

	// Packs with saturation.
	registerXop("PACKSSWB", func(d *[2]uint64, s0, s1 uint64) {
		*d = [2]uint64{ssePackSS16(d[0]) | ssePackSS16(d[1])<<32, ssePackSS16(s0) | ssePackSS16(s1)<<32}
	})
	registerXop("PACKUSWB", func(d *[2]uint64, s0, s1 uint64) {
		*d = [2]uint64{ssePackUS16(d[0]) | ssePackUS16(d[1])<<32, ssePackUS16(s0) | ssePackUS16(s1)<<32}
	})
	registerXop("PACKSSDW", func(d *[2]uint64, s0, s1 uint64) {
		*d = [2]uint64{ssePackSS32(d[0]) | ssePackSS32(d[1])<<32, ssePackSS32(s0) | ssePackSS32(s1)<<32}
	})

	// Shuffles.
	registerXopImm("PSHUFD", func(d *[2]uint64, s0, s1 uint64, imm uint8) {
		s := [4]uint64{s0 & 0xFFFFFFFF, s0 >> 32, s1 & 0xFFFFFFFF, s1 >> 32}
		d[0] = s[imm&3] | s[imm>>2&3]<<32
		d[1] = s[imm>>4&3] | s[imm>>6&3]<<32
	})
	registerXopImm("PSHUFLW", func(d *[2]uint64, s0, s1 uint64, imm uint8) {
		d[0], d[1] = sseShuf16(s0, imm), s1
	})
	registerXopImm("PSHUFHW", func(d *[2]uint64, s0, s1 uint64, imm uint8) {
		d[0], d[1] = s0, sseShuf16(s1, imm)
	})
	registerXopImm("SHUFPS", func(d *[2]uint64, s0, s1 uint64, imm uint8) {
		a := [4]uint64{d[0] & 0xFFFFFFFF, d[0] >> 32, d[1] & 0xFFFFFFFF, d[1] >> 32}
		b := [4]uint64{s0 & 0xFFFFFFFF, s0 >> 32, s1 & 0xFFFFFFFF, s1 >> 32}
		d[0] = a[imm&3] | a[imm>>2&3]<<32
		d[1] = b[imm>>4&3] | b[imm>>6&3]<<32
	})
	registerXopImm("SHUFPD", func(d *[2]uint64, s0, s1 uint64, imm uint8) {
		s := [2]uint64{s0, s1}
		d[0], d[1] = d[imm&1], s[imm>>1&1]
	})

	// Shifts by an XMM/m128 count or an immediate.
	for _, s := range []struct {
		name  string
		width uint
		kind  uint8
	}{
		{"PSLLW", 16, pshLeft}, {"PSLLD", 32, pshLeft}, {"PSLLQ", 64, pshLeft},
		{"PSRLW", 16, pshRight}, {"PSRLD", 32, pshRight}, {"PSRLQ", 64, pshRight},
		{"PSRAW", 16, pshArith}, {"PSRAD", 32, pshArith},
	} {
		register(s.name, xlatePShift(s.width, s.kind))
	}
	register("PSLLDQ", xlateByteShift)
	register("PSRLDQ", xlateByteShift)

	register("PEXTRW", func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kReg || u.kind[1] != kXMM || u.kind[2] != kImm {
			return false
		}
		u.fn = pextrw
		lazyRegForm(u)
		return true
	})
	register("PINSRW", func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kXMM || (u.kind[1] != kReg && u.kind[1] != kMem) || u.kind[2] != kImm {
			return false
		}
		if u.kind[1] == kMem {
			u.sz[1] = 2
		}
		u.fn = pinsrw
		lazyRegForm(u)
		return true
	})
}

// sseAddLanes adds the lanes of a and b whose top bits are set in h, without carries between lanes.
func sseAddLanes(a, b, h uint64) uint64 { return (a&^h + b&^h) ^ (a^b)&h }

// sseSubLanes subtracts the lanes of b from a (lanes marked by their top bits in h).
func sseSubLanes(a, b, h uint64) uint64 { return ((a | h) - b&^h) ^ (a^^b)&h }

// sseEqLanes returns all-ones w-bit lanes where a and b are equal (h holds the top bit of
// each lane), without carries between lanes.
func sseEqLanes(a, b, h uint64, w uint) uint64 {
	t := a ^ b
	low := ^h
	nz := ((t & low) + low | t) & h // top bit set in every non-zero lane
	z := nz ^ h                     // top bit set in every equal lane
	return (z >> (w - 1)) * (1<<w - 1)
}

func laneMask(b bool) uint64 {
	if b {
		return ^uint64(0)
	}
	return 0
}

func sseSat8(v int64) int8 {
	return int8(max(min(v, 127), -128))
}

func sseSat16(v int64) int16 {
	return int16(max(min(v, 32767), -32768))
}

// lanes8/16/32 build translators that apply f to each pair of byte/word/dword lanes
// (f's arguments are zero-extended lanes; its result is truncated to the lane).
func lanes8(f func(a, b uint64) uint64) translator  { return xlateXmm(sseLanes(f, 8)) }
func lanes16(f func(a, b uint64) uint64) translator { return xlateXmm(sseLanes(f, 16)) }
func lanes32(f func(a, b uint64) uint64) translator { return xlateXmm(sseLanes(f, 32)) }

func sseLanes(f func(a, b uint64) uint64, w uint) xop {
	m := uint64(1)<<w - 1
	lane := func(a, b uint64) uint64 {
		var r uint64
		for i := uint(0); i < 64; i += w {
			r |= f(a>>i&m, b>>i&m) & m << i
		}
		return r
	}
	return func(d *[2]uint64, s0, s1 uint64) { d[0] = lane(d[0], s0); d[1] = lane(d[1], s1) }
}

// pmaddwd multiplies signed words and adds adjacent products into dwords (wrapping).
func pmaddwd(a, b uint64) uint64 {
	var r uint64
	for i := uint(0); i < 64; i += 32 {
		p := int32(int16(a>>i))*int32(int16(b>>i)) + int32(int16(a>>(i+16)))*int32(int16(b>>(i+16)))
		r |= uint64(uint32(p)) << i
	}
	return r
}

// sseInterleave alternates the w-bit elements of a and b (a first) into 128 bits.
func sseInterleave(a, b uint64, w uint) [2]uint64 {
	switch w {
	case 8:
		return [2]uint64{sseSpread8(a) | sseSpread8(b)<<8, sseSpread8(a>>32) | sseSpread8(b>>32)<<8}
	case 16:
		return [2]uint64{sseSpread16(a) | sseSpread16(b)<<16, sseSpread16(a>>32) | sseSpread16(b>>32)<<16}
	case 32:
		return [2]uint64{a&0xFFFFFFFF | b<<32, a>>32 | b&^0xFFFFFFFF}
	}
	return [2]uint64{a, b}
}

// sseSpread16 moves the two low words of v to bits 0-15 and 32-47.
func sseSpread16(v uint64) uint64 { return v&0xFFFF | v&0xFFFF0000<<16 }

// sseSpread8 moves the four low bytes of v to bits 0, 16, 32 and 48.
func sseSpread8(v uint64) uint64 {
	v = sseSpread16(v)
	return (v | v<<8) & 0x00FF00FF00FF00FF
}

// ssePackSS16 packs four signed words into four signed-saturated bytes.
func ssePackSS16(v uint64) uint64 {
	s := func(x uint64) uint64 { return uint64(uint8(max(min(int16(x), 127), -128))) }
	return s(v) | s(v>>16)<<8 | s(v>>32)<<16 | s(v>>48)<<24
}

// ssePackUS16 packs four signed words into four unsigned-saturated bytes.
func ssePackUS16(v uint64) uint64 {
	s := func(x uint64) uint64 { return uint64(max(min(int16(x), 255), 0)) }
	return s(v) | s(v>>16)<<8 | s(v>>32)<<16 | s(v>>48)<<24
}

// ssePackSS32 packs two signed dwords into two signed-saturated words.
func ssePackSS32(v uint64) uint64 {
	return uint64(uint16(sseSat16(int64(int32(v))))) | uint64(uint16(sseSat16(int64(int32(v>>32)))))<<16
}

// sseShuf16 reorders the four words of v by imm (two bits per destination word).
func sseShuf16(v uint64, imm uint8) uint64 {
	var r uint64
	for i := uint(0); i < 4; i++ {
		r |= (v >> (16 * uint(imm>>(2*i)&3)) & 0xFFFF) << (16 * i)
	}
	return r
}

// Shift kinds.
const (
	pshLeft = iota
	pshRight
	pshArith
)

// sseShiftLanes shifts each w-bit lane of v by n (n >= w: zero, or sign fill for pshArith).
func sseShiftLanes(v uint64, n uint64, w uint, kind uint8) uint64 {
	if w == 64 {
		switch {
		case n >= 64:
			return 0
		case kind == pshLeft:
			return v << n
		default:
			return v >> n
		}
	}
	m := uint64(1)<<w - 1
	var r uint64
	for i := uint(0); i < 64; i += w {
		x := v >> i & m
		switch kind {
		case pshLeft:
			if n >= uint64(w) {
				x = 0
			} else {
				x = x << n & m
			}
		case pshRight:
			if n >= uint64(w) {
				x = 0
			} else {
				x >>= n
			}
		default:
			s := int64(x<<(64-w)) >> (64 - w)
			x = uint64(s>>min(n, uint64(w-1))) & m
		}
		r |= x << i
	}
	return r
}

// xlatePShift builds the translator of a lane shift: count from xmm/m128 (its low quadword)
// or from imm8. The lane width and kind are packed into imm2.
func xlatePShift(w uint, kind uint8) translator {
	return func(u *uop, d *decodeInfo) bool {
		if u.kind[0] != kXMM {
			return false
		}
		u.imm2 = uint64(w) | uint64(kind)<<8
		switch {
		case u.kind[1] == kImm:
			u.imm &= 0xFF
			u.fn = pshiftImm
			specialiseWith(u, pshiftImmFast)
		case xmmOrMem(u, 1):
			u.fn = pshiftXmm
			lazyRegForm(u)
			if u.kind[1] == kXMM {
				specialiseWith(u, pshiftXmmFast)
			}
		default:
			return false
		}
		return true
	}
}

func pshiftImm(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	d := &c.XMM[u.r[0]&15]
	w, k := uint(u.imm2&0xFF), uint8(u.imm2>>8)
	d[0] = sseShiftLanes(d[0], u.imm, w, k)
	d[1] = sseShiftLanes(d[1], u.imm, w, k)
	return nil
}

func pshiftXmm(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	n, _, f := c.xsrc(u, 1)
	if f != nil {
		return f
	}
	d := &c.XMM[u.r[0]&15]
	w, k := uint(u.imm2&0xFF), uint8(u.imm2>>8)
	d[0] = sseShiftLanes(d[0], n, w, k)
	d[1] = sseShiftLanes(d[1], n, w, k)
	return nil
}

func xlateByteShift(u *uop, d *decodeInfo) bool {
	if u.kind[0] != kXMM || u.kind[1] != kImm {
		return false
	}
	u.imm &= 0xFF
	if d.name == "PSRLDQ" {
		u.imm2 = 1
	}
	u.fn = pByteShift
	lazyRegForm(u)
	return true
}

// pByteShift is PSLLDQ/PSRLDQ xmm, imm8: shifts the whole register by imm8 bytes.
func pByteShift(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	d := &c.XMM[u.r[0]&15]
	n := uint(u.imm)
	if n > 15 {
		*d = [2]uint64{}
		return nil
	}
	n *= 8
	lo, hi := d[0], d[1]
	if u.imm2 == 0 { // left
		switch {
		case n == 0:
		case n < 64:
			hi, lo = hi<<n|lo>>(64-n), lo<<n
		default:
			hi, lo = lo<<(n-64), 0
		}
	} else {
		switch {
		case n == 0:
		case n < 64:
			lo, hi = lo>>n|hi<<(64-n), hi>>n
		default:
			lo, hi = hi>>(n-64), 0
		}
	}
	d[0], d[1] = lo, hi
	return nil
}

// pextrw is PEXTRW r, xmm, imm8: the selected word, zero-extended.
func pextrw(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	i := uint(u.imm & 7)
	v := c.XMM[u.r[1]&15][i/4] >> (16 * (i % 4)) & 0xFFFF
	c.setReg(u.r[0], max(u.sz[0], 4), v)
	return nil
}

// pinsrw is PINSRW xmm, r32/m16, imm8.
func pinsrw(c *CPU, u *uop) *Fault {
	if f := c.sseCheck(); f != nil {
		return f
	}
	var v uint64
	if u.kind[1] == kReg {
		v = c.reg(u.r[1], 2)
	} else {
		var f *Fault
		if v, f = c.read(c.ea(u), 2); f != nil {
			return f
		}
	}
	i := uint(u.imm & 7)
	sh := 16 * (i % 4)
	q := &c.XMM[u.r[0]&15][i/4]
	*q = *q&^(0xFFFF<<sh) | v<<sh
	return nil
}
