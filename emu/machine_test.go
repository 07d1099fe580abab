package emu

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu/dev"
	"github.com/kppemu/kppemu/kernel/abi"
)

const timerGuest = "testdata/timer.bin"

// rawImage wraps 32-bit code in an a.out-kludge image loaded at 1 MiB; the
// code starts at 0x100020 (the entry).
func rawImage(code ...byte) []byte {
	const load = 0x100000
	return append(mbHeader(mbHeaderAout, load, load, 0, load+0x10000, load+32), code...)
}

func (tm *testMachine) bootRaw(t testing.TB, code ...byte) {
	t.Helper()
	_, err := tm.Boot(BootImage{Path: "raw", Kernel: rawImage(code...)})
	require.NoError(t, err)
}

// x86 encodings used by the raw guests (32-bit protected mode).
var (
	opCLI     = []byte{0xFA}
	opSTI     = []byte{0xFB}
	opHLT     = []byte{0xF4}
	opJmpSelf = []byte{0xEB, 0xFE}
	opOutDX   = []byte{0xEF} // out %eax, %dx
)

func movEAX(v uint32) []byte { return binary.LittleEndian.AppendUint32([]byte{0xB8}, v) }
func movDX(v uint16) []byte  { return binary.LittleEndian.AppendUint16([]byte{0x66, 0xBA}, v) }
func movStoreEAX(addr uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{0xA3}, addr) // mov %eax, addr
}

func code(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

type recordingPort struct {
	reads, writes []string
}

func (r *recordingPort) ReadPort(off uint16, data []byte) {
	r.reads = append(r.reads, strings.Repeat("r", len(data))+string(rune('0'+off)))
	for i := range data {
		data[i] = byte(0x10*off) + byte(i)
	}
}

func (r *recordingPort) WritePort(off uint16, data []byte) {
	r.writes = append(r.writes, strings.Repeat("w", len(data))+string(rune('0'+off)))
}

func TestPortBus(t *testing.T) {
	var b PortBus
	d := &recordingPort{}
	require.NoError(t, b.Attach(0x100, 4, "dev", d))
	require.ErrorContains(t, b.Attach(0x103, 2, "other", d), "overlaps dev")
	require.ErrorContains(t, b.Attach(0xFF, 2, "other", d), "overlaps dev")
	require.ErrorContains(t, b.Attach(0xFFFF, 2, "wrap", d), "past 0xFFFF")
	require.ErrorContains(t, b.Attach(0x200, 0, "empty", d), "empty")
	require.NoError(t, b.Attach(0xFFFF, 1, "last", &recordingPort{}))

	// Unassigned ports: all-ones, writes ignored.
	require.Equal(t, uint32(0xFF), b.In(0x80, 1))
	require.Equal(t, uint32(0xFFFF), b.In(0x80, 2))
	require.Equal(t, uint32(0xFFFFFFFF), b.In(0x80, 4))
	b.Out(0x80, 4, 0x12345678)

	// Inside the range: one access with the device's offset and the width.
	require.Equal(t, uint32(0x1110), b.In(0x101, 2))
	require.Equal(t, uint32(0x03020100), b.In(0x100, 4))
	b.Out(0x102, 2, 0xBEEF)
	require.Equal(t, []string{"rr1", "rrrr0"}, d.reads)
	require.Equal(t, []string{"ww2"}, d.writes)

	// Crossing the end of the range: byte by byte, all-ones outside.
	d.reads = nil
	require.Equal(t, uint32(0xFFFF3020), b.In(0x102, 4))
	require.Equal(t, []string{"r2", "r3"}, d.reads)

	// Detach frees the ports; a later range takes the detached one's place.
	b.Detach("dev")
	b.Detach("nothing")
	require.Equal(t, uint32(0xFFFFFFFF), b.In(0x100, 4))
	require.NoError(t, b.Attach(0x102, 8, "moved", d))
	require.Equal(t, []PortRange{{0x102, 8, "moved"}, {0xFFFF, 1, "last"}}, b.Ranges())
}

func TestMachinePorts(t *testing.T) {
	m := newTestMachine(t)
	// The event port and PCI configuration data read all-ones as on QEMU;
	// an unassigned port too.
	require.Equal(t, uint32(0xFFFFFFFF), m.Ports.In(abi.EventPort, 4))
	require.Equal(t, uint32(0xFFFFFFFF), m.Ports.In(0xCFC, 4))
	require.Equal(t, uint32(0xFF), m.Ports.In(0x80, 1))
	// fw_cfg signature.
	m.Ports.Out(PortFwCfg, 2, 0)
	sig := []byte{byte(m.Ports.In(PortFwCfg+1, 1)), byte(m.Ports.In(PortFwCfg+1, 1)), byte(m.Ports.In(PortFwCfg+1, 1)), byte(m.Ports.In(PortFwCfg+1, 1))}
	require.Equal(t, "QEMU", string(sig))
	// COM1 LCR reads back.
	m.Ports.Out(abi.COM1Port+3, 1, 0x03)
	require.Equal(t, uint32(0x03), m.Ports.In(abi.COM1Port+3, 1))
	// isa-debug-exit stops the machine with (v<<1)|1.
	m.Ports.Out(abi.DebugExitPort, 4, 0x10)
	s, ok := m.takeStop()
	require.True(t, ok)
	require.Equal(t, Stop{Reason: StopDebugExit, Status: 0x21, Diag: "guest wrote 0x10 to isa-debug-exit"}, s)
}

func TestBootEntryState(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, opHLT...)
	s := m.CPU.Snapshot()
	require.Equal(t, uint64(MultibootBootMagic), s.GPR[cpu.RAX])
	require.Equal(t, uint64(MultibootInfoAddr), s.GPR[cpu.RBX])
	require.Equal(t, uint64(0x100020), s.RIP)
	require.Equal(t, uint64(cpu.CR0PE|cpu.CR0ET), s.CR0)
	require.Zero(t, s.RFLAGS&cpu.FlagIF)
	require.Equal(t, uint16(0x08), s.Seg[cpu.CS].Selector)
	require.Equal(t, uint32(0xFFFFFFFF), s.Seg[cpu.CS].Limit)
	require.Equal(t, uint16(0x10), s.Seg[cpu.DS].Selector)
	require.Zero(t, s.EFER)
	require.Zero(t, s.Clock)
}

