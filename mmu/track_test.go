package mmu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWriteTracking: a tracked page reaches the hook before its first
// write, from the fast path (a warm write TLB entry), the slow path and
// WritePhys, with the old bytes still in RAM; untracked pages and pages
// the hook released go fast and unseen.
func TestWriteTracking(t *testing.T) {
	m := New(1 << 20)
	type seen struct {
		pa, n uint64
		old   byte
	}
	var got []seen
	keep := false
	m.SetWriteHook(func(pa PAddr, n uint64) bool {
		got = append(got, seen{uint64(pa), n, m.RAM()[pa]})
		return keep
	})
	// Paging off: linear = physical. Warm the write TLB for page 2.
	require.Nil(t, m.Write8(0x2010, 0x11, false, false))
	m.TrackAll()
	require.Nil(t, m.Write8(0x2010, 0x22, false, false))
	require.Equal(t, []seen{{0x2010, 1, 0x11}}, got, "the warm TLB entry lost its fast path")
	require.Nil(t, m.Write64(0x2018, 5, false, false))
	require.Len(t, got, 1, "released after the first write")
	m.WritePhys(0x3ffe, []byte{1, 2, 3, 4})
	require.Equal(t, []seen{{0x2010, 1, 0x11}, {0x3ffe, 2, 0}, {0x4000, 2, 0}}, got[:3])
	got, keep = nil, true
	m.UntrackAll()
	m.Track(5)
	for i := range 3 {
		require.Nil(t, m.Write16(0x5000, uint64(i), false, false))
	}
	require.Equal(t, []seen{{0x5000, 2, 0}, {0x5000, 2, 0}, {0x5000, 2, 1}}, got, "kept: every write is seen")
	m.PrepareWrite(0x5ff0, 0x20)
	require.Len(t, got, 4, "PrepareWrite: only the tracked page")
	require.True(t, m.Tracked(5))
	require.False(t, m.Tracked(6))
}
