package debug

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug/record"
	"github.com/kppemu/kppemu/images"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// testGuest is package emu's committed Multiboot test guest: small and
// rebuilt only on purpose, so exact transcripts of it stay put.
const testGuest = "../testdata/guest.elf"

func newSession(t testing.TB, img emu.BootImage, cfg Config) *Session {
	t.Helper()
	m, err := emu.New(emu.Config{Seed: 1})
	require.NoError(t, err)
	_, err = m.Boot(img)
	require.NoError(t, err)
	cfg.Kernel = img.Kernel
	s, err := New(m, cfg)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func guestSession(t testing.TB) *Session {
	k, err := os.ReadFile(testGuest)
	require.NoError(t, err)
	return newSession(t, emu.BootImage{Path: "guest.elf", Kernel: k}, Config{})
}

func kernelSession(t testing.TB, appendLine string, drivers ...string) *Session {
	img := emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: appendLine,
		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}}
	for _, d := range drivers {
		b, err := images.Driver(d)
		require.NoError(t, err)
		img.Modules = append(img.Modules, emu.BootModule{Cmdline: d + ".ko", Data: b})
	}
	return newSession(t, img, Config{})
}

// transcript runs commands as a script would and returns what it printed.
func transcript(t testing.TB, s *Session, cmds ...string) string {
	t.Helper()
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString(Prompt + c + "\n")
		if err := s.Exec(&b, c); err != nil {
			b.WriteString("error: " + err.Error() + "\n")
		}
	}
	return b.String()
}

var hexRe = regexp.MustCompile(`0x[0-9a-f]+|\b[0-9]+\b`)

// normalize hides addresses, times, sizes and counts: for transcripts of the real kernel,
// whose layout changes with every rebuild, only the structure and the
// symbol names are compared.
func normalize(s string) string {
	return hexRe.ReplaceAllString(insnBytesRe.ReplaceAllString(s, "${1}BYTES"), "N")
}

// insnBytesRe is the machine-code column of a disassembly line, which holds
// displacements that move with the layout too.
var insnBytesRe = regexp.MustCompile(`(>:\s+)[0-9a-f]{2}(?: [0-9a-f]{2})*`)

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run `go test ./emu/debug -run %s -update` to create it", t.Name())
	require.Equal(t, string(want), got, "the transcript changed; if that is intended, run `go test ./emu/debug -run %s -update`", t.Name())
}

// TestGoldenGuest: exact transcripts of regs, disas, info tab and x on the
// test guest, stopped at a breakpoint in long mode.
func TestGoldenGuest(t *testing.T) {
	s := guestSession(t)
	got := transcript(t, s,
		"b putc", "c", "regs", "disas", "disas puthex 4", "info tab putc", "info tab 0x40000000",
		"x/4xg $rsp", "x/8xb hexdigits", "x/s msg_hello", "x/2i putc", "bt", "info break", "sym puts", "print putc+4",
		"set syntax att", "disas putc 3", "set syntax intel")
	golden(t, "guest.txt", got)
}

