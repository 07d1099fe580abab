package cpu

import (
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

var (
	insRDPKRU = []byte{0x0F, 0x01, 0xEE}
	insWRPKRU = []byte{0x0F, 0x01, 0xEF}
)

// pkuEnv is a test environment with CR4.PKE as given.
func pkuEnv(t *testing.T, cpl uint8, pke bool) *testEnv {
	e := newTestEnv(t, cpl)
	if pke {
		s := e.c.Snapshot()
		s.CR4 |= CR4PKE
		e.c.Restore(s)
	}
	return e
}

// TestPKUCPUIDAndCR4: CPUID.7.0:ECX advertises PKU (bit 3) and mirrors CR4.PKE
// in OSPKE (bit 4); MOV CR4 accepts PKE.
func TestPKUCPUIDAndCR4(t *testing.T) {
	e := pkuEnv(t, 0, false)
	if _, _, ecx, _ := e.c.CPUID(7, 0); ecx&(1<<3) == 0 || ecx&(1<<4) != 0 {
		t.Fatalf("CR4.PKE=0: CPUID.7.0:ECX %#x", ecx)
	}
	e.c.GPR[RAX] = e.c.CR4 | CR4PKE
	e.code(0x0F, 0x22, 0xE0, 0xF4) // mov cr4, rax; hlt
	e.mustHalt(10)
	if e.c.CR4&CR4PKE == 0 {
		t.Fatal("CR4.PKE not set")
	}
	if _, _, ecx, _ := e.c.CPUID(7, 0); ecx&(1<<4) == 0 {
		t.Fatalf("CR4.PKE=1: OSPKE clear in %#x", ecx)
	}
}

// TestRDPKRUWRPKRURules: #UD without CR4.PKE or with a 66/F2/F3 prefix,
// #GP(0) for ECX != 0 (both) and EDX != 0 (WRPKRU); at CPL 3 too.
func TestRDPKRUWRPKRURules(t *testing.T) {
	type tc struct {
		name     string
		cpl      uint8
		pke      bool
		code     []byte
		rcx, rdx uint64
		want     int // vector, or -1 for success
	}
	cases := []tc{
		{"rdpkru no PKE", 0, false, insRDPKRU, 0, 0, VecUD},
		{"wrpkru no PKE", 3, false, insWRPKRU, 0, 0, VecUD},
		{"rdpkru ecx", 0, true, insRDPKRU, 1, 0, VecGP},
		{"rdpkru high rcx ignored", 3, true, insRDPKRU, 1 << 32, 0, -1},
		{"wrpkru ecx", 3, true, insWRPKRU, 0x100, 0, VecGP},
		{"wrpkru edx", 0, true, insWRPKRU, 0, 1, VecGP},
		{"wrpkru high rdx ignored", 0, true, insWRPKRU, 0, 1 << 40, -1},
		{"66 rdpkru", 0, true, append([]byte{0x66}, insRDPKRU...), 0, 0, VecUD},
		{"f3 wrpkru", 0, true, append([]byte{0xF3}, insWRPKRU...), 0, 0, VecUD},
		{"f2 rdpkru", 3, true, append([]byte{0xF2}, insRDPKRU...), 0, 0, VecUD},
		{"rdpkru cpl3", 3, true, insRDPKRU, 0, 0, -1},
		{"wrpkru cpl3", 3, true, insWRPKRU, 0, 0, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := pkuEnv(t, c.cpl, c.pke)
			e.c.PKRU = 0x55
			e.c.GPR[RAX] = 0xFFFF_FFFF_0000_000C
			e.c.GPR[RCX], e.c.GPR[RDX] = c.rcx, c.rdx
			e.code(append(c.code, 0xF4)...)
			e.run(1)
			if c.want >= 0 {
				e.run(5)
				if e.vector() != c.want {
					t.Fatalf("vector %d, want %d", e.vector(), c.want)
				}
				if e.c.PKRU != 0x55 {
					t.Fatalf("PKRU changed to %#x", e.c.PKRU)
				}
				return
			}
			if e.c.RIP != tCode+uint64(len(c.code)) {
				t.Fatalf("RIP %#x (vector %d)", e.c.RIP, e.vector())
			}
			if c.code[2] == 0xEE {
				if e.c.GPR[RAX] != 0x55 || e.c.GPR[RDX] != 0 {
					t.Fatalf("rdpkru: rdx:rax %#x:%#x", e.c.GPR[RDX], e.c.GPR[RAX])
				}
			} else if e.c.PKRU != 0xC || e.m.PKRU() != 0xC {
				t.Fatalf("wrpkru: PKRU %#x, MMU %#x", e.c.PKRU, e.m.PKRU())
			}
		})
	}
}

