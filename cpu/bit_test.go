package cpu

import (
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

func TestBitTestMemoryOffsets(t *testing.T) {
	base := uint64(tData + 0x100)
	for _, tc := range []struct {
		name     string
		off      uint64 // bit offset in RCX
		code     []byte
		byteAddr uint64 // byte holding the selected bit
		bit      uint
	}{
		{"bts m32 +100", 100, []byte{0x0F, 0xAB, 0x0B}, base + 12, 4},
		{"bts m32 -1", ^uint64(0), []byte{0x0F, 0xAB, 0x0B}, base - 1, 7},
		{"bts m16 -17", uint64(0xFFEF), []byte{0x66, 0x0F, 0xAB, 0x0B}, base - 3, 7},
		{"bts m64 +130", 130, []byte{0x48, 0x0F, 0xAB, 0x0B}, base + 16, 2},
		{"bts m64 -64", uint64(0xFFFFFFFFFFFFFFC0), []byte{0x48, 0x0F, 0xAB, 0x0B}, base - 8, 0},
		{"bts m32 ignores upper RCX", 0xFFFF_FFFF_0000_0021, []byte{0x0F, 0xAB, 0x0B}, base + 4, 1},
		// Immediate offsets wrap inside the operand.
		{"bts m32 imm 33", 0, []byte{0x0F, 0xBA, 0x2B, 33}, base, 1},
		{"bts m16 imm 17", 0, []byte{0x66, 0x0F, 0xBA, 0x2B, 17}, base, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := runInt(t, func(c *CPU) { c.GPR[RBX], c.GPR[RCX] = base, tc.off }, tc.code...)
			var b [1]byte
			e.m.ReadPhys(mmu.PAddr(tc.byteAddr), b[:])
			if b[0] != 1<<tc.bit {
				t.Fatalf("byte at %#x = %#x, want %#x", tc.byteAddr, b[0], 1<<tc.bit)
			}
			if e.c.Flags()&FlagCF != 0 {
				t.Fatalf("CF set for a clear bit")
			}
		})
	}
}

func TestBitTestFlags(t *testing.T) {
	// cmp eax, eax (ZF=1); bt rdx, 63 (bit set): CF=1 and ZF stays 1.
	e := runInt(t, func(c *CPU) { c.GPR[RDX] = 1 << 63 }, 0x39, 0xC0, 0x48, 0x0F, 0xBA, 0xE2, 63)
	if f := arith(e.c); f&(FlagCF|FlagZF) != FlagCF|FlagZF {
		t.Fatalf("flags %#x", f)
	}
	// btr ecx, eax with EAX = 35: bit 3 of ECX; upper half of RCX cleared.
	e = runInt(t, func(c *CPU) { c.GPR[RCX], c.GPR[RAX] = 0xFFFF_FFFF_0000_000F, 35 }, 0x0F, 0xB3, 0xC1)
	if e.c.GPR[RCX] != 7 || e.c.Flags()&FlagCF == 0 {
		t.Fatalf("btr: rcx %#x flags %#x", e.c.GPR[RCX], e.c.Flags())
	}
	// btc bx, 15
	e = runInt(t, func(c *CPU) { c.GPR[RBX] = 0x1_0000 }, 0x66, 0x0F, 0xBA, 0xFB, 15)
	if e.c.GPR[RBX] != 0x1_8000 || e.c.Flags()&FlagCF != 0 {
		t.Fatalf("btc: rbx %#x", e.c.GPR[RBX])
	}
}

func TestBitScan(t *testing.T) {
	const keep = 0xDEAD_BEEF_DEAD_BEEF
	for _, tc := range []struct {
		name  string
		src   uint64
		code  []byte
		want  uint64
		flags uint64 // expected, within mask
		mask  uint64
	}{
		{"bsf r64 zero keeps dest", 0, []byte{0x48, 0x0F, 0xBC, 0xC1}, keep, FlagZF, FlagZF},
		{"bsf r32 zero keeps whole dest", 0, []byte{0x0F, 0xBC, 0xC1}, keep, FlagZF, FlagZF},
		{"bsf r64", 0x8000_0000_0000_0100, []byte{0x48, 0x0F, 0xBC, 0xC1}, 8, 0, FlagZF},
		{"bsr r64", 0x8000_0000_0000_0100, []byte{0x48, 0x0F, 0xBD, 0xC1}, 63, 0, FlagZF},
		{"bsr r16", 0x0001_0003, []byte{0x66, 0x0F, 0xBD, 0xC1}, keep&^0xFFFF | 1, 0, FlagZF},
		{"lzcnt r32 zero", 0xFFFF_FFFF_0000_0000, []byte{0xF3, 0x0F, 0xBD, 0xC1}, 32, FlagCF, FlagCF | FlagZF},
		{"lzcnt r64 msb", 1 << 63, []byte{0xF3, 0x48, 0x0F, 0xBD, 0xC1}, 0, FlagZF, FlagCF | FlagZF},
		{"tzcnt r16 zero", 0x10000, []byte{0x66, 0xF3, 0x0F, 0xBC, 0xC1}, keep&^0xFFFF | 16, FlagCF, FlagCF | FlagZF},
		{"tzcnt r64", 0x10, []byte{0xF3, 0x48, 0x0F, 0xBC, 0xC1}, 4, 0, FlagCF | FlagZF},
		{"popcnt r64", 0xF0F0, []byte{0xF3, 0x48, 0x0F, 0xB8, 0xC1}, 8, 0, flagsArith},
		{"popcnt r32 zero", 0xFFFF_FFFF_0000_0000, []byte{0xF3, 0x0F, 0xB8, 0xC1}, 0, FlagZF, flagsArith},
		{"bswap r32", 0x1122_3344_5566_7788, []byte{0x0F, 0xC9, 0x89, 0xC8}, 0x8877_6655, 0, 0},
		{"bswap r64", 0x1122_3344_5566_7788, []byte{0x48, 0x0F, 0xC9, 0x48, 0x89, 0xC8}, 0x8877_6655_4433_2211, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := runInt(t, func(c *CPU) {
				c.GPR[RAX], c.GPR[RCX] = keep, tc.src
				c.setRFLAGS(flagRsv1 | flagsArith)
			}, tc.code...)
			if e.c.GPR[RAX] != tc.want {
				t.Fatalf("rax %#x, want %#x", e.c.GPR[RAX], tc.want)
			}
			if f := arith(e.c) & tc.mask; f != tc.flags {
				t.Fatalf("flags %#x, want %#x", f, tc.flags)
			}
		})
	}
}
