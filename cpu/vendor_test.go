package cpu

import "testing"

// TestSyscallCompatVendor: SYSCALL from compatibility mode is #UD on Intel and enters
// 64-bit mode at CSTAR on AMD; CPUID leaf 0 names the vendor.
func TestSyscallCompatVendor(t *testing.T) {
	for _, v := range []Vendor{VendorIntel, VendorAMD} {
		e := newTestEnv(t, 3)
		e.c.cfg.Vendor = v
		s := e.c.Snapshot()
		s.Seg[CS] = segFromDesc(selUCode32|3, descUCode32)
		s.STAR = uint64(selKCode64) << 32
		s.CSTAR = tCode + 0x100
		e.c.Restore(s)
		e.load(tCode+0x100, []byte{0xF4})
		e.code(0x0F, 0x05) // syscall
		e.run(10)
		switch v {
		case VendorIntel:
			if e.vector() != VecUD {
				t.Fatalf("intel: vector %d, want #UD", e.vector())
			}
		case VendorAMD:
			if e.vector() >= 0 || e.c.RIP != tCode+0x101 || e.c.mode != 64 || e.c.CPL != 0 || e.c.GPR[RCX] != tCode+2 {
				t.Fatalf("amd: vector %d rip %#x mode %d cpl %d rcx %#x", e.vector(), e.c.RIP, e.c.mode, e.c.CPL, e.c.GPR[RCX])
			}
		}
		_, b, c, d := e.c.CPUID(0, 0)
		name := string([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24), byte(d), byte(d >> 8), byte(d >> 16), byte(d >> 24),
			byte(c), byte(c >> 8), byte(c >> 16), byte(c >> 24)})
		if want := map[Vendor]string{VendorIntel: "GenuineIntel", VendorAMD: "AuthenticAMD"}[v]; name != want {
			t.Fatalf("vendor %q, want %q", name, want)
		}
	}
	if _, err := ParseVendor("via"); err == nil {
		t.Fatal("ParseVendor accepted via")
	}
}
