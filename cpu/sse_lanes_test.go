package cpu

import (
	"math/rand"
	"testing"
)

// TestSSELanesSWAR compares the lane-parallel packed-integer operations (sse_lanes.go)
// with the same operations computed lane by lane (sseLanes), on random quadwords and on
// lanes drawn from each width's edge values.
func TestSSELanesSWAR(t *testing.T) {
	sat8 := func(v int64) uint64 { return uint64(uint8(sseSat8(v))) }
	sat16 := func(v int64) uint64 { return uint64(uint16(sseSat16(v))) }
	psadbwRef := func(a, b uint64) uint64 {
		var s uint64
		for i := uint(0); i < 64; i += 8 {
			x, y := a>>i&0xFF, b>>i&0xFF
			s += max(x, y) - min(x, y)
		}
		return s
	}
	lanes := func(w uint, f func(a, b uint64) uint64) func(a, b uint64) uint64 {
		op := sseLanes(f, w)
		return func(a, b uint64) uint64 {
			d := [2]uint64{a, 0}
			op(&d, b, 0)
			return d[0]
		}
	}
	for _, c := range []struct {
		name string
		w    uint
		got  func(a, b uint64) uint64
		want func(a, b uint64) uint64
	}{
		{"paddusb", 8, paddusb, lanes(8, func(a, b uint64) uint64 { return min(a+b, 0xFF) })},
		{"paddusw", 16, paddusw, lanes(16, func(a, b uint64) uint64 { return min(a+b, 0xFFFF) })},
		{"psubusb", 8, psubusb, lanes(8, func(a, b uint64) uint64 { return a - min(a, b) })},
		{"psubusw", 16, psubusw, lanes(16, func(a, b uint64) uint64 { return a - min(a, b) })},
		{"paddsb", 8, paddsb, lanes(8, func(a, b uint64) uint64 { return sat8(int64(int8(a)) + int64(int8(b))) })},
		{"paddsw", 16, paddsw, lanes(16, func(a, b uint64) uint64 { return sat16(int64(int16(a)) + int64(int16(b))) })},
		{"psubsb", 8, psubsb, lanes(8, func(a, b uint64) uint64 { return sat8(int64(int8(a)) - int64(int8(b))) })},
		{"psubsw", 16, psubsw, lanes(16, func(a, b uint64) uint64 { return sat16(int64(int16(a)) - int64(int16(b))) })},
		{"pminub", 8, pminub, lanes(8, func(a, b uint64) uint64 { return min(a, b) })},
		{"pmaxub", 8, pmaxub, lanes(8, func(a, b uint64) uint64 { return max(a, b) })},
		{"pminsw", 16, pminsw, lanes(16, func(a, b uint64) uint64 { return uint64(min(int16(a), int16(b))) })},
		{"pmaxsw", 16, pmaxsw, lanes(16, func(a, b uint64) uint64 { return uint64(max(int16(a), int16(b))) })},
		{"pavgb", 8, pavgb, lanes(8, func(a, b uint64) uint64 { return (a + b + 1) >> 1 })},
		{"pavgw", 16, pavgw, lanes(16, func(a, b uint64) uint64 { return (a + b + 1) >> 1 })},
		{"pmullw", 16, pmullw, lanes(16, func(a, b uint64) uint64 { return a * b })},
		{"pmulhw", 16, pmulhw, lanes(16, func(a, b uint64) uint64 { return uint64(int64(int16(a)) * int64(int16(b)) >> 16) })},
		{"pmulhuw", 16, pmulhuw, lanes(16, func(a, b uint64) uint64 { return a * b >> 16 })},
		{"psadbw", 8, psadbwLanes, psadbwRef},
	} {
		r := rand.New(rand.NewSource(1))
		edge := []uint64{0, 1, 2, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF}
		if c.w == 16 {
			edge = []uint64{0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFE, 0x7FFF, 0x8000, 0x8001, 0xFFFE, 0xFFFF}
		}
		val := func() uint64 {
			if r.Intn(3) == 0 {
				return r.Uint64()
			}
			var v uint64
			for i := uint(0); i < 64; i += c.w {
				v |= edge[r.Intn(len(edge))] << i
			}
			return v
		}
		for i := 0; i < 50000; i++ {
			a, b := val(), val()
			if got, want := c.got(a, b), c.want(a, b); got != want {
				t.Fatalf("%s(%#016x, %#016x) = %#016x, want %#016x", c.name, a, b, got, want)
			}
		}
	}
}
