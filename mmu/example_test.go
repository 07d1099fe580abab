package mmu_test

import (
	"encoding/binary"
	"fmt"

	"github.com/kppemu/kppemu/mmu"
)

// Example maps one 4 KiB page with 4-level paging and accesses it.
func Example() {
	m := mmu.New(1 << 20)
	ram := m.RAM()
	const (
		pml4, pdpt, pd, pt = 0x10000, 0x11000, 0x12000, 0x13000
		frame              = 0x20000
		va                 = 0x0000_4000_0020_3000 // PML4 index 128, PDPT 0, PD 1, PT 3
		p, rw, us          = 1, 2, 4
	)
	put := func(at, v uint64) { binary.LittleEndian.PutUint64(ram[at:], v) }
	put(pml4+128*8, pdpt|p|rw|us)
	put(pdpt+0*8, pd|p|rw|us)
	put(pd+1*8, pt|p|rw|us)
	put(pt+3*8, frame|p|rw) // supervisor-only
	m.SetControl(mmu.Control{
		CR0:  mmu.CR0_PG | 1,
		CR3:  pml4,
		CR4:  mmu.CR4_PAE,
		EFER: mmu.EFER_LME | mmu.EFER_LMA,
	})

	_ = m.Write64(va+8, 0x1122334455667788, false, false)
	v, _ := m.Read64(va+8, false, false)
	pa, _ := m.Translate(va+8, mmu.Read, false, false)
	_, f := m.Read64(va, true, false) // CPL 3: supervisor page
	fmt.Printf("%#x at pa %#x; user read: %v\n", v, pa, f)
	// Output: 0x1122334455667788 at pa 0x20008; user read: #PF at 0x400000203000, error code 0x5
}
