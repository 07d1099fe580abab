package dev

// ACPI power management registers of QEMU's PIIX4 as SeaBIOS places them
// (the FADT points at them): PM1a event block at 0x600 (status, enable),
// PM1a control at 0x604, the PM timer at 0x608, GPE0 at 0xAFE0, and the
// APM control port 0xB2 through which a guest asks for ACPI mode (writing
// the FADT's ACPI_ENABLE value 0xF1 sets SCI_EN, 0xF0 clears it).
//
// The PM timer is a 24-bit counter at 3.579545 MHz derived from the
// virtual clock as QEMU derives it: floor(ns * 3579545 / 10^9) mod 2^24.
// Sleep requests (SLP_EN) are recorded and otherwise ignored.
const (
	ACPIPMBase     = 0x600
	ACPIPMSize     = 12
	ACPIPMTimer    = 0x608
	ACPIGPE0Base   = 0xAFE0
	ACPIGPE0Size   = 4
	ACPIAPMPort    = 0xB2
	ACPIAPMSize    = 2
	ACPIEnable     = 0xF1
	ACPIDisable    = 0xF0
	PMTimerHz      = 3579545
	pm1CntSCIEn    = 1 << 0
	pm1CntSlpEn    = 1 << 13
	pm1StsTmr      = 1 << 0
	pmTimerMask    = 0xFFFFFF
	pm1CntWritable = 0x3C07 // SCI_EN, BM_RLD, GBL_RLS, SLP_TYP (SLP_EN is write-only)
)

// ACPIPMState is the snapshot state.
type ACPIPMState struct {
	PM1Sts, PM1En, PM1Cnt uint16
	GPE0                  [ACPIGPE0Size]byte
	APMCnt, APMSts        uint8
	SleepRequests         int
}

// ACPIPM is the PM1/PM-timer/GPE0/APM register set.
type ACPIPM struct {
	State ACPIPMState
	clk   Clock
}

// NewACPIPM returns the registers after reset (SCI_EN clear: legacy mode).
func NewACPIPM(clk Clock) *ACPIPM { return &ACPIPM{clk: clk} }

// Timer returns the PM timer's value now.
func (p *ACPIPM) Timer() uint32 {
	var ns uint64
	if p.clk != nil {
		ns = p.clk.Now()
	}
	hi, lo := ns/1_000_000_000, ns%1_000_000_000
	return uint32((hi*PMTimerHz + lo*PMTimerHz/1_000_000_000) & pmTimerMask)
}

func (p *ACPIPM) reg(off uint16) uint32 {
	s := &p.State
	switch {
	case off < 2:
		return uint32(s.PM1Sts)
	case off < 4:
		return uint32(s.PM1En)
	case off < 6:
		return uint32(s.PM1Cnt)
	case off >= 8 && off < 12:
		return p.Timer()
	}
	return 0
}

// ReadPort implements PortDevice for the PM1/timer block.
func (p *ACPIPM) ReadPort(off uint16, data []byte) {
	for i := range data {
		o := off + uint16(i)
		base := o &^ 1
		if o >= 8 {
			base = 8
		}
		data[i] = byte(p.reg(o) >> (8 * (o - base)))
	}
}

// WritePort implements PortDevice for the PM1/timer block.
func (p *ACPIPM) WritePort(off uint16, data []byte) {
	s := &p.State
	v := uint16(getLE(data))
	switch {
	case off == 0 && len(data) >= 2:
		s.PM1Sts &^= v // write 1 to clear
	case off == 2 && len(data) >= 2, off == 0 && len(data) == 4:
		if len(data) == 4 {
			s.PM1Sts &^= v
			v = uint16(getLE(data) >> 16)
		}
		s.PM1En = v
	case off == 4 && len(data) >= 2:
		s.PM1Cnt = s.PM1Cnt&^pm1CntWritable | v&pm1CntWritable
		if v&pm1CntSlpEn != 0 {
			s.SleepRequests++
		}
	}
}

// GPE0 returns the GPE0 block's ports.
func (p *ACPIPM) GPE0() PortDevice { return acpiGPE{p} }

// APM returns the APM control/status ports (0xB2, 0xB3).
func (p *ACPIPM) APM() PortDevice { return acpiAPM{p} }

type acpiGPE struct{ p *ACPIPM }

func (g acpiGPE) ReadPort(off uint16, data []byte) {
	for i := range data {
		if o := int(off) + i; o < ACPIGPE0Size {
			data[i] = g.p.State.GPE0[o]
		}
	}
}

func (g acpiGPE) WritePort(off uint16, data []byte) {
	for i := range data {
		o := int(off) + i
		switch {
		case o < 2: // status: write 1 to clear
			g.p.State.GPE0[o] &^= data[i]
		case o < ACPIGPE0Size:
			g.p.State.GPE0[o] = data[i]
		}
	}
}

type acpiAPM struct{ p *ACPIPM }

func (a acpiAPM) ReadPort(off uint16, data []byte) {
	fill(data, 0)
	if len(data) > 0 {
		if off == 0 {
			data[0] = a.p.State.APMCnt
		} else {
			data[0] = a.p.State.APMSts
		}
	}
}

func (a acpiAPM) WritePort(off uint16, data []byte) {
	if len(data) == 0 {
		return
	}
	s := &a.p.State
	if off == 1 {
		s.APMSts = data[0]
		return
	}
	s.APMCnt = data[0]
	switch data[0] {
	case ACPIEnable:
		s.PM1Cnt |= pm1CntSCIEn
	case ACPIDisable:
		s.PM1Cnt &^= pm1CntSCIEn
	}
}

// SaveState implements Snapshotter.
func (p *ACPIPM) SaveState() ([]byte, error) { return saveGob("acpi-pm", &p.State) }

// LoadState implements Snapshotter.
func (p *ACPIPM) LoadState(b []byte) error { return loadGob("acpi-pm", b, &p.State) }
