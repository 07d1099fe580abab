package scenario

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/kernel/abi"
)

// TestPageTableFlipAboveKernel: a bit flipped in the PML4, PDPT or PD
// entry that maps the kernel image unmaps all of the kernel's code at
// once; once its cached translations are gone no handler can be fetched.
// PatchGuard must still report it (0x109 type 0x111, parameter 3 the
// entry, as it reads it through the direct map) within the test profile's
// bound, whether a pass sees it first or the double fault that follows
// reaches PatchGuard's rescue path. Neither a triple fault nor a guest
// that runs on undetected passes.
func TestPageTableFlipAboveKernel(t *testing.T) {
	const flipAt, bound = 35_000_000, 150_000_000 // guest ns
	for _, level := range []struct {
		name  string
		depth int // 0: PML4 entry, 1: PDPT entry, 2: PD entry
	}{{"pml4", 0}, {"pdpt", 1}, {"pd", 2}} {
		for _, bit := range []uint{0, 15} { // present; a frame bit
			t.Run(fmt.Sprintf("%s/bit%d", level.name, bit), func(t *testing.T) {
				m, err := emu.New(emu.Config{Seed: 1})
				require.NoError(t, err)
				_, err = m.Boot(emu.BootImage{Path: KernelPath, Kernel: images.Kernel(), Append: "pg.profile=test"})
				require.NoError(t, err)
				m.Run(flipAt)
				_, bc := m.BugCheck()
				require.False(t, bc, "no bug check before the flip")

				sym, ok := m.Symbols().Kernel().Lookup("isr_stubs")
				require.True(t, ok)
				va := sym.Addr + m.Symbols().KernelSlide()
				table := m.CPU.CR3 &^ 0xFFF
				var pa uint64
				for d := 0; d <= level.depth; d++ {
					idx := va >> (39 - 9*uint(d)) & 511
					pa = table + idx*8
					var b [8]byte
					m.ReadPhys(pa, b[:])
					table = binary.LittleEndian.Uint64(b[:]) & 0x000F_FFFF_FFFF_F000
				}
				var b [8]byte
				m.ReadPhys(pa, b[:])
				e := binary.LittleEndian.Uint64(b[:]) ^ 1<<bit
				binary.LittleEndian.PutUint64(b[:], e)
				m.WritePhys(pa, b[:])

				stop := m.Run(flipAt + bound)
				ev, ok := m.BugCheck()
				require.True(t, ok, "no bug check within the bound: %s", stop)
				require.Len(t, ev.Args, 5)
				require.Equal(t, uint64(abi.BugCriticalStructureCorruption), ev.Args[0], "stop %s", stop)
				require.Equal(t, uint64(abi.PGPageTables), ev.Args[4])
				require.Equal(t, abi.DirectMapBase+pa, ev.Args[3], "the flipped entry")
			})
		}
	}
}
