package emu

import (
	"bytes"
	"fmt"

	"github.com/kppemu/kppemu/mmu"
)

// ReadPhys reads guest-physical memory (unbacked addresses read 0xFF;
// MMIO ranges dispatch to their devices).
func (m *Machine) ReadPhys(pa uint64, buf []byte) { m.MMU.ReadPhys(mmu.PAddr(pa), buf) }

// WritePhys writes guest-physical memory; decoded code on the pages it
// touches is dropped, so a patched instruction takes effect at once.
func (m *Machine) WritePhys(pa uint64, buf []byte) {
	m.MMU.WritePhys(mmu.PAddr(pa), buf)
	if m.inputObs != nil && len(buf) > 0 {
		m.inputObs(HostInput{Phys: pa, Data: bytes.Clone(buf)})
	}
}

// ReadVirt reads guest-virtual memory through the CPU's current page
// tables, as a supervisor access, without setting accessed/dirty bits.
func (m *Machine) ReadVirt(va uint64, buf []byte) error {
	return m.virt(m.MMU, va, buf, false)
}

// ReadVirtCPU is ReadVirt through processor i's page tables.
func (m *Machine) ReadVirtCPU(i int, va uint64, buf []byte) error {
	if i < 0 || i >= len(m.MMUs) {
		return fmt.Errorf("no processor %d", i)
	}
	return m.virt(m.MMUs[i], va, buf, false)
}

// WriteVirtCPU is WriteVirt through processor i's page tables.
func (m *Machine) WriteVirtCPU(i int, va uint64, buf []byte) error {
	if i < 0 || i >= len(m.MMUs) {
		return fmt.Errorf("no processor %d", i)
	}
	return m.virt(m.MMUs[i], va, buf, true)
}

// WriteVirt writes guest-virtual memory through the CPU's current page
// tables, ignoring write protection (a debugger's poke), without setting
// accessed/dirty bits. Every page is translated before anything is
// written.
func (m *Machine) WriteVirt(va uint64, buf []byte) error {
	return m.virt(m.MMU, va, buf, true)
}

func (m *Machine) virt(u *mmu.MMU, va uint64, buf []byte, write bool) error {
	type piece struct {
		pa   uint64
		from int
		n    int
	}
	var pieces []piece
	for done := 0; done < len(buf); {
		a := va + uint64(done)
		n := min(len(buf)-done, int(pageSize-a%pageSize))
		pa, f := u.Probe(mmu.VAddr(a), mmu.Read, false, false)
		if f != nil {
			return fmt.Errorf("virtual address %#x is not mapped (page fault, error code %#x)", a, f.Code)
		}
		pieces = append(pieces, piece{uint64(pa), done, n})
		done += n
	}
	for _, p := range pieces {
		if write {
			m.WritePhys(p.pa, buf[p.from:p.from+p.n])
		} else {
			u.ReadPhys(mmu.PAddr(p.pa), buf[p.from:p.from+p.n])
		}
	}
	return nil
}

// VirtToPhys translates a guest-virtual address with the CPU's current
// page tables (no side effects).
func (m *Machine) VirtToPhys(va uint64) (uint64, error) {
	pa, f := m.MMU.Probe(mmu.VAddr(va), mmu.Read, false, false)
	if f != nil {
		return 0, fmt.Errorf("virtual address %#x is not mapped (page fault, error code %#x)", va, f.Code)
	}
	return uint64(pa), nil
}