func TestDeadHalt(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, code(opCLI, opHLT)...)
	s := m.Run(Forever)
	m.gate(t, s.Reason == StopDeadHalt, s)
	require.Equal(t, StopDeadHalt, s.Reason, "%v", s)
	require.Contains(t, s.Diag, "HLT with interrupts disabled")
}

// TestHaltWakesOnNMI: HLT with interrupts disabled still wakes on an NMI,
// as on real processors and QEMU, when a device is routed to raise one
// (here PIT channel 0, which the firmware leaves at 18.2 Hz, through an
// I/O APIC entry with NMI delivery); the handler's own HLT, NMIs blocked
// until an IRET that never comes, is the dead halt. An entry addressed to
// another APIC ID, or none, wakes nothing: a dead halt at once.
func TestHaltWakesOnNMI(t *testing.T) {
	const idt, marker = 0x180000, 0x200000
	for _, tc := range []struct {
		routed bool
		dest   uint32 // the entry's destination APIC ID
	}{{true, 0}, {true, 1}, {false, 0}} {
		routed := tc.routed
		m := newTestMachine(t)
		m.bootRaw(t, code(
			[]byte{0x0F, 0x01, 0x1D}, binary.LittleEndian.AppendUint32(nil, idt), // lidt idt
			opCLI, opHLT, opJmpSelf,
			movEAX(0x4E4D4921), movStoreEAX(marker), opHLT, opJmpSelf)...) // the NMI handler, at 0x10002B
		handler := uint32(0x10002B)
		desc := binary.LittleEndian.AppendUint16(nil, 0xFF)
		desc = binary.LittleEndian.AppendUint32(desc, idt+0x100)
		m.WritePhys(idt, desc)
		gate := binary.LittleEndian.AppendUint16(nil, uint16(handler))
		gate = binary.LittleEndian.AppendUint16(gate, m.CPU.Seg[cpu.CS].Selector)
		gate = append(gate, 0, 0x8E) // 32-bit interrupt gate, present
		gate = binary.LittleEndian.AppendUint16(gate, uint16(handler>>16))
		m.WritePhys(idt+0x100+2*8, gate)
		if routed {
			reg := func(r, v uint32) {
				m.IOAPIC.WriteMMIO(dev.IOAPICRegSel, binary.LittleEndian.AppendUint32(nil, r))
				m.IOAPIC.WriteMMIO(dev.IOAPICWin, binary.LittleEndian.AppendUint32(nil, v))
			}
			reg(0x10+2*uint32(dev.ISAPin(0))+1, tc.dest<<24) // physical destination
			reg(0x10+2*uint32(dev.ISAPin(0)), 4<<8)          // NMI delivery, unmasked
		}
		s := m.Run(Forever)
		m.gate(t, s.Reason == StopDeadHalt, s)
		require.Equal(t, StopDeadHalt, s.Reason, "%v", s)
		var b [4]byte
		m.ReadPhys(marker, b[:])
		if !routed || tc.dest != 0 {
			require.Zero(t, binary.LittleEndian.Uint32(b[:]), "no route to this processor: nothing wakes the halt")
			require.Less(t, s.Time, uint64(time.Millisecond))
			continue
		}
		require.Equal(t, uint32(0x4E4D4921), binary.LittleEndian.Uint32(b[:]), "the NMI handler ran")
		require.True(t, m.CPU.NMIBlocked)
		// The NMI came on the PIT's next edge (65,536 counts at 1.193 MHz).
		require.Greater(t, s.Time, uint64(time.Millisecond))
		require.LessOrEqual(t, s.Time, uint64(55*time.Millisecond))
	}
}

