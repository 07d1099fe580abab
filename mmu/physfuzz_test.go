package mmu

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"testing"
)

// memDev is an MMIO device backed by bytes, so a byte-wise model can
// predict it.
type memDev struct{ b []byte }

func (d *memDev) ReadMMIO(off uint64, data []byte)  { copy(data, d.b[off:]) }
func (d *memDev) WriteMMIO(off uint64, data []byte) { copy(d.b[off:], data) }

// physModel is the reference: one byte at a time.
type physModel struct {
	ram  []byte
	devs []struct {
		base uint64
		b    []byte
	}
}

func (p *physModel) find(a uint64) *byte {
	if a < uint64(len(p.ram)) {
		return &p.ram[a]
	}
	for _, d := range p.devs {
		if a >= d.base && a-d.base < uint64(len(d.b)) {
			return &d.b[a-d.base]
		}
	}
	return nil
}

// FuzzPhys runs random physical reads and writes against RAM, two
// byte-backed devices and unbacked space, comparing with physModel.
func FuzzPhys(f *testing.F) {
	f.Add([]byte{0, 0xf0, 0x0f, 0, 0, 16, 1, 0xff, 0xf, 0, 0, 8})
	f.Add([]byte{1, 0xfc, 0x1f, 0, 0, 40, 0, 0x08, 0x10, 0, 0, 200})
	f.Fuzz(func(t *testing.T, data []byte) {
		const ramSize = 0x2000
		m := New(ramSize)
		model := &physModel{ram: make([]byte, ramSize)}
		for i, base := range []uint64{0x2000, 0x2100} {
			size := uint64(0x100)
			if i == 1 {
				size = 0x80 // then unbacked from 0x2180
			}
			d := &memDev{b: make([]byte, size)}
			if err := m.AttachMMIO(PAddr(base), size, d); err != nil {
				t.Fatal(err)
			}
			model.devs = append(model.devs, struct {
				base uint64
				b    []byte
			}{base, d.b})
		}
		var calls int
		m.SetCodeInvalidator(func(uint64, uint64, uint64) bool { calls++; return false })
		m.MarkCode(1)
		for len(data) >= 6 {
			op := data[0]
			addr := uint64(binary.LittleEndian.Uint32(data[1:])) % 0x2400
			if op&0x80 != 0 {
				addr = ^uint64(0) - uint64(data[1]) // near the top of the space
			}
			n := int(data[5])
			data = data[6:]
			buf := make([]byte, n)
			if op&1 == 0 {
				m.ReadPhys(PAddr(addr), buf)
				for i := range buf {
					want := byte(0xff)
					if a := addr + uint64(i); a >= addr {
						if p := model.find(a); p != nil {
							want = *p
						}
					}
					if buf[i] != want {
						t.Fatalf("read %#x+%d: got %#x want %#x", addr, i, buf[i], want)
					}
				}
			} else {
				for i := range buf {
					buf[i] = byte(i) ^ op
				}
				m.WritePhys(PAddr(addr), buf)
				for i := range buf {
					if a := addr + uint64(i); a >= addr {
						if p := model.find(a); p != nil {
							*p = buf[i]
						}
					}
				}
			}
		}
		if !bytes.Equal(m.RAM(), model.ram) {
			t.Fatal("RAM differs from the model")
		}
		if calls > 1 {
			t.Fatalf("invalidator called %d times for one mark", calls)
		}
	})
}

// TestStateGobRoundTrip: State is plain data that survives gob.
func TestStateGobRoundTrip(t *testing.T) {
	tb := newTables(t, 4<<20, ModePAE, 0xc0201000, 0x9000, 1)
	tb.set(pteRW, pteRW)
	tb.m.SetControl(tb.control(CR0_WP, CR4_PGE, EFER_NXE))
	st := tb.m.State()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		t.Fatal(err)
	}
	var back State
	if err := gob.NewDecoder(&buf).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if back != st {
		t.Fatalf("round trip: %+v != %+v", back, st)
	}
}