// TestBadInput: unknown commands, bad expressions, unknown symbols,
// breakpoints where no code can be and unmapped memory each get a message,
// and change nothing.
func TestBadInput(t *testing.T) {
	s := guestSession(t)
	_ = transcript(t, s, "b putc", "c")
	before, err := s.m.StateHash()
	require.NoError(t, err)
	cases := []struct{ cmd, msg string }{
		{"frobnicate", `unknown command "frobnicate"`},
		{"regz", "did you mean regs"},
		{"b putcc", `did you mean putc`},
		{"b 0x50000000", "is not mapped"},
		{"b puts +", "expression ends too early"},
		{"x/4xg 0x50000000", "cannot access 0x50000000"},
		{"x/4q 0", "unknown size or format letter"},
		{"xp 0x40000000", "not RAM"},
		{"print 1/0", "division by zero"},
		{"print (1", `missing ')'`},
		{"print 1 +* 2 )", "unexpected"},
		{"set rzx = 1", "no register"},
		{"set rax = nosuch", `no symbol "nosuch"`},
		{"watch x 0 8", "is not r, w or rw"},
		{"watch w 0 0", "outside [1,"},
		{"delete 99", "no breakpoint or watchpoint 99"},
		{"s 0", "bad count"},
		{"info nothing", "unknown subject"},
		{"poke 0x50000000 90", "not mapped"},
		{"poke putc zz", "not hex"},
		{"trace maybe", "usage"},
		{"type \\q", "unknown escape"},
		{"source /nonexistent/file", "no such file"},
		{"rs", "recording is off"},
		{"whowrote putc", "recording is off"},
		{"b " + strings.Repeat("(", 100) + "1", "nested deeper"},
	}
	for _, c := range cases {
		var b strings.Builder
		err := s.Exec(&b, c.cmd)
		require.Error(t, err, c.cmd)
		require.Contains(t, err.Error(), c.msg, c.cmd)
	}
	after, err := s.m.StateHash()
	require.NoError(t, err)
	require.Equal(t, before, after, "a bad command changed the machine")
	require.Len(t, s.bps, 1)
	require.Empty(t, s.watches)
}

// TestNonExecutableBreakpoint: a breakpoint on NX data is refused.
func TestNonExecutableBreakpoint(t *testing.T) {
	s := kernelSession(t, "")
	out := transcript(t, s, "b shell_run", "c")
	require.Contains(t, out, "Breakpoint 1, kernel!shell_run+0x0")
	var b strings.Builder
	err := s.Exec(&b, "b process_list")
	require.ErrorContains(t, err, "not executable")
}

// TestKernelTranscript: bt, lsmod, ps and pg on the real kernel at its
// shell, compared after hiding addresses and times.
func TestKernelTranscript(t *testing.T) {
	s := kernelSession(t, "", "vendor_sample")
	got := transcript(t, s, "b shell_run", "c", "bt", "lsmod", "ps", "pg", "delete", "b printk", "c", "finish")
	if !strings.Contains(got, "Breakpoint 1") {
		t.Fatalf("no breakpoint hit:\n%s", got)
	}
	// PatchGuard picks the functions and data ranges it hashes at random
	// from the kernel's layout: those rows change with every kernel build.
	var keep []string
	for _, l := range strings.Split(normalize(got), "\n") {
		if !strings.Contains(l, "function modification") && !strings.Contains(l, "generic data region") {
			keep = append(keep, l)
		}
	}
	require.Contains(t, got, "function modification")
	golden(t, "kernel.txt", strings.Join(keep, "\n"))
}

// TestAnalyzeBugCheck: after attack A1 the console stops at the bug
// check; analyze decodes 0x109 with the region type and the corrupted
// address named, and bt shows how PatchGuard got there.
func TestAnalyzeBugCheck(t *testing.T) {
	s := kernelSession(t, "pg.profile=test autorun=load attack_a1")
	got := transcript(t, s, "c", "analyze", "bt")
	require.Contains(t, got, "CRITICAL_STRUCTURE_CORRUPTION")
	require.Contains(t, got, "system service function")
	require.Contains(t, got, "corrupted address: kernel!")
	golden(t, "analyze.txt", normalize(got))
}

// TestWatchFindsWriter is the documented walk-through: a write watchpoint
// on the service table stops in the attack driver's driver_entry (named
// from the kernel's module list before its module-loaded event), and bt
// shows the loader calling it.
func TestWatchFindsWriter(t *testing.T) {
	s := kernelSession(t, "pg.profile=test autorun=load attack_a1")
	got := transcript(t, s, "watch w service_table 208", "c", "bt 2", "info break")
	require.Contains(t, got, "Watchpoint 1: write of 1 bytes at 0x")
	require.Contains(t, got, "<attack_a1!driver_entry+0x")
	require.Contains(t, got, "#1  0x")
	require.Contains(t, got, "kernel!load_locked+0x")
	require.Regexp(t, `1\s+watch\s+0x[0-9a-f]+\s+1\s+208 bytes <kernel!service_table\+0x0>`, got)
}

