package dev

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// machine wires the devices the way package emu does (see the package
// doc) with a fake CPU: intr is its INTR input, nmis counts NMIs.
type machine struct {
	clk *fakeClock
	cpu struct {
		intr bool
		nmis int
	}
	apic *LAPIC
	pic  *PIC
	pit  *PIT
	uart *UART
	out  bytes.Buffer
}

func newMachine() *machine {
	m := &machine{clk: &fakeClock{}}
	m.apic = NewLAPIC(m.clk, func(l bool) { m.cpu.intr = l }, func() { m.cpu.nmis++ })
	m.pic = NewPIC(m.apic.SetLINT0)
	m.apic.SetPIC(m.pic)
	m.pit = NewPIT(m.clk, m.pic.IRQ(0))
	m.uart = NewUART(m.clk, m.pic.IRQ(4), &m.out)
	// Guest PIC init: vectors 0x20/0x28, only IRQ0 and IRQ4 unmasked.
	pm, ps := m.pic.Master(), m.pic.Slave()
	for _, w := range []struct {
		d PortDevice
		o uint16
		v uint8
	}{{pm, 0, 0x11}, {ps, 0, 0x11}, {pm, 1, 0x20}, {ps, 1, 0x28}, {pm, 1, 4}, {ps, 1, 2},
		{pm, 1, 1}, {ps, 1, 1}, {pm, 1, 0xEE}, {ps, 1, 0xFF}} {
		out8(w.d, w.o, w.v)
	}
	return m
}

// runTo advances the clock to the earliest deadline (like the run loop).
func (m *machine) runTo() bool {
	best, any := uint64(0), false
	for _, d := range []Timed{m.pit, m.apic, m.uart} {
		if t, ok := d.NextDeadline(); ok && (!any || t < best) {
			best, any = t, true
		}
	}
	if !any {
		return false
	}
	m.clk.t = best
	for _, d := range []Timed{m.pit, m.apic, m.uart} {
		d.Advance(best)
	}
	return true
}

func TestWiringPITThroughPICAndAPIC(t *testing.T) {
	m := newMachine()
	out8(m.pit, PITControl, 0x34)
	out8(m.pit, PITChannel0, 11932&0xFF)
	out8(m.pit, PITChannel0, 11932>>8) // 100 Hz
	var ticks []uint64
	for range 5 {
		require.True(t, m.runTo())
		require.True(t, m.cpu.intr)
		require.Equal(t, uint8(0x20), m.apic.Ack(), "ExtINT: the PIC's vector")
		require.False(t, m.cpu.intr)
		out8(m.pic.Master(), PICCommand, PICOCW2NonSpecificEOI)
		ticks = append(ticks, m.clk.t)
	}
	for i, tk := range ticks {
		require.Equal(t, pitTime(uint64(i+1)*11932), tk)
	}
}

func TestWiringAPICTimerAndUARTTogether(t *testing.T) {
	m := newMachine()
	wmmio32(m.apic, LAPICSVR, LAPICSVREnable|0xFF)
	wmmio32(m.apic, LAPICTimerDCR, 0xB)
	wmmio32(m.apic, LAPICLVTTimer, 0xEF)
	wmmio32(m.apic, LAPICTimerICR, 1000)
	out8(m.uart, UARTIER, UARTIERRDI)
	m.uart.PushInput([]byte("k"))
	require.True(t, m.cpu.intr)
	require.Equal(t, uint8(0x24), m.apic.Ack(), "COM1 on IRQ4")
	require.Equal(t, uint8('k'), in8(m.uart, UARTRBR))
	out8(m.pic.Master(), PICCommand, PICOCW2NonSpecificEOI)
	require.False(t, m.cpu.intr)
	require.True(t, m.runTo())
	require.Equal(t, uint64(1000), m.clk.t)
	require.True(t, m.cpu.intr)
	require.Equal(t, uint8(0xEF), m.apic.Ack())
	wmmio32(m.apic, LAPICEOI, 0)
	require.False(t, m.cpu.intr)
	require.False(t, m.runTo(), "no deadlines left")
}

func TestWiringSnapshotAllDevices(t *testing.T) {
	m := newMachine()
	out8(m.pit, PITControl, 0x34)
	out8(m.pit, PITChannel0, 0)
	out8(m.pit, PITChannel0, 0x10)
	m.runTo()
	m2 := newMachine()
	m2.clk.t = m.clk.t
	for _, p := range [][2]Snapshotter{{m.pic, m2.pic}, {m.pit, m2.pit}, {m.apic, m2.apic}, {m.uart, m2.uart}} {
		roundTrip(t, p[0], p[1])
	}
	require.Equal(t, m.cpu.intr, m2.cpu.intr)
	require.Equal(t, m.apic.Ack(), m2.apic.Ack())
}

