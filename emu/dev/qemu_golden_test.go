package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Register sequences run by a probe kernel on qemu-system-x86_64 7.2
// (-kernel, after SeaBIOS) with the values QEMU returned. Each step is a
// write (r=false) or a read whose result must match.
type ioStep struct {
	read bool
	off  uint16
	v    uint8
}

func w(off uint16, v uint8) ioStep { return ioStep{false, off, v} }
func r(off uint16, v uint8) ioStep { return ioStep{true, off, v} }

func runSteps(t *testing.T, d PortDevice, steps []ioStep) {
	t.Helper()
	for i, s := range steps {
		if s.read {
			require.Equal(t, s.v, in8(d, s.off), "step %d: read offset %d", i, s.off)
		} else {
			out8(d, s.off, s.v)
		}
	}
}

func TestUARTMatchesQEMU(t *testing.T) {
	cases := map[string][]ioStep{
		"reset and divisor": {r(1, 0x00), r(2, 0x01), r(3, 0x00), r(4, 0x08), r(5, 0x60), r(6, 0xB0), r(7, 0x00),
			w(3, 0x80), r(0, 0x0C), r(1, 0x00), w(3, 0x03), r(3, 0x03)},
		"THRE interrupt": {w(1, 0x02), r(2, 0x02), r(2, 0x01), w(1, 0x00), w(1, 0x02), r(2, 0x02),
			w(1, 0x02), r(2, 0x01), w(0, 0x41), r(2, 0x02)},
		"FIFO control": {w(1, 0x00), w(2, 0x07), r(2, 0xC1), r(5, 0x60), w(2, 0xC7), r(2, 0xC1), w(2, 0x00), r(2, 0x01)},
		"loopback 16450": {r(0, 0x00), w(4, 0x1B), w(0, 0x41), r(5, 0x61), r(0, 0x41), r(0, 0x41), r(5, 0x60),
			r(6, 0xB0), r(6, 0xB0), w(4, 0x0B), r(6, 0xB0), r(6, 0xB0)},
		"loopback FIFO": {w(2, 0x01), w(4, 0x10), w(1, 0x01), w(0, 0x61), w(0, 0x62), r(2, 0xC4), r(5, 0x61),
			r(2, 0xC4), r(0, 0x61), r(2, 0xC4), r(0, 0x62), r(2, 0xC1), r(0, 0x00), r(5, 0x60)},
	}
	overrun := []ioStep{w(2, 0x07), w(4, 0x10), w(1, 0x01)}
	for i := 0; i < 18; i++ {
		overrun = append(overrun, w(0, uint8(0x41+i)))
	}
	cases["loopback overrun"] = append(overrun, r(5, 0x63), r(2, 0xC4), r(5, 0x61), r(2, 0xC4))
	for _, name := range []string{"reset and divisor", "THRE interrupt", "FIFO control", "loopback 16450", "loopback FIFO", "loopback overrun"} {
		t.Run(name, func(t *testing.T) {
			u, _, _, _ := newUARTTest()
			runSteps(t, u, cases[name])
		})
	}
}

func TestCMOSMatchesQEMU(t *testing.T) {
	c := NewCMOS(&fakeClock{}, 128<<20, DefaultRTCBase)
	want := map[uint8]uint8{
		RTCRegA: 0x26, RTCRegB: 0x02, RTCRegC: 0x00, RTCRegD: 0x80,
		0x15: 0x80, 0x16: 0x02, 0x17: 0xFF, 0x18: 0xFF, 0x30: 0xFF, 0x31: 0xFF, 0x34: 0x00, 0x35: 0x07,
		0x5B: 0, 0x5C: 0, 0x5D: 0, 0x5F: 0, RTCCentury: 0x20, 0x2E: 0, 0x2F: 0,
	}
	for _, idx := range []uint8{RTCRegA, RTCRegB, RTCRegC, RTCRegD, 0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5B, 0x5C, 0x5D, 0x5F, RTCCentury, 0x2E, 0x2F} {
		require.Equal(t, want[idx], cmosRead(c, idx), "CMOS %#x", idx)
	}
	require.Equal(t, uint8(0xFF), in8(c, CMOSIndex))
}

func TestLAPICMatchesQEMU(t *testing.T) {
	lt := newLAPICTest()
	a := lt.a
	a.SetupLikeBIOS()
	v, _ := a.ReadMSR(MSRAPICBase)
	require.Equal(t, uint64(0xFEE00900), v)
	for _, c := range []struct {
		off  uint64
		want uint32
	}{
		{LAPICID, 0}, {LAPICVersion, 0x50014}, {LAPICTPR, 0}, {LAPICLDR, 0}, {LAPICDFR, 0xFFFFFFFF},
		{LAPICSVR, 0x1FF}, {LAPICLVTTimer, 0x10000}, {LAPICLVTThermal, 0x10000}, {LAPICLVTPerf, 0x10000},
		{LAPICLVTLINT0, 0x8700}, {LAPICLVTLINT1, 0x8400}, {LAPICLVTError, 0x10000}, {LAPICTimerDCR, 0},
		{LAPICESR, 0},
	} {
		require.Equal(t, c.want, mmio32(a, c.off), "register %#x", c.off)
	}
	// Writes read back as on QEMU (where QEMU keeps reserved LVT bits, this
	// model follows the SDM and drops them; not checked).
	for _, c := range []struct {
		off       uint64
		val, want uint32
	}{
		{LAPICDFR, 0, 0x0FFFFFFF}, {LAPICLDR, 0xFFFFFFFF, 0xFF000000}, {LAPICTimerDCR, 0xFFFFFFFF, 0xB},
		{LAPICSVR, 0xFFFFFFFF, 0x1FF}, {LAPICTPR, 0xFFFFFFFF, 0xFF},
	} {
		wmmio32(a, c.off, c.val)
		require.Equal(t, c.want, mmio32(a, c.off), "register %#x", c.off)
	}
	require.Equal(t, uint32(0xFF), mmio32(a, LAPICPPR))
	// An LVT written while software-disabled keeps its mask bit clear, and
	// disabling does not mask (QEMU).
	wmmio32(a, LAPICSVR, 0xFF)
	wmmio32(a, LAPICLVTTimer, 0x30)
	require.Equal(t, uint32(0x30), mmio32(a, LAPICLVTTimer))
	// A reserved register read is reported in ESR after the next write.
	mmio32(a, 0x040)
	wmmio32(a, LAPICESR, 0)
	require.Equal(t, uint32(LAPICESRIllegalReg), mmio32(a, LAPICESR))
}

func TestFwCfgAndPCIMatchQEMU(t *testing.T) {
	f := NewFwCfg(128<<20, 1)
	require.Equal(t, []byte{0x51}, fwRead(f, FwCfgKeySignature, 1))
	require.Equal(t, []byte{1}, fwRead(f, FwCfgKeyNbCPUs, 1))
	p := NewPCIConfig()
	out32(p, PCIConfigAddress, 0x80000800)
	var b [4]byte
	p.ReadPort(PCIConfigAddress, b[:])
	require.Equal(t, uint64(0x80000800), getLE(b[:]))
}