func TestIdleSkipsToLimit(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, code(opSTI, opHLT, opJmpSelf)...)
	// The firmware leaves the PIT running at 18.2 Hz: a control word
	// for channel 0 (mode 0, no count written yet) stops it, so no
	// device has a deadline.
	m.Ports.Out(PortPIT+3, 1, 0x30)
	s := m.Run(Forever)
	m.gate(t, s.Reason == StopIdle, s)
	require.Equal(t, StopIdle, s.Reason, "no timer armed: nothing will wake it; %v", s)
	s = m.RunFor(uint64(time.Second))
	require.Equal(t, StopTimeLimit, s.Reason)
	require.Equal(t, uint64(time.Second)+2, m.Now(), "HLT skipped straight to the limit")
	require.Equal(t, uint64(2), m.CPU.Instret)
}

func TestRequestStop(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, opJmpSelf...)
	m.RequestStop()
	s := m.Run(Forever)
	require.Equal(t, StopRequested, s.Reason)
	// A stop from another goroutine ends a run whether it comes before the
	// run starts or while it runs (on a loaded host either may happen), and
	// keeps what ran before it.
	m.RunFor(1000)
	go func() {
		time.Sleep(10 * time.Millisecond)
		m.RequestStop()
	}()
	s = m.Run(Forever)
	m.gate(t, s.Reason == StopRequested, s)
	require.Equal(t, StopRequested, s.Reason)
	require.GreaterOrEqual(t, m.Now(), uint64(1000))
}

func TestTimeLimitExact(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, opJmpSelf...)
	s := m.RunFor(12345)
	m.gate(t, s.Reason == StopTimeLimit && m.Now() == 12345, s)
	require.Equal(t, StopTimeLimit, s.Reason)
	require.Equal(t, uint64(12345), m.Now(), "one instruction is one nanosecond")
	require.Equal(t, uint64(12345), m.CPU.Instret)
}

// TestTimerGuest: the PIT interrupt reaches the CPU through the PIC and
// the local APIC's LINT0, and HLT skips guest time to each deadline.
func TestTimerGuest(t *testing.T) {
	m := newTestMachine(t)
	m.bootFile(t, timerGuest, "")
	s := m.Run(Forever)
	m.gate(t, s.Reason == StopDebugExit, s)
	require.Equal(t, StopDebugExit, s.Reason, "%v\nlogs:\n%s", s, m.logs.String())
	require.Equal(t, 0x21, s.Status)
	require.Equal(t, strings.Repeat(".", 50), m.serial.String())
	// 50 periods of 11932 PIT ticks at 1.193182 MHz: 500 ms.
	require.InDelta(t, 500e6, float64(m.Now()), 2e6, "guest time")
	require.Less(t, m.CPU.Instret, uint64(20000), "halted time is skipped, not executed")
}

// TestSnapshotRoundTrip: run N, snapshot, run M, hash; restore, run M,
// same hash and the same serial output.
func TestSnapshotRoundTrip(t *testing.T) {
	m := newTestMachine(t)
	m.bootFile(t, timerGuest, "")
	s := m.RunFor(105_000_000)
	m.gate(t, s.Reason == StopTimeLimit, s)
	require.Equal(t, StopTimeLimit, s.Reason, "%v", s)
	snap, err := m.Snapshot()
	require.NoError(t, err)
	mark := m.serial.Len()

	m.RunFor(200_000_000)
	h1, err := m.StateHash()
	require.NoError(t, err)
	out1 := m.serial.String()[mark:]
	require.NotEmpty(t, out1)

	require.NoError(t, m.Restore(snap))
	h0, err := m.StateHash()
	require.NoError(t, err)
	snapHash, err := snap.Hash()
	require.NoError(t, err)
	require.Equal(t, snapHash, h0, "restore reproduces the snapshot exactly")
	require.NotEqual(t, h1, h0)

	m.serial.Truncate(mark)
	m.RunFor(200_000_000)
	h2, err := m.StateHash()
	require.NoError(t, err)
	require.Equal(t, h1, h2, "the same run after restore ends in the same state")
	require.Equal(t, out1, m.serial.String()[mark:])

	// The guest still finishes normally after a restore.
	s = m.Run(Forever)
	require.Equal(t, StopDebugExit, s.Reason)
	require.Equal(t, strings.Repeat(".", 50), m.serial.String())
}

