package mmu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTryHitProbes(t *testing.T) {
	m := New(1 << 20)
	require.NoError(t, m.AttachMMIO(0x100000, 0x1000, &fakeDev{}))
	type probe struct {
		size  int
		read  func(VAddr) (uint64, bool)
		write func(VAddr, uint64) bool
	}
	probes := []probe{
		{1, func(va VAddr) (uint64, bool) { return m.TryRead8(va, false, false) }, func(va VAddr, v uint64) bool { return m.TryWrite8(va, v, false, false) }},
		{2, func(va VAddr) (uint64, bool) { return m.TryRead16(va, false, false) }, func(va VAddr, v uint64) bool { return m.TryWrite16(va, v, false, false) }},
		{4, func(va VAddr) (uint64, bool) { return m.TryRead32(va, false, false) }, func(va VAddr, v uint64) bool { return m.TryWrite32(va, v, false, false) }},
		{8, func(va VAddr) (uint64, bool) { return m.TryRead64(va, false, false) }, func(va VAddr, v uint64) bool { return m.TryWrite64(va, v, false, false) }},
	}
	for _, p := range probes {
		m.FlushTLB()
		va := VAddr(0x3000)
		// Miss: nothing happens.
		_, ok := p.read(va)
		require.False(t, ok)
		require.False(t, p.write(va, 1))
		// Fill through the full methods, then hit.
		require.Nil(t, m.WriteN(va, p.size, 0x1122334455667788, false, false))
		_, f := m.ReadN(va, p.size, false, false)
		require.Nil(t, f)
		require.True(t, p.write(va, 0x8877665544332211))
		v, ok := p.read(va)
		require.True(t, ok)
		want := uint64(0x8877665544332211)
		if p.size < 8 {
			want &= 1<<(8*p.size) - 1
		}
		require.Equal(t, want, v)
		// Crossing the page end: refused.
		if p.size > 1 {
			end := VAddr(0x3fff)
			_, ok = p.read(end)
			require.False(t, ok)
			require.False(t, p.write(end, 0))
		}
		// Code-marked page: writes refused, so the full method invalidates.
		m.MarkCode(3)
		require.False(t, p.write(va, 0))
		_, ok = p.read(va)
		require.True(t, ok)
		m.ClearCodeMarks()
		// MMIO: refused even when the translation is cached.
		_, f = m.ReadN(0x100000, p.size, false, false)
		require.Nil(t, f)
		_, ok = p.read(0x100000)
		require.False(t, ok)
		require.False(t, p.write(0x100000, 0))
	}
}
