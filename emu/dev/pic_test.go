package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// newPICTest returns a pair initialised like Linux does: vectors 0x20 and
// 0x28, cascade on IR2, 8086 mode, everything unmasked.
func newPICTest(t *testing.T, icw4 uint8) (*PIC, *bool) {
	intr := new(bool)
	p := NewPIC(func(l bool) { *intr = l })
	m, s := p.Master(), p.Slave()
	out8(m, PICCommand, PICICW1|PICICW1IC4)
	out8(s, PICCommand, PICICW1|PICICW1IC4)
	out8(m, PICData, 0x20)
	out8(s, PICData, 0x28)
	out8(m, PICData, 1<<2)
	out8(s, PICData, 2)
	out8(m, PICData, icw4)
	out8(s, PICData, icw4)
	out8(m, PICData, 0)
	out8(s, PICData, 0)
	return p, intr
}

func pulse(p *PIC, n int) {
	p.SetIRQ(n, true)
	p.SetIRQ(n, false)
}

func readISR(d PortDevice) uint8 {
	out8(d, PICCommand, PICOCW3|PICOCW3RR|PICOCW3RIS)
	return in8(d, PICCommand)
}

func readIRR(d PortDevice) uint8 {
	out8(d, PICCommand, PICOCW3|PICOCW3RR)
	return in8(d, PICCommand)
}

func eoi(d PortDevice) { out8(d, PICCommand, PICOCW2NonSpecificEOI) }

func TestPICInitAndMask(t *testing.T) {
	p, intr := newPICTest(t, 1)
	m, s := p.Master(), p.Slave()
	out8(m, PICData, 0xFB)
	out8(s, PICData, 0xFF)
	require.Equal(t, uint8(0xFB), in8(m, PICData))
	require.Equal(t, uint8(0xFF), in8(s, PICData))
	pulse(p, 0)
	require.False(t, *intr, "masked")
	require.Equal(t, uint8(0x01), readIRR(m), "the edge is latched in IRR")
	out8(m, PICData, 0xFA)
	require.True(t, *intr, "unmasking delivers the latched request")
	require.Equal(t, uint8(0x20), p.Ack())
	require.False(t, *intr)
	require.Equal(t, uint8(0x01), readISR(m))
	require.Equal(t, uint8(0x00), readIRR(m))
	eoi(m)
	require.Equal(t, uint8(0x00), readISR(m))
}

func TestPICPriorityAndNesting(t *testing.T) {
	p, intr := newPICTest(t, 1)
	m := p.Master()
	pulse(p, 5)
	pulse(p, 3)
	require.True(t, *intr)
	require.Equal(t, uint8(0x23), p.Ack(), "IRQ3 outranks IRQ5")
	require.False(t, *intr, "IRQ5 waits while IRQ3 is in service")
	pulse(p, 1)
	require.True(t, *intr, "IRQ1 preempts IRQ3")
	require.Equal(t, uint8(0x21), p.Ack())
	require.Equal(t, uint8(0x0A), readISR(m))
	eoi(m) // ends IRQ1 (highest in service)
	require.Equal(t, uint8(0x08), readISR(m))
	require.False(t, *intr)
	eoi(m)
	require.True(t, *intr)
	require.Equal(t, uint8(0x25), p.Ack())
	out8(m, PICCommand, PICOCW2SpecificEOI|5)
	require.Equal(t, uint8(0), readISR(m))
}

func TestPICEdgeTriggering(t *testing.T) {
	p, intr := newPICTest(t, 1)
	m := p.Master()
	p.SetIRQ(4, true)
	require.Equal(t, uint8(0x24), p.Ack())
	eoi(m)
	p.SetIRQ(4, true) // still high: no new edge
	require.False(t, *intr)
	p.SetIRQ(4, false)
	p.SetIRQ(4, true)
	require.True(t, *intr)
	p.SetIRQ(2, true) // the cascade input is not a device line
	require.Equal(t, uint8(0x24), p.Ack())
}

