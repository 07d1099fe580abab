package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeAcker is a PIC that answers INTA with a fixed vector.
type fakeAcker struct {
	vec  uint8
	acks int
}

func (f *fakeAcker) Ack() uint8 { f.acks++; return f.vec }

type lapicTest struct {
	a    *LAPIC
	clk  *fakeClock
	intr bool
	nmis int
	pic  *fakeAcker
}

func newLAPICTest() *lapicTest {
	lt := &lapicTest{clk: &fakeClock{}, pic: &fakeAcker{vec: 0x20}}
	lt.a = NewLAPIC(lt.clk, func(l bool) { lt.intr = l }, func() { lt.nmis++ })
	lt.a.SetPIC(lt.pic)
	return lt
}

// enable sets SVR.EN with spurious vector 0xFF.
func (lt *lapicTest) enable() { wmmio32(lt.a, LAPICSVR, LAPICSVREnable|0xFF) }

func TestLAPICResetState(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	v, ok := a.ReadMSR(MSRAPICBase)
	require.True(t, ok)
	require.Equal(t, uint64(0xFEE00900), v)
	_, ok = a.ReadMSR(0x10)
	require.False(t, ok)
	require.Equal(t, uint32(0), mmio32(a, LAPICID))
	require.Equal(t, uint32(0x00050014), mmio32(a, LAPICVersion))
	require.Equal(t, uint32(0xFF), mmio32(a, LAPICSVR))
	require.Equal(t, uint32(0xFFFFFFFF), mmio32(a, LAPICDFR))
	require.Equal(t, uint32(0x700), mmio32(a, LAPICLVTLINT0), "BSP: LINT0 = ExtINT, unmasked")
	for _, off := range []uint64{LAPICLVTTimer, LAPICLVTThermal, LAPICLVTPerf, LAPICLVTLINT1, LAPICLVTError} {
		require.Equal(t, uint32(LAPICLVTMasked), mmio32(a, off), "LVT %#x", off)
	}
	require.Equal(t, uint32(0), mmio32(a, LAPICTimerCCR))
	// Narrow reads see the bytes of the 32-bit register.
	var b [2]byte
	a.ReadMMIO(LAPICVersion+1, b[:])
	require.Equal(t, [2]byte{0x00, 0x05}, b)
}

func TestLAPICPICPassThrough(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	a.SetLINT0(true)
	require.True(t, lt.intr, "ExtINT passes the PIC's INTR with the APIC software-disabled")
	require.Equal(t, uint8(0x20), a.Ack())
	require.Equal(t, 1, lt.pic.acks)
	a.SetLINT0(false)
	require.False(t, lt.intr)
	// Masking LINT0 (software-enabled) stops the PIC.
	lt.enable()
	wmmio32(a, LAPICLVTLINT0, LAPICDelivExtINT|LAPICLVTMasked)
	a.SetLINT0(true)
	require.False(t, lt.intr)
	// APIC globally disabled: the PIC passes through directly.
	require.True(t, a.WriteMSR(MSRAPICBase, LAPICBase|APICBaseBSP))
	require.True(t, lt.intr)
	require.Equal(t, uint8(0x20), a.Ack())
	// Re-enabling gives the reset state: ExtINT again, SVR disabled.
	require.True(t, a.WriteMSR(MSRAPICBase, LAPICBase|APICBaseEN))
	v, _ := a.ReadMSR(MSRAPICBase)
	require.Equal(t, uint64(0xFEE00900), v, "BSP is read-only")
	require.Equal(t, uint32(0x700), mmio32(a, LAPICLVTLINT0))
	require.Equal(t, uint32(0xFF), mmio32(a, LAPICSVR))
	require.True(t, lt.intr)
}

func TestLAPICBaseMSRReserved(t *testing.T) {
	a := newLAPICTest().a
	require.False(t, a.WriteMSR(MSRAPICBase, 0xFEE00900|APICBaseEXTD), "x2APIC is not supported")
	require.False(t, a.WriteMSR(MSRAPICBase, 0xFEE00901))
	require.False(t, a.WriteMSR(MSRAPICBase, 1<<60|0xFEE00900))
	require.False(t, a.WriteMSR(0x1C, 0))
}

