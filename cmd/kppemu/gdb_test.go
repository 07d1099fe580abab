package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/images"
)

// TestBootGDB: `kppemu boot --gdb 127.0.0.1:0 --gdb-wait` (what -s -S do
// on a fixed port) waits before the first instruction; gdb attaches with
// the kernel ELF, breaks in kmain and kills the machine. The breakpoint is
// set by symbol before the kernel chose its base: with kaslr (the
// default), gdb's
// qOffsets already gives the base the kernel will report, so it stops in
// kmain at the address the kernel runs it.
func TestBootGDB(t *testing.T) {
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		if os.Getenv("KPPEMU_REQUIRE_QEMU") != "" {
			t.Fatal("gdb is not installed (KPPEMU_REQUIRE_QEMU is set)")
		}
		t.Skip("gdb is not installed")
	}
	for _, c := range []struct {
		name, append string
		moved        bool
	}{{"kaslr", "", true}, {"nokaslr", "nokaslr", false}} {
		t.Run(c.name, func(t *testing.T) { bootGDB(t, gdb, c.append, c.moved) })
	}
}

func bootGDB(t *testing.T, gdb, appendLine string, moved bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := filepath.Join(t.TempDir(), "events.json")
	cmd := exec.CommandContext(ctx, kppemuBinary(t), "boot", "--gdb", "127.0.0.1:0", "--gdb-wait", "--serial", os.DevNull,
		"--append", appendLine, "--events", events)
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
	// remotetimeout: gdb gives up on a reply after 2 s of wall time by
	// default, which a loaded host can stretch a reply past.
	out, err := exec.CommandContext(ctx, gdb, "-nx", "-batch", "-ex", "set remotetimeout 3600",
		"-ex", "target remote "+addr[1], "-ex", "break kmain", "-ex", "continue",
		"-ex", "stepi", "-ex", "reverse-stepi", "-ex", "info registers rip", "-ex", "monitor regs", "-ex", "kill", elf).CombinedOutput()
	require.NoError(t, err, "%s", out)
	hit := regexp.MustCompile(`Breakpoint 1, 0x([0-9a-f]+) in kmain \(\)`).FindStringSubmatch(string(out))
	require.NotNil(t, hit, "%s", out)
	require.Regexp(t, `(?m)^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <kmain>`, string(out), "reverse-stepi is back at kmain (recording is on with --gdb)")
	require.Regexp(t, `(?i)rip[ =:]+(0x)?0*`+hit[1], string(out), "monitor regs: the console's register dump")
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil {
		require.ErrorAs(t, err, &ee)
	}
	require.Equal(t, 0, cmd.ProcessState.ExitCode(), "killed by the debugger: a clean stop")

	// Where the kernel said it put kmain: the kernel-base event's image
	// start plus kmain's offset in the ELF.
	b, err := os.ReadFile(events)
	require.NoError(t, err)
	base := regexp.MustCompile(`"type":"kernel-base","code":16,"args":\["0x([0-9a-f]+)","0x([0-9a-f]+)"\]`).FindStringSubmatch(string(b))
	require.NotNil(t, base, "%s", b)
	slide, err := strconv.ParseUint(base[2], 16, 64)
	require.NoError(t, err)
	require.Equal(t, moved, slide != 0, "slide %#x", slide)
	syms, err := emu.KernelSymbols(images.Kernel())
	require.NoError(t, err)
	kmain, ok := syms.Lookup("kmain")
	require.True(t, ok)
	require.Equal(t, fmt.Sprintf("%x", kmain.Addr+slide), hit[1], "gdb stopped at kmain where the kernel runs it")
}

// TestBootGDBWaitNeedsGDB: -S without a stub address is a usage error.
func TestBootGDBWaitNeedsGDB(t *testing.T) {
	r := kppemu(t, "", "boot", "--kernel", testGuest, "-S")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "--gdb-wait (-S) needs --gdb")
}
