package gdbstub

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug"
	"github.com/kppemu/kppemu/emu/debug/record"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/internal/cputime"
	"github.com/kppemu/kppemu/kernel/abi"
)

// waitCPU bounds each wait of the tests for the stub (a reply, the end of
// a run) in CPU time of this process, where the stub and the guest run: a
// guard against a hang that a loaded host, which stretches wall time, does
// not trip.
const waitCPU = 2 * time.Minute

// bootMachine returns a machine at the embedded kernel's Multiboot entry.
func bootMachine(t testing.TB, appendLine ...string) *emu.Machine {
	t.Helper()
	m, err := emu.New(emu.Config{Seed: 1})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: strings.Join(appendLine, " "),
		Modules: []emu.BootModule{{Cmdline: "initrd.tar", Data: images.Archive()}}})
	require.NoError(t, err)
	return m
}

// served is a stub running a machine on its own goroutine.
type served struct {
	stub     *Stub
	done     chan emu.Stop
	finished chan struct{}
}

func serve(t *testing.T, m *emu.Machine, opts Options, until uint64, startStopped bool) *served {
	t.Helper()
	ln, err := Listen("127.0.0.1:0")
	require.NoError(t, err)
	s := &served{stub: New(m, ln, opts), done: make(chan emu.Stop, 1), finished: make(chan struct{})}
	go func() {
		defer close(s.finished)
		s.done <- s.stub.Run(until, startStopped)
	}()
	t.Cleanup(func() { s.close(t) })
	return s
}

// close closes the stub and waits until its Run has returned (the machine
// is then no longer running).
func (s *served) close(t *testing.T) {
	s.stub.Close()
	if _, ok := cputime.Receive(s.finished, cputime.Self, waitCPU); !ok {
		t.Errorf("Run did not return after Close (%v of CPU time)", waitCPU)
	}
}

// wait returns Run's result (the test fails if it does not come).
func (s *served) wait(t *testing.T) emu.Stop {
	t.Helper()
	st, ok := cputime.Receive(s.done, cputime.Self, waitCPU)
	if !ok {
		t.Fatalf("the stub's Run did not return (%v of CPU time)", waitCPU)
	}
	return st
}

// rsp is a minimal protocol client for the tests.
type rsp struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, s *served) *rsp {
	t.Helper()
	conn, err := net.Dial("tcp", s.stub.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &rsp{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *rsp) raw(b string) {
	c.t.Helper()
	_, err := c.conn.Write([]byte(b))
	require.NoError(c.t, err)
}

// guardRead bounds the client's reads from here until the returned
// function is called by waitCPU of this process's CPU time (the stub and
// the guest run here): then a read fails at once. The returned function
// marks the test failed, saying why, when the guard fired.
func (c *rsp) guardRead() (end func()) {
	c.t.Helper()
	return guardConn(c.t, c.conn)
}

func guardConn(t *testing.T, conn net.Conn) (end func()) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Time{}))
	stop := cputime.Guard(cputime.Self, waitCPU, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	return func() {
		t.Helper()
		if stop() {
			t.Errorf("no reply after %v of CPU time", waitCPU)
		}
	}
}

// reply reads the next packet's payload, skipping acks and console output.
func (c *rsp) reply() string {
	c.t.Helper()
	defer c.guardRead()()
	for {
		data := c.rawReply()
		if strings.HasPrefix(data, "O") && data != "OK" {
			continue
		}
		return data
	}
}

func (c *rsp) ask(payload string) string {
	c.t.Helper()
	c.raw(string(encodePacket(payload)))
	return c.reply()
}

