package mmu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPagingOffSmoke(t *testing.T) {
	m := New(1 << 20)
	require.Nil(t, m.Write64(0x1000, 0x1122334455667788, false, false))
	v, f := m.Read64(0x1000, false, false)
	require.Nil(t, f)
	require.Equal(t, uint64(0x1122334455667788), v)
	require.Nil(t, m.Write32(0x1ffe, 0xaabbccdd, false, false))
	v, f = m.Read32(0x1ffe, false, false)
	require.Nil(t, f)
	require.Equal(t, uint64(0xaabbccdd), v)
	v, f = m.Read8(0x200000, false, false)
	require.Nil(t, f)
	require.Equal(t, uint64(0xff), v)
	pa, b, f := m.Fetch(0x1ffe, false)
	require.Nil(t, f)
	require.Equal(t, PAddr(0x1ffe), pa)
	require.Equal(t, []byte{0xdd, 0xcc}, b)
}
