package cpu

// Lane-parallel forms of the packed-integer operations that were computed one lane at a
// time (sseLanes, a call per lane): each works on a quadword's lanes at once, with the
// carries, borrows and compares kept inside their lanes (SWAR), or on four words with no
// loop. h holds the top bit of every lane (hB for bytes, hW for words).

const (
	hB = 0x8080808080808080
	hW = 0x8000800080008000
)

// fillB and fillW turn lanes' top bits (t holds no other bit) into all-ones lanes.
func fillB(t uint64) uint64 { return (t >> 7) * 0xFF }
func fillW(t uint64) uint64 { return (t >> 15) * 0xFFFF }

// ltU returns the top bit of each lane (marked by h) set where a's lane is below b's,
// unsigned. d's top bit is "a's low bits >= b's": a lane with its top bit forced to one
// minus one with it cleared borrows nothing from the next lane.
func ltU(a, b, h uint64) uint64 {
	d := (a | h) - b&^h
	return (^a&b | ^(a^b)&^d) & h
}

// minSel and maxSel are the lane minimum and maximum, given lt with all-ones lanes where
// a's lane is below b's.
func minSel(a, b, lt uint64) uint64 { return b ^ (a^b)&lt }
func maxSel(a, b, lt uint64) uint64 { return a ^ (a^b)&lt }

func pminub(a, b uint64) uint64 { return minSel(a, b, fillB(ltU(a, b, hB))) }
func pmaxub(a, b uint64) uint64 { return maxSel(a, b, fillB(ltU(a, b, hB))) }

// pminsw and pmaxsw compare signed words as unsigned ones with their sign bits flipped.
func pminsw(a, b uint64) uint64 { return minSel(a, b, fillW(ltU(a^hW, b^hW, hW))) }
func pmaxsw(a, b uint64) uint64 { return maxSel(a, b, fillW(ltU(a^hW, b^hW, hW))) }

// pavgb and pavgw are the rounded-up averages of bytes and words, (a|b) - (a^b)>>1 in
// each lane (the shifted-in bit of the lane above masked off).
func pavgb(a, b uint64) uint64 { return a | b - (a^b)>>1&0x7F7F7F7F7F7F7F7F }
func pavgw(a, b uint64) uint64 { return a | b - (a^b)>>1&0x7FFF7FFF7FFF7FFF }

// addCarry returns the lane sums and the top bit of each lane that carried out.
func addCarry(a, b, h uint64) (sum, carry uint64) {
	s := a&^h + b&^h
	return s ^ (a^b)&h, (a&b | (a|b)&s) & h
}

// subBorrow returns the lane differences and the top bit of each lane that borrowed.
func subBorrow(a, b, h uint64) (diff, borrow uint64) {
	r := ((a | h) - b&^h) ^ (a^^b)&h
	return r, (^a&b | ^(a^b)&r) & h
}

func paddusb(a, b uint64) uint64 { s, c := addCarry(a, b, hB); return s | fillB(c) }
func paddusw(a, b uint64) uint64 { s, c := addCarry(a, b, hW); return s | fillW(c) }
func psubusb(a, b uint64) uint64 { r, c := subBorrow(a, b, hB); return r &^ fillB(c) }
func psubusw(a, b uint64) uint64 { r, c := subBorrow(a, b, hW); return r &^ fillW(c) }

// satS is the signed saturation of lanes that overflowed toward a's sign: the lane's
// largest value (h-1 in each lane, h^ones) plus one when a's lane is negative.
func satB(a uint64) uint64 { return 0x7F7F7F7F7F7F7F7F + (a&hB)>>7 }
func satW(a uint64) uint64 { return 0x7FFF7FFF7FFF7FFF + (a&hW)>>15 }

func paddsb(a, b uint64) uint64 {
	s := sseAddLanes(a, b, hB)
	m := fillB(^(a ^ b) & (a ^ s) & hB)
	return s&^m | satB(a)&m
}

func paddsw(a, b uint64) uint64 {
	s := sseAddLanes(a, b, hW)
	m := fillW(^(a ^ b) & (a ^ s) & hW)
	return s&^m | satW(a)&m
}

func psubsb(a, b uint64) uint64 {
	s := sseSubLanes(a, b, hB)
	m := fillB((a ^ b) & (a ^ s) & hB)
	return s&^m | satB(a)&m
}

func psubsw(a, b uint64) uint64 {
	s := sseSubLanes(a, b, hW)
	m := fillW((a ^ b) & (a ^ s) & hW)
	return s&^m | satW(a)&m
}

// pmullw, pmulhw and pmulhuw multiply the four words of a and b: the low halves of the
// products, their signed high halves and their unsigned high halves.
func pmullw(a, b uint64) uint64 {
	return uint64(uint16(a)*uint16(b)) | uint64(uint16(a>>16)*uint16(b>>16))<<16 |
		uint64(uint16(a>>32)*uint16(b>>32))<<32 | uint64(uint16(a>>48)*uint16(b>>48))<<48
}

func pmulhw(a, b uint64) uint64 {
	m := func(x, y uint64) uint64 { return uint64(uint32(int32(int16(x))*int32(int16(y))) >> 16) }
	return m(a, b) | m(a>>16, b>>16)<<16 | m(a>>32, b>>32)<<32 | m(a>>48, b>>48)<<48
}

func pmulhuw(a, b uint64) uint64 {
	m := func(x, y uint64) uint64 { return uint64(uint32(uint16(x)) * uint32(uint16(y)) >> 16) }
	return m(a, b) | m(a>>16, b>>16)<<16 | m(a>>32, b>>32)<<32 | m(a>>48, b>>48)<<48
}

// psadbwLanes sums the absolute differences of the eight bytes into the low word: each
// byte's maximum less its minimum (no borrows), then the bytes added in pairs into words
// and the four words by a multiply into the top word.
func psadbwLanes(a, b uint64) uint64 {
	lt := fillB(ltU(a, b, hB))
	d := maxSel(a, b, lt) - minSel(a, b, lt)
	w := d&0x00FF00FF00FF00FF + d>>8&0x00FF00FF00FF00FF
	return w * 0x0001000100010001 >> 48
}
