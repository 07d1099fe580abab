package cpu

import "testing"

// TestMTRRs: the MTRRs read as the firmware leaves them, take valid values and refuse
// reserved bits and invalid memory types; IA32_FEATURE_CONTROL stops taking writes once
// locked.
func TestMTRRs(t *testing.T) {
	e := newTestEnv(t, 0)
	c := e.c
	for _, r := range []struct {
		idx  uint32
		want uint64
	}{
		{msrMTRRCap, 0x508}, {msrMTRRDefType, 0xC06}, {0x200, 0x80000000}, {0x201, 0xFF80000800},
		{0x202, 0}, {0x250, 0x0606060606060606}, {0x259, 0}, {0x26F, 0x0505050505050505},
		{msrFeatureControl, 0},
	} {
		if v, ok := c.ReadMSR(r.idx); !ok || v != r.want {
			t.Errorf("MSR %#x = %#x, %v; want %#x", r.idx, v, ok, r.want)
		}
	}
	for _, w := range []struct {
		idx uint32
		v   uint64
		ok  bool
	}{
		{msrMTRRCap, 0, false},
		{msrMTRRDefType, 0x806, true}, {msrMTRRDefType, 0x802, false}, {msrMTRRDefType, 0x1006, false},
		{0x202, 0x100000006, true}, {0x202, 0x100000106, false}, {0x202, 0x10000000000006, false},
		{0x203, 0xFFF0000800, true}, {0x203, 0xFFF0000801, false},
		{0x268, 0x0001040506060606, true}, {0x268, 0x0700000000000000, false},
		{msrFeatureControl, 5, true}, {msrFeatureControl, 0, false},
	} {
		if ok := c.WriteMSR(w.idx, w.v); ok != w.ok {
			t.Errorf("WRMSR %#x, %#x: ok %v, want %v", w.idx, w.v, ok, w.ok)
		} else if ok {
			if v, _ := c.ReadMSR(w.idx); v != w.v {
				t.Errorf("MSR %#x reads %#x after writing %#x", w.idx, v, w.v)
			}
		}
	}
	// 0x260 is not an MTRR: an unimplemented MSR, the write is ignored.
	if !c.WriteMSR(0x260, 0x0606060606060606) {
		t.Error("WRMSR 0x260 faulted")
	} else if v, ok := c.ReadMSR(0x260); !ok || v != 0 {
		t.Errorf("MSR 0x260 = %#x, %v", v, ok)
	}
	if _, _, _, edx := c.CPUID(1, 0); edx&(1<<12) == 0 {
		t.Error("CPUID.1:EDX.MTRR clear")
	}
}

// TestCPUIDRanges: the hypervisor leaves say "TCGTCGTCGTCG" as QEMU's TCG does, and a
// leaf above its range's maximum returns the highest basic leaf.
func TestCPUIDRanges(t *testing.T) {
	e := newTestEnv(t, 0)
	c := e.c
	if _, _, ecx, _ := c.CPUID(1, 0); ecx&(1<<31) == 0 {
		t.Error("CPUID.1:ECX.hypervisor clear")
	}
	a, b, cx, d := c.CPUID(0x40000000, 0)
	sig := string([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24), byte(cx), byte(cx >> 8),
		byte(cx >> 16), byte(cx >> 24), byte(d), byte(d >> 8), byte(d >> 16), byte(d >> 24)})
	if a != 0x40000001 || sig != "TCGTCGTCGTCG" {
		t.Errorf("leaf 0x40000000: %#x %q", a, sig)
	}
	max, _, _, _ := c.CPUID(0, 0)
	wa, wb, wc, wd := c.CPUID(max, 0)
	for _, leaf := range []uint32{max + 1, 0x14, 0x40000002, 0x40000010, 0x80000009, 0x80000020, 0xC0000000, 0xFFFFFFFF} {
		if a, b, cx, d := c.CPUID(leaf, 0); a != wa || b != wb || cx != wc || d != wd {
			t.Errorf("leaf %#x: %#x %#x %#x %#x, want the highest basic leaf's", leaf, a, b, cx, d)
		}
	}
	if a, _, _, _ := c.CPUID(0x80000000, 0); a != 0x80000008 {
		t.Errorf("leaf 0x80000000: %#x", a)
	}
}
