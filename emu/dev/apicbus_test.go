package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

type busRig struct {
	apics []*LAPIC
	nmis  []int
	inits []int
	sipis [][2]int
	bus   *APICBus
	io    *IOAPIC
}

func newBusRig(n int) *busRig {
	r := &busRig{}
	for i := 0; i < n; i++ {
		i := i
		a := NewLAPIC(nil, nil, func() { r.nmis = append(r.nmis, i) })
		a.SetID(uint8(i))
		a.SetBSP(i == 0)
		a.writeReg(LAPICSVR, LAPICSVREnable|0xFF)
		r.apics = append(r.apics, a)
	}
	r.bus = NewAPICBus(r.apics, func(i int) { r.inits = append(r.inits, i) },
		func(i int, v uint8) { r.sipis = append(r.sipis, [2]int{i, int(v)}) })
	r.io = NewIOAPIC(r.bus)
	return r
}

func (r *busRig) ipi(from int, hi, lo uint32) {
	a := r.apics[from]
	a.WriteMMIO(LAPICICRHi, le32(hi))
	a.WriteMMIO(LAPICICRLo, le32(lo))
}

func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

func (r *busRig) irr(i int, vec uint8) bool { return testBit(&r.apics[i].State.IRR, vec) }

func (r *busRig) clearIRR() {
	for _, a := range r.apics {
		a.State.IRR = [8]uint32{}
	}
}

func TestAPICBusDestinations(t *testing.T) {
	r := newBusRig(4)
	r.ipi(0, 2<<24, 0x40) // fixed, physical, APIC 2
	require.Equal(t, []bool{false, false, true, false}, []bool{r.irr(0, 0x40), r.irr(1, 0x40), r.irr(2, 0x40), r.irr(3, 0x40)})
	r.clearIRR()
	r.ipi(1, 0, 1<<18|0x41) // self
	require.True(t, r.irr(1, 0x41))
	require.False(t, r.irr(0, 0x41))
	r.ipi(1, 0, 2<<18|0x42) // all including self
	for i := range r.apics {
		require.True(t, r.irr(i, 0x42), "apic %d", i)
	}
	r.clearIRR()
	r.ipi(1, 0, 3<<18|0x43) // all excluding self
	require.Equal(t, []bool{true, false, true, true}, []bool{r.irr(0, 0x43), r.irr(1, 0x43), r.irr(2, 0x43), r.irr(3, 0x43)})
	r.clearIRR()
	r.ipi(0, 9<<24, 0x44) // an absent APIC: lost
	for i := range r.apics {
		require.False(t, r.irr(i, 0x44))
	}

	// Logical, flat model: LDR bit i for APIC i.
	for i, a := range r.apics {
		a.writeReg(LAPICLDR, 1<<(24+i))
	}
	r.ipi(0, 0x0A<<24, LAPICICRLogical|0x45) // APICs 1 and 3
	require.Equal(t, []bool{false, true, false, true}, []bool{r.irr(0, 0x45), r.irr(1, 0x45), r.irr(2, 0x45), r.irr(3, 0x45)})
	r.clearIRR()
	// Lowest priority among 1-3: APIC 1 has a higher TPR, 2 and 3 tie: 2 wins.
	r.apics[1].writeReg(LAPICTPR, 0x80)
	r.ipi(0, 0x0E<<24, LAPICICRLogical|LAPICDelivLowest|0x46)
	require.Equal(t, []bool{false, false, true, false}, []bool{r.irr(0, 0x46), r.irr(1, 0x46), r.irr(2, 0x46), r.irr(3, 0x46)})
	// Cluster model: cluster 1, members 1 and 2.
	r.clearIRR()
	r.apics[3].writeReg(LAPICDFR, 0x0FFFFFFF)
	r.apics[3].writeReg(LAPICLDR, 0x12<<24)
	r.ipi(0, 0x13<<24, LAPICICRLogical|0x47)
	require.True(t, r.irr(3, 0x47))
}

func TestAPICBusInitSIPINMI(t *testing.T) {
	r := newBusRig(3)
	r.apics[2].writeReg(LAPICTPR, 0x30)
	r.ipi(0, 0, 3<<18|LAPICDelivINIT|LAPICLVTLevel|1<<14) // INIT assert to all others
	require.Equal(t, []int{1, 2}, r.inits)
	require.Zero(t, r.apics[2].State.TPR, "INIT resets the APIC")
	require.Equal(t, uint32(2), r.apics[2].State.ID, "but keeps its ID")
	r.ipi(0, 0, 3<<18|LAPICDelivINIT|LAPICLVTLevel) // INIT de-assert: ignored
	require.Equal(t, []int{1, 2}, r.inits)
	r.ipi(0, 1<<24, LAPICDelivSIPI|0x09)
	require.Equal(t, [][2]int{{1, 9}}, r.sipis)
	r.ipi(0, 2<<24, LAPICDelivNMI)
	require.Equal(t, []int{2}, r.nmis)
	// Illegal vectors: a send error on the sender.
	r.ipi(0, 1<<24, 0x05)
	require.NotZero(t, r.apics[0].State.ESRPending&LAPICESRSendIllegal)
}

