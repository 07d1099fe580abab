package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPCTestDev drives the registers as the QEMU probe did and expects what
// QEMU 7.2 answered.
func TestPCTestDev(t *testing.T) {
	var got []int
	td := NewPCTestDev(func(n int, level bool) {
		if level {
			got = append(got, n)
		} else {
			got = append(got, -n)
		}
	})
	io := td.IOPort()
	io.WritePort(0, []byte{0x44, 0x33, 0x22, 0x11})
	b := make([]byte, 4)
	io.ReadPort(0, b)
	require.Equal(t, uint64(0x11223344), getLE(b))
	b1 := make([]byte, 1)
	io.ReadPort(1, b1)
	require.Equal(t, byte(0x33), b1[0])
	io.WritePort(2, []byte{0xAB})
	io.ReadPort(0, b)
	require.Equal(t, uint64(0x11AB3344), getLE(b))
	io.WritePort(0, []byte{0x66, 0x55})
	io.ReadPort(0, b)
	require.Equal(t, uint64(0x11AB5566), getLE(b))

	td.Flush().ReadPort(0, b)
	require.Equal(t, uint64(0), getLE(b))
	irq := td.IRQPorts()
	irq.ReadPort(0, b)
	require.Equal(t, uint64(0), getLE(b))
	irq.WritePort(4, []byte{1})
	irq.WritePort(4, []byte{0})
	irq.WritePort(23, []byte{3})
	irq.WritePort(24, []byte{1}) // outside the 24 lines: nothing
	require.Equal(t, []int{4, -4, 23}, got)

	td.WriteMMIO(0x10, []byte{0xEF, 0xBE, 0xAD, 0xDE})
	td.ReadMMIO(0x12, b[:2])
	require.Equal(t, []byte{0xAD, 0xDE}, b[:2])
	td.ReadMMIO(TestDevMemSize-4, b)
	require.Equal(t, uint64(0), getLE(b))

	snap, err := td.SaveState()
	require.NoError(t, err)
	td2 := NewPCTestDev(nil)
	require.NoError(t, td2.LoadState(snap))
	require.Equal(t, td.State, td2.State)
}
