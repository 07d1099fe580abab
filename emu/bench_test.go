package emu

import (
	"context"
	"encoding/binary"
	"syscall"
	"testing"
	"time"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/images/qemu"
)

// loopGuest is a Multiboot image that runs n iterations of a two-instruction
// register loop (mov $n, %ecx; 1: dec %ecx; jnz 1b) and exits through
// isa-debug-exit: 2n+4 instructions.
func loopGuest(n uint32) []byte {
	return rawImage(code(
		binary.LittleEndian.AppendUint32([]byte{0xB9}, n), // mov $n, %ecx
		[]byte{0x49},       // dec %ecx
		[]byte{0x75, 0xFD}, // jnz -3
		movEAX(0),
		[]byte{0xE7, 0xF4}, // out %eax, $0xF4
		opCLI, opHLT)...)
}

// BenchmarkRunLoop measures guest instructions per second through the
// machine's run loop (slicing, deadlines, device catch-up) on a register
// loop and, when QEMU is installed, QEMU TCG's speed on the same image.
func BenchmarkRunLoop(b *testing.B) {
	const n = 50_000_000
	img := loopGuest(n)
	m := newTestMachine(b)
	var instr uint64
	var elapsed time.Duration
	for b.Loop() {
		if _, err := m.Boot(BootImage{Path: "loop", Kernel: img}); err != nil {
			b.Fatal(err)
		}
		before := m.CPU.Instret
		start := time.Now()
		s := m.Run(Forever)
		elapsed += time.Since(start)
		if s.Reason != StopDebugExit {
			b.Skipf("the loop did not finish: %v", s)
		}
		instr += m.CPU.Instret - before
	}
	mips := float64(instr) / elapsed.Seconds() / 1e6
	b.ReportMetric(mips, "MIPS")
	if !qemu.Available() {
		return
	}
	// QEMU: the same image with 20x the iterations, minus its start-up
	// (the same image with none).
	b.StopTimer()
	qemuTime := func(iter uint32) time.Duration {
		p, err := qemu.WriteTemp(b.TempDir(), "loop.bin", loopGuest(iter))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := qemu.Run(context.Background(), qemu.Config{Kernel: p, Timeout: time.Minute}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	const qn = 20 * n
	d := qemuTime(qn) - qemuTime(1)
	if d > 0 {
		qmips := 2 * qn / d.Seconds() / 1e6
		b.ReportMetric(qmips, "qemu-MIPS")
		b.ReportMetric(qmips/mips, "qemu/kppemu")
	}
}

// BenchmarkKernelBoot measures booting the embedded kernel to its shell
// and powering off.
func BenchmarkKernelBoot(b *testing.B) {
	var instr uint64
	var elapsed time.Duration
	for b.Loop() {
		m := newTestMachine(b)
		if _, err := m.Boot(BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: "autorun=poweroff"}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		s := m.RunFor(uint64(60 * time.Second))
		elapsed += time.Since(start)
		if s.Reason != StopDebugExit {
			b.Skipf("the kernel did not power off: %v", s)
		}
		instr += m.CPU.Instret
	}
	b.ReportMetric(float64(instr)/elapsed.Seconds()/1e6, "MIPS")
	b.ReportMetric(float64(instr)/float64(b.N), "instructions/boot")
}

// BenchmarkSnapshot measures a snapshot and restore of a 128 MiB machine.
func BenchmarkSnapshot(b *testing.B) {
	m := newTestMachine(b)
	m.bootFile(b, timerGuest, "")
	for b.Loop() {
		s, err := m.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Restore(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSystemGuest measures system instructions through the machine's run
// loop and devices: a 32-bit guest (paging off) runs n iterations of four copies
// of an instruction and a counted back-edge (mov $n, %esi; 1: I; I; I; I; dec %esi;
// jnz 1b). MIPS count the back-edge; CR8 is a 64-bit register (cpu's
// BenchmarkSystemLoop covers it).
func BenchmarkSystemGuest(b *testing.B) {
	const n = 2_000_000
	for _, tc := range []struct {
		name string
		ins  []byte
	}{
		{"cpuid", []byte{0x31, 0xC0, 0x0F, 0xA2}}, // xor eax, eax; cpuid
		{"rdtsc", []byte{0x0F, 0x31}},
		{"rdtscp", []byte{0x0F, 0x01, 0xF9}},
		{"in", []byte{0xE4, 0xE0}},                                                          // in al, 0xE0 (unassigned)
		{"out", []byte{0xE6, 0xE0}},                                                         // out 0xE0, al (unassigned)
		{"movcr0", []byte{0x0F, 0x20, 0xC0}},                                                // mov eax, cr0
		{"movcr0w", []byte{0x0F, 0x20, 0xC0, 0x0F, 0x22, 0xC0}},                             // mov eax, cr0; mov cr0, eax
		{"movdr7", []byte{0x0F, 0x21, 0xF8}},                                                // mov eax, dr7
		{"rdmsr", []byte{0xB9, 0x10, 0x00, 0x00, 0x00, 0x0F, 0x32}},                         // mov ecx, IA32_TSC; rdmsr
		{"wrmsr", []byte{0xB9, 0x02, 0x01, 0x00, 0xC0, 0x31, 0xC0, 0x31, 0xD2, 0x0F, 0x30}}, // KERNEL_GS_BASE = 0
		{"invlpg", []byte{0x0F, 0x01, 0x38}},                                                // invlpg [eax]
		{"clisti", []byte{0xFA, 0xFB}},
		{"pushfpopf", []byte{0x9C, 0x9D}},
		{"nop", []byte{0x90}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var body []byte
			for i := 0; i < 4; i++ {
				body = append(body, tc.ins...)
			}
			body = append(body, 0x4E, 0x75, byte(-(len(body) + 3)))    // dec esi; jnz
			img := rawImage(code([]byte{0xBC, 0x00, 0x00, 0x08, 0x00}, // mov esp, 0x80000
				binary.LittleEndian.AppendUint32([]byte{0xBE}, n), body,
				movEAX(0), []byte{0xE7, 0xF4}, opCLI, opHLT)...)
			m := newTestMachine(b)
			var instr uint64
			var elapsed time.Duration
			for b.Loop() {
				if _, err := m.Boot(BootImage{Path: "loop", Kernel: img}); err != nil {
					b.Fatal(err)
				}
				before := m.CPU.Instret
				start := cpuTime()
				s := m.Run(Forever)
				elapsed += cpuTime() - start
				if s.Reason != StopDebugExit {
					b.Fatalf("the loop did not finish: %v", s)
				}
				instr += m.CPU.Instret - before
			}
			b.ReportMetric(float64(instr)/elapsed.Seconds()/1e6, "MIPS/cpu-s")
		})
	}
}

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
