package record

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
)

// TestWhoWroteWiderRange: asked about 8 bytes of which the last write
// changed one, whowrote names that write with the previous and new value
// of the byte it wrote (and where in the range it is), for a guest store
// and for a host poke.
func TestWhoWroteWiderRange(t *testing.T) {
	m := boot(t, "")
	r, err := New(m, Config{SnapshotEvery: 1 << 20})
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, emu.StopTimeLimit, r.Run(300_000_000).Reason)

	// pic_mask1 is a byte the kernel stores with one MOV when it unmasks
	// an ISA interrupt.
	mask := symbolAddr(t, m, "pic_mask1")
	one, err := r.WhoWrote(mask, 1)
	require.NoError(t, err)
	require.False(t, one.Host)
	require.Len(t, one.Old, 1)
	require.NotEqual(t, one.Old, one.New)
	wide, err := r.WhoWrote(mask, 8)
	require.NoError(t, err)
	require.Equal(t, one.Instret, wide.Instret)
	require.Equal(t, one.RIP, wide.RIP)
	require.Equal(t, uint64(0), wide.Off)
	require.Equal(t, one.Old, wide.Old, "the byte written, before")
	require.Equal(t, one.New, wide.New, "the byte written, after")

	// A host poke of one byte in the middle of the range.
	a := symbolAddr(t, m, "tick_count")
	before := make([]byte, 8)
	require.NoError(t, m.ReadVirt(a, before))
	require.NoError(t, r.Poke(a+6, []byte{before[6] ^ 0x55}))
	for range 10 {
		r.Step()
	}
	w, err := r.WhoWrote(a, 8)
	require.NoError(t, err)
	require.True(t, w.Host)
	require.Equal(t, uint64(6), w.Off)
	require.Equal(t, []byte{before[6]}, w.Old)
	require.Equal(t, []byte{before[6] ^ 0x55}, w.New)
}
