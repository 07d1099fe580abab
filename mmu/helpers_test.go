package mmu

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// Control-register values used by the tests.
const (
	testCR0 = CR0_PG | 1 // PG|PE
	cr3Base = 0x100000   // first page-table page; tables are allocated upwards
)

// tables builds one translation path for a test: the entries a walk of va
// reads, top level first, for one paging mode and leaf size.
type tables struct {
	t       *testing.T
	m       *MMU
	mode    Mode
	va, pa  uint64
	leaf    int      // level of the leaf: 1 = 4 KiB, 2 = 2 MiB/4 MiB, 3 = 1 GiB
	entries []uint64 // physical addresses of the entries, top level first
	targets []uint64 // address field of each entry (next table, or leaf frame)
	wide    bool     // 8-byte entries
}

// levelsOf returns the number of levels of the mode's walk, excluding the
// PAE PDPTE registers.
func levelsOf(mode Mode) int {
	switch mode {
	case Mode4Level:
		return 4
	case ModePAE:
		return 2
	}
	return 2
}

// newTables lays out page tables for va -> pa in a fresh MMU (ram bytes).
// Tables live at cr3Base and up; the PAE PDPT at cr3Base too.
func newTables(t *testing.T, ram uint64, mode Mode, va, pa uint64, leaf int) *tables {
	tb := &tables{t: t, m: New(ram), mode: mode, va: va, pa: pa, leaf: leaf, wide: mode != Mode32}
	next := uint64(cr3Base)
	if mode == ModePAE {
		next += PageSize // PDPT at cr3Base
	}
	top := levelsOf(mode)
	shift := map[Mode]uint{Mode4Level: 39, ModePAE: 21, Mode32: 22}[mode]
	table := next
	next += PageSize
	if mode == ModePAE {
		// PDPTE: present, points at the page directory.
		idx := va >> 30 & 3
		binary.LittleEndian.PutUint64(tb.m.ram[cr3Base+idx*8:], table|pteP)
	}
	for lvl := top; lvl >= leaf; lvl-- {
		var idx uint64
		if mode == Mode32 {
			idx = va >> shift & 1023
			tb.entries = append(tb.entries, table+idx*4)
			shift -= 10
		} else {
			idx = va >> shift & 511
			tb.entries = append(tb.entries, table+idx*8)
			shift -= 9
		}
		if lvl == leaf {
			tb.targets = append(tb.targets, pa)
		} else {
			tb.targets = append(tb.targets, next)
			table = next
			next += PageSize
		}
	}
	return tb
}

// set writes the entries with the given flag bits (P is added; PS for a
// large leaf), one flag word per level, top level first.
func (tb *tables) set(flags ...uint64) {
	require.Len(tb.t, flags, len(tb.entries))
	for i, ea := range tb.entries {
		v := tb.targets[i] | flags[i] | pteP
		if i == len(tb.entries)-1 && tb.leaf > 1 {
			v |= ptePS
		}
		tb.put(ea, v)
	}
}

func (tb *tables) put(ea, v uint64) {
	if tb.wide {
		binary.LittleEndian.PutUint64(tb.m.ram[ea:], v)
	} else {
		binary.LittleEndian.PutUint32(tb.m.ram[ea:], uint32(v))
	}
}

func (tb *tables) get(ea uint64) uint64 {
	if tb.wide {
		return binary.LittleEndian.Uint64(tb.m.ram[ea:])
	}
	return uint64(binary.LittleEndian.Uint32(tb.m.ram[ea:]))
}

// control returns the Control for the tables' mode with extra bits.
func (tb *tables) control(cr0, cr4, efer uint64) Control {
	c := Control{CR0: testCR0 | cr0, CR3: cr3Base, CR4: cr4, EFER: efer}
	switch tb.mode {
	case Mode4Level:
		c.CR4 |= CR4_PAE
		c.EFER |= EFER_LME | EFER_LMA
	case ModePAE:
		c.CR4 |= CR4_PAE
	case Mode32:
		c.CR4 |= CR4_PSE
	}
	return c
}