func TestLAPICSelfIPIAndEOI(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	wmmio32(a, LAPICICRLo, LAPICShortSelf<<LAPICICRShortShift|0x40)
	require.False(t, lt.intr, "software-disabled: no fixed delivery")
	lt.enable()
	require.True(t, lt.intr)
	require.Equal(t, uint32(1), mmio32(a, LAPICIRR+0x20)&1, "vector 0x40 in IRR")
	require.Zero(t, mmio32(a, LAPICICRLo)&LAPICICRBusy, "delivery status reads idle")
	require.Equal(t, uint8(0x40), a.Ack())
	require.False(t, lt.intr)
	require.Equal(t, uint32(1), mmio32(a, LAPICISR+0x20)&1)
	require.Equal(t, uint32(0x40), mmio32(a, LAPICPPR))
	// A same-class vector waits; a higher class preempts.
	wmmio32(a, LAPICICRLo, LAPICShortSelf<<LAPICICRShortShift|0x45)
	require.False(t, lt.intr)
	wmmio32(a, LAPICICRLo, LAPICShortSelf<<LAPICICRShortShift|0x51)
	require.True(t, lt.intr)
	require.Equal(t, uint8(0x51), a.Ack())
	wmmio32(a, LAPICEOI, 0) // ends 0x51
	wmmio32(a, LAPICEOI, 0) // ends 0x40
	require.True(t, lt.intr)
	require.Equal(t, uint8(0x45), a.Ack())
	wmmio32(a, LAPICEOI, 0)
	require.Equal(t, uint32(0), mmio32(a, LAPICISR+0x20))
	require.False(t, lt.intr)
}

func TestLAPICFixedBeforeExtINT(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	a.SetLINT0(true)
	wmmio32(a, LAPICICRLo, LAPICShortSelf<<LAPICICRShortShift|0x80)
	require.Equal(t, uint8(0x80), a.Ack(), "the APIC's own vectors first")
	require.True(t, lt.intr)
	require.Equal(t, uint8(0x20), a.Ack(), "then the PIC's")
}

func TestLAPICTPRAndCR8(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	wmmio32(a, LAPICLVTLINT0, LAPICLVTMasked) // no PIC behind this APIC
	wmmio32(a, LAPICTPR, 0x50)
	require.Equal(t, uint64(5), a.CR8())
	wmmio32(a, LAPICICRLo, LAPICShortSelf<<LAPICICRShortShift|0x5F)
	require.False(t, lt.intr, "vector class 5 is blocked by TPR 0x50")
	require.Equal(t, uint32(0x50), mmio32(a, LAPICPPR))
	a.SetCR8(4)
	require.Equal(t, uint32(0x40), mmio32(a, LAPICTPR))
	require.Equal(t, uint8(0x40), a.TPR())
	require.True(t, lt.intr)
	a.SetCR8(0xF)
	require.False(t, lt.intr)
	require.Equal(t, uint8(0xFF), a.Ack(), "nothing deliverable: the spurious vector")
	a.SetTPR(0)
	require.True(t, lt.intr)
	require.Equal(t, uint32(0x50), mmio32(a, LAPICAPR))
}

