package images

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kppemu/kppemu/images/qemu"
)

// boot runs the embedded kernel on QEMU with the initial module archive and
// the given command line; it skips when QEMU is missing unless
// KPPEMU_REQUIRE_QEMU=1.
func boot(t *testing.T, cmdline string, modules ...qemu.Module) qemu.Result {
	t.Helper()
	if !qemu.Available() {
		if os.Getenv(qemu.RequireEnv) == "1" {
			t.Fatalf("%s not found and %s=1", qemu.Binary, qemu.RequireEnv)
		}
		t.Skipf("%s not installed", qemu.Binary)
	}
	dir := t.TempDir()
	kernel, err := qemu.WriteTemp(dir, "kernel.elf", Kernel())
	if err != nil {
		t.Fatal(err)
	}
	res, err := qemu.Run(context.Background(), qemu.Config{
		Kernel: kernel, Modules: modules, Append: cmdline, Timeout: 60 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.TimedOut {
		t.Fatalf("QEMU timed out; serial:\n%s", res.Serial)
	}
	return res
}

func expectLines(t *testing.T, serial string, want ...string) {
	t.Helper()
	lines := qemu.Lines(serial)
	i := 0
	for _, l := range lines {
		if i < len(want) && strings.Contains(l, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("serial output lacks %q (in order); got:\n%s", want[i], strings.Join(lines, "\n"))
	}
}

func TestQEMUBoot(t *testing.T) {
	res := boot(t, "")
	expectLines(t, res.Serial, "kpp kernel 1.0.0", "boot: complete")
	if res.ExitCode != 1 {
		t.Errorf("exit status %d, want 1 (power off)", res.ExitCode)
	}
}