func TestPICCascade(t *testing.T) {
	p, intr := newPICTest(t, 1)
	m, s := p.Master(), p.Slave()
	pulse(p, 10)
	require.True(t, *intr)
	require.Equal(t, uint8(0x2A), p.Ack())
	require.Equal(t, uint8(0x04), readISR(m), "IR2 in service on the master")
	require.Equal(t, uint8(0x04), readISR(s), "IR2 (IRQ10) in service on the slave")
	pulse(p, 9)
	require.False(t, *intr, "IRQ9 waits: the master's IR2 is in service")
	eoi(s)
	eoi(m)
	require.True(t, *intr)
	require.Equal(t, uint8(0x29), p.Ack())
}

func TestPICSpecialFullyNested(t *testing.T) {
	p, intr := newPICTest(t, 1|PICICW4SFNM)
	pulse(p, 10)
	require.Equal(t, uint8(0x2A), p.Ack())
	pulse(p, 9)
	require.True(t, *intr, "SFNM: a higher slave request passes the master's IR2 in service")
	require.Equal(t, uint8(0x29), p.Ack())
}

func TestPICSpuriousIRQ7And15(t *testing.T) {
	p, intr := newPICTest(t, 1)
	m, s := p.Master(), p.Slave()
	pulse(p, 3)
	require.True(t, *intr)
	out8(m, PICData, 0x08) // masked between INTR and INTA
	require.Equal(t, uint8(0x27), p.Ack(), "spurious IRQ7")
	require.Equal(t, uint8(0), readISR(m), "spurious: ISR not set")

	// Level-triggered request withdrawn before INTA.
	out8(m, PICData, 0)
	p, intr = newPICTest(t, 1)
	m, s = p.Master(), p.Slave()
	p.ELCR().WritePort(0, []byte{0x20, 0})
	p.SetIRQ(5, true)
	require.True(t, *intr)
	p.SetIRQ(5, false)
	require.False(t, *intr)
	require.Equal(t, uint8(0x27), p.Ack())
	require.Equal(t, uint8(0), readISR(m))

	// Slave request vanishes: the master acknowledges IR2, the slave
	// answers with IRQ15's vector and sets nothing.
	p, intr = newPICTest(t, 1)
	m, s = p.Master(), p.Slave()
	pulse(p, 12)
	require.True(t, *intr)
	out8(s, PICData, 0x10)
	require.Equal(t, uint8(0x2F), p.Ack(), "spurious IRQ15")
	require.Equal(t, uint8(0), readISR(s))
	require.Equal(t, uint8(0x04), readISR(m), "the master still needs its EOI")
}

func TestPICAutoEOI(t *testing.T) {
	p, intr := newPICTest(t, 1|PICICW4AEOI)
	m := p.Master()
	pulse(p, 6)
	require.Equal(t, uint8(0x26), p.Ack())
	require.Equal(t, uint8(0), readISR(m))
	pulse(p, 7)
	require.True(t, *intr, "no EOI needed")
	require.Equal(t, uint8(0x27), p.Ack())
}

func TestPICRotation(t *testing.T) {
	p, _ := newPICTest(t, 1)
	m := p.Master()
	pulse(p, 0)
	require.Equal(t, uint8(0x20), p.Ack())
	out8(m, PICCommand, PICOCW2RotateEOI) // IRQ0 becomes the lowest priority
	pulse(p, 0)
	pulse(p, 4)
	require.Equal(t, uint8(0x24), p.Ack())
	out8(m, PICCommand, PICOCW2SpecificEOI|4)
	out8(m, PICCommand, PICOCW2SetPriority|7) // back to IRQ0 highest
	require.Equal(t, uint8(0x20), p.Ack())
}