// FuzzDevicesNoPanic drives every device with arbitrary accesses: no
// guest access pattern may panic the host.
func FuzzDevicesNoPanic(f *testing.F) {
	f.Add([]byte{0x00, 0x03, 0x34, 0x01, 0x00, 0xFF})
	f.Add([]byte{0x13, 0x00, 0x11, 0x23, 0x01, 0x20, 0x47, 0x0F, 0xFF, 0x40})
	f.Fuzz(func(t *testing.T, prog []byte) {
		m := newMachine()
		cm := NewCMOS(m.clk, 128<<20, DefaultRTCBase)
		fw := NewFwCfg(128<<20, 1)
		ep := NewEventPort(m.clk, fakeMem(prog), nil, nil)
		ide0, ide1 := NewIDEPrimary(NoIRQ), NewIDESecondary(NoIRQ)
		fdc, dma := NewFDC(NoIRQ), NewDMA()
		ports := []PortDevice{m.uart, m.pic.Master(), m.pic.Slave(), m.pic.ELCR(), m.pit, m.pit.PortB(), cm, fw, ep, NewPCIConfig(),
			ide0, ide0.Control(), ide1, ide1.Control(), fdc, NewLPT(NoIRQ), dma.DMA1(), dma.DMA2(), dma.Pages()}
		sizes := []uint16{8, 2, 2, 2, 4, 1, 2, 2, 4, 8, 8, 1, 8, 1, FDCSize, LPT1Size, DMA1Size, DMA2Size, DMAPageSize}
		for i := 0; i+3 <= len(prog); i += 3 {
			op, a, v := prog[i], prog[i+1], prog[i+2]
			width := []int{1, 2, 4, 1}[op>>6]
			buf := make([]byte, width)
			putLE(buf, uint64(v)*0x01010101)
			switch k := int(op&0x3F) % (len(ports) + 3); {
			case k < len(ports):
				off := uint16(a) % sizes[k]
				if op&0x20 != 0 {
					ports[k].ReadPort(off, buf)
				} else {
					ports[k].WritePort(off, buf)
				}
			case k == len(ports):
				off := uint64(a) << 4
				if op&0x20 != 0 {
					m.apic.ReadMMIO(off, buf)
				} else {
					m.apic.WriteMMIO(off, []byte{v, a, op, v})
				}
			case k == len(ports)+1:
				m.clk.t += uint64(v) << (a & 31)
				m.runTo()
			default:
				m.apic.Ack()
				m.uart.PushInput([]byte{v})
				m.apic.WriteMSR(MSRAPICBase, uint64(a)<<24|uint64(v)<<8)
			}
		}
	})
}

// PIT channel 0 as a watchdog uses it: the line enters the 8259 at IRQ 0
// and the I/O APIC at pin 2 (package emu's isaIRQ), whose entry delivers
// NMI. Every period brings one NMI, whatever the CPU's IF, and the PIC's
// interrupt as before; a masked entry leaves only the latter.
func TestWiringPITAsNMIThroughIOAPIC(t *testing.T) {
	m := newMachine()
	bus := NewAPICBus([]*LAPIC{m.apic}, nil, nil)
	io := NewIOAPIC(bus)
	m.pit = NewPIT(m.clk, IRQFunc(func(level bool) {
		m.pic.SetIRQ(0, level)
		io.SetIRQ(ISAPin(0), level)
	}))
	redir := func(v uint32) {
		io.WriteMMIO(IOAPICRegSel, le32(uint32(0x10+2*ISAPin(0))))
		io.WriteMMIO(IOAPICWin, le32(v))
	}
	redir(LAPICDelivNMI)
	out8(m.pit, PITControl, 0x34)
	out8(m.pit, PITChannel0, 0)
	out8(m.pit, PITChannel0, 0) // 65536: 18.2 Hz
	for i := 1; i <= 4; i++ {
		require.True(t, m.runTo())
		require.Equal(t, i, m.cpu.nmis)
		require.True(t, m.cpu.intr)
		require.Equal(t, uint8(0x20), m.apic.Ack())
		out8(m.pic.Master(), PICCommand, PICOCW2NonSpecificEOI)
	}
	redir(LAPICDelivNMI | ioapicMasked)
	require.True(t, m.runTo())
	require.Equal(t, 4, m.cpu.nmis, "masked: no NMI")
	require.True(t, m.cpu.intr, "the PIC's IRQ 0 still comes")
}