// TestPKUPageFault: a user read of a page whose key has AD faults with PK in
// the error code; WRPKRU granting the key takes effect on the next
// instruction without any TLB flush, and revoking it likewise.
func TestPKUPageFault(t *testing.T) {
	e := pkuEnv(t, 3, true)
	const pte = 0x4000 + 8*(tData/4096)
	e.poke64(pte, tData|7|5<<59) // key 5
	e.m.FlushTLB()
	e.c.GPR[RBX] = tData
	e.c.GPR[RCX], e.c.GPR[RDX] = 0, 0
	// mov rax,[rbx] (key 5 allowed); wrpkru (AD for key 5); mov rax,[rbx]
	e.code(0x48, 0x8B, 0x03, 0x0F, 0x01, 0xEF, 0x48, 0x8B, 0x03)
	e.poke64(tData, 0x1234)
	e.run(1)
	if e.c.GPR[RAX] != 0x1234 {
		t.Fatalf("first read: rax %#x", e.c.GPR[RAX])
	}
	e.c.GPR[RAX] = 1 << 10 // AD5
	e.run(10)
	if e.vector() != VecPF {
		t.Fatalf("vector %d, want #PF", e.vector())
	}
	f := e.frame(2)
	if f[0] != mmu.PFPresent|mmu.PFUser|mmu.PFPK || f[1] != tCode+6 || e.c.CR2 != tData {
		t.Fatalf("frame %#x CR2 %#x", f, e.c.CR2)
	}

	// Writes with WD at CPL 3 fault; reads do not.
	e = pkuEnv(t, 3, true)
	e.poke64(pte, tData|7|5<<59)
	e.m.FlushTLB()
	e.c.GPR[RBX] = tData
	e.c.GPR[RAX] = 2 << 10 // WD5
	e.c.GPR[RCX], e.c.GPR[RDX] = 0, 0
	// wrpkru; mov rax,[rbx]; mov [rbx],rax
	e.code(0x0F, 0x01, 0xEF, 0x48, 0x8B, 0x03, 0x48, 0x89, 0x03)
	e.run(10)
	if e.vector() != VecPF {
		t.Fatalf("WD write: vector %d", e.vector())
	}
	if f := e.frame(2); f[0] != mmu.PFPresent|mmu.PFUser|mmu.PFWrite|mmu.PFPK || f[1] != tCode+6 {
		t.Fatalf("WD write frame %#x", f)
	}
}

// TestPKUSupervisorWP: a CPL-0 write to a user page whose key has WD faults
// only with CR0.WP=1; instruction fetches ignore keys.
func TestPKUSupervisorWP(t *testing.T) {
	for _, wp := range []bool{false, true} {
		e := pkuEnv(t, 0, true)
		if wp {
			s := e.c.Snapshot()
			s.CR0 |= CR0WP
			e.c.Restore(s)
		}
		e.poke64(0x4000+8*(tData/4096), tData|7|9<<59)
		// The code page too carries a key whose AD is set: fetches ignore it.
		e.poke64(0x4000+8*(tCode/4096), tCode|7|9<<59)
		e.m.FlushTLB()
		e.c.GPR[RBX] = tData
		e.c.GPR[RAX] = 2 << 18 // WD9
		e.c.GPR[RCX], e.c.GPR[RDX] = 0, 0
		e.code(0x0F, 0x01, 0xEF, 0x48, 0x89, 0x03, 0xF4) // wrpkru; mov [rbx],rax; hlt
		if !wp {
			e.mustHalt(10)
			continue
		}
		e.run(10)
		if e.vector() != VecPF || e.frame(1)[0] != mmu.PFPresent|mmu.PFWrite|mmu.PFPK {
			t.Fatalf("WP=1: vector %d frame %#x", e.vector(), e.frame(2))
		}
	}
}

// TestPKRUSnapshot: PKRU is architectural State and reaches the MMU on Restore.
func TestPKRUSnapshot(t *testing.T) {
	e := pkuEnv(t, 3, true)
	s := e.c.Snapshot()
	s.PKRU = 1 << 2 // AD1
	e.c.Restore(s)
	if e.m.PKRU() != 1<<2 || e.c.Snapshot().PKRU != 1<<2 {
		t.Fatalf("PKRU after restore: MMU %#x", e.m.PKRU())
	}
	e.poke64(0x4000+8*(tData/4096), tData|7|1<<59)
	e.m.FlushTLB()
	e.c.GPR[RBX] = tData
	e.code(0x48, 0x8B, 0x03)
	e.run(10)
	if e.vector() != VecPF {
		t.Fatalf("vector %d", e.vector())
	}
}
