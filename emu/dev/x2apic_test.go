package dev

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	baseXAPIC    = LAPICBase | APICBaseBSP | APICBaseEN
	baseX2APIC   = baseXAPIC | APICBaseEXTD
	baseDisabled = LAPICBase | APICBaseBSP
)

// x2msr is the x2APIC MSR of xAPIC register offset off.
func x2msr(off uint64) uint32 { return MSRX2APICBase + uint32(off>>4) }

// TestX2APICBaseTransitions: the legal IA32_APIC_BASE mode changes and the #GP ones
// (SDM Vol. 3A Figure 11-27), and EXTD as a reserved bit without x2APIC support.
func TestX2APICBaseTransitions(t *testing.T) {
	cases := []struct {
		from, to uint64
		ok       bool
	}{
		{baseXAPIC, baseX2APIC, true},
		{baseX2APIC, baseX2APIC, true},
		{baseX2APIC, baseXAPIC, false},
		{baseX2APIC, baseDisabled, true},
		{baseDisabled, baseXAPIC, true},
		{baseDisabled, baseX2APIC, false},
		{baseXAPIC, baseDisabled | APICBaseEXTD, false}, // EN=0 EXTD=1: invalid
		{baseDisabled, baseDisabled | APICBaseEXTD, false},
		{baseX2APIC, baseDisabled | APICBaseEXTD, false},
		{baseXAPIC, baseXAPIC | 1<<9, false}, // reserved
		{baseX2APIC, baseX2APIC&^uint64(LAPICBase) | 0xFED00000, true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%#x->%#x", c.from, c.to), func(t *testing.T) {
			a := NewLAPIC(&fakeClock{}, nil, nil)
			a.EnableX2APIC()
			// Reach the starting state the legal way.
			switch c.from {
			case baseX2APIC:
				require.True(t, a.WriteMSR(MSRAPICBase, baseX2APIC))
			case baseDisabled:
				require.True(t, a.WriteMSR(MSRAPICBase, baseDisabled))
			}
			require.Equal(t, c.ok, a.WriteMSR(MSRAPICBase, c.to))
			want := c.from
			if c.ok {
				want = c.to
			}
			got, _ := a.ReadMSR(MSRAPICBase)
			require.Equal(t, want, got)
			require.Equal(t, want&(APICBaseEN|APICBaseEXTD) == APICBaseEN|APICBaseEXTD, a.X2APICMode())
		})
	}
	// Without x2APIC support EXTD is a reserved bit and the MSRs do not exist.
	a := NewLAPIC(&fakeClock{}, nil, nil)
	require.False(t, a.WriteMSR(MSRAPICBase, baseX2APIC))
	require.False(t, a.HasMSR(x2msr(LAPICID)))
	require.False(t, a.HasMSR(MSRTSCDeadline))
}

