package dev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDebugExitStatus(t *testing.T) {
	cases := []struct {
		name  string
		width int
		v     uint64
		want  int
	}{
		{"zero byte", 1, 0, 1},
		{"byte", 1, 0x10, 0x21},
		{"word", 2, 0x1234, 0x2469},
		{"dword", 4, 0x31, 0x63},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := -1
			d := NewDebugExit(func(s int) { got = s })
			b := make([]byte, c.width)
			putLE(b, c.v)
			d.WritePort(0, b)
			require.Equal(t, c.want, got)
		})
	}
}

func TestDebugExitReadAndState(t *testing.T) {
	d := NewDebugExit(nil)
	require.Equal(t, uint8(0), in8(d, 0))
	d.WritePort(0, []byte{1}) // nil callback: no panic
	roundTrip0(t, d)
}

func roundTrip0(t *testing.T, d Snapshotter) {
	b, err := d.SaveState()
	require.NoError(t, err)
	require.NoError(t, d.LoadState(b))
}
