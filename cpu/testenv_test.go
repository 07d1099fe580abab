package cpu

// Test helper shared by every cpu test file (core, ALU, SSE, differential):
//
//	e := newTestEnv(t, 0)                  // 64-bit long mode, CPL 0 (or 3)
//	e.code(0x90, 0xF4)                     // code at tCode; RIP = tCode
//	ex := e.run(1000)                      // runs until HLT / budget / stop
//	e.c.GPR[RAX], e.c.Flags(), e.read64(addr), e.vector()
//
// Memory layout (identity-mapped, 4 KiB pages, all pages present, writable and user):
// page tables at 0x1000..0xBFFF, GDT at tGDT, TSS at tTSS, IDT at tIDT, one exception stub
// per vector at tStubs+16*v (a HLT; e.vector() tells which one ran), kernel stack
// tKStack, user stack tUStack, IST1 stack tISTStack, code at tCode, data at tData.

import (
	"encoding/binary"
	"testing"

	"github.com/kppemu/kppemu/mmu"
)

const (
	tRAM      = 16 << 20
	tPML4     = 0x1000
	tGDT      = 0xC000
	tTSS      = 0xD000
	tIDT      = 0xE000
	tStubs    = 0xF000
	tISTStack = 0x3F000
	tUStack   = 0x5F000
	tKStack   = 0x7F000
	tCode     = 0x100000
	tHigh     = 0xFFFFFFFF80000000 // alias of physical 0..16 MiB
	tData     = 0x200000

	// GDT selectors.
	selKCode64 = 0x08
	selKData   = 0x10
	selUCode32 = 0x18
	selUData   = 0x20
	selUCode64 = 0x28
	selTSS     = 0x30
	selKCode32 = 0x40
)

// Raw GDT entries.
const (
	descKCode64 = 0x00AF9A000000FFFF
	descKData   = 0x00CF92000000FFFF
	descUCode32 = 0x00CFFA000000FFFF
	descUData   = 0x00CFF2000000FFFF
	descUCode64 = 0x00AFFA000000FFFF
	descKCode32 = 0x00CF9A000000FFFF
)

// testBus records port I/O.
type testBus struct {
	outs []ioRec
	in   func(port uint16, size int) uint32
}

type ioRec struct {
	port uint16
	size int
	v    uint32
}

func (b *testBus) In(port uint16, size int) uint32 {
	if b.in != nil {
		return b.in(port, size)
	}
	return 0xFFFFFFFF & (1<<(8*size) - 1)
}

func (b *testBus) Out(port uint16, size int, v uint32) {
	b.outs = append(b.outs, ioRec{port, size, v})
}

// testIntr is an interrupt controller returning a fixed vector.
type testIntr struct {
	vec  uint8
	acks int
}

func (t *testIntr) Ack() uint8 { t.acks++; return t.vec }

type testEnv struct {
	t    testing.TB
	c    *CPU
	m    *mmu.MMU
	bus  *testBus
	intr *testIntr
}

// newTestEnv builds a CPU in 64-bit long mode at privilege cpl (0 or 3) with paging on,
// the layout described above, RIP = tCode and RSP at the top of the kernel (or user) stack.
func newTestEnv(t testing.TB, cpl uint8) *testEnv {
	t.Helper()
	m := mmu.New(tRAM)
	e := &testEnv{t: t, m: m, bus: &testBus{}, intr: &testIntr{vec: 0x20}}
	e.c = New(Config{Mem: m, IO: e.bus, Intr: e.intr, Seed: 1})
	// KPPEMU_ACCEL runs every CPU test in the tier it names.
	accel, err := AccelFromEnv()
	if err == nil {
		err = e.c.SetAccel(accel)
	}
	if err != nil {
		t.Fatal(err)
	}
	e.buildTables()
	s := e.c.Snapshot()
	s.CR0 = CR0PE | CR0PG | CR0ET | CR0NE | CR0MP
	s.CR4 = CR4PAE | CR4OSFXSR | CR4OSXMMEXCPT | CR4PGE
	s.CR3 = tPML4
	s.EFER = EFERLME | EFERLMA | EFERSCE | EFERNXE
	s.GDTR = DTR{Base: tGDT, Limit: 0x4F}
	s.IDTR = DTR{Base: tIDT, Limit: 0xFFF}
	s.TR = Segment{Selector: selTSS, Base: tTSS, Limit: 0x67, Attr: attrP | sysTSSBusy}
	s.LDTR = Segment{}
	if cpl == 3 {
		s.Seg[CS] = segFromDesc(selUCode64|3, descUCode64)
		for _, i := range []int{ES, SS, DS, FS, GS} {
			s.Seg[i] = segFromDesc(selUData|3, descUData)
		}
		s.GPR[RSP] = tUStack
	} else {
		s.Seg[CS] = segFromDesc(selKCode64, descKCode64)
		for _, i := range []int{ES, SS, DS, FS, GS} {
			s.Seg[i] = segFromDesc(selKData, descKData)
		}
		s.GPR[RSP] = tKStack
	}
	s.CPL = cpl
	s.RIP = tCode
	s.RFLAGS = flagRsv1
	e.c.Restore(s)
	return e
}