// TestPackets drives the stub packet by packet: registers in the 64-bit
// layout at the 32-bit entry, memory, breakpoints that leave guest memory
// alone, stepping, malformed and oversized packets, a second client, an
// interrupt and kill.
func TestPackets(t *testing.T) {
	m := bootMachine(t)
	entry := m.CPU.RIP
	ref := bootMachine(t) // where the third instruction is
	for range 3 {
		ref.Step()
	}
	third := ref.CPU.RIP
	s := serve(t, m, Options{}, emu.Forever, true)
	c := dial(t, s)

	require.Contains(t, c.ask("qSupported:multiprocess+;swbreak+;hwbreak+"), "qXfer:features:read+")
	require.NotContains(t, c.ask("qSupported:swbreak+"), "ReverseStep+", "no recorder: no reverse execution")
	require.Equal(t, "S05", c.ask("?"))
	xml := c.ask("qXfer:features:read:target.xml:0,ffff")
	require.True(t, strings.HasPrefix(xml, "l<?xml"), xml)
	for _, want := range []string{"i386:x86-64", "org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", `name="fs_base"`, `name="gs_base"`} {
		require.Contains(t, xml, want)
	}
	require.Equal(t, "m<?xml", c.ask("qXfer:features:read:target.xml:0,5"))

	// Registers: the 64-bit layout in 32-bit protected mode.
	g := c.ask("g")
	require.Len(t, g, 2*regBytes)
	require.Equal(t, fmt.Sprintf("%016x", bswap(m.CPU.GPR[0])), g[:16], "rax = the Multiboot magic")
	require.Equal(t, le64(entry), c.ask("p10"), "rip is register 16")
	require.Equal(t, "08000000", c.ask("p12"), "cs")
	require.Equal(t, errInval, c.ask("p999"))
	require.Equal(t, "OK", c.ask("P3="+le64(0x1234)), "rdx")
	require.Equal(t, uint64(0x1234), m.CPU.GPR[2])
	require.Equal(t, errInval, c.ask("P3=12"), "short register value")

	// Memory: the kernel's first bytes at the entry, an unmapped read, writes.
	code := make([]byte, 8)
	require.NoError(t, m.ReadVirt(entry, code))
	require.Equal(t, fmt.Sprintf("%x", code), c.ask(fmt.Sprintf("m%x,8", entry)))
	require.Equal(t, "OK", c.ask("M2000,2:abcd"))
	require.Equal(t, "abcd", c.ask("m2000,2"))
	require.Equal(t, "OK", c.ask("X2000,2:\x01\x02"))
	require.Equal(t, "0102", c.ask("m2000,2"))

	// Malformed requests get errors or empty replies and change nothing.
	for _, p := range []string{"m", "mzz,4", "m10", "M10,4:zz", "X1,5:ab", "Z0", "Z9,1,1", "Hgzz", "vCont;q", "qXfer:features:read:other.xml:0,10", "G00", "P", "Tzz"} {
		r := c.ask(p)
		require.True(t, r == "" || strings.HasPrefix(r, "E"), "%q -> %q", p, r)
	}
	require.Equal(t, "", c.ask("unknown-packet"))
	c.raw("$m0,4#00") // bad checksum: a nack
	c.raw(string(encodePacket("?")))
	require.Equal(t, "S05", c.reply())
	c.raw("$" + strings.Repeat("a", MaxPacket+100) + "#00")
	require.Equal(t, "E01", c.reply(), "an oversized packet is dropped with an error")
	require.Equal(t, le64(entry), c.ask("p10"), "the connection and the machine are intact")

	// A second client is refused, the first stays attached.
	other, err := net.Dial("tcp", s.stub.Addr().String())
	require.NoError(t, err)
	end := guardConn(t, other)
	var refusal bytes.Buffer
	_, _ = refusal.ReadFrom(other)
	end()
	require.Contains(t, refusal.String(), "already attached")
	other.Close()
	require.Equal(t, le64(entry), c.ask("p10"))

	// Host breakpoint: guest memory keeps its bytes.
	before := c.ask(fmt.Sprintf("m%x,8", third))
	require.Equal(t, "OK", c.ask(fmt.Sprintf("Z0,%x,1", third)))
	require.Equal(t, before, c.ask(fmt.Sprintf("m%x,8", third)), "no int3 in guest memory")
	// Step: one instruction.
	require.Equal(t, "T05thread:01;", c.ask("s"))
	require.NotEqual(t, le64(entry), c.ask("p10"))
	// Continue to the breakpoint (a few instructions on).
	require.Equal(t, "T05swbreak:;thread:01;", c.ask("c"))
	require.Equal(t, le64(third), c.ask("p10"))
	require.Equal(t, "OK", c.ask(fmt.Sprintf("z0,%x,1", third)))
	// The same with a hardware breakpoint (Z1): the stop says so.
	ref.Step()
	fourth := ref.CPU.RIP
	require.Equal(t, "OK", c.ask(fmt.Sprintf("Z1,%x,1", fourth)))
	require.Equal(t, "T05hwbreak:;thread:01;", c.ask("c"))
	require.Equal(t, le64(fourth), c.ask("p10"))
	require.Equal(t, "OK", c.ask(fmt.Sprintf("z1,%x,1", fourth)))
	require.Equal(t, "T05thread:01;", c.ask("vCont;s:1;c"))
	require.Equal(t, "vCont;c;C;s;S;t", c.ask("vCont?"))

	// Ctrl-C stops a running guest, also when it arrives right behind the
	// continue (in the same write), before the stub has started the run.
	c.raw(string(encodePacket("vCont;c")) + "\x03")
	require.Equal(t, "T02thread:01;", c.reply())
	c.raw(string(encodePacket("c")))
	time.Sleep(50 * time.Millisecond) // any moment will do: the reply waits for the stop
	c.raw("\x03")
	require.Equal(t, "T02thread:01;", c.reply())
	// A stray interrupt while stopped is ignored: the next step is a step.
	c.raw("\x03")
	require.Equal(t, "T05thread:01;", c.ask("s"))
	require.Equal(t, errFault, c.ask("m7fff00000000,4"), "an unmapped page")
	require.Equal(t, "m1", c.ask("qfThreadInfo"))
	require.Equal(t, "l", c.ask("qsThreadInfo"))
	require.Equal(t, "QC1", c.ask("qC"))
	require.Equal(t, "1", c.ask("qAttached"))
	require.Equal(t, "OK", c.ask("QStartNoAckMode"))
	require.Equal(t, "OK", c.ask("vKill;1"))
	st := s.wait(t)
	require.Equal(t, emu.StopRequested, st.Reason)
	require.Contains(t, st.Diag, "killed")
}

