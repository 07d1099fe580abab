package cpu

import "testing"

func TestShiftRotate(t *testing.T) {
	const cf, of, zf, sf, pf = FlagCF, FlagOF, FlagZF, FlagSF, FlagPF
	// Each case starts from RAX = in and flags = fin (set through SAHF/STC, OF through a
	// pre-set RFLAGS), runs one instruction with count in CL and checks RAX and the
	// flags in mask.
	for _, tc := range []struct {
		name      string
		in, cl    uint64
		fin       uint64
		code      []byte
		want      uint64
		wantFlags uint64
		mask      uint64
	}{
		{"shl eax,0 keeps flags, clears upper", 0xFFFF_FFFF_8000_0001, 0, cf | zf | of, []byte{0xD3, 0xE0}, 0x8000_0001, cf | zf | of, flagsArith},
		{"shl rax,64 is count 0", 5, 64, cf | of, []byte{0x48, 0xD3, 0xE0}, 5, cf | of, flagsArith},
		{"shl al,1 OF=MSB^CF", 0x40, 1, 0, []byte{0xD2, 0xE0}, 0x80, of | sf, cf | of | zf | sf},
		{"shl al,1 carry", 0xC0, 1, 0, []byte{0xD2, 0xE0}, 0x80, cf | sf, cf | of | zf | sf},
		{"shl al,8 CF=bit0", 0x01, 8, 0, []byte{0xD2, 0xE0}, 0, cf | zf | pf, cf | zf | sf | pf},
		{"shr al,1 OF=old MSB", 0x81, 1, 0, []byte{0xD2, 0xE8}, 0x40, cf | of, cf | of | zf | sf},
		{"sar al,1 OF=0", 0x81, 1, of, []byte{0xD2, 0xF8}, 0xC0, cf | sf | pf, cf | of | zf | sf | pf},
		{"sar ax,31 fills sign", 0x8000, 31, 0, []byte{0x66, 0xD3, 0xF8}, 0xFFFF, cf | sf | pf, cf | zf | sf | pf},
		{"sar rax,63", 1 << 63, 63, 0, []byte{0x48, 0xD3, 0xF8}, ^uint64(0), sf | pf, cf | zf | sf | pf},
		{"shr rax,63", 1 << 63, 63, 0, []byte{0x48, 0xD3, 0xE8}, 1, 0, cf | zf | sf},
		{"rol al,1", 0x81, 1, 0, []byte{0xD2, 0xC0}, 0x03, cf | of, cf | of},
		{"rol al,8 sets CF only", 0x81, 8, zf | of, []byte{0xD2, 0xC0}, 0x81, cf | zf, flagsArith},
		{"rol eax,32 is count 0", 0x81, 32, zf, []byte{0xD3, 0xC0}, 0x81, zf, flagsArith},
		{"ror al,1", 0x01, 1, 0, []byte{0xD2, 0xC8}, 0x80, cf | of, cf | of},
		{"ror rax,4", 0xF, 4, 0, []byte{0x48, 0xD3, 0xC8}, 0xF000_0000_0000_0000, cf, cf},
		{"rcl al,1 through CF", 0x80, 1, cf, []byte{0xD2, 0xD0}, 0x01, cf | of, cf | of},
		{"rcl al,9 is identity", 0x5A, 9, cf, []byte{0xD2, 0xD0}, 0x5A, cf, cf},
		{"rcl ax,17 is identity", 0x5A5A, 17, 0, []byte{0x66, 0xD3, 0xD0}, 0x5A5A, 0, cf},
		{"rcl al,8", 0x01, 8, cf, []byte{0xD2, 0xD0}, 0x80, cf, cf},
		{"rcr al,1 through CF", 0x01, 1, 0, []byte{0xD2, 0xD8}, 0x00, cf, cf | of},
		{"rcr al,1 OF", 0x00, 1, cf, []byte{0xD2, 0xD8}, 0x80, of, cf | of},
		{"rcr rax,1", 1, 1, cf, []byte{0x48, 0xD3, 0xD8}, 1 << 63, cf | of, cf | of},
		{"rcr eax,31", 0x8000_0000, 31, cf, []byte{0xD3, 0xD8}, 3, 0, cf},
		{"shld eax,edx,1 OF", 0x4000_0000, 1, 0, []byte{0x0F, 0xA5, 0xD0}, 0x8000_0001, of | sf, cf | of | sf | zf},
		{"shrd rax,rdx,4", 0x10, 4, 0, []byte{0x48, 0x0F, 0xAD, 0xD0}, 0xF000_0000_0000_0001, sf, cf | sf | zf},
		{"shld ax,dx,0 keeps flags", 0x1234, 0, cf | pf, []byte{0x66, 0x0F, 0xA5, 0xD0}, 0x1234, cf | pf, flagsArith},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := runInt(t, func(c *CPU) {
				c.GPR[RAX], c.GPR[RCX], c.GPR[RDX] = tc.in, tc.cl, ^uint64(0)
				c.setRFLAGS(flagRsv1 | tc.fin)
			}, tc.code...)
			if e.c.GPR[RAX] != tc.want {
				t.Fatalf("rax %#x, want %#x", e.c.GPR[RAX], tc.want)
			}
			if got := arith(e.c) & tc.mask; got != tc.wantFlags&tc.mask {
				t.Fatalf("flags %#x, want %#x (mask %#x)", got, tc.wantFlags&tc.mask, tc.mask)
			}
		})
	}
}

func TestShiftMemory(t *testing.T) {
	// shl dword [rbx], 4 ; sar qword [rbx+8], cl ; rcl word [rbx+16], 1 (CF=1 from stc)
	e := runInt(t, func(c *CPU) {
		c.GPR[RBX], c.GPR[RCX] = tData, 60
	}, 0xC7, 0x03, 0x01, 0x00, 0x00, 0xF0, // mov dword [rbx], 0xF0000001
		0x48, 0xC7, 0x43, 0x08, 0x00, 0x00, 0x00, 0x80, // mov qword [rbx+8], -2^31
		0x66, 0xC7, 0x43, 0x10, 0x00, 0x80, // mov word [rbx+16], 0x8000
		0xC1, 0x23, 0x04, // shl dword [rbx], 4
		0x48, 0xD3, 0x7B, 0x08, // sar qword [rbx+8], cl
		0xF9,                   // stc
		0x66, 0xD1, 0x53, 0x10) // rcl word [rbx+16], 1
	if got := e.read32(tData); got != 0x10 {
		t.Fatalf("shl m32: %#x", got)
	}
	if got := e.read64(tData + 8); got != ^uint64(0) {
		t.Fatalf("sar m64: %#x", got)
	}
	if got := e.read32(tData+16) & 0xFFFF; got != 1 || arith(e.c)&(FlagCF|FlagOF) != FlagCF|FlagOF {
		t.Fatalf("rcl m16: %#x flags %#x", got, arith(e.c))
	}
}
