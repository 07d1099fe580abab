package cpu

import (
	"bytes"
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

func (e *testEnv) readBytes(a uint64, n int) []byte {
	b := make([]byte, n)
	e.m.ReadPhys(mmu.PAddr(a), b)
	return b
}

// Expected images were produced by the same sequences on the host CPU.
func TestFNSTENV(t *testing.T) {
	fill := bytes.Repeat([]byte{0xAA}, 32)
	e := sseEnv(t)
	e.load(tData, fill)
	e.runSSE(0xdb, 0xe3, 0xd9, 0x33) // fninit; fnstenv [rbx]
	want := []byte{0x7f, 0x03, 0xff, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xaa, 0xaa, 0xaa, 0xaa}
	if got := e.readBytes(tData, 32); !bytes.Equal(got, want) {
		t.Errorf("fnstenv:\n got  % x\n want % x", got, want)
	}
	e = sseEnv(t)
	e.load(tData, fill)
	e.runSSE(0xdb, 0xe3, 0x66, 0xd9, 0x33) // fninit; data16 fnstenv [rbx]
	want = []byte{0x7f, 0x03, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xaa}
	if got := e.readBytes(tData, 16); !bytes.Equal(got, want) {
		t.Errorf("fnstenv 16-bit:\n got  % x\n want % x", got, want)
	}
	// fldenv of an image with TOP=7 and physical register 3 in use (zero contents), then
	// fnstenv: the tag is recomputed from the register (01: zero).
	e = sseEnv(t)
	e.load(tData, []byte{0x7f, 0x0a, 0xff, 0xff, 0x00, 0x38, 0xff, 0xff, 0x3f, 0xff, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	e.load(tData+64, fill)
	e.runSSE(0xd9, 0x23, 0x48, 0x83, 0xc3, 0x40, 0xd9, 0x33) // fldenv [rbx]; add rbx, 64; fnstenv [rbx]
	want = []byte{0x7f, 0x0a, 0xff, 0xff, 0x00, 0x38, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xaa, 0xaa, 0xaa, 0xaa}
	if got := e.readBytes(tData+64, 32); !bytes.Equal(got, want) {
		t.Errorf("fldenv/fnstenv:\n got  % x\n want % x", got, want)
	}
	if e.c.FCW != 0x0a7f|0x3f || e.c.FTW != 0x08 {
		t.Errorf("fcw %#x ftw %#x", e.c.FCW, e.c.FTW)
	}
}

func TestFNSAVE(t *testing.T) {
	e := sseEnv(t)
	e.c.FCW, e.c.FSW, e.c.FTW = 0x027F, 0x3800, 0x80
	e.c.FPR[7] = [2]uint64{0x8000000000000000, 0x3FFF} // ST(0) = 1.0 in physical register 7
	e.runSSE(0xdd, 0x33)                               // fnsave [rbx]
	if e.read32(tData) != 0xFFFF027F || e.read32(tData+4) != 0xFFFF3800 || e.read32(tData+8) != 0xFFFF3FFF {
		t.Fatalf("env % x", e.readBytes(tData, 28))
	}
	if e.read64(tData+28) != 0x8000000000000000 || e.read32(tData+36)&0xFFFF != 0x3FFF {
		t.Fatalf("st0 % x", e.readBytes(tData+28, 10))
	}
	if e.c.FCW != 0x37F || e.c.FTW != 0 {
		t.Fatalf("fnsave did not reinitialise: fcw %#x", e.c.FCW)
	}
	e.runSSE(0xdd, 0x23) // frstor [rbx]
	if e.c.FCW != 0x027F || e.c.FSW != 0x3800 || e.c.FTW != 0x80 || e.c.FPR[7] != [2]uint64{0x8000000000000000, 0x3FFF} {
		t.Fatalf("frstor: fcw %#x fsw %#x ftw %#x st0 %#x", e.c.FCW, e.c.FSW, e.c.FTW, e.c.FPR[7])
	}
}

// TestX87PendingException: loading state recomputes FSW.ES/B (as the host does after
// FLDENV and FXRSTOR), and a waiting instruction then raises #MF.
func TestX87PendingException(t *testing.T) {
	e := sseEnv(t)
	e.load(tData, []byte{0x7e, 0x03, 0xff, 0xff, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if v := e.runFault(0xd9, 0x23, 0xdf, 0xe0, 0x9b); v != VecMF { // fldenv [rbx]; fnstsw ax; fwait
		t.Fatalf("fwait with unmasked IE pending: vector %d", v)
	}
	if uint16(e.c.GPR[RAX]) != 0x8081 {
		t.Fatalf("fsw after fldenv %#x, want 0x8081", uint16(e.c.GPR[RAX]))
	}
	e = sseEnv(t)
	e.load(tData, []byte{0x7f, 0x03, 0xff, 0xff, 0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	e.runSSE(0xd9, 0x23, 0xdf, 0xe0, 0x9b) // masked: ES and B cleared, no fault
	if uint16(e.c.GPR[RAX]) != 0x0001 {
		t.Fatalf("fsw %#x, want 0x0001", uint16(e.c.GPR[RAX]))
	}
	// FXRSTOR of an image with IE flagged and unmasked; FNCLEX clears the pending state.
	e = sseEnv(t)
	e.c.FCW, e.c.FSW = 0x037E, 0x0001
	e.runSSE(0x48, 0x0f, 0xae, 0x03, 0xdb, 0xe3, 0x48, 0x0f, 0xae, 0x0b, 0xdf, 0xe0) // fxsave64; fninit; fxrstor64; fnstsw ax
	if uint16(e.c.GPR[RAX]) != 0x8081 {
		t.Fatalf("fsw after fxrstor %#x, want 0x8081", uint16(e.c.GPR[RAX]))
	}
	e.runSSE(0xdb, 0xe2, 0x9b) // fnclex; fwait
	// FNSTENV masks everything, which clears ES and B.
	e = sseEnv(t)
	e.c.FCW, e.c.FSW = 0x037E, 0x8081
	e.runSSE(0xd9, 0x33, 0xdf, 0xe0, 0x9b) // fnstenv [rbx]; fnstsw ax; fwait
	if uint16(e.c.GPR[RAX]) != 0x0001 || e.c.FCW != 0x037F || e.read32(tData+4)&0xFFFF != 0x8081 {
		t.Fatalf("fnstenv: fsw %#x fcw %#x stored fsw %#x", uint16(e.c.GPR[RAX]), e.c.FCW, e.read32(tData+4))
	}
}