func TestLAPICIPIDestinations(t *testing.T) {
	cases := []struct {
		name      string
		icrLo     uint32
		icrHi     uint32
		ldr, dfr  uint32
		delivered bool
	}{
		{"self", LAPICShortSelf << LAPICICRShortShift, 0, 0, 0xFFFFFFFF, true},
		{"all including self", LAPICShortAll << LAPICICRShortShift, 0, 0, 0xFFFFFFFF, true},
		{"all but self", LAPICShortOthers << LAPICICRShortShift, 0, 0, 0xFFFFFFFF, false},
		{"physical own ID", 0, 0 << 24, 0, 0xFFFFFFFF, true},
		{"physical other ID", 0, 3 << 24, 0, 0xFFFFFFFF, false},
		{"physical broadcast", 0, 0xFF << 24, 0, 0xFFFFFFFF, true},
		{"logical flat match", LAPICICRLogical, 0x03 << 24, 0x01 << 24, 0xFFFFFFFF, true},
		{"logical flat miss", LAPICICRLogical, 0x02 << 24, 0x01 << 24, 0xFFFFFFFF, false},
		{"logical cluster match", LAPICICRLogical, 0x21 << 24, 0x21 << 24, 0x0FFFFFFF, true},
		{"logical cluster miss", LAPICICRLogical, 0x11 << 24, 0x21 << 24, 0x0FFFFFFF, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lt := newLAPICTest()
			a := lt.a
			lt.enable()
			wmmio32(a, LAPICLDR, c.ldr)
			wmmio32(a, LAPICDFR, c.dfr)
			wmmio32(a, LAPICICRHi, c.icrHi)
			require.Equal(t, c.icrHi, mmio32(a, LAPICICRHi))
			wmmio32(a, LAPICICRLo, c.icrLo|0x77)
			require.Equal(t, c.delivered, lt.intr)
			// NMI delivery to the same destination.
			wmmio32(a, LAPICICRLo, c.icrLo|LAPICDelivNMI)
			want := 0
			if c.delivered {
				want = 1
			}
			require.Equal(t, want, lt.nmis)
		})
	}
}

func TestLAPICInitSIPIDropped(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	wmmio32(a, LAPICICRLo, LAPICShortOthers<<LAPICICRShortShift|LAPICDelivINIT|1<<14)
	wmmio32(a, LAPICICRLo, LAPICShortOthers<<LAPICICRShortShift|LAPICDelivSIPI|0x08)
	wmmio32(a, LAPICICRLo, LAPICShortSelf<<LAPICICRShortShift|LAPICDelivINIT)
	require.False(t, lt.intr)
	require.Zero(t, lt.nmis)
	require.Zero(t, mmio32(a, LAPICICRLo)&LAPICICRBusy)
}

func TestLAPICErrorRegister(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	wmmio32(a, LAPICLVTError, 0xFE)
	wmmio32(a, LAPICICRLo, LAPICShortSelf<<LAPICICRShortShift|0x05) // illegal vector
	require.Equal(t, uint32(0), mmio32(a, LAPICESR), "ESR shows errors after a write")
	wmmio32(a, LAPICESR, 0)
	require.Equal(t, uint32(LAPICESRSendIllegal|LAPICESRRecvIllegal), mmio32(a, LAPICESR))
	require.True(t, lt.intr)
	require.Equal(t, uint8(0xFE), a.Ack(), "LVT error interrupt")
	wmmio32(a, LAPICESR, 0)
	require.Equal(t, uint32(0), mmio32(a, LAPICESR))
	mmio32(a, 0x040) // reserved register
	wmmio32(a, LAPICESR, 0)
	require.Equal(t, uint32(LAPICESRIllegalReg), mmio32(a, LAPICESR))
}

func TestLAPICSoftwareDisabledLVTWrites(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	// As in QEMU: an LVT written before SVR.EN keeps its mask bit clear,
	// and the timer fires once the APIC is enabled.
	wmmio32(a, LAPICTimerDCR, 0xB)
	wmmio32(a, LAPICLVTTimer, 0x30)
	require.Equal(t, uint32(0x30), mmio32(a, LAPICLVTTimer))
	wmmio32(a, LAPICTimerICR, 10)
	a.Advance(10)
	require.False(t, lt.intr, "software-disabled: no delivery")
	lt.enable()
	require.True(t, lt.intr, "the IRR bit set while disabled is delivered")
	require.Equal(t, uint8(0x30), a.Ack())
	// Reserved LVT bits are dropped; narrow writes are ignored.
	wmmio32(a, LAPICLVTError, 0xFFFFFFFF)
	require.Equal(t, uint32(0x100FF), mmio32(a, LAPICLVTError))
	a.WriteMMIO(LAPICTPR, []byte{0x20})
	require.Equal(t, uint32(0), mmio32(a, LAPICTPR))
}