// TestSnapshotOtherMachine restores a snapshot into a fresh machine.
func TestSnapshotOtherMachine(t *testing.T) {
	a := newTestMachine(t)
	a.bootFile(t, timerGuest, "")
	s := a.RunFor(55_000_000)
	a.gate(t, s.Reason == StopTimeLimit, s)
	snap, err := a.Snapshot()
	require.NoError(t, err)
	b := newTestMachine(t)
	require.NoError(t, b.Restore(snap))
	sa, sb := a.Run(Forever), b.Run(Forever)
	require.Equal(t, sa, sb)
	ha, _ := a.StateHash()
	hb, _ := b.StateHash()
	require.Equal(t, ha, hb)

	small, err := New(Config{MemBytes: 64 << 20})
	require.NoError(t, err)
	require.ErrorContains(t, small.Restore(snap), "RAM")
}

func TestDeterministic(t *testing.T) {
	var hashes [2][32]byte
	for i := range hashes {
		m := newTestMachine(t)
		m.bootFile(t, timerGuest, "")
		s := m.RunFor(250_000_000)
		m.gate(t, s.Reason == StopTimeLimit, s)
		var err error
		hashes[i], err = m.StateHash()
		require.NoError(t, err)
	}
	require.Equal(t, hashes[0], hashes[1])
}

// eventRecord builds an event-port record.
func eventRecord(typ uint32, args []uint64, text string) []byte {
	n := abi.EventHeaderSize + 8*len(args) + len(text)
	b := binary.LittleEndian.AppendUint32(nil, abi.EventMagic)
	b = binary.LittleEndian.AppendUint32(b, typ)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(args)))
	for _, a := range args {
		b = binary.LittleEndian.AppendUint64(b, a)
	}
	return append(b, text...)
}

func TestEvents(t *testing.T) {
	m := newTestMachine(t)
	const rec1, rec2, bad = 0x200000, 0x200100, 0x200200
	m.bootRaw(t, code(
		movDX(abi.EventPort),
		movEAX(rec1), opOutDX,
		movEAX(bad), opOutDX,
		movEAX(rec2), opOutDX,
		opCLI, opHLT)...)
	m.WritePhys(rec1, eventRecord(abi.EvModuleLoaded, []uint64{0xFFFFFFFFA0000000, 0x3000}, "hello"))
	m.WritePhys(rec2, eventRecord(abi.EvBugCheck, []uint64{0x109, 1, 2, 3, 0x17}, ""))
	m.WritePhys(bad, []byte("garbage that is not a record"))

	var order []string
	var first []Event
	m.Subscribe(func(e Event) { first = append(first, e); order = append(order, "a") })
	cancel := m.Subscribe(func(e Event) { order = append(order, "b") })
	ch, _ := m.Events(10)
	m.Subscribe(func(e Event) {
		order = append(order, "c")
		cancel()
	})
	s := m.Run(Forever)
	m.gate(t, s.Reason == StopDeadHalt, s)
	require.Equal(t, StopDeadHalt, s.Reason, "%v", s)
	require.Equal(t, []string{"a", "b", "c", "a", "c"}, order, "subscription order; cancel takes effect for the next event")
	require.Len(t, first, 2)
	require.Equal(t, "module-loaded", EventTypeName(first[0].Type))
	require.Equal(t, []uint64{0xFFFFFFFFA0000000, 0x3000}, first[0].Args)
	require.Equal(t, "hello", first[0].Text)
	require.Equal(t, uint64(3), first[0].Time, "guest time of the third instruction, the out")
	require.Equal(t, first[0], <-ch)
	bc, ok := m.BugCheck()
	require.True(t, ok)
	require.Equal(t, []uint64{0x109, 1, 2, 3, 0x17}, bc.Args)
	require.Equal(t, dev.EventPortState{Good: 2, Bad: 1}, m.EventPort.Stats())
}