// TestDetachResumes: after D the guest runs on to its own stop.
func TestDetachResumes(t *testing.T) {
	m := bootMachine(t)
	s := serve(t, m, Options{}, 50_000_000, true)
	c := dial(t, s)
	require.Equal(t, "OK", c.ask("D"))
	st := s.wait(t)
	require.Equal(t, emu.StopTimeLimit, st.Reason)
	require.Equal(t, uint64(50_000_000), st.Time)
}

// TestMonitor: qRcmd runs the monitor callback and returns its output.
func TestMonitor(t *testing.T) {
	m := bootMachine(t)
	var got string
	mon := func(_ int, cmd string) (string, error) {
		got = cmd
		if cmd == "bad" {
			return "", fmt.Errorf("unknown command %q", cmd)
		}
		return "rip " + le64(m.CPU.RIP) + "\n", nil
	}
	s := serve(t, m, Options{Monitor: mon}, emu.Forever, true)
	c := dial(t, s)
	c.raw(string(encodePacket("qRcmd," + fmt.Sprintf("%x", "regs"))))
	// The output comes as console packets, then OK.
	end := c.guardRead()
	var out []string
	for {
		p := c.rawReply()
		if p == "OK" {
			break
		}
		require.True(t, strings.HasPrefix(p, "O"), p)
		out = append(out, p[1:])
	}
	end()
	require.Equal(t, "regs", got)
	require.Equal(t, []string{fmt.Sprintf("%x", "rip "+le64(m.CPU.RIP)+"\n")}, out)
	c.raw(string(encodePacket("qRcmd," + fmt.Sprintf("%x", "bad"))))
	require.True(t, strings.HasPrefix(c.rawReply(), "O"))
	require.Equal(t, "E01", c.rawReply())
	require.Equal(t, "OK", c.ask("vKill;1"))
	s.wait(t)
}

