package gdbstub

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
)

// TestRealGDBBacktraceInInterrupt: gdb's own unwinder (the kernel ELF has
// no call-frame information, gdb reads prologues and RBP) walks from the
// timer's tick handler to the interrupt entry; the session goes on after
// the backtrace (the stub serves the stack reads it makes on the way).
func TestRealGDBBacktraceInInterrupt(t *testing.T) {
	gdb := requireGDB(t)
	m := bootMachine(t)
	s := serve(t, m, Options{}, emu.Forever, true)
	out := runGDB(t, gdb, s, `
break time_tick
continue
bt 4
info registers rip
kill
`)
	require.Regexp(t, `#0  0x[0-9a-f]+ in time_tick \(\)\n`+
		`#1  0x[0-9a-f]+ in trap_dispatch \(\)\n`+
		`#2  0x[0-9a-f]+ in isr_common \(\)\n`, out)
	require.Regexp(t, `(?m)^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <time_tick>`, out, "the backtrace left the registers alone")
	require.Contains(t, out, "[Inferior 1 (Remote target) killed]")
}
