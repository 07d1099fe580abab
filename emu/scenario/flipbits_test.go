package scenario

import (
	"testing"

	"github.com/kppemu/kppemu/kernel/abi"
	"github.com/stretchr/testify/require"
)

func TestHardwareOwnedBits(t *testing.T) {
	for off := uint64(0); off < 64; off++ {
		want := byte(0)
		if off%8 == 5 {
			want = 0x01 // the descriptor's accessed bit
		}
		require.Equal(t, want, hardwareOwnedBits(abi.PGGDT, off), "GDT offset %d", off)
		require.Zero(t, hardwareOwnedBits(abi.PGIDT, off), "IDT offset %d", off)
	}
}
