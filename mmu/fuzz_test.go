package mmu

import (
	"encoding/binary"
	"testing"
)

// FuzzWalk fills the page-table area with fuzzer bytes, picks control
// registers, addresses and access kinds from them, and drives every entry
// point. Nothing may panic; successful translations must agree between the
// TLB path, a fresh walk and Probe.
func FuzzWalk(f *testing.F) {
	// Seeds: a valid 4-level mapping, a 2 MiB and a 1 GiB leaf, PAE, 32-bit.
	seed := func(mode byte, ctl byte, va uint64, entries ...uint64) []byte {
		b := make([]byte, 32)
		b[0] = mode
		b[1] = ctl
		binary.LittleEndian.PutUint64(b[8:], va)
		for _, e := range entries {
			b = binary.LittleEndian.AppendUint64(b, e)
		}
		return b
	}
	f.Add(seed(3, 0, 0x1000, 0x1000|7, 0x1000|7, 0x1000|7, 0x2000|7))
	f.Add(seed(3, 0xff, 0xffff800000201000, 0x1000|0x27, 0x1000|0x67, 0x200000|0x87))
	f.Add(seed(3, 0x5a, 0x7fffc0001000, 0x1000|3, 0x40000000|0x83|1<<63))
	f.Add(seed(2, 0x11, 0xc0000000, 0x1001, 0x1001, 0x1001, 0x1001, 0x5000|7))
	f.Add(seed(1, 0x22, 0x80400000, 0x00400087, 0x9007))
	f.Add(seed(0, 0, 0xfffff000))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 16 {
			return
		}
		mode, ctlBits := data[0], data[1]
		user, ac := data[2]&1 != 0, data[2]&2 != 0
		acc := Access(data[3] % 4) // includes an invalid kind
		va := VAddr(binary.LittleEndian.Uint64(data[8:]))
		tablesBytes := data[16:]

		m := New(1 << 20)
		dev := &fakeDev{tag: 1}
		_ = m.AttachMMIO(0x200000, 0x1000, dev)
		m.SetCodeInvalidator(func(uint64, uint64, uint64) bool { return false })
		// Tables: the fuzzer's bytes replicated over the first 64 KiB, so
		// every level finds something wherever it points.
		if len(tablesBytes) > 0 {
			for off := 0; off < 64<<10; off += len(tablesBytes) {
				copy(m.ram[off:64<<10], tablesBytes)
			}
		}
		c := Control{CR3: uint64(data[4]) << 12}
		switch mode % 4 {
		case 1:
			c.CR0 = CR0_PG | 1
		case 2:
			c.CR0 = CR0_PG | 1
			c.CR4 = CR4_PAE
		case 3:
			c.CR0 = CR0_PG | 1
			c.CR4 = CR4_PAE
			c.EFER = EFER_LME | EFER_LMA
		}
		if ctlBits&1 != 0 {
			c.CR0 |= CR0_WP
		}
		if ctlBits&2 != 0 {
			c.CR4 |= CR4_SMEP
		}
		if ctlBits&4 != 0 {
			c.CR4 |= CR4_SMAP
		}
		if ctlBits&8 != 0 {
			c.EFER |= EFER_NXE
		}
		if ctlBits&16 != 0 {
			c.CR4 |= CR4_PGE
		}
		if ctlBits&32 != 0 {
			c.CR4 |= CR4_PSE
		}
		m.SetControl(c)
		for i := range 4 {
			m.MarkCode(uint64(data[5+i%3]))
		}

		probePA, probeF := m.Probe(va, acc, user, ac)
		pa, f := m.Translate(va, acc, user, ac)
		if (f == nil) != (probeF == nil) {
			t.Fatalf("Translate %v/%v vs Probe %v/%v", pa, f, probePA, probeF)
		}
		if f == nil && pa != probePA {
			t.Fatalf("Translate %#x vs Probe %#x", pa, probePA)
		}
		pa2, f2 := m.Translate(va, acc, user, ac)
		if (f2 == nil) != (f == nil) || pa2 != pa {
			t.Fatalf("TLB hit %v/%v vs walk %v/%v", pa2, f2, pa, f)
		}
		_, _ = m.Read64(va, user, ac)
		_ = m.Write64(va+5, 0x1234, user, ac)
		_, _ = m.Read16(va|0xfff, user, ac)
		_ = m.Write32(va|0xffe, 1, user, ac)
		_, _, _ = m.Fetch(va, user)
		_, _, _ = m.Fetch(va|0xfff, !user)
		buf := make([]byte, int(data[7])*37)
		_ = m.Read(va, buf, acc, user, ac)
		_ = m.Write(va-VAddr(len(buf)/2), buf, user, ac)
		_, _ = m.ReadN(va, int(data[6]%9), user, ac)
		_ = m.WriteN(va, int(data[6]%9), 7, user, ac)
		m.Invlpg(va)
		_, _ = m.DebugTranslate(va)
		_ = m.DebugRead(va, buf)
		_ = m.DebugWrite(va+1, buf)
		visits := 0
		m.VisitMappings(func(Mapping) bool { visits++; return visits < 5000 })
		m.WriteCR3(uint64(data[5]) << 12)
		_, _ = m.Read8(va, user, ac)
		m.ReadPhys(PAddr(va), buf)
		m.WritePhys(PAddr(va), buf)
		m.SetState(m.State())
		m.Reset()
		_, _ = m.Read8(va, user, ac)
	})
}
