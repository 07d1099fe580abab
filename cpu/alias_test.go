package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The encodings x86asm refuses but hardware runs (aliasEncoding): each runs
// as its alias, with the right length, and the code after it still runs.
func TestAliasEncodings(t *testing.T) {
	cases := []struct {
		name string
		code []byte
		rax  uint64
	}{
		{"sal r32,1 (D1 /6)", []byte{0xD1, 0xF0}, 0x2468},
		{"sal r64,cl (48 D3 /6)", []byte{0x48, 0xD3, 0xF0}, 0x1234 << 3},
		{"sal r8,imm (C0 /6)", []byte{0xC0, 0xF0, 0x04}, 0x1240},
		{"nop with REX.W", []byte{0x48, 0x0F, 0x1F, 0x44, 0x00, 0x00}, 0x1234},
		{"nop 0F 1F /3", []byte{0x0F, 0x1F, 0x58, 0x10}, 0x1234},
		{"reserved nop 0F 19 /0 mem", []byte{0x0F, 0x19, 0x80, 0, 0, 0, 0}, 0x1234},
		{"reserved nop 0F 1D reg", []byte{0x0F, 0x1D, 0xC0}, 0x1234},
		{"reserved nop 0F 18 /4", []byte{0x0F, 0x18, 0x20}, 0x1234},
		{"hint nop 0F 1E mem", []byte{0x0F, 0x1E, 0x04, 0x24}, 0x1234},
		{"prefetch 0F 0D /0", []byte{0x0F, 0x0D, 0x00}, 0x1234},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, 0)
			e.c.GPR[RAX] = 0x1234
			e.c.GPR[RCX] = 3
			// The instruction under test, then MOV RDX, 7; HLT.
			e.code(append(append([]byte{}, tc.code...), 0xBA, 7, 0, 0, 0, 0xF4)...)
			e.mustHalt(10)
			require.Equal(t, tc.rax, e.c.GPR[RAX])
			require.Equal(t, uint64(7), e.c.GPR[RDX])
		})
	}
}

func TestAliasDisassembly(t *testing.T) {
	text, n := Disassemble([]byte{0xD1, 0xF0}, 64)
	require.Equal(t, 2, n)
	require.Contains(t, text, "shl")
	_, n = Disassemble([]byte{0x48, 0x0F, 0x1F, 0x44, 0x00, 0x00}, 64)
	require.Equal(t, 6, n)
}
