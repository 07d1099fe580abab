package mmu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSiblingCodeMarks: a page marked through one processor's MMU is
// reported to every processor when written through another's fast path.
func TestSiblingCodeMarks(t *testing.T) {
	a := New(1 << 20)
	b := a.NewSibling()
	var gotA, gotB []uint64
	a.SetCodeInvalidator(func(pfn, _, _ uint64) bool { gotA = append(gotA, pfn); return false })
	b.SetCodeInvalidator(func(pfn, _, _ uint64) bool { gotB = append(gotB, pfn); return false })
	// b caches a writable translation of page 5 first.
	require.True(t, b.TryWrite32(0x5000, 1, false, false) || b.Write32(0x5000, 1, false, false) == nil)
	require.True(t, b.TryWrite32(0x5004, 2, false, false))
	a.MarkCode(5)
	require.False(t, b.TryWrite32(0x5008, 3, false, false), "b's fast path must give up the marked page")
	require.Nil(t, b.Write32(0x5008, 3, false, false))
	require.Equal(t, []uint64{5}, gotA)
	require.Equal(t, []uint64{5}, gotB)
	require.Equal(t, uint32(3), uint32(a.RAM()[0x5008]))
	require.Len(t, a.Siblings(), 2)

	// MMIO attached through one member is seen by all.
	dev := &fakeMMIO{}
	require.NoError(t, b.AttachMMIO(0xFEC00000, 0x1000, dev))
	var buf [4]byte
	a.ReadPhys(0xFEC00010, buf[:])
	require.Equal(t, 1, dev.reads)
}

type fakeMMIO struct{ reads int }

func (f *fakeMMIO) ReadMMIO(off uint64, data []byte)  { f.reads++ }
func (f *fakeMMIO) WriteMMIO(off uint64, data []byte) {}
