package emu

import (
	"testing"
	"time"
)

// BenchmarkRunLoop measures guest instructions per second through the
// machine's run loop (slicing, deadlines, device catch-up) on a register
// loop: mov $n, %ecx; 1: dec %ecx; jnz 1b; cli; hlt.
func BenchmarkRunLoop(b *testing.B) {
	m := newTestMachine(b)
	loop := code(
		[]byte{0xB9, 0x80, 0x96, 0x98, 0x00}, // mov $10000000, %ecx
		[]byte{0x49},                         // dec %ecx
		[]byte{0x75, 0xFD},                   // jnz -3
		opCLI, opHLT)
	var instr uint64
	start := time.Now()
	for b.Loop() {
		m.bootRaw(b, loop...)
		before := m.CPU.Instret
		s := m.Run(Forever)
		if s.Reason != StopDeadHalt {
			b.Skipf("the loop did not finish: %v", s)
		}
		instr += m.CPU.Instret - before
	}
	b.ReportMetric(float64(instr)/time.Since(start).Seconds()/1e6, "MIPS")
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