// TestX2APICRegisters: the MSR interface in x2APIC mode, #GP in xAPIC mode, the
// read-only, write-only and absent registers, reserved high halves, and the MMIO page
// no longer decoded.
func TestX2APICRegisters(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	a.EnableX2APIC()
	a.SetID(0x13)
	_, ok := a.ReadMSR(x2msr(LAPICID))
	require.False(t, ok, "x2APIC MSRs #GP in xAPIC mode")
	require.False(t, a.WriteMSR(x2msr(LAPICTPR), 0))
	require.True(t, a.WriteMSR(MSRAPICBase, baseX2APIC))

	read := func(off uint64) uint64 {
		t.Helper()
		v, ok := a.ReadMSR(x2msr(off))
		require.True(t, ok, "RDMSR %#x", x2msr(off))
		return v
	}
	require.Equal(t, uint64(0x13), read(LAPICID), "32-bit x2APIC ID")
	require.Equal(t, uint64(LAPICVersionValue), read(LAPICVersion))
	require.Equal(t, uint64(1<<16|1<<3), read(LAPICLDR), "cluster 1, member bit 3")
	require.True(t, a.WriteMSR(x2msr(LAPICSVR), LAPICSVREnable|0xFF))
	require.Equal(t, uint64(0x1FF), read(LAPICSVR))
	require.True(t, a.WriteMSR(x2msr(LAPICTPR), 0x20))
	require.Equal(t, uint64(0x20), read(LAPICTPR))
	require.Equal(t, uint64(2), a.CR8())

	// Read-only, write-only, absent registers; reserved bits 63:32; EOI and ESR only 0.
	for _, idx := range []uint32{x2msr(LAPICEOI), MSRX2APICSelfIPI, x2msr(LAPICAPR), x2msr(LAPICRRD),
		x2msr(LAPICDFR), x2msr(LAPICICRHi), 0x801, 0x804, 0x8FF} {
		_, ok := a.ReadMSR(idx)
		require.False(t, ok, "RDMSR %#x", idx)
	}
	for _, idx := range []uint32{x2msr(LAPICID), x2msr(LAPICVersion), x2msr(LAPICLDR), x2msr(LAPICPPR),
		x2msr(LAPICISR), x2msr(LAPICIRR + 0x70), x2msr(LAPICTimerCCR), x2msr(LAPICAPR), x2msr(LAPICDFR),
		x2msr(LAPICICRHi), 0x8FF} {
		require.False(t, a.WriteMSR(idx, 0), "WRMSR %#x", idx)
	}
	require.False(t, a.WriteMSR(x2msr(LAPICTPR), 1<<32))
	require.False(t, a.WriteMSR(x2msr(LAPICEOI), 1))
	require.False(t, a.WriteMSR(x2msr(LAPICESR), 1))
	require.True(t, a.WriteMSR(x2msr(LAPICESR), 0))

	// SELF IPI: a fixed interrupt to this APIC, taken and EOId through the MSRs.
	require.True(t, a.WriteMSR(x2msr(LAPICTPR), 0))
	require.True(t, a.WriteMSR(MSRX2APICSelfIPI, 0x51))
	require.Equal(t, uint64(1<<(0x51-0x40)), read(LAPICIRR+0x20))
	require.True(t, lt.intr)
	require.Equal(t, uint8(0x51), a.Ack())
	require.Equal(t, uint64(1<<(0x51-0x40)), read(LAPICISR+0x20))
	require.Equal(t, uint64(0x50), read(LAPICPPR))
	require.True(t, a.WriteMSR(x2msr(LAPICEOI), 0))
	require.Equal(t, uint64(0), read(LAPICISR+0x20))

	// ICR: one 64-bit register; a self-addressed fixed IPI by physical x2APIC ID.
	require.True(t, a.WriteMSR(MSRX2APICICR, 0x13<<32|0x62))
	require.Equal(t, uint64(0x13<<32|0x62), read(LAPICICRLo))
	require.True(t, testBit(&a.State.IRR, 0x62))
	// Logical: cluster 1, member bit 3.
	require.True(t, a.WriteMSR(MSRX2APICICR, 0x10008<<32|LAPICICRLogical|0x63))
	require.True(t, testBit(&a.State.IRR, 0x63))
	require.True(t, a.WriteMSR(MSRX2APICICR, 0x20008<<32|LAPICICRLogical|0x64))
	require.False(t, testBit(&a.State.IRR, 0x64), "another cluster")

	// The MMIO page is not decoded in x2APIC mode.
	require.Equal(t, uint32(0xFFFFFFFF), mmio32(a, LAPICVersion))
	wmmio32(a, LAPICTPR, 0xF0)
	require.Equal(t, uint64(0), read(LAPICTPR))

	// Leaving through disabled: xAPIC again, in the power-up state, MMIO back.
	require.True(t, a.WriteMSR(MSRAPICBase, baseDisabled))
	_, ok = a.ReadMSR(x2msr(LAPICID))
	require.False(t, ok)
	require.True(t, a.WriteMSR(MSRAPICBase, baseXAPIC))
	require.Equal(t, uint32(0x13<<24), mmio32(a, LAPICID))
	require.Equal(t, uint32(0), mmio32(a, LAPICLDR))
}

