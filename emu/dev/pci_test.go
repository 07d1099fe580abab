package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPCIConfigEmpty(t *testing.T) {
	p := NewPCIConfig()
	out32(p, PCIConfigAddress, 0x80000000) // bus 0, device 0, function 0, reg 0
	var b [4]byte
	p.ReadPort(PCIConfigAddress, b[:])
	require.Equal(t, uint64(0x80000000), getLE(b[:]))
	p.ReadPort(PCIConfigData, b[:])
	require.Equal(t, uint64(0xFFFFFFFF), getLE(b[:]), "no device: vendor ID reads all-ones")
	require.Equal(t, uint16(0xFFFF), in16(p, PCIConfigData+2))
	require.Equal(t, uint8(0xFF), in8(p, PCIConfigData+3))
	// Byte accesses to 0xCF8 are not CONFIG_ADDRESS.
	out8(p, PCIConfigAddress, 0x12)
	require.Equal(t, uint8(0xFF), in8(p, PCIConfigAddress))
	out32(p, PCIConfigAddress, 0x8000F807)
	p.ReadPort(PCIConfigAddress, b[:])
	require.Equal(t, uint64(0x8000F804), getLE(b[:]), "bits 1:0 read as zero")
	out32(p, PCIConfigData, 0x12345678) // ignored
	p.ReadPort(PCIConfigData, b[:])
	require.Equal(t, uint64(0xFFFFFFFF), getLE(b[:]))
	roundTrip(t, p, NewPCIConfig())
}
