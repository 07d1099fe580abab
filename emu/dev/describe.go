package dev

import (
	"fmt"
	"strings"
)

// String summarises both 8259s for a debugger ("info pic").
func (p *PIC) String() string {
	var b strings.Builder
	for i, name := range [2]string{"master", "slave"} {
		c := &p.State.Chips[i]
		fmt.Fprintf(&b, "%s: base=%#02x irr=%08b isr=%08b imr=%08b elcr=%08b", name, c.Base, c.IRR, c.ISR, c.IMR, c.ELCR)
		if c.AutoEOI {
			b.WriteString(" aeoi")
		}
		if c.SpecialNested {
			b.WriteString(" sfnm")
		}
		if c.InitState != 0 {
			fmt.Fprintf(&b, " init=icw%d", c.InitState+1)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "intr=%v", p.State.INTR)
	return b.String()
}

// String summarises the PIT's channels for a debugger ("info pit").
func (p *PIT) String() string {
	var b strings.Builder
	now := p.now()
	for i := range p.State.Ch {
		c := &p.State.Ch[i]
		fmt.Fprintf(&b, "ch%d: mode=%d access=%d reload=%d count=%d out=%v gate=%v", i, c.Mode, c.Access, c.Reload, c.count(now), c.out(now), c.Gate)
		if i == 0 {
			if t, ok := p.NextDeadline(); ok {
				fmt.Fprintf(&b, " next-irq=%dns", t)
			}
		}
		if i < 2 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// String summarises the local APIC for a debugger ("info lapic").
func (a *LAPIC) String() string {
	s := &a.State
	var b strings.Builder
	fmt.Fprintf(&b, "base=%#x id=%d svr=%#x tpr=%#x ppr=%#x esr=%#x\n", s.Base, s.ID, s.SVR, s.TPR, a.ppr(), s.ESR)
	fmt.Fprintf(&b, "irr-top=%d isr-top=%d intr=%v lint0=%v\n", highest(&s.IRR), highest(&s.ISR), s.INTR, s.LINT0)
	fmt.Fprintf(&b, "lvt timer=%#x lint0=%#x lint1=%#x error=%#x\n", s.LVT[lvtTimer], s.LVT[lvtLINT0], s.LVT[lvtLINT1], s.LVT[lvtError])
	fmt.Fprintf(&b, "timer initial=%d current=%d divide=%d", s.Initial, a.currentCount(a.now()), 1<<s.Shift)
	if t, ok := a.NextDeadline(); ok {
		fmt.Fprintf(&b, " next=%dns", t)
	}
	if a.deadlineMode() {
		fmt.Fprintf(&b, " tsc-deadline=%#x", s.TSCDeadline)
	}
	if a.X2APICMode() {
		fmt.Fprintf(&b, "\nx2apic ldr=%#x icr=%#x", s.LDR, uint64(s.ICRHi)<<32|uint64(s.ICRLo))
	}
	return b.String()
}

// String summarises the UART for a debugger ("info uart").
func (u *UART) String() string {
	s := &u.State
	return fmt.Sprintf("ier=%#02x iir=%#02x lcr=%#02x mcr=%#02x lsr=%#02x msr=%#02x fcr=%#02x divisor=%d rx-fifo=%d queued=%d irq=%v",
		s.IER, u.iir(), s.LCR, s.MCR, s.LSR, s.MSR, s.FCR, uint16(s.DLM)<<8|uint16(s.DLL), len(s.RX), len(s.Queue), s.IRQLevel)
}
