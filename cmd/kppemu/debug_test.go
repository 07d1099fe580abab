package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/internal/cputime"
)

// TestDebugScript: with stdin not a terminal, `kppemu debug` reads one
// command per line and prints plain text; a failed command is reported
// and the script goes on; the exit status says that one failed.
func TestDebugScript(t *testing.T) {
	script := "b kmain\nc\nbt\nnosuch\nregs\nq\n"
	r := kppemu(t, script, "debug", "--no-record", "--serial", os.DevNull, "--history", filepath.Join(t.TempDir(), "h"))
	require.Equal(t, 1, r.status, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	require.Contains(t, r.stdout, "stopped at the entry point")
	require.Contains(t, r.stdout, "Breakpoint 1, kernel!kmain+0x0")
	require.Contains(t, r.stdout, "#1  0x")
	require.Contains(t, r.stdout, `error: unknown command "nosuch"`)
	require.Contains(t, r.stdout, "rflags")
	require.Contains(t, r.stderr, "1 command(s) failed")
}

// ptyOut collects what the program writes to the terminal. Its waits are
// guarded by the CPU time of the program (pid, once started), which does
// the work waited for.
type ptyOut struct {
	mu  sync.Mutex
	buf bytes.Buffer
	pid int
}

func (p *ptyOut) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.Write(b)
}

func (p *ptyOut) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

// used reads the program's CPU time; once the program has ended, the
// reading fails and the guard waits on (go test's -timeout then ends a
// wait for output that cannot come any more).
func (p *ptyOut) used() (time.Duration, bool) {
	return cputime.Process(p.pid)
}

// waitFor waits until the output holds want n times (the bound, in the
// program's CPU time, is only a guard against a hang: nothing is timed).
func (p *ptyOut) waitFor(t *testing.T, want string, n int) {
	t.Helper()
	if !cputime.Until(func() bool { return strings.Count(p.String(), want) >= n }, 20*time.Millisecond, p.used, cliCPULimit) {
		t.Fatalf("no %q (x%d) in the terminal output after %v of the program's CPU time:\n%s", want, n, cliCPULimit, p.String())
	}
}

// TestDebugTerminal drives the console through a pseudo-terminal: tab
// completion of a command and a symbol, history (up arrow), Ctrl-C
// stopping a running guest, and the history file.
func TestDebugTerminal(t *testing.T) {
	home := t.TempDir()
	hist := filepath.Join(home, "history")
	cmd := exec.Command(kppemuBinary(t), "debug", "--no-record", "--serial", os.DevNull, "--history", hist)
	cmd.Env = append(os.Environ(), "HOME="+home)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	require.NoError(t, err)
	defer f.Close()
	out := &ptyOut{pid: cmd.Process.Pid}
	go func() { _, _ = io.Copy(out, f) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	out.waitFor(t, "(kppemu) ", 1)
	send := func(s string) {
		_, err := f.Write([]byte(s))
		require.NoError(t, err)
	}
	send("regs\r")
	out.waitFor(t, "rflags", 1)
	out.waitFor(t, "(kppemu) ", 2)

	// Completion: "disa" -> "disas" (disassemble also matches), "kmai" -> "kmain".
	send("disa\t")
	out.waitFor(t, "disas", 1)
	send(" kmai\t")
	out.waitFor(t, "kmain", 1)
	send("\r")
	out.waitFor(t, "kernel!kmain:", 1)
	out.waitFor(t, "(kppemu) ", 3)

	// History: the up arrow brings the last line back.
	send("\x1b[A\r")
	out.waitFor(t, "kernel!kmain:", 2)
	out.waitFor(t, "(kppemu) ", 4)

	// Ctrl-C stops the running guest (it idles at its shell otherwise). A
	// Ctrl-C that reaches the console before the command has started is
	// taken at the prompt (it drops the line being typed): it is typed
	// again until the guest is interrupted, however late a loaded host
	// starts the command.
	send("c\r")
	if !cputime.Until(func() bool {
		if strings.Contains(out.String(), "Interrupted at") {
			return true
		}
		send("\x03")
		return false
	}, 100*time.Millisecond, out.used, cliCPULimit) {
		t.Fatalf("Ctrl-C did not interrupt the guest (%v of its CPU time):\n%s", cliCPULimit, out.String())
	}
	out.waitFor(t, "Interrupted at", 1)
	out.waitFor(t, "(kppemu) ", 5)

	send("q\r")
	err, ok := cputime.Receive(done, out.used, cliCPULimit)
	require.True(t, ok, "the debugger did not quit:\n%s", out.String())
	require.NoError(t, err, out.String())
	b, err := os.ReadFile(hist)
	require.NoError(t, err)
	require.Contains(t, string(b), "regs\n")
	require.Contains(t, string(b), "disas kmain")
}

// TestBootDebugOnBugCheck: --debug-on bugcheck opens the console at the
// bug check with the state as the guest left it; analyze names the
// corrupted service-table entry; the exit status is still the bug check's.
func TestBootDebugOnBugCheck(t *testing.T) {
	script := filepath.Join(t.TempDir(), "cmds")
	require.NoError(t, os.WriteFile(script, []byte("analyze\nbt\nlsmod\n"), 0o644))
	r := kppemu(t, "", "boot", "--driver", "initrd", "--append", "pg.profile=test autorun=load attack_a1",
		"--debug-on", "bugcheck", "--debug-x", script, "--serial", os.DevNull)
	require.Equal(t, exitBugCheck, r.status, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	require.Contains(t, r.stdout, "the guest bug-checked at")
	require.Contains(t, r.stdout, "CRITICAL_STRUCTURE_CORRUPTION")
	require.Contains(t, r.stdout, "corrupted address: kernel!service_table+0x")
	require.Contains(t, r.stdout, "region type: 0xa system service function")
	require.Contains(t, r.stdout, "kernel!pg_crash+0x")
	require.Contains(t, r.stdout, "attack_a1 ")
}

// TestBootDebugOnBadValue: a --debug-on value that is not a stop is a
// host error naming the choices.
func TestBootDebugOnBadValue(t *testing.T) {
	r := kppemu(t, "", "boot", "--debug-on", "sometimes", "--max-time", "1ms")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "want bugcheck, triple-fault or exit")
}

// TestDisasm: static disassembly of a driver function at the default
// driver base (golden), of a kernel function, and the errors.
func TestDisasm(t *testing.T) {
	r := kppemu(t, "", "disasm", "--driver", "hello", "driver_entry")
	require.Equal(t, 0, r.status, r.stderr)
	want, err := os.ReadFile("testdata/disasm_hello.txt")
	if os.Getenv("KPPEMU_UPDATE_GOLDEN") != "" {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile("testdata/disasm_hello.txt", []byte(r.stdout), 0o644))
		want, err = []byte(r.stdout), nil
	}
	require.NoError(t, err, "KPPEMU_UPDATE_GOLDEN=1 go test ./cmd/kppemu -run TestDisasm writes it")
	require.Equal(t, string(want), r.stdout, "hello.ko changed? KPPEMU_UPDATE_GOLDEN=1 go test ./cmd/kppemu -run TestDisasm")

	r = kppemu(t, "", "disasm", "--att", "kmain", "3")
	require.Equal(t, 0, r.status, r.stderr)
	require.Contains(t, r.stdout, "kernel!kmain:\n")
	require.Contains(t, r.stdout, "push %rbp")
	require.Equal(t, 4, strings.Count(r.stdout, "\n"))

	r = kppemu(t, "", "disasm", "kmian")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "did you mean kmain?")
	r = kppemu(t, "", "disasm", "--driver", "nosuch")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "no such file or embedded driver")
}

