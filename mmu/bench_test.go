package mmu

import "testing"

// benchSetup maps a 4 KiB page through 4-level paging and warms the TLB.
func benchSetup(b *testing.B) (*MMU, VAddr) {
	va := uint64(0x7f0000201000)
	tb := newTables(&testing.T{}, 4<<20, Mode4Level, va, 0x9000, 1)
	tb.set(pteRW|pteUS, pteRW|pteUS, pteRW|pteUS, pteRW|pteUS)
	tb.m.SetControl(tb.control(CR0_WP, CR4_SMEP|CR4_SMAP, EFER_NXE))
	if f := tb.m.Write64(VAddr(va), 1, true, false); f != nil {
		b.Fatal(f)
	}
	if _, f := tb.m.Read64(VAddr(va), true, false); f != nil {
		b.Fatal(f)
	}
	if _, _, f := tb.m.Fetch(VAddr(va), true); f != nil {
		b.Fatal(f)
	}
	return tb.m, VAddr(va)
}

func BenchmarkRead64Hit(b *testing.B) {
	m, va := benchSetup(b)
	var sum uint64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v, _ := m.Read64(va+VAddr(i&0x7f8), true, false)
		sum += v
	}
	_ = sum
}

func BenchmarkWrite64Hit(b *testing.B) {
	m, va := benchSetup(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = m.Write64(va+VAddr(i&0x7f8), uint64(i), true, false)
	}
}

func BenchmarkRead32Hit(b *testing.B) {
	m, va := benchSetup(b)
	var sum uint64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v, _ := m.Read32(va+VAddr(i&0x7fc), true, false)
		sum += v
	}
	_ = sum
}

func BenchmarkFetchHit(b *testing.B) {
	m, va := benchSetup(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _, _ = m.Fetch(va+VAddr(i&0xff), true)
	}
}

// BenchmarkRead64Split is a read straddling two pages (slow path, TLB hits).
func BenchmarkRead64Split(b *testing.B) {
	m, _ := benchSetup(b)
	m.SetControl(Control{})
	b.ReportAllocs()
	for b.Loop() {
		_, _ = m.Read64(0x1ffc, false, false)
	}
}

// BenchmarkWalk4Level is a TLB miss: a full 4-level walk with A/D already set.
func BenchmarkWalk4Level(b *testing.B) {
	m, va := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		m.Invlpg(va)
		_, _ = m.Read64(va, true, false)
	}
}

// BenchmarkCR3Write is a MOV CR3 (non-global flush) followed by one access.
func BenchmarkCR3Write(b *testing.B) {
	m, va := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		m.WriteCR3(cr3Base)
		_, _ = m.Read64(va, true, false)
	}
}

// BenchmarkTryRead64Hit is the inlined hit probe a CPU accessor would use.
func BenchmarkTryRead64Hit(b *testing.B) {
	m, va := benchSetup(b)
	var sum uint64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v, ok := m.TryRead64(va+VAddr(i&0x7f8), true, false)
		if !ok {
			v, _ = m.Read64(va+VAddr(i&0x7f8), true, false)
		}
		sum += v
	}
	_ = sum
}

// BenchmarkTryWrite64Hit is the inlined hit probe for writes.
func BenchmarkTryWrite64Hit(b *testing.B) {
	m, va := benchSetup(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if !m.TryWrite64(va+VAddr(i&0x7f8), uint64(i), true, false) {
			_ = m.Write64(va+VAddr(i&0x7f8), uint64(i), true, false)
		}
	}
}
