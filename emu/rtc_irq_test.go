package emu

import (
	"testing"

	"github.com/kppemu/kppemu/emu/dev"
	"github.com/stretchr/testify/require"
)

// TestRTCInterrupt: the RTC's interrupt output is ISA IRQ 8, into the slave
// 8259 (and the I/O APIC's pin 8): a guest that enables the periodic
// interrupt takes it at the rate register A gives, until register C is read.
func TestRTCInterrupt(t *testing.T) {
	m, err := New(Config{MemBytes: 4 << 20})
	require.NoError(t, err)
	m.PIC.Program(0x20, 0x28, ^uint16(1<<2|1<<8)) // the cascade and IRQ 8 unmasked
	cmos := func(reg, v uint8) {
		m.CMOS.WritePort(dev.CMOSIndex, []byte{reg})
		m.CMOS.WritePort(dev.CMOSData, []byte{v})
	}
	cmos(dev.RTCRegA, 0x26) // 32.768 kHz time base, rate 6: 1,024 Hz
	cmos(dev.RTCRegB, dev.RTCB24|dev.RTCBPIE)
	start := m.CPU.Clock
	m.advance(start + 500_000) // half a period: nothing yet
	require.False(t, m.PIC.INTR())
	m.advance(start + 1_000_000) // 976.6 us
	require.True(t, m.PIC.INTR())
	require.Equal(t, uint8(0x28), m.PIC.Ack())
	m.CMOS.WritePort(dev.CMOSIndex, []byte{dev.RTCRegC})
	c := make([]byte, 1)
	m.CMOS.ReadPort(dev.CMOSData, c)
	require.NotZero(t, c[0]&0x40, "register C: periodic flag")
	require.False(t, m.CMOS.State.IRQLevel, "reading register C lowers IRQ 8")
}