// TestX2APICBusIPIs: 32-bit physical and cluster destinations between x2APICs, the
// broadcast, an x2APIC reached by an xAPIC-format message from the I/O APIC, and a
// destination no processor has.
func TestX2APICBusIPIs(t *testing.T) {
	r := newBusRig(4)
	for _, a := range r.apics {
		a.EnableX2APIC()
		require.True(t, a.WriteMSR(MSRAPICBase, LAPICBase|APICBaseEN|APICBaseEXTD|a.State.Base&APICBaseBSP))
	}
	send := func(from int, dest uint32, lo uint32) {
		t.Helper()
		require.True(t, r.apics[from].WriteMSR(MSRX2APICICR, uint64(dest)<<32|uint64(lo)))
	}
	hits := func(vec uint8) (out []int) {
		for i := range r.apics {
			if r.irr(i, vec) {
				out = append(out, i)
			}
		}
		return out
	}
	send(0, 2, 0x40)
	require.Equal(t, []int{2}, hits(0x40))
	send(0, 0xFFFFFFFF, 0x41)
	require.Equal(t, []int{0, 1, 2, 3}, hits(0x41))
	send(1, 0x0000000A, LAPICICRLogical|0x42) // cluster 0, members 1 and 3
	require.Equal(t, []int{1, 3}, hits(0x42))
	send(1, 0xFF, 0x43) // physical 0xFF is an ID, not the broadcast, in x2APIC format
	require.Empty(t, hits(0x43))
	send(3, 0x100, 0x44)
	require.Empty(t, hits(0x44))
	send(2, 0, LAPICShortOthers<<LAPICICRShortShift|0x45)
	require.Equal(t, []int{0, 1, 3}, hits(0x45))
	send(2, 0, LAPICDelivNMI|LAPICShortSelf<<LAPICICRShortShift)
	require.Equal(t, []int{2}, r.nmis)
	// The I/O APIC's 8-bit logical destination: cluster 0 (7:4), members (3:0).
	r.bus.Message(0x04, true, LAPICDelivFixed, 0x46, false)
	require.Equal(t, []int{2}, hits(0x46))
	r.bus.Message(3, false, LAPICDelivFixed, 0x47, false)
	require.Equal(t, []int{3}, hits(0x47))
}

// TestTSCDeadline: IA32_TSC_DEADLINE in TSC-deadline mode arms the timer against the
// TSC (clock + offset); it fires once and reads 0 after; 0 disarms; a deadline in the
// past fires at once; outside the mode writes are ignored and it reads 0; changing mode
// disarms; a masked expiry disarms without an interrupt; the initial count is ignored.
func TestTSCDeadline(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	offset := uint64(5000)
	a.EnableTSCDeadline(func() uint64 { return offset })
	lt.enable()
	lt.clk.t = 1000

	require.True(t, a.WriteMSR(MSRTSCDeadline, 100000))
	v, _ := a.ReadMSR(MSRTSCDeadline)
	require.Equal(t, uint64(0), v, "one-shot mode: ignored")
	_, on := a.NextDeadline()
	require.False(t, on)

	wmmio32(a, LAPICLVTTimer, LAPICLVTTSCDeadline|0x30)
	require.True(t, a.WriteMSR(MSRTSCDeadline, 100000))
	v, _ = a.ReadMSR(MSRTSCDeadline)
	require.Equal(t, uint64(100000), v)
	at, on := a.NextDeadline()
	require.True(t, on)
	require.Equal(t, uint64(100000-5000), at, "the clock time at which the TSC reaches it")
	wmmio32(a, LAPICTimerICR, 10)
	require.Equal(t, uint32(0), mmio32(a, LAPICTimerICR), "initial count ignored")
	require.Equal(t, uint32(0), mmio32(a, LAPICTimerCCR))
	lt.clk.t = at - 1
	a.Advance(lt.clk.t)
	require.False(t, testBit(&a.State.IRR, 0x30))
	lt.clk.t = at
	a.Advance(lt.clk.t)
	require.True(t, testBit(&a.State.IRR, 0x30))
	v, _ = a.ReadMSR(MSRTSCDeadline)
	require.Equal(t, uint64(0), v, "disarmed after it fired")
	_, on = a.NextDeadline()
	require.False(t, on)
	a.State.IRR = [8]uint32{}

	// A deadline already past fires at the current time; 0 disarms.
	require.True(t, a.WriteMSR(MSRTSCDeadline, 1))
	at, on = a.NextDeadline()
	require.True(t, on)
	require.Equal(t, lt.clk.t, at)
	require.True(t, a.WriteMSR(MSRTSCDeadline, 0))
	_, on = a.NextDeadline()
	require.False(t, on)

	// Masked: the expiry disarms without an interrupt.
	wmmio32(a, LAPICLVTTimer, LAPICLVTTSCDeadline|LAPICLVTMasked|0x30)
	require.True(t, a.WriteMSR(MSRTSCDeadline, lt.clk.t+offset+50))
	at, on = a.NextDeadline()
	require.True(t, on)
	lt.clk.t = at
	a.Advance(at)
	require.False(t, testBit(&a.State.IRR, 0x30))
	v, _ = a.ReadMSR(MSRTSCDeadline)
	require.Equal(t, uint64(0), v)

	// Changing the mode disarms.
	wmmio32(a, LAPICLVTTimer, LAPICLVTTSCDeadline|0x30)
	require.True(t, a.WriteMSR(MSRTSCDeadline, lt.clk.t+offset+50))
	wmmio32(a, LAPICLVTTimer, 0x30)
	wmmio32(a, LAPICLVTTimer, LAPICLVTTSCDeadline|0x30)
	v, _ = a.ReadMSR(MSRTSCDeadline)
	require.Equal(t, uint64(0), v)
	_, on = a.NextDeadline()
	require.False(t, on)

	// Snapshots keep the armed deadline.
	require.True(t, a.WriteMSR(MSRTSCDeadline, lt.clk.t+offset+70))
	b := newLAPICTest().a
	b.EnableTSCDeadline(func() uint64 { return offset })
	roundTrip(t, a, b)
	v, _ = b.ReadMSR(MSRTSCDeadline)
	require.Equal(t, lt.clk.t+offset+70, v)
}