// rawReply reads the next packet, acks skipped, console output included.
func (c *rsp) rawReply() string {
	c.t.Helper()
	for {
		b, err := c.r.ReadByte()
		require.NoError(c.t, err)
		if b != '$' {
			continue
		}
		data, err := c.r.ReadString('#')
		require.NoError(c.t, err)
		for range 2 { // the checksum
			_, err = c.r.ReadByte()
			require.NoError(c.t, err)
		}
		return strings.TrimSuffix(data, "#")
	}
}

func le64(v uint64) string { return fmt.Sprintf("%016x", bswap(v)) }

func bswap(v uint64) uint64 {
	var r uint64
	for range 8 {
		r = r<<8 | v&0xFF
		v >>= 8
	}
	return r
}

// requireGDB returns the path of gdb, or skips when it is absent and the
// environment does not require the reference tools.
func requireGDB(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("gdb")
	if err != nil {
		if os.Getenv("KPPEMU_REQUIRE_QEMU") != "" {
			t.Fatal("gdb is not installed (KPPEMU_REQUIRE_QEMU is set)")
		}
		t.Skip("gdb is not installed")
	}
	return p
}

// runGDB runs gdb in batch mode on the kernel ELF against the stub.
func runGDB(t *testing.T, gdb string, s *served, script string) string {
	t.Helper()
	dir := t.TempDir()
	elf := filepath.Join(dir, "kernel.elf")
	require.NoError(t, os.WriteFile(elf, images.Kernel(), 0o644))
	cmds := filepath.Join(dir, "cmds.gdb")
	// remotetimeout: gdb gives up on a reply after 2 s of wall time by
	// default, which a loaded host can stretch a reply past.
	full := "set confirm off\nset pagination off\nset width 0\nset remotetimeout 3600\ntarget remote " + s.stub.Addr().String() + "\n" + script
	require.NoError(t, os.WriteFile(cmds, []byte(full), 0o644))
	cmd := exec.Command(gdb, "-nx", "-batch", "-x", cmds, elf)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

// TestRealGDB: Debian's gdb in batch mode against the stub, from the
// Multiboot entry: break on a kernel function, continue, registers,
// disassembly, stepi, the three kinds of watchpoint with their stop
// replies, monitor, detach.
func TestRealGDB(t *testing.T) {
	gdb := requireGDB(t)
	m := bootMachine(t)
	kmain := movedSymbol(t, m, "kmain")
	entry := m.CPU.RIP
	mon := func(_ int, cmd string) (string, error) {
		return fmt.Sprintf("monitor saw %q, rip=%#x\n", cmd, m.CPU.RIP), nil
	}
	s := serve(t, m, Options{Monitor: mon}, emu.Forever, true)
	out := runGDB(t, gdb, s, `
info registers rip
break kmain
continue
info registers
x/8i $pc
stepi
info registers rip
watch *(long *)&tick_count
continue
delete
rwatch *(long *)&tick_count
continue
delete
awatch *(long *)&tick_count
continue
delete
monitor regs
detach
`)
	for _, re := range []string{
		fmt.Sprintf(`rip +0x%x +0x%x`, entry, entry), // the 32-bit entry
		`Breakpoint 1, 0x0*` + fmt.Sprintf("%x", kmain) + ` in kmain \(\)`,
		`(?m)^rsp +0x[0-9a-f]+`, `(?m)^eflags +0x[0-9a-f]+ +\[`, `(?m)^fs_base +0x0`, `(?m)^cs +0x8 `,
		`=> 0x0*` + fmt.Sprintf("%x", kmain) + ` <kmain>:\s+push`,
		`Hardware watchpoint 2: \*\(long \*\)&tick_count\s+Old value = 0\s+New value = 1`,
		`Hardware read watchpoint 3: \*\(long \*\)&tick_count\s+Value = 1`,
		`Hardware access \(read/write\) watchpoint 4: \*\(long \*\)&tick_count\s+Value = 1`,
		`monitor saw "regs", rip=0x[0-9a-f]+`,
		`\[Inferior 1 \(Remote target\) detached\]`,
	} {
		require.Regexp(t, regexp.MustCompile(re), out)
	}
	s.close(t)
	// stepi went to the second instruction x/8i showed.
	second := regexp.MustCompile(`=> 0x[0-9a-f]+ <kmain>:[^\n]*\n\s+(0x[0-9a-f]+) <kmain\+(\d+)>`).FindStringSubmatch(out)
	require.NotNil(t, second, out)
	require.Regexp(t, `(?m)^rip +`+second[1]+` +`+second[1]+` <kmain\+`+second[2]+`>`, out)
	require.Equal(t, 8, strings.Count(out[strings.Index(out, "=> "):], "<kmain")-strings.Count(out[strings.Index(out, "=> "):], "in kmain"), "x/8i shows 8 instructions of kmain:\n%s", out)
}

// movedSymbol returns where the kernel of m, not started yet, will run a
// symbol: its ELF address plus the slide the kernel will report (found by
// running a copy of m ahead, as the stub does for qOffsets).
func movedSymbol(t *testing.T, m *emu.Machine, name string) uint64 {
	t.Helper()
	slide, ok, err := m.AheadKernelSlide()
	require.NoError(t, err)
	require.True(t, ok, "the kernel reports no base")
	return symbol(t, name) + slide
}

// symbol returns a kernel symbol's address (through gdb's own reader would
// need gdb; nm-like parsing of the ELF is in debug/elf).
func symbol(t *testing.T, name string) uint64 {
	t.Helper()
	f, err := elfOpen(images.Kernel())
	require.NoError(t, err)
	syms, err := f.Symbols()
	require.NoError(t, err)
	for _, s := range syms {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("no symbol %s", name)
	return 0
}

// TestRealGDBReverse: with a recorder, gdb's reverse-stepi and
// reverse-continue (bs, bc) go back, to a breakpoint and to just before a
// watched write.
func TestRealGDBReverse(t *testing.T) {
	gdb := requireGDB(t)
	m := bootMachine(t)
	kmain := movedSymbol(t, m, "kmain")
	rec, err := record.New(m, record.Config{SnapshotEvery: 1 << 20})
	require.NoError(t, err)
	s := serve(t, m, Options{Recorder: rec}, emu.Forever, true)
	defer rec.Close()
	defer s.close(t)
	out := runGDB(t, gdb, s, `
break kmain
continue
info registers rip
stepi
info registers rip
stepi
info registers rip
stepi
info registers rip
reverse-stepi
info registers rip
reverse-stepi
reverse-stepi
info registers rip
delete
watch *(long *)&tick_count
continue
continue
reverse-continue
print *(long *)&tick_count
delete
reverse-continue
info registers rip
detach
`)
	var rips []string
	for _, mt := range regexp.MustCompile(`(?m)^rip +(0x[0-9a-f]+)`).FindAllStringSubmatch(out, -1) {
		rips = append(rips, mt[1])
	}
	require.Len(t, rips, 7, out)
	require.Equal(t, fmt.Sprintf("%#x", kmain), rips[0], out)
	require.Equal(t, rips[2], rips[4], "one reverse-stepi undoes one stepi:\n%s", out)
	require.Equal(t, rips[0], rips[5], "three reverse-stepi undo three stepi:\n%s", out)
	require.Equal(t, fmt.Sprintf("%#x", m.BootInfo().Entry), rips[6], "back to the first instruction recorded:\n%s", out)
	for _, re := range []string{
		`Old value = 0\s+New value = 1`,
		`Old value = 1\s+New value = 2`,
		// Backwards, the watchpoint stops before the write of 2: gdb sees 2 -> 1.
		`Old value = 2\s+New value = 1`,
		`\$1 = 1`,
		`No more reverse-execution history`,
	} {
		require.Regexp(t, regexp.MustCompile(re), out)
	}
}

// TestDisconnectMidPacket: a client that goes away in the middle of a
// packet leaves the machine (and the recording) intact; it runs on, and
// the next client attaches to it.
func TestDisconnectMidPacket(t *testing.T) {
	m := bootMachine(t)
	rec, err := record.New(m, record.Config{SnapshotEvery: 1 << 20})
	require.NoError(t, err)
	s := serve(t, m, Options{Recorder: rec}, emu.Forever, true)
	defer rec.Close()
	defer s.close(t)
	c := dial(t, s)
	require.Equal(t, "T05thread:01;", c.ask("s"))
	c.raw("$m10000") // no end
	c.conn.Close()
	// Until the stub has seen the connection end (a hang guard in CPU time).
	require.True(t, cputime.Until(func() bool { return !s.stub.Attached() }, time.Millisecond, cputime.Self, waitCPU),
		"the stub did not see the client go")

	c2 := dial(t, s)
	require.Equal(t, "T02thread:01;", c2.ask("?"), "the guest ran on and stopped for the new client")
	require.Contains(t, c2.ask("qSupported"), "ReverseStep+")
	before := m.CPU.Instret
	require.Equal(t, "T05thread:01;", c2.ask("bs"))
	require.Equal(t, before-1, m.CPU.Instret, "the recording survived")
	require.Equal(t, "OK", c2.ask("vKill;1"))
	require.Equal(t, emu.StopRequested, s.wait(t).Reason)
}

// TestThreadsAreVCPUs: on a two-processor machine gdb sees two threads; the
// second is the application processor, parked in real mode, and stepping
// it leaves the first where it was.
func TestThreadsAreVCPUs(t *testing.T) {
	k, err := os.ReadFile("../testdata/smp.bin")
	require.NoError(t, err)
	m, err := emu.New(emu.Config{Seed: 1, CPUs: 2})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "smp.bin", Kernel: k})
	require.NoError(t, err)
	bspRIP := m.CPU.RIP
	s := serve(t, m, Options{}, emu.Forever, true)
	c := dial(t, s)
	require.Equal(t, "m1,2", c.ask("qfThreadInfo"))
	info, err := hex.DecodeString(c.ask("qThreadExtraInfo,2"))
	require.NoError(t, err)
	require.Equal(t, "vCPU 1, 16-bit, CPL 0", string(info))
	require.Equal(t, "OK", c.ask("Hg2"))
	require.Equal(t, "QC2", c.ask("qC"))
	// A single step of thread 2 moves the AP only (it is parked: the step
	// ends at once), and the reply names thread 2.
	require.Equal(t, "T05thread:02;", c.ask("vCont;s:2"))
	require.Equal(t, bspRIP, m.CPU.RIP)
	require.Equal(t, "OK", c.ask("vKill;1"))
	require.Equal(t, emu.StopRequested, s.wait(t).Reason)
}