func TestLAPICTimerOneShot(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	wmmio32(a, LAPICTimerDCR, 0xB) // divide by 1
	wmmio32(a, LAPICLVTTimer, 0x30)
	lt.clk.t = 1000
	wmmio32(a, LAPICTimerICR, 5000)
	dl, ok := a.NextDeadline()
	require.True(t, ok)
	require.Equal(t, uint64(6000), dl)
	lt.clk.t = 3000
	require.Equal(t, uint32(3000), mmio32(a, LAPICTimerCCR))
	require.Equal(t, uint32(5000), mmio32(a, LAPICTimerICR))
	a.Advance(5999)
	require.False(t, lt.intr)
	lt.clk.t = 6000
	a.Advance(6000)
	require.True(t, lt.intr)
	require.Equal(t, uint8(0x30), a.Ack())
	require.Equal(t, uint32(0), mmio32(a, LAPICTimerCCR))
	_, ok = a.NextDeadline()
	require.False(t, ok)
	// Writing 0 stops the timer.
	wmmio32(a, LAPICTimerICR, 100)
	wmmio32(a, LAPICTimerICR, 0)
	_, ok = a.NextDeadline()
	require.False(t, ok)
}

func TestLAPICTimerPeriodicDivide(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	for _, c := range []struct {
		dcr   uint32
		shift uint
	}{{0x0, 1}, {0x1, 2}, {0x2, 3}, {0x3, 4}, {0x8, 5}, {0x9, 6}, {0xA, 7}, {0xB, 0}} {
		wmmio32(a, LAPICTimerDCR, c.dcr)
		require.Equal(t, c.dcr, mmio32(a, LAPICTimerDCR))
		require.Equal(t, uint8(c.shift), a.State.Shift, "DCR %#x", c.dcr)
	}
	wmmio32(a, LAPICTimerDCR, 0x3) // divide by 16
	wmmio32(a, LAPICLVTTimer, LAPICLVTPeriodic|0x31)
	wmmio32(a, LAPICTimerICR, 100) // period 1600 ns
	for i := uint64(1); i <= 3; i++ {
		dl, ok := a.NextDeadline()
		require.True(t, ok)
		require.Equal(t, i*1600, dl)
		lt.clk.t = dl
		a.Advance(dl)
		require.Equal(t, uint8(0x31), a.Ack())
		wmmio32(a, LAPICEOI, 0)
	}
	lt.clk.t = 3*1600 + 16*10
	require.Equal(t, uint32(90), mmio32(a, LAPICTimerCCR))
	// Changing the divider keeps the count and continues at the new rate.
	wmmio32(a, LAPICTimerDCR, 0xB)
	lt.clk.t += 10
	require.Equal(t, uint32(80), mmio32(a, LAPICTimerCCR))
	dl, _ := a.NextDeadline()
	require.Equal(t, lt.clk.t+80, dl)
}

func TestLAPICTimerMaskedLosesExpiries(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	wmmio32(a, LAPICTimerDCR, 0xB)
	wmmio32(a, LAPICLVTTimer, LAPICLVTMasked|LAPICLVTPeriodic|0x32)
	wmmio32(a, LAPICTimerICR, 1000)
	_, ok := a.NextDeadline()
	require.False(t, ok, "masked: no deadline")
	lt.clk.t = 3500
	require.Equal(t, uint32(500), mmio32(a, LAPICTimerCCR), "still counting while masked")
	wmmio32(a, LAPICLVTTimer, LAPICLVTPeriodic|0x32)
	dl, ok := a.NextDeadline()
	require.True(t, ok)
	require.Equal(t, uint64(4000), dl, "the next period, not the missed ones")
	a.Advance(4000)
	require.True(t, lt.intr)
}