// FuzzX2APICMSRs drives two connected APICs with x2APIC and TSC-deadline through
// arbitrary MSR reads and writes, MMIO accesses, INTA cycles and clock advances: no
// sequence panics, and IA32_APIC_BASE never holds EXTD without EN.
func FuzzX2APICMSRs(f *testing.F) {
	f.Add([]byte{0x1B, 0x00, 0x0D, 0xE0, 0xFE, 0x30, 0x08, 0x40, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0x1B, 0x00, 0x0D, 0xE0, 0xFE, 0x32, 0x08, 0x31, 0x00, 0x04, 0x00, 0xE0, 0x06, 0x05})
	f.Fuzz(func(t *testing.T, prog []byte) {
		r := newBusRig(2)
		clk := &fakeClock{}
		for _, a := range r.apics {
			a.clk = clk
			a.EnableX2APIC()
			a.EnableTSCDeadline(func() uint64 { return 77 })
		}
		for i := 0; i+7 <= len(prog); i += 7 {
			op, lo := prog[i], prog[i+1]
			a := r.apics[op&1]
			v := uint64(prog[i+3]) | uint64(prog[i+4])<<8 | uint64(prog[i+5])<<16 | uint64(prog[i+6])<<24
			if op&0x80 != 0 {
				v |= v << 32
			}
			var idx uint32
			switch op >> 1 & 7 {
			case 0:
				idx = MSRAPICBase
				v = v&^0xFFF | uint64(prog[i+2])<<8
			case 1:
				idx = MSRTSCDeadline
			default:
				idx = MSRX2APICBase | uint32(lo)
			}
			switch op >> 4 & 7 {
			case 0, 1, 2:
				a.WriteMSR(idx, v)
			case 3:
				a.ReadMSR(idx)
			case 4:
				a.WriteMMIO(uint64(lo)<<4, le32(uint32(v)))
			case 5:
				var b [4]byte
				a.ReadMMIO(uint64(lo)<<4, b[:])
			case 6:
				a.Ack()
			default:
				clk.t += v & 0xFFFFF
				for _, x := range r.apics {
					if dt, on := x.NextDeadline(); on && dt <= clk.t {
						x.Advance(clk.t)
					}
				}
			}
			for _, x := range r.apics {
				if b := x.State.Base; b&APICBaseEXTD != 0 && b&APICBaseEN == 0 {
					t.Fatalf("IA32_APIC_BASE %#x: EXTD without EN", b)
				}
			}
		}
	})
}

// TestX2APICDescribe: the debugger's summary names x2APIC mode and the armed deadline.
func TestX2APICDescribe(t *testing.T) {
	a := NewLAPIC(&fakeClock{}, nil, nil)
	a.EnableX2APIC()
	a.EnableTSCDeadline(nil)
	require.NotContains(t, a.String(), "x2apic")
	require.True(t, a.WriteMSR(MSRAPICBase, baseX2APIC))
	require.True(t, a.WriteMSR(x2msr(LAPICLVTTimer), LAPICLVTTSCDeadline|0x30))
	require.True(t, a.WriteMSR(MSRTSCDeadline, 0x1234))
	require.Contains(t, a.String(), "tsc-deadline=0x1234")
	require.Contains(t, a.String(), "x2apic ldr=0x1")
}
