package gdbstub

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/images"
)

// bootMachineAppend is bootMachine with a kernel command line.
func bootMachineAppend(t testing.TB, append string) *emu.Machine {
	t.Helper()
	m, err := emu.New(emu.Config{Seed: 1})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: append,
		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}})
	require.NoError(t, err)
	return m
}

// TestRealGDBBacktraceInInterrupt: gdb unwinds from the timer's tick
// handler through the interrupt entry (the kernel's call-frame information
// describes isr_common's frame as a signal frame) into the interrupted code
// and its callers; the session goes on after the backtrace. The boot
// path's first frame ends a backtrace from kmain.
func TestRealGDBBacktraceInInterrupt(t *testing.T) {
	gdb := requireGDB(t)
	m := bootMachine(t)
	s := serve(t, m, Options{}, emu.Forever, true)
	out := runGDB(t, gdb, s, `
break kmain
continue
bt 8
delete
break time_tick
continue
bt 8
info registers rip
kill
`)
	// The boot path's frame is the outermost: nothing after it.
	require.Regexp(t, `#0  0x[0-9a-f]+ in kmain \(\)\n#1  0x[0-9a-f]+ in slid_entry \(\)\nBreakpoint 2 at`, out)
	// Past the signal frame: the interrupted kernel function, its
	// caller, and so on to a thread's or the boot path's outermost frame.
	require.Regexp(t, `#0  0x[0-9a-f]+ in time_tick \(\)\n`+
		`#1  0x[0-9a-f]+ in trap_dispatch \(\)\n`+
		`#2  <signal handler called>\n`+
		`#3  0xffffffff8[0-9a-f]+ in [a-z_0-9]+ \(\)\n`+
		`#4  0xffffffff8[0-9a-f]+ in [a-z_0-9]+ \(\)\n`, out)
	require.NotContains(t, out, "Backtrace stopped")
	require.NotRegexp(t, `#\d+ +0x[0-9a-f]+ in \?\?`, out, "a frame without a name")
	// Where the breakpoint was (once paging maps the kernel, gdb reads
	// the prologue and puts the breakpoint after it).
	require.Regexp(t, `Breakpoint 2, (0x[0-9a-f]+) in time_tick \(\)\n#0  0x[0-9a-f]+ in time_tick \(\)`, out)
	bp := regexp.MustCompile(`Breakpoint 2, (0x[0-9a-f]+) in time_tick`).FindStringSubmatch(out)[1]
	require.Regexp(t, `(?m)^rip +`+bp+` +`+bp+` <time_tick(\+\d+)?>`, out, "the backtrace left the registers alone")
	require.Contains(t, out, "[Inferior 1 (Remote target) killed]")
}

// TestRealGDBBacktraceThroughFault: a page fault in the kernel's user copy
// (a system call given an unmapped user pointer) unwinds, from its handler
// and from the exception's entry stub (the CPU pushed an error code), to
// the faulting instruction, the system call's service routine, the system
// call entry and the program's RIP.
func TestRealGDBBacktraceThroughFault(t *testing.T) {
	t.Run("link-address", func(t *testing.T) { backtraceThroughFault(t, "") })
	// With the image moved, gdb relocates the call-frame information by
	// the offsets qOffsets gives, as it does the symbols.
	t.Run("kaslr", func(t *testing.T) { backtraceThroughFault(t, "kaslr=1 ") })
}

func backtraceThroughFault(t *testing.T, append string) {
	gdb := requireGDB(t)
	m := bootMachineAppend(t, append+"autorun=usertest;poweroff")
	s := serve(t, m, Options{}, emu.Forever, true)
	out := runGDB(t, gdb, s, `
break *(isr_stubs + 16*14)
continue
bt 12
frame 1
x/a $sp
info registers rip
delete
break trap_dispatch
continue
bt 12
kill
`)
	chain := `0x[0-9a-f]+ in copy_user_insn \(\)\n` +
		`#\d  0x[0-9a-f]+ in copy_from_user \(\)\n` +
		`#\d  0x[0-9a-f]+ in sys_write \(\)\n` +
		`#\d  0x[0-9a-f]+ in syscall_entry \(\)\n` +
		`#\d  0x00000000004[0-9a-f]{5} in \?\? \(\)\n`
	// At the stub's first instruction (the error code pushed by the CPU).
	require.Regexp(t, `#0  <signal handler called>\n#1  `+chain, out)
	// In the interrupted frame, RSP and RIP are the faulting instruction's:
	// copy_user's return address on top of the stack.
	require.Regexp(t, `(?m)^0x[0-9a-f]+:\s+0xffffffff[89][0-9a-f]+ <copy_from_user\+\d+>$`, out)
	require.Regexp(t, `(?m)^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <copy_user_insn>$`, out)
	// From the C code that handles the fault.
	require.Regexp(t, `#0  0x[0-9a-f]+ in trap_dispatch \(\)\n#1  <signal handler called>\n#2  `+chain, out)
	require.Contains(t, out, "[Inferior 1 (Remote target) killed]")
}