func TestLAPICLINT1NMIAndFixedLINT(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	wmmio32(a, LAPICLVTLINT1, LAPICDelivNMI)
	a.SetLINT1(true)
	require.Equal(t, 1, lt.nmis)
	a.SetLINT1(true)
	require.Equal(t, 1, lt.nmis, "edge")
	wmmio32(a, LAPICLVTLINT0, 0x66)
	a.SetLINT0(true)
	require.True(t, lt.intr)
	require.Equal(t, uint8(0x66), a.Ack())
	require.Equal(t, 0, lt.pic.acks, "fixed LINT0: the PIC is not asked")
}

func TestLAPICSnapshot(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	lt.enable()
	wmmio32(a, LAPICTimerDCR, 0x1)
	wmmio32(a, LAPICLVTTimer, LAPICLVTPeriodic|0x30)
	wmmio32(a, LAPICTimerICR, 12345)
	wmmio32(a, LAPICICRLo, LAPICShortSelf<<LAPICICRShortShift|0x90)
	lt.clk.t = 777
	lt2 := newLAPICTest()
	lt2.clk = lt.clk
	lt2.a.clk = lt.clk
	roundTrip(t, a, lt2.a)
	require.Equal(t, lt.intr, lt2.intr, "LoadState re-drives INTR")
	d1, _ := a.NextDeadline()
	d2, _ := lt2.a.NextDeadline()
	require.Equal(t, d1, d2)
	require.Equal(t, mmio32(a, LAPICTimerCCR), mmio32(lt2.a, LAPICTimerCCR))
	require.Equal(t, a.Ack(), lt2.a.Ack())
}

func TestLAPICSetupLikeBIOS(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	a.SetupLikeBIOS()
	// The values SeaBIOS leaves on QEMU 7.2.
	require.Equal(t, uint32(0x1FF), mmio32(a, LAPICSVR))
	require.Equal(t, uint32(0x8700), mmio32(a, LAPICLVTLINT0))
	require.Equal(t, uint32(0x8400), mmio32(a, LAPICLVTLINT1))
	require.Equal(t, uint32(0x10000), mmio32(a, LAPICLVTTimer))
	a.SetLINT0(true)
	require.True(t, lt.intr, "ExtINT still passes")
	require.Equal(t, uint8(0x20), a.Ack())
	// As observed on QEMU: disabling SVR leaves the LVTs as they were.
	wmmio32(a, LAPICSVR, 0xFF)
	require.Equal(t, uint32(0x8700), mmio32(a, LAPICLVTLINT0))
}

// The timer on another input clock: 250 MHz divided by 16 is one count
// every 64 ns; expiries fall where the current count runs out.
func TestLAPICTimerOtherClock(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	a.SetTimerHz(250_000_000)
	lt.enable()
	wmmio32(a, LAPICTimerDCR, 0x3) // divide by 16
	wmmio32(a, LAPICLVTTimer, LAPICLVTPeriodic|0x31)
	wmmio32(a, LAPICTimerICR, 100) // period 6400 ns
	for i := uint64(1); i <= 3; i++ {
		dl, ok := a.NextDeadline()
		require.True(t, ok)
		require.Equal(t, i*6400, dl)
		lt.clk.t = dl
		a.Advance(dl)
		require.Equal(t, uint8(0x31), a.Ack())
		wmmio32(a, LAPICEOI, 0)
	}
	lt.clk.t = 3*6400 + 64*10 + 63
	require.Equal(t, uint32(90), mmio32(a, LAPICTimerCCR))
	// A clock that does not divide 1 GHz: 3 MHz / 2 is a count every
	// 666.67 ns; the expiry is the first ns at which the count is out.
	b := newLAPICTest()
	b.a.SetTimerHz(3_000_000)
	b.enable()
	wmmio32(b.a, LAPICTimerDCR, 0x0) // divide by 2
	wmmio32(b.a, LAPICLVTTimer, 0x32)
	wmmio32(b.a, LAPICTimerICR, 3)
	dl, ok := b.a.NextDeadline()
	require.True(t, ok)
	require.Equal(t, uint64(2000), dl)
	b.clk.t = 1999
	require.Equal(t, uint32(1), mmio32(b.a, LAPICTimerCCR))
}