// TestRunDebugOnFail: a scenario that fails (it expects the wrong region
// type) opens the console on its machine after the report.
func TestRunDebugOnFail(t *testing.T) {
	p := writeScenario(t, "wrong.hcl", strings.Replace(passingScenario, `region_type = "0xa"`, `region_type = "0x1"`, 1))
	r := kppemu(t, "analyze\nlsmod\n", "run", "--debug-on-fail", p)
	require.Equal(t, exitScenarioFailed, r.status, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	require.Contains(t, r.stdout, "poke_detected (seed")
	require.Contains(t, r.stdout, "expected region type 0x1")
	require.Contains(t, r.stdout, "(kppemu) analyze")
	require.Contains(t, r.stdout, "corrupted address: kernel!service_table+0x8")
	// The failed run was recorded from its start: analyze names the writer
	// of the corrupted bytes (the scenario's host poke) with their values.
	require.Contains(t, r.stdout, "WHO WROTE 0x")
	require.Regexp(t, `kernel!service_table\+0x8> was last written by the host \(a poke\) at \d+ ns, instruction \d+\n  old [0-9a-f]{2} -> new [0-9a-f]{2}\n`, r.stdout)
	require.NotContains(t, r.stdout, "no write in the recorded history")
}

// TestDebugScriptSMP: `kppemu debug --smp 2` on the SMP probe, driven by a
// script: the application processor's breakpoint hit names it, `cpu N`
// and `info cpus` cover both processors.
func TestDebugScriptSMP(t *testing.T) {
	script := "info cpus\nb 0x105fe\nc\ninfo cpus\ncpu 0\nstepi\nc\nq\n"
	r := kppemu(t, script, "debug", "--smp", "2", "--kernel", filepath.Join("..", "..", "emu", "testdata", "smp.bin"),
		"--serial", os.DevNull, "--history", filepath.Join(t.TempDir(), "h"))
	require.Equal(t, 0, r.status, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	require.Regexp(t, `  1 +1 +real 16-bit +halted, IF=0 `, r.stdout)
	require.Contains(t, r.stdout, "Breakpoint 1, 0x105fe on cpu 1\n[cpu 1] => 0x00000000000105fe")
	require.Regexp(t, `\* 1 +1 +protected 32-bit +running +0x0+105fe`, r.stdout)
	require.Contains(t, r.stdout, "Selected cpu 0.\n[cpu 0] =>")
	require.Contains(t, r.stdout, "The guest wrote isa-debug-exit: exit status 33")
}
