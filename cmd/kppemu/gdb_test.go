package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images"
)

// TestBootGDB: `kppemu boot --gdb 127.0.0.1:0 --gdb-wait` (what -s -S do
// on a fixed port) waits before the first instruction; gdb attaches with
// the kernel ELF, breaks in kmain and kills the machine.
func TestBootGDB(t *testing.T) {
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		if os.Getenv("KPPEMU_REQUIRE_QEMU") != "" {
			t.Fatal("gdb is not installed (KPPEMU_REQUIRE_QEMU is set)")
		}
		t.Skip("gdb is not installed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, kppemuBinary(t), "boot", "--gdb", "127.0.0.1:0", "--gdb-wait", "--serial", os.DevNull)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer guardCPU(cmd.Process.Pid, cancel)()
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err)
	addr := regexp.MustCompile(`gdb stub on (127\.0\.0\.1:\d+), waiting`).FindStringSubmatch(line)
	require.NotNil(t, addr, line)

	dir := t.TempDir()
	elf := filepath.Join(dir, "kernel.elf")
	require.NoError(t, os.WriteFile(elf, images.Kernel(), 0o644))
	out, err := exec.CommandContext(ctx, gdb, "-nx", "-batch",
		"-ex", "target remote "+addr[1], "-ex", "break kmain", "-ex", "continue",
		"-ex", "stepi", "-ex", "reverse-stepi", "-ex", "info registers rip", "-ex", "monitor regs", "-ex", "kill", elf).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Regexp(t, `Breakpoint 1, 0x[0-9a-f]+ in kmain \(\)`, string(out))
	require.Regexp(t, `(?m)^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <kmain>`, string(out), "reverse-stepi is back at kmain (recording is on with --gdb)")
	require.Regexp(t, `(?i)rip[ =:]+(0x)?0*ffffffff8010`, string(out), "monitor regs: the console's register dump")
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil {
		require.ErrorAs(t, err, &ee)
	}
	require.Equal(t, 0, cmd.ProcessState.ExitCode(), "killed by the debugger: a clean stop")
}

// TestBootGDBWaitNeedsGDB: -S without a stub address is a usage error.
func TestBootGDBWaitNeedsGDB(t *testing.T) {
	r := kppemu(t, "", "boot", "--kernel", testGuest, "-S")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "--gdb-wait (-S) needs --gdb")
}
