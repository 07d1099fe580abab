package qemu

import (
	"os"
	"testing"
)

// TestCPUTime: the CPU-time reading that bounds a QEMU run parses this
// process's /proc entry (the value itself depends on the host).
func TestCPUTime(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this host: runs are bounded by wall time only")
	}
	if _, ok := cpuTime(os.Getpid()); !ok {
		t.Fatal("cannot read this process's CPU time from /proc")
	}
	if _, ok := cpuTime(-1); ok {
		t.Fatal("a process that does not exist has a CPU time")
	}
}
