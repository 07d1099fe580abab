package record

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/bench"
	"github.com/kppemu/kppemu/images"
)

// BenchmarkRecording runs guest workloads of `kppemu bench` plainly and
// under a Recorder with its default configuration, and reports MIPS for
// each, per second of this process's CPU time, which a loaded host
// disturbs less than wall time (go test -bench Recording -benchtime 1x
// ./emu/debug/record/).
// memcpy is the worst case for recording: it dirties pages fastest.
func BenchmarkRecording(b *testing.B) {
	benchRecording(b, 1, []string{"memcpy", "sieve", "sha256", "qsort", "crc32"})
}

// BenchmarkRecordingSMP is BenchmarkRecording on a machine with two
// processors (the kernel starts the second; the workload runs beside its
// idle loop and timer interrupts), instructions counted on both.
func BenchmarkRecordingSMP(b *testing.B) {
	benchRecording(b, 2, []string{"memcpy", "sieve"})
}

func benchRecording(b *testing.B, cpus int, workloads []string) {
	for _, w := range workloads {
		for _, rec := range []bool{false, true} {
			name := w + "/plain"
			if rec {
				name = w + "/recorded"
			}
			b.Run(name, func(b *testing.B) {
				var instr uint64
				var wall time.Duration // CPU time
				var elapsed time.Duration
				for range b.N {
					m, err := emu.New(emu.Config{CPUs: cpus})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: bench.Cmdline(w, 20),
						Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}}); err != nil {
						b.Fatal(err)
					}
					run := m.Run
					var r *Recorder
					if rec {
						if r, err = New(m, Config{}); err != nil {
							b.Fatal(err)
						}
						run = r.Run
					}
					runtime.GC()
					start, startWall := cpuTime(), time.Now()
					stop := run(uint64(600 * time.Second))
					wall += cpuTime() - start
					elapsed += time.Since(startWall)
					instr += m.Instret()
					if stop.Reason != emu.StopDebugExit {
						b.Fatalf("%s: %s", w, stop)
					}
					if r != nil {
						n, bytes := r.Checkpoints()
						b.ReportMetric(float64(n), "checkpoints")
						b.ReportMetric(float64(bytes)/(1<<20), "MiB")
						r.Close()
					}
				}
				b.ReportMetric(float64(instr)/wall.Seconds()/1e6, "MIPS(cpu)")
				b.ReportMetric(float64(instr)/elapsed.Seconds()/1e6, "MIPS(wall)")
			})
		}
	}
}

// cpuTime is this process's user + system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
