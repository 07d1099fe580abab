package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDescribe(t *testing.T) {
	m := newMachine()
	pulse(m.pic, 0)
	require.Contains(t, m.pic.String(), "master: base=0x20 irr=00000001")
	require.Contains(t, m.pit.String(), "ch0: mode=0")
	require.Contains(t, m.apic.String(), "svr=0xff")
	m.uart.PushInput([]byte("xy"))
	require.Contains(t, m.uart.String(), "rx-fifo=1 queued=1")
}
