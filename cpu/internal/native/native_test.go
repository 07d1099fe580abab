package native

import (
	"errors"
	"os"
	"testing"
)

func need(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("KPPEMU_REQUIRE_NATIVE") == "1" {
			t.Fatalf("KPPEMU_REQUIRE_NATIVE=1: %v", err)
		}
		t.Skip(err)
	}
}

func TestAddAndFlags(t *testing.T) {
	need(t)
	var in, out State
	in.GPR[0] = 0xFFFFFFFFFFFFFFFF
	in.GPR[3] = 1
	in.GPR[4] = StackAddr + 0x800
	in.MXCSR = 0x1F80
	// add rax, rbx; mov [rsp-8], rax
	code := []byte{0x48, 0x01, 0xD8, 0x48, 0x89, 0x44, 0x24, 0xF8}
	if err := Run(code, &in, &out); err != nil {
		t.Fatal(err)
	}
	if out.GPR[0] != 0 || out.RFLAGS&0x41 != 0x41 {
		t.Fatalf("rax=%#x flags=%#x", out.GPR[0], out.RFLAGS)
	}
	if out.GPR[4] != in.GPR[4] || out.MXCSR != 0x1F80 {
		t.Fatalf("rsp=%#x mxcsr=%#x", out.GPR[4], out.MXCSR)
	}
	for i := 0x7F8; i < 0x800; i++ {
		if out.Mem[ScratchSize+i] != 0 {
			t.Fatalf("stack byte %#x = %#x", i, out.Mem[ScratchSize+i])
		}
	}
}

func TestXMMAndDF(t *testing.T) {
	need(t)
	var in, out State
	in.MXCSR = 0x1F80
	in.RFLAGS = 0x400 // DF
	in.XMM[3] = [2]uint64{1, 2}
	in.XMM[12] = [2]uint64{0x10, 0x20}
	in.GPR[7] = ScratchAddr + 0x100
	in.GPR[0] = 0xAB
	// paddq xmm3, xmm12; stosb
	code := []byte{0x66, 0x41, 0x0F, 0xD4, 0xDC, 0xAA}
	if err := Run(code, &in, &out); err != nil {
		t.Fatal(err)
	}
	if out.XMM[3] != [2]uint64{0x11, 0x22} || out.Mem[0x100] != 0xAB || out.GPR[7] != ScratchAddr+0xFF {
		t.Fatalf("xmm3=%x mem=%#x rdi=%#x", out.XMM[3], out.Mem[0x100], out.GPR[7])
	}
	if out.RFLAGS&0x400 == 0 {
		t.Fatalf("DF lost: %#x", out.RFLAGS)
	}
}

func TestUnavailableIsAnError(t *testing.T) {
	if err := Available(); err != nil && !errors.Is(err, ErrUnavailable) {
		t.Fatal(err)
	}
}

// TestMirrors stores through both scratch mirrors and reads the stores back in State.Mem.
func TestMirrors(t *testing.T) {
	need(t)
	var in, out State
	in.GPR[4] = StackAddr + 0x800
	in.MXCSR = 0x1F80
	in.GPR[0] = 0x1122334455667788
	// mov [Mirror32+0x10], rax (moffs, 32-bit address); movabs [Mirror64+0x1FF8], rax
	code := []byte{0x67, 0x48, 0xA3, 0x10, 0, 0, 0xA0}
	code = append(code, 0x48, 0xA3, 0xF8, 0x1F, 0, 0xA0, 0x12, 0, 0, 0)
	if err := Run(code, &in, &out); err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{0x10, 0x1FF8} {
		var v uint64
		for i := 7; i >= 0; i-- {
			v = v<<8 | uint64(out.Mem[off+i])
		}
		if v != in.GPR[0] {
			t.Fatalf("mem[%#x] = %#x", off, v)
		}
	}
}

// TestFSPatch: an FS-relative load reaches the scratch area through a patched base.
func TestFSPatch(t *testing.T) {
	need(t)
	var in, out State
	in.GPR[4] = StackAddr + 0x800
	in.MXCSR = 0x1F80
	in.Mem[0x40] = 0x5A
	// movabs rbx, <patched>; mov al, fs:[rbx]
	code := []byte{0x48, 0xBB, 0, 0, 0, 0, 0, 0, 0, 0, 0x64, 0x8A, 0x03}
	in.FSPatches = []Patch{{Off: 2, Addr: ScratchAddr + 0x40}}
	if err := Run(code, &in, &out); err != nil {
		t.Fatal(err)
	}
	if out.GPR[0]&0xFF != 0x5A {
		t.Fatalf("al = %#x", out.GPR[0]&0xFF)
	}
}
