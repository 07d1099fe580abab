package cpu

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user+system CPU time: MIPS per CPU second stays
// meaningful when the machine is busy with other work (wall-clock MIPS does not).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchLoop runs an endless guest loop for b.N instructions and reports MIPS.
func benchLoop(b *testing.B, code []byte) {
	benchEnv(b, newTestEnv(b, 0), code)
}

// benchEnv runs code in e as benchLoop does.
func benchEnv(b *testing.B, e *testEnv, code []byte) {
	e.code(code...)
	e.c.GPR[RBX] = tData
	e.c.GPR[RDI] = tData + 0x10000
	e.c.Run(10000) // warm the decode cache and TLB
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	n := uint64(b.N)
	for n > 0 {
		chunk := min(n, 1<<20)
		if ex := e.c.Run(chunk); ex.Reason != ExitBudget {
			b.Fatalf("exit %v: %s (RIP %#x)", ex.Reason, ex.Diag, e.c.RIP)
		}
		n -= chunk
	}
	el, cel := time.Since(start), cpuTime()-cpu0
	b.ReportMetric(float64(b.N)/el.Seconds()/1e6, "MIPS")
	if cel > 0 {
		b.ReportMetric(float64(b.N)/cel.Seconds()/1e6, "MIPS/cpu-s")
	}
}

// BenchmarkRegisterLoop: register-only arithmetic with a counted back-edge.
func BenchmarkRegisterLoop(b *testing.B) {
	benchLoop(b, []byte{
		0x48, 0x01, 0xD8, // L: add rax, rbx
		0x48, 0x29, 0xC2, // sub rdx, rax
		0x48, 0x31, 0xD6, // xor rsi, rdx
		0x48, 0x83, 0xC3, 0x01, // add rbx, 1
		0x48, 0x89, 0xF1, // mov rcx, rsi
		0xFF, 0xCF, // dec edi
		0x75, 0xEC, // jnz L
		0xEB, 0xEA, // jmp L
	})
}

// BenchmarkMemoryLoop: loads and read-modify-write stores through 4-level paging, spread
// over several pages.
func BenchmarkMemoryLoop(b *testing.B) {
	benchLoop(b, []byte{
		0x48, 0x8B, 0x04, 0xCB, // L: mov rax, [rbx+rcx*8]
		0x48, 0x01, 0x04, 0xCF, // add [rdi+rcx*8], rax
		0x48, 0x89, 0x44, 0xCB, 0x08, // mov [rbx+rcx*8+8], rax
		0x48, 0x83, 0xC1, 0x01, // add rcx, 1
		0x48, 0x81, 0xE1, 0xFF, 0x0F, 0x00, 0x00, // and rcx, 0xfff
		0xEB, 0xE6, // jmp L
	})
}

// BenchmarkBranchyLoop: compare-and-branch chains and a call/ret per iteration.
func BenchmarkBranchyLoop(b *testing.B) {
	benchLoop(b, []byte{
		0x48, 0x83, 0xC0, 0x01, // L: add rax, 1
		0x48, 0x89, 0xC2, // mov rdx, rax
		0x48, 0x83, 0xE2, 0x03, // and rdx, 3
		0x74, 0x06, // jz A
		0x48, 0x83, 0xFA, 0x02, // cmp rdx, 2
		0x75, 0x05, // jne B
		0xE8, 0x03, 0x00, 0x00, 0x00, // A: call F (dummy offset fixed below)
		0xEB, 0xE6, // B: jmp L
		0xF4, // (unused)
		0xC3, // F: ret
	})
}

// BenchmarkIntIretLoop: software interrupt delivery and IRETQ (INT 0x40; handler IRETQ).
func BenchmarkIntIretLoop(b *testing.B) {
	e := newTestEnv(b, 0)
	e.setGate(0x40, tCode+0x100, sysIntGate, 0, 0)
	e.load(tCode+0x100, []byte{0x48, 0xCF}) // iretq
	benchEnv(b, e, []byte{0xCD, 0x40, 0xEB, 0xFC})
}

// BenchmarkSyscallLoop: SYSCALL to ring 0 and SYSRETQ back to ring 3.
func BenchmarkSyscallLoop(b *testing.B) {
	e := newTestEnv(b, 3)
	e.c.STAR = uint64(selUCode32)<<48 | uint64(selKCode64)<<32
	e.c.LSTAR = tCode + 0x100
	e.load(tCode+0x100, []byte{0x48, 0x0F, 0x07}) // sysretq
	benchEnv(b, e, []byte{0x0F, 0x05, 0xEB, 0xFC})
}

// BenchmarkSystemLoop: system instructions in a loop, each repeated four times before the
// back-edge (MIPS counts the back-edge too).
func BenchmarkSystemLoop(b *testing.B) {
	rep4 := func(ins ...byte) []byte {
		var code []byte
		for i := 0; i < 4; i++ {
			code = append(code, ins...)
		}
		return append(code, 0xEB, byte(-(len(code) + 2))) // jmp L
	}
	for _, tc := range []struct {
		name string
		ins  []byte
	}{
		{"cpuid", []byte{0x31, 0xC0, 0x0F, 0xA2}},                          // xor eax, eax; cpuid
		{"movcr8", []byte{0x44, 0x0F, 0x20, 0xC0, 0x44, 0x0F, 0x22, 0xC0}}, // mov rax, cr8; mov cr8, rax
		{"movcr0", []byte{0x0F, 0x20, 0xC0}},                               // mov rax, cr0
		{"movdr7", []byte{0x0F, 0x21, 0xF8}},                               // mov rax, dr7
		{"rdtsc", []byte{0x0F, 0x31}},                                      // rdtsc
		{"rdtscp", []byte{0x0F, 0x01, 0xF9}},                               // rdtscp
		{"rdmsr", []byte{0xB9, 0x82, 0x00, 0x00, 0xC0, 0x0F, 0x32}},        // mov ecx, LSTAR; rdmsr
		{"wrmsr", []byte{0xB9, 0x02, 0x01, 0x00, 0xC0, 0x0F, 0x30}},        // mov ecx, KERNEL_GS_BASE; wrmsr
		{"in", []byte{0xE4, 0xE0}},                                         // in al, 0xE0
		{"invlpg", []byte{0x0F, 0x01, 0x3B}},                               // invlpg [rbx]
		{"clisti", []byte{0xFA, 0xFB}},                                     // cli; sti
		{"pushfpopf", []byte{0x9C, 0x9D}},                                  // pushfq; popfq
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newTestEnv(b, 0)
			e.c.GPR[RAX], e.c.GPR[RDX] = 0, 0
			benchEnv(b, e, rep4(tc.ins...))
		})
	}
}