// TestQOffsets: gdb learns how far the guest moved its kernel image from
// its link address (kaslr=1), and nothing when it did not. Asked before
// the kernel reported its base, the stub runs a copy of the machine ahead
// to the report: the machine itself stays at its first instruction and
// then reports the same slide.
func TestQOffsets(t *testing.T) {
	m := bootMachine(t, "kaslr=1")
	rip := m.CPU.RIP
	var reported []uint64
	m.Subscribe(func(e emu.Event) {
		if e.Type == abi.EvKernelBase {
			reported = append(reported, e.Args[1])
		}
	})
	s := serve(t, m, Options{}, 50_000_000, true)
	c := dial(t, s)
	off := c.ask("qOffsets")
	require.Regexp(t, `^Text=[0-9a-f]+;Data=[0-9a-f]+;Bss=[0-9a-f]+$`, off)
	require.Equal(t, rip, m.CPU.RIP, "the machine did not move")
	require.False(t, m.Symbols().KernelBaseKnown())
	require.Empty(t, reported, "the copy's events stay its own")
	require.Equal(t, "OK", c.ask("D"))
	s.wait(t)
	require.Len(t, reported, 1)
	require.Equal(t, off, fmt.Sprintf("Text=%x;Data=%x;Bss=%x", reported[0], reported[0], reported[0]))

	m = bootMachine(t, "kaslr=0")
	s = serve(t, m, Options{}, 50_000_000, true)
	c = dial(t, s)
	require.Equal(t, "", c.ask("qOffsets"), "kaslr=0: the kernel stays at its link address")
	require.Equal(t, "OK", c.ask("D"))
	s.wait(t)

	m = bootMachine(t, "")
	m.Symbols().SetKernelSlide(0x1234000)
	s = serve(t, m, Options{}, 50_000_000, true)
	c = dial(t, s)
	require.Equal(t, "Text=1234000;Data=1234000;Bss=1234000", c.ask("qOffsets"))
	require.Equal(t, "OK", c.ask("D"))
	s.wait(t)
}