func TestPICPollMode(t *testing.T) {
	p, _ := newPICTest(t, 1)
	m := p.Master()
	out8(m, PICCommand, PICOCW3|PICOCW3Poll)
	require.Equal(t, uint8(0), in8(m, PICCommand), "nothing pending")
	pulse(p, 6)
	out8(m, PICCommand, PICOCW3|PICOCW3Poll)
	require.Equal(t, uint8(0x86), in8(m, PICCommand))
	require.Equal(t, uint8(0x40), readISR(m))
}

func TestPICSpecialMask(t *testing.T) {
	p, intr := newPICTest(t, 1)
	m := p.Master()
	pulse(p, 2+1)
	require.Equal(t, uint8(0x23), p.Ack())
	out8(m, PICData, 0x08)                              // mask IRQ3 (in service)
	out8(m, PICCommand, PICOCW3|PICOCW3ESMM|PICOCW3SMM) // special mask mode
	pulse(p, 5)
	require.True(t, *intr, "lower priority IRQ5 allowed past the masked in-service IRQ3")
}

func TestPICELCR(t *testing.T) {
	p, _ := newPICTest(t, 1)
	e := p.ELCR()
	e.WritePort(0, []byte{0xFF, 0xFF})
	var b [2]byte
	e.ReadPort(0, b[:])
	require.Equal(t, [2]byte{0xF8, 0xDE}, b, "IRQ 0, 1, 2, 8 and 13 stay edge-triggered")
}

func TestPICICW1ResetsChip(t *testing.T) {
	p, intr := newPICTest(t, 1)
	m := p.Master()
	pulse(p, 1)
	out8(m, PICData, 0x55)
	out8(m, PICCommand, PICICW1|PICICW1IC4|PICICW1SNGL)
	require.False(t, *intr)
	require.Equal(t, uint8(0), in8(m, PICData), "ICW1 clears the mask")
	out8(m, PICData, 0x40) // ICW2; single: no ICW3
	out8(m, PICData, 1)    // ICW4
	out8(m, PICData, 0x12) // OCW1
	require.Equal(t, uint8(0x12), in8(m, PICData))
	pulse(p, 0)
	require.Equal(t, uint8(0x40), p.Ack())
}

func TestPICSnapshot(t *testing.T) {
	p, intr := newPICTest(t, 1)
	pulse(p, 3)
	pulse(p, 11)
	require.Equal(t, uint8(0x2B), p.Ack(), "IRQ11 comes through IR2, above IR3")
	calls := 0
	q := NewPIC(func(bool) { calls++ })
	roundTrip(t, p, q)
	require.Zero(t, calls, "LoadState drives no line")
	require.Equal(t, *intr, q.INTR())
	eoi(p.Master())
	eoi(q.Master())
	require.Equal(t, p.Ack(), q.Ack())
}

func TestPICProgramLikeFirmware(t *testing.T) {
	p := NewPIC(nil)
	p.Program(0x08, 0x70, 0xFFFB&^1)
	require.Equal(t, uint8(0xFA), in8(p.Master(), PICData))
	require.Equal(t, uint8(0xFF), in8(p.Slave(), PICData))
	pulse(p, 0)
	require.True(t, p.INTR())
	require.Equal(t, uint8(0x08), p.Ack())
	eoi(p.Master())
	p.Program(0x08, 0x70, 0)
	pulse(p, 8)
	require.Equal(t, uint8(0x70), p.Ack())
}

func TestPICSeaBIOSState(t *testing.T) {
	p := NewPIC(nil)
	p.Program(SeaBIOSPICMasterBase, SeaBIOSPICSlaveBase, SeaBIOSPICMask)
	elcr := uint16(SeaBIOSELCR)
	p.ELCR().WritePort(0, []byte{byte(elcr), byte(elcr >> 8)})
	require.Equal(t, uint8(0xB8), in8(p.Master(), PICData))
	require.Equal(t, uint8(0x8E), in8(p.Slave(), PICData))
	var b [2]byte
	p.ELCR().ReadPort(0, b[:])
	require.Equal(t, [2]byte{0x00, 0x0C}, b)
	pulse(p, 0)
	require.Equal(t, uint8(0x08), p.Ack())
}