// fakeRecorder answers whowrote with a fixed write.
type fakeRecorder struct {
	direct
	w record.Write
}

func (f fakeRecorder) WhoWrote(addr, n uint64) (record.Write, error) { return f.w, nil }

// TestWhoWroteFormat: the answer names the writer as module!symbol+off,
// disassembles its instruction and shows the old and new bytes; analyze
// asks it about the corrupted address.
func TestWhoWroteFormat(t *testing.T) {
	k, err := os.ReadFile(testGuest)
	require.NoError(t, err)
	m, err := emu.New(emu.Config{Seed: 1})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "guest.elf", Kernel: k})
	require.NoError(t, err)
	putc, err := m.Symbols().Address("putc")
	require.NoError(t, err)
	rec := fakeRecorder{direct{m}, record.Write{Time: 1234, Instret: 1200, RIP: putc + 0x10, CPL: 0,
		Insn: []byte{0xee}, Mode: 64, Old: []byte{0x90}, New: []byte{0xcc}}}
	s, err := New(m, Config{Recorder: rec})
	require.NoError(t, err)
	hexdigits, err := m.Symbols().Address("hexdigits")
	require.NoError(t, err)
	got := transcript(t, s, "whowrote hexdigits")
	require.Equal(t, Prompt+"whowrote hexdigits\n"+
		fmt.Sprintf("%#x <kernel!hexdigits+0x0> was last written at 1234 ns, instruction 1200, by\n", hexdigits)+
		fmt.Sprintf("  0x%016x <kernel!putc+0x10> (CPL 0): out dx, al\n", putc+0x10)+
		"  old 90 -> new cc\n", got)
}

// TestRunControl: nexti runs a call to its return, finish returns to the
// caller, until and tbreak stop once, a conditional breakpoint stops only
// when its condition holds, set changes a register, trace writes one line
// per instruction, and source runs a file of commands.
func TestRunControl(t *testing.T) {
	s := guestSession(t)
	out := transcript(t, s, "b start64", "c", "n 8")
	require.Contains(t, out, "Breakpoint 1, kernel!start64+0x0")
	// Eight instructions on from start64, the last `call idt_init` (run
	// over): the next is `call serial_init`.
	require.Contains(t, out, "call serial_init")

	out = transcript(t, s, "s", "finish")
	require.Contains(t, out, "Run till exit to kernel!start64+0x")
	require.Contains(t, out, "Value returned: rax = 0x")
	_, sym, _, _ := s.m.Symbols().Where(s.rip())
	require.Equal(t, "start64", sym.Name)

	// putc's argument is AL: stop only for a space.
	out = transcript(t, s, "delete", "b putc if (rax & 0xff) == 0x20", "c", "p rax & 0xff", "info break")
	require.Contains(t, out, "0x20 32")
	putc, err := s.m.Symbols().Address("putc")
	require.NoError(t, err)
	require.Regexp(t, fmt.Sprintf(`2\s+breakpoint\s+0x%016x\s+1\s+kernel!putc\+0x0 if \(rax & 0xff\) == 0x20`, putc), out)

	out = transcript(t, s, "delete", "tbreak newline", "c", "info break", "until puthex32", "set rax = 0x1234", "p $eax")
	require.Contains(t, out, "Temporary breakpoint 3, kernel!newline+0x0")
	require.Contains(t, out, "No breakpoints or watchpoints.")
	require.Contains(t, out, "=> 0x")
	require.Contains(t, out, "<kernel!puthex32+0x0>")
	require.Contains(t, out, "0x1234 4660")

	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.txt")
	script := filepath.Join(dir, "cmds")
	require.NoError(t, os.WriteFile(script, []byte("# a comment\ntrace on "+trace+"\ns 5\ntrace off\n"), 0o644))
	out = transcript(t, s, "source "+script)
	require.Contains(t, out, "Tracing off.")
	b, err := os.ReadFile(trace)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 5)
	for _, l := range lines {
		require.Regexp(t, `^\s*\d+ 0x[0-9a-f]{16} kernel!\S+\s+\S`, l)
	}
	require.Contains(t, lines[0], "kernel!puthex32+0x0")
}