// monitorOut runs a monitor command and returns its console output.
func (c *rsp) monitorOut(cmd string) string {
	c.t.Helper()
	c.raw(string(encodePacket("qRcmd," + hex.EncodeToString([]byte(cmd)))))
	var out strings.Builder
	for {
		p := c.rawReply()
		if p == "OK" {
			return out.String()
		}
		require.True(c.t, strings.HasPrefix(p, "O"), "%q: %s", cmd, p)
		b, err := hex.DecodeString(p[1:])
		require.NoError(c.t, err)
		out.Write(b)
	}
}

// TestMonitorFollowsThread: monitor commands act on gdb's current thread
// (Hg), not on the processor a console command selected before.
func TestMonitorFollowsThread(t *testing.T) {
	k, err := os.ReadFile("../testdata/smp.bin")
	require.NoError(t, err)
	m, err := emu.New(emu.Config{Seed: 1, CPUs: 2})
	require.NoError(t, err)
	_, err = m.Boot(emu.BootImage{Path: "smp.bin", Kernel: k})
	require.NoError(t, err)
	var cpus []int
	mon, err := debug.New(m, debug.Config{Embedded: true})
	require.NoError(t, err)
	defer mon.Close()
	s := serve(t, m, Options{Monitor: func(i int, cmd string) (string, error) {
		cpus = append(cpus, i)
		return mon.MonitorCPU(i, cmd)
	}}, emu.Forever, true)
	c := dial(t, s)
	rip := func(i int) string { return fmt.Sprintf("rip    0x%016x", m.CPUs[i].RIP) }
	require.NotEqual(t, rip(0), rip(1), "the processors must be told apart")

	require.Contains(t, c.monitorOut("regs"), rip(0))
	require.Equal(t, "OK", c.ask("Hg2"))
	require.Contains(t, c.monitorOut("regs"), rip(1))
	// The console's own selection lasts one command: gdb's thread wins.
	require.Equal(t, "OK", c.ask("Hg1"))
	c.monitorOut("cpu 1")
	require.Contains(t, c.monitorOut("regs"), rip(0))
	require.Equal(t, []int{0, 1, 0, 0}, cpus)
	require.Equal(t, "OK", c.ask("vKill;1"))
	s.wait(t)
}