// buildTables writes page tables, GDT, TSS, IDT and exception stubs.
func (e *testEnv) buildTables() {
	ram := e.m.RAM()
	put := func(a uint64, v uint64) { binary.LittleEndian.PutUint64(ram[a:], v) }
	const flags = 0x7 // P | RW | US
	put(tPML4, 0x2000|flags)
	put(0x2000, 0x3000|flags)
	// The same 16 MiB also at tHigh (the -mcmodel=kernel range): PML4[511], PDPT[510].
	put(tPML4+8*511, 0x2000|flags)
	put(0x2000+8*510, 0x3000|flags)
	for i := uint64(0); i < 8; i++ {
		put(0x3000+8*i, (0x4000+0x1000*i)|flags)
	}
	for p := uint64(0); p < tRAM/4096; p++ {
		put(0x4000+8*p, p*4096|flags)
	}
	gdt := []uint64{0, descKCode64, descKData, descUCode32, descUData, descUCode64, 0, 0, descKCode32, 0}
	// TSS descriptor (64-bit available TSS, marked busy since TR is loaded).
	gdt[6] = 0x67 | (tTSS&0xFFFFFF)<<16 | uint64(0x80|sysTSSBusy)<<40 | (tTSS>>24&0xFF)<<56
	gdt[7] = tTSS >> 32
	for i, d := range gdt {
		put(tGDT+8*uint64(i), d)
	}
	put(tTSS+4, tKStack)    // RSP0
	put(tTSS+36, tISTStack) // IST1
	ram[tTSS+0x66] = 0x68   // I/O map base beyond the limit: no port allowed at CPL > IOPL
	for v := uint64(0); v < 256; v++ {
		stub := tStubs + 16*v
		ram[stub] = 0xF4 // HLT
		lo := stub&0xFFFF | selKCode64<<16 | uint64(0x80|sysIntGate)<<40 | (stub>>16&0xFFFF)<<48
		put(tIDT+16*v, lo)
		put(tIDT+16*v+8, stub>>32)
	}
}

// setGate rewrites IDT entry v: handler address, gate type (sysIntGate/sysTrapGate), DPL, IST.
func (e *testEnv) setGate(v uint8, handler uint64, typ uint8, dpl uint8, ist uint8) {
	lo := handler&0xFFFF | selKCode64<<16 | uint64(ist)<<32 | uint64(0x80|typ|dpl<<5)<<40 | (handler>>16&0xFFFF)<<48
	e.poke64(tIDT+16*uint64(v), lo)
	e.poke64(tIDT+16*uint64(v)+8, handler>>32)
}

// code writes b at tCode and points RIP there.
func (e *testEnv) code(b ...byte) {
	e.load(tCode, b)
	e.c.RIP = tCode
}

// load writes b at physical address a (invalidating decoded code there).
func (e *testEnv) load(a uint64, b []byte) { e.m.WritePhys(mmu.PAddr(a), b) }

func (e *testEnv) poke64(a, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	e.load(a, b[:])
}

func (e *testEnv) read64(a uint64) uint64 {
	var b [8]byte
	e.m.ReadPhys(mmu.PAddr(a), b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func (e *testEnv) read32(a uint64) uint32 {
	var b [4]byte
	e.m.ReadPhys(mmu.PAddr(a), b[:])
	return binary.LittleEndian.Uint32(b[:])
}

// run runs up to budget instructions and returns the exit (HLT ends the run).
func (e *testEnv) run(budget uint64) Exit {
	e.t.Helper()
	ex := e.c.Run(budget)
	if ex.Reason == ExitShutdown {
		e.t.Fatalf("cpu shutdown: %s", ex.Diag)
	}
	return ex
}

// vector returns the exception/interrupt vector whose default stub the CPU halted in, or -1.
func (e *testEnv) vector() int {
	rip := e.c.RIP - 1
	if rip >= tStubs && rip < tStubs+256*16 && (rip-tStubs)%16 == 0 {
		return int((rip - tStubs) / 16)
	}
	return -1
}

// mustHalt runs code and fails unless it halts normally (not in an exception stub).
func (e *testEnv) mustHalt(budget uint64) {
	e.t.Helper()
	ex := e.run(budget)
	if ex.Reason != ExitHalt && ex.Reason != ExitDeadHalt {
		e.t.Fatalf("exit %v (%s), want halt; RIP=%#x", ex.Reason, ex.Diag, e.c.RIP)
	}
	if v := e.vector(); v >= 0 {
		e.t.Fatalf("halted in exception stub for vector %d (%s); frame RIP=%#x code=%#x",
			v, vectorName(uint8(v)), e.read64(e.c.GPR[RSP]), e.read64(e.c.GPR[RSP]))
	}
}