// TestAnalyzeWhoWrote: with the recording on (as `kppemu debug` starts),
// analyze after attack A1 names the attack driver's store as the writer
// of the corrupted service-table entry.
func TestAnalyzeWhoWrote(t *testing.T) {
	img := emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: "pg.profile=test autorun=load attack_a1",
		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}}
	s := newSession(t, img, Config{Record: true})
	got := transcript(t, s, "c", "analyze")
	require.Contains(t, got, "corrupted address: kernel!service_table+0x")
	require.Regexp(t, `WHO WROTE 0x[0-9a-f]+:\n0x[0-9a-f]+ <kernel!service_table\+0x[0-9a-f]+> was last written at \d+ ns, instruction \d+, by\n  0x[0-9a-f]+ <attack_a1!driver_entry\+0x[0-9a-f]+> \(CPL 0\): mov byte ptr \[rdx\], cl`, got)
}

// TestBacktraceThroughEntries: bt walks through the kernel's interrupt
// entry to the interrupted code and on to its callers, and through the
// system-call entry to the user RIP, where the walk ends.
func TestBacktraceThroughEntries(t *testing.T) {
	s := kernelSession(t, "")
	got := transcript(t, s, "b time_tick", "c", "bt")
	require.Regexp(t, `#2  0x[0-9a-f]+ in kernel!isr_common\+0x[0-9a-f]+\n`+
		`    <interrupt, vector 0x[0-9a-f]+, error 0x0, from CPL 0>\n`+
		`#3  0x[0-9a-f]+ in kernel!\w+\+0x[0-9a-f]+\n`, got)
	require.Regexp(t, `in kernel!(call_on_stack|thread_start)\+0x[0-9a-f]+\n$`, got, "the walk reaches the stack's first frame")

	s = kernelSession(t, "autorun=run hello")
	got = transcript(t, s, "b sys_write", "c", "bt")
	require.Regexp(t, `#0  0x[0-9a-f]+ in kernel!sys_write\+0x0\n`+
		`#1  0x[0-9a-f]+ in kernel!syscall_entry\+0x[0-9a-f]+\n`+
		`    <system call from CPL 3>\n`+
		`#2  0x00000000400[0-9a-f]{5} in 0x400[0-9a-f]{5}\n$`, got)
}

// TestBacktraceFromStops: bt from the bug-check stops walks through the
// exception or interrupt that led there. A kernel page fault (wxtest null)
// shows the #PF frame and the faulting driver; a double fault on its IST
// stack (wxtest stack) the frames of the overflowing recursion; PatchGuard's
// 0x109, whose stop path zeroes RBP, the detecting pass, its timer DPC and
// the interrupted idle loop.
func TestBacktraceFromStops(t *testing.T) {
	frame := `#\d+ +0x[0-9a-f]+ in `
	for _, c := range []struct{ cmdline, want string }{
		{"autorun=load wxtest null", frame + `kernel!isr_common\+0x[0-9a-f]+\n` +
			`    <exception #PF \(vector 14\), error 0x0, from CPL 0>\n` +
			frame + `wxtest!driver_entry\+0x[0-9a-f]+\n` +
			frame + `kernel!load_locked\+0x[0-9a-f]+\n`},
		{"autorun=load wxtest stack", frame + `kernel!isr_common\+0x[0-9a-f]+\n` +
			`    <exception #DF \(vector 8\), error 0x0, from CPL 0>\n` +
			frame + `wxtest!recurse[.\w]*\+0x[0-9a-f]+\n` +
			`(` + frame + `wxtest!recurse[.\w]*\+0x[0-9a-f]+\n)+` +
			frame + `wxtest!driver_entry\+0x[0-9a-f]+\n`},
		{"pg.profile=test autorun=load attack_a1", `#0  0x[0-9a-f]+ in kernel!pg_stop\+0x[0-9a-f]+\n` +
			`#1  0x[0-9a-f]+ in kernel!pg_crash\+0x[0-9a-f]+\n` +
			`#2  0x[0-9a-f]+ in kernel!pg_report\+0x[0-9a-f]+\n` +
			`(` + frame + `kernel!\w+\+0x[0-9a-f]+\n)*` +
			frame + `kernel!isr_common\+0x[0-9a-f]+\n` +
			`    <interrupt, vector 0x[0-9a-f]+, error 0x0, from CPL 0>\n` +
			frame + `kernel!\w+\+0x[0-9a-f]+\n`},
	} {
		s := kernelSession(t, c.cmdline)
		got := transcript(t, s, "c", "bt")
		require.Contains(t, got, "The guest bug-checked", c.cmdline)
		require.Regexp(t, c.want, got, c.cmdline)
		require.Regexp(t, `in kernel!(call_on_stack|thread_start)\+0x[0-9a-f]+\n$`, got, "%s: the walk reaches the stack's first frame", c.cmdline)
	}
}

