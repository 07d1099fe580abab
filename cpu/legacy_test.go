package cpu

import (
	"strings"
	"testing"
)

func TestBCDAdjust(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rax    uint64
		code   []byte
		want   uint64 // AX
		wantCF bool
	}{
		{"daa 79+35", 0x79, []byte{0x04, 0x35, 0x27}, 0x14, true},
		{"daa 12+34", 0x12, []byte{0x04, 0x34, 0x27}, 0x46, false},
		{"das 35-47", 0x35, []byte{0x2C, 0x47, 0x2F}, 0x88, true},
		{"das 47-35", 0x47, []byte{0x2C, 0x35, 0x2F}, 0x12, false},
		{"aaa 9+5", 0x39, []byte{0x04, 0x35, 0x37}, 0x0104, true},
		{"aas 13-9", 0x0133, []byte{0x2C, 0x39, 0x3F}, 0x0004, true},
		{"aam", 0x3F, []byte{0xD4, 0x0A}, 0x0603, false},
		{"aad", 0x0603, []byte{0xD5, 0x0A}, 0x003F, false},
		{"aad base 16", 0x0A0B, []byte{0xD5, 0x10}, 0x00AB, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv32(t)
			e.c.GPR[RAX] = tc.rax
			e.code(append(tc.code, 0xF4)...)
			e.mustHalt(10)
			if ax := e.c.GPR[RAX] & 0xFFFF; ax != tc.want {
				t.Fatalf("ax %#x, want %#x", ax, tc.want)
			}
			if tc.name[:3] != "aam" && tc.name[:3] != "aad" && e.c.cf() != tc.wantCF {
				t.Fatalf("CF %v", e.c.cf())
			}
		})
	}
}

func TestLegacy32(t *testing.T) {
	// pushad; mov eax, 0; popad restores everything but ESP's slot.
	e := newTestEnv32(t)
	for i := range 8 {
		if i != RSP {
			e.c.GPR[i] = uint64(0x1111 * (i + 1))
		}
	}
	e.code(0x60, 0x31, 0xC0, 0x31, 0xFF, 0x61, 0xF4)
	e.mustHalt(10)
	for i := range 8 {
		if i != RSP && e.c.GPR[i] != uint64(0x1111*(i+1)) {
			t.Fatalf("reg %d = %#x", i, e.c.GPR[i])
		}
	}
	if e.c.GPR[RSP] != tKStack || e.read32(tKStack-20) != tKStack {
		t.Fatalf("esp %#x, pushed esp %#x", e.c.GPR[RSP], e.read32(tKStack-20))
	}
	// bound eax, [ebx] inside the bounds passes; outside raises #BR.
	e = newTestEnv32(t)
	e.poke64(tData, 0x0000_0010_FFFF_FFF0) // lower -16, upper 16
	e.c.GPR[RBX], e.c.GPR[RAX] = tData, 16
	e.code(0x62, 0x03, 0xF4)
	e.mustHalt(10)
	e = newTestEnv32(t)
	e.poke64(tData, 0x0000_0010_FFFF_FFF0)
	e.c.GPR[RBX], e.c.GPR[RAX] = tData, 17
	e.code(0x62, 0x03, 0xF4)
	if ex := e.c.Run(10); ex.Reason != ExitTripleFault || !strings.Contains(ex.Diag, "#BR") {
		t.Fatalf("bound out of range: %v %s", ex.Reason, ex.Diag)
	}
	// les edi, [ebx]: offset then selector.
	e = newTestEnv32(t)
	e.poke64(tData, uint64(selKData)<<32|0xCAFE)
	e.c.GPR[RBX] = tData
	e.code(0xC4, 0x3B, 0xF4)
	e.mustHalt(10)
	if e.c.GPR[RDI] != 0xCAFE || e.c.Seg[ES].Selector != selKData {
		t.Fatalf("les: edi %#x es %#x", e.c.GPR[RDI], e.c.Seg[ES].Selector)
	}
}

func TestLoadFarPointer64(t *testing.T) {
	// lgs rax, [rbx] (REX.W: 64-bit offset, Intel) and a null-selector lss, which #GPs.
	e := runInt(t, func(c *CPU) {
		c.mem.WritePhys(tData, le128(0x1122_3344_5566_7788, selKData))
		c.GPR[RBX] = tData
	}, 0x48, 0x0F, 0xB5, 0x03)
	if e.c.GPR[RAX] != 0x1122_3344_5566_7788 || e.c.Seg[GS].Selector != selKData {
		t.Fatalf("lgs: rax %#x gs %#x", e.c.GPR[RAX], e.c.Seg[GS].Selector)
	}
	// In 64-bit mode a null SS is allowed at CPL 0 only with RPL = CPL: use RPL 3 -> #GP.
	runFault(t, func(c *CPU) {
		c.mem.WritePhys(tData, []byte{0x78, 0x56, 0x34, 0x12, 3, 0})
		c.GPR[RBX] = tData
	}, VecGP, 0, 0x0F, 0xB2, 0x03)
}
