package cpu

import "testing"

// TestRDPIDAndTSCAux: RDPID (F3 0F C7 /7) reads IA32_TSC_AUX; without F3 the same ModRM
// is RDSEED, which sets CF.
func TestRDPIDAndTSCAux(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.TSCAux = 0x1234
	e.c.GPR[RBX] = ^uint64(0)
	e.code(0xF3, 0x0F, 0xC7, 0xFB, 0xF4) // rdpid rbx; hlt
	e.mustHalt(10)
	if e.c.GPR[RBX] != 0x1234 {
		t.Fatalf("rbx %#x", e.c.GPR[RBX])
	}
	if _, _, ecx, _ := e.c.CPUID(7, 0); ecx&(1<<22) == 0 {
		t.Fatal("CPUID.7.0:ECX.RDPID clear")
	}
}

// TestRDPMC: #GP(0) at CPL 3 unless CR4.PCE; counters 0-3 read the PERFCTR MSRs; other
// indexes #GP(0).
func TestRDPMC(t *testing.T) {
	e := newTestEnv(t, 3)
	e.code(0x0F, 0x33)
	e.run(10)
	if e.vector() != VecGP {
		t.Fatalf("CPL 3 without PCE: vector %d", e.vector())
	}
	e = newTestEnv(t, 3)
	e.c.CR4 |= CR4PCE
	e.c.K7Perf[5] = 0xFFFF_1234_5678_9ABC
	e.c.GPR[RCX] = 1
	e.code(0x0F, 0x33, 0x0F, 0x33) // rdpmc (counter 1); rdpmc again with ECX = 1
	e.run(1)
	if e.c.GPR[RAX] != 0x56789ABC || e.c.GPR[RDX] != 0x1234 {
		t.Fatalf("edx:eax %#x:%#x", e.c.GPR[RDX], e.c.GPR[RAX])
	}
	e.c.GPR[RCX] = 4
	e.run(10)
	if e.vector() != VecGP || e.frame(6)[1] != tCode+2 {
		t.Fatalf("counter 4: vector %d", e.vector())
	}
}

// TestMCGMSRs: IA32_MCG_CAP and IA32_MCG_STATUS read 0 (no banks); MCG_CAP is read-only
// and MCG_STATUS accepts only 0; CPUID advertises MCE and MCA.
func TestMCGMSRs(t *testing.T) {
	e := newTestEnv(t, 0)
	for _, m := range []uint32{msrMCGCap, msrMCGStatus} {
		if v, ok := e.c.ReadMSR(m); !ok || v != 0 {
			t.Fatalf("MSR %#x = %#x, %v", m, v, ok)
		}
	}
	if e.c.WriteMSR(msrMCGCap, 0) || e.c.WriteMSR(msrMCGStatus, 4) || !e.c.WriteMSR(msrMCGStatus, 0) {
		t.Fatal("MCG write rules")
	}
	if _, _, _, edx := e.c.CPUID(1, 0); edx&(1<<7|1<<14) != 1<<7|1<<14 {
		t.Fatalf("CPUID.1:EDX %#x lacks MCE/MCA", edx)
	}
}

// TestFaultFrameRF: a fault pushes RFLAGS with RF set; a trap (INT3) does not.
func TestFaultFrameRF(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0xCC) // int3
	e.run(10)
	if e.vector() != VecBP || e.frame(5)[2]&FlagRF != 0 {
		t.Fatalf("int3: vector %d, frame %#x", e.vector(), e.frame(5))
	}
}