// TestPendingBreakpoints: a breakpoint set by symbol before the kernel
// chose its base stops both where that code runs before the image moves
// (the boot code, at link addresses) and, moved by the reported slide,
// where it runs afterwards; a watchpoint set then is armed at the moved
// data. With nokaslr nothing moves.
func TestPendingBreakpoints(t *testing.T) {
	s := kernelSession(t, "autorun=poweroff")
	out := transcript(t, s, "b kaslr_setup", "b kmain", "watch w boot_mb_info 4", "info break")
	require.Contains(t, out, "Breakpoint 1 at 0x")
	require.Contains(t, out, "<kernel!kmain+0x0> (pending: moves with the kernel's base when the kernel reports it)")
	require.Regexp(t, `3\s+watch\s+0x[0-9a-f]+\s+0\s+4 bytes <kernel!boot_mb_info\+0x0> \(pending: armed at the kernel's base\)`, out)
	linkSetup, err := s.m.Symbols().Address("kaslr_setup")
	require.NoError(t, err)

	out = transcript(t, s, "c")
	require.Contains(t, out, "Breakpoint 1, kernel!kaslr_setup+0x0")
	require.Equal(t, linkSetup, s.rip(), "the boot code runs kaslr_setup at its link address")
	require.False(t, s.m.Symbols().KernelBaseKnown())

	out = transcript(t, s, "c", "info break")
	slide := s.m.Symbols().KernelSlide()
	require.NotZero(t, slide)
	kmain, err := s.m.Symbols().Address("kmain")
	require.NoError(t, err)
	require.Contains(t, out, fmt.Sprintf("Breakpoint 2 moved with the kernel's base to %#x <kernel!kmain+0x0>", kmain))
	require.Contains(t, out, "Watchpoint 3 armed at the kernel's base")
	require.Contains(t, out, "Breakpoint 2, kernel!kmain+0x0")
	require.Equal(t, kmain, s.rip())
	require.NotContains(t, out, "pending")
	// The one that stopped the boot code moved too: it names a symbol.
	require.Regexp(t, fmt.Sprintf(`1\s+breakpoint\s+0x%016x\s+1\s+kernel!kaslr_setup\+0x0`, linkSetup+slide), out)

	// No base moves with nokaslr: the kernel reports a zero slide.
	s = kernelSession(t, "nokaslr autorun=poweroff")
	out = transcript(t, s, "b kmain", "c")
	require.Contains(t, out, "Breakpoint 1, kernel!kmain+0x0")
	require.NotContains(t, out, "moved")
	require.Zero(t, s.m.Symbols().KernelSlide())
	require.True(t, s.m.Symbols().KernelBaseKnown())
}