func TestIOAPIC(t *testing.T) {
	r := newBusRig(2)
	io := r.io
	sel := func(reg uint32) { io.WriteMMIO(IOAPICRegSel, le32(reg)) }
	read := func(reg uint32) uint32 {
		sel(reg)
		b := make([]byte, 4)
		io.ReadMMIO(IOAPICWin, b)
		return uint32(getLE(b))
	}
	write := func(reg, v uint32) {
		sel(reg)
		io.WriteMMIO(IOAPICWin, le32(v))
	}
	require.Equal(t, uint32(IOAPICVersion), read(1))
	require.Equal(t, uint32(ioapicMasked), read(0x10+2*4))

	// Masked: nothing.
	io.SetIRQ(4, true)
	io.SetIRQ(4, false)
	require.False(t, r.irr(1, 0x30))
	// Edge, physical APIC 1, vector 0x30.
	write(0x10+2*4+1, 1<<24)
	write(0x10+2*4, 0x30)
	io.SetIRQ(4, true)
	require.True(t, r.irr(1, 0x30))
	require.False(t, r.irr(0, 0x30))
	r.clearIRR()
	io.SetIRQ(4, true) // no new edge
	require.False(t, r.irr(1, 0x30))
	io.SetIRQ(4, false)

	// Level, APIC 0, vector 0x31: remote IRR until EOI, then again while high.
	write(0x10+2*9, 0x31|ioapicLevel)
	io.SetIRQ(9, true)
	require.True(t, r.irr(0, 0x31))
	require.NotZero(t, read(0x10+2*9)&ioapicRemoteIRR)
	a := r.apics[0]
	require.Equal(t, uint8(0x31), a.Ack())
	r.clearIRR()
	io.SetIRQ(9, true)
	require.False(t, r.irr(0, 0x31), "remote IRR blocks a second delivery")
	a.WriteMMIO(LAPICEOI, le32(0)) // the EOI reaches the I/O APIC: still high, again
	require.True(t, r.irr(0, 0x31))
	io.SetIRQ(9, false)
	io.EOI(0x31)
	require.Zero(t, read(0x10+2*9)&ioapicRemoteIRR)

	// The PIT's ISA IRQ 0 enters at pin 2.
	require.Equal(t, 2, ISAPin(0))
	require.Equal(t, 4, ISAPin(4))

	// Garbage in every register: no panic, read-only bits stay.
	for reg := uint32(0); reg < 0x100; reg++ {
		write(reg, 0xFFFFFFFF)
		_ = read(reg)
	}
	io.WriteMMIO(0x7, []byte{1})
	io.ReadMMIO(0xFFF, make([]byte, 1))
	snap, err := io.SaveState()
	require.NoError(t, err)
	io2 := NewIOAPIC(nil)
	require.NoError(t, io2.LoadState(snap))
	require.Equal(t, io.State, io2.State)
}

// A redirection entry in NMI delivery mode (the PIT's pin, as a watchdog
// routes it): every rising edge of the input is one NMI at the destination,
// nothing enters IRR, an edge entry latches no remote IRR, and a masked
// entry delivers nothing. A software-disabled local APIC still takes the
// NMI (Intel SDM Vol. 3A §11.4.7.2), as QEMU's bus delivers it.
func TestIOAPICNMIDelivery(t *testing.T) {
	r := newBusRig(2)
	io := r.io
	write := func(reg, v uint32) {
		io.WriteMMIO(IOAPICRegSel, le32(reg))
		io.WriteMMIO(IOAPICWin, le32(v))
	}
	read := func(reg uint32) uint32 {
		io.WriteMMIO(IOAPICRegSel, le32(reg))
		b := make([]byte, 4)
		io.ReadMMIO(IOAPICWin, b)
		return uint32(getLE(b))
	}
	pin := ISAPin(0)
	pulse := func() { io.SetIRQ(pin, true); io.SetIRQ(pin, false) }
	redir := uint32(0x10 + 2*pin)

	write(redir+1, 0<<24)
	write(redir, LAPICDelivNMI) // physical APIC 0, edge, active high, unmasked
	for i := 0; i < 3; i++ {
		pulse()
	}
	require.Equal(t, []int{0, 0, 0}, r.nmis, "one NMI per edge, at APIC 0 only")
	for _, a := range r.apics {
		require.Equal(t, [8]uint32{}, a.State.IRR, "an NMI is no fixed interrupt")
	}
	require.Zero(t, read(redir)&ioapicRemoteIRR)
	io.SetIRQ(pin, true)
	io.SetIRQ(pin, true) // held high: no new edge
	io.SetIRQ(pin, false)
	require.Len(t, r.nmis, 4)

	// Re-routed to APIC 1.
	write(redir+1, 1<<24)
	pulse()
	require.Equal(t, []int{0, 0, 0, 0, 1}, r.nmis)

	// Software-disabled APIC: the NMI still comes.
	r.apics[1].writeReg(LAPICSVR, 0xFF)
	pulse()
	require.Len(t, r.nmis, 6)

	// Masked: the watchdog is silent.
	write(redir, LAPICDelivNMI|ioapicMasked)
	pulse()
	require.Len(t, r.nmis, 6)
	require.Equal(t, uint32(LAPICDelivNMI|ioapicMasked), read(redir))
}