func TestMSRAndTPR(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, code(
		[]byte{0xB9, 0x1B, 0, 0, 0}, // mov $0x1B, %ecx
		[]byte{0x0F, 0x32},          // rdmsr
		movStoreEAX(0x200000),
		[]byte{0xC7, 0x05, 0x80, 0x00, 0xE0, 0xFE, 0x50, 0, 0, 0}, // movl $0x50, 0xFEE00080 (TPR)
		opCLI, opHLT)...)
	s := m.Run(Forever)
	m.gate(t, s.Reason == StopDeadHalt, s)
	require.Equal(t, StopDeadHalt, s.Reason, "%v", s)
	var b [4]byte
	m.ReadPhys(0x200000, b[:])
	require.Equal(t, uint32(0xFEE00900), binary.LittleEndian.Uint32(b[:]), "IA32_APIC_BASE: base, EN, BSP")
	require.Equal(t, uint8(0x50), m.LAPIC.TPR())
	require.Equal(t, uint64(5), m.CPU.CR8, "CR8 mirrors TPR[7:4]")
}

func TestHostMemory(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, opHLT...)
	m.WritePhys(0x300000, []byte("host poke"))
	buf := make([]byte, 9)
	require.NoError(t, m.ReadVirt(0x300000, buf), "paging off: virtual = physical")
	require.Equal(t, "host poke", string(buf))
	require.NoError(t, m.WriteVirt(0x300ffe, []byte("span")))
	m.ReadPhys(0x300ffe, buf[:4])
	require.Equal(t, "span", string(buf[:4]))
	// The local APIC's version register through MMIO.
	m.ReadPhys(LAPICBase+0x30, buf[:4])
	require.Equal(t, uint32(dev.LAPICVersionValue), binary.LittleEndian.Uint32(buf[:4]))
	pa, err := m.VirtToPhys(0x1234)
	require.NoError(t, err)
	require.Equal(t, uint64(0x1234), pa)
}

// TestSelfModifyingPoke: a host write over code the CPU has decoded takes
// effect at once.
func TestSelfModifyingPoke(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, code(opJmpSelf, opCLI, opHLT)...)
	s := m.RunFor(1000)
	m.gate(t, s.Reason == StopTimeLimit, s)
	require.Equal(t, StopTimeLimit, s.Reason)
	m.WritePhys(0x100020, []byte{0x90, 0x90}) // jmp $ -> nop; nop
	s = m.RunFor(1000)
	require.Equal(t, StopDeadHalt, s.Reason, "%v", s)
}

func TestNewErrors(t *testing.T) {
	_, err := New(Config{MemBytes: 1 << 20})
	require.ErrorContains(t, err, "memory size")
	_, err = New(Config{MemBytes: 4 << 30})
	require.ErrorContains(t, err, "memory size")
	_, err = New(Config{MemBytes: 3<<20 + 1})
	require.ErrorContains(t, err, "4 KiB")
}

func TestStep(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, code(movEAX(7), opCLI, opHLT)...)
	s := m.Step()
	m.gate(t, s.Reason == StopStep, s)
	require.Equal(t, StopStep, s.Reason)
	require.Equal(t, uint64(7), m.CPU.GPR[cpu.RAX])
	require.Equal(t, uint64(0x100025), m.CPU.RIP)
	m.SetBreakpoint(0x100026)
	s = m.Run(Forever)
	require.Equal(t, StopBreakpoint, s.Reason, "%v", s)
	require.Equal(t, uint64(0x100026), m.CPU.RIP, "stopped before the HLT")
	m.ClearBreakpoint(0x100026)
	require.Equal(t, StopDeadHalt, m.Run(Forever).Reason)
}

func TestWatchpoint(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, code(movEAX(0x1234), movStoreEAX(0x200000), opCLI, opHLT)...)
	m.AddWatchpoint(0x200002, 1, false, true)
	s := m.Run(Forever)
	m.gate(t, s.Reason == StopWatchpoint, s)
	require.Equal(t, StopWatchpoint, s.Reason, "%v", s)
	var b [4]byte
	m.ReadPhys(0x200000, b[:])
	require.Equal(t, uint32(0x1234), binary.LittleEndian.Uint32(b[:]), "the write completed")
	m.ClearWatchpoints()
	require.Equal(t, StopDeadHalt, m.Run(Forever).Reason)
}

// panicky is a timed device with a bug.
type panicky struct{}

func (panicky) NextDeadline() (uint64, bool) { return 100, true }
func (panicky) Advance(uint64)               { panic("device bug") }

func TestRunRecovers(t *testing.T) {
	m := newTestMachine(t)
	m.bootRaw(t, opJmpSelf...)
	m.timed = append(m.timed, panicky{})
	s := m.Run(Forever)
	m.gate(t, s.Reason == StopError, s)
	require.Equal(t, StopError, s.Reason)
	require.Contains(t, s.Diag, "device bug")
}
