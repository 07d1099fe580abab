package cpu

import (
	"bytes"
	"encoding/gob"
	"math/rand"
	"os"
	"strconv"
	"testing"
)

// TestRandomBytesNeverPanic executes random byte streams at CPL 0 and 3 and in 32-bit
// protected mode: every run must end in an architectural outcome, never ExitShutdown
// (the recover net in Run).
func TestRandomBytesNeverPanic(t *testing.T) {
	seed := int64(1)
	if s := os.Getenv("KPPEMU_RANDOM_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	n := 300
	if testing.Short() {
		n = 50
	}
	if s := os.Getenv("KPPEMU_RANDOM_CASES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for i := 0; i < n; i++ {
		var e *testEnv
		switch i % 4 {
		case 0:
			e = newTestEnv(t, 0)
		case 1:
			e = newTestEnv(t, 3)
		case 2:
			e = newTestEnv32(t)
		default: // compatibility mode at CPL 3
			e = newTestEnv(t, 3)
			e.c.Seg[CS] = segFromDesc(selUCode32|3, descUCode32)
			e.c.updateMode()
		}
		code := make([]byte, 256)
		rng.Read(code)
		e.code(code...)
		for j := range e.c.GPR {
			e.c.GPR[j] = tData + uint64(rng.Intn(0x10000))
		}
		for k := 0; k < 5; k++ {
			ex := e.c.Run(200)
			if ex.Reason == ExitShutdown {
				t.Fatalf("case %d: %s\ncode % x", i, ex.Diag, code)
			}
			if ex.Reason == ExitTripleFault {
				break
			}
			// Resume from wherever it is, with interrupts possibly pending.
			e.c.Halted = false
			e.c.syncPending()
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	e := newTestEnv(t, 0)
	// L: add rax, 3; xor rbx, rax; cmp rax, 300; jne L; hlt
	e.code(0x48, 0x83, 0xC0, 0x03, 0x48, 0x31, 0xC3, 0x48, 0x3D, 0x2C, 0x01, 0x00, 0x00, 0x75, 0xF1, 0xF4)
	e.run(50)
	snap := e.c.Snapshot()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(snap); err != nil {
		t.Fatal(err)
	}
	e.mustHalt(1000)
	want := e.c.Snapshot()
	var back State
	if err := gob.NewDecoder(&buf).Decode(&back); err != nil {
		t.Fatal(err)
	}
	e.c.Restore(back)
	e.mustHalt(1000)
	if got := e.c.Snapshot(); got != want {
		t.Fatalf("state differs after restore:\n got %+v\nwant %+v", got, want)
	}
}

func TestRequestExitAndBreakpoint(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0x90, 0x90, 0x90, 0xEB, 0xFB) // nop x3; jmp back
	e.c.RequestExit()
	if ex := e.run(100); ex.Reason != ExitRequested {
		t.Fatalf("exit %v", ex.Reason)
	}
	e.c.SetBreakpoint(tCode + 2)
	ex := e.run(100)
	if ex.Reason != ExitBreakpoint || e.c.RIP != tCode+2 {
		t.Fatalf("exit %v rip %#x", ex.Reason, e.c.RIP)
	}
	// Resuming executes the instruction at the breakpoint, then stops there again next lap.
	n := e.c.Instret
	ex = e.run(100)
	if ex.Reason != ExitBreakpoint || e.c.RIP != tCode+2 || e.c.Instret != n+4 {
		t.Fatalf("exit %v rip %#x instret +%d", ex.Reason, e.c.RIP, e.c.Instret-n)
	}
	e.c.ClearBreakpoint(tCode + 2)
	e.c.AddWatchpoint(tData, 8, false, true)
	e.c.GPR[RBX] = tData
	e.code(0x90, 0x48, 0x89, 0x03, 0x90, 0xF4) // nop; mov [rbx], rax; nop; hlt
	ex = e.run(100)
	if ex.Reason != ExitWatchpoint || e.c.RIP != tCode+4 {
		t.Fatalf("exit %v rip %#x", ex.Reason, e.c.RIP)
	}
}

func TestIOWriteEndsSlice(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0xB0, 0x41, 0xE6, 0xE9, 0x90, 0xF4) // mov al, 'A'; out 0xe9, al; nop; hlt
	ex := e.run(100)
	if ex.Reason != ExitBudget || e.c.RIP != tCode+4 {
		t.Fatalf("exit %v rip %#x", ex.Reason, e.c.RIP)
	}
	if len(e.bus.outs) != 1 || e.bus.outs[0] != (ioRec{0xE9, 1, 0x41}) {
		t.Fatalf("outs %+v", e.bus.outs)
	}
	e.mustHalt(10)
}

// testMMIO records MMIO writes.
type testMMIO struct{ writes [][]byte }

func (d *testMMIO) ReadMMIO(off uint64, data []byte) {
	for i := range data {
		data[i] = byte(off) + byte(i)
	}
}

func (d *testMMIO) WriteMMIO(off uint64, data []byte) {
	d.writes = append(d.writes, append([]byte{byte(off)}, data...))
}

func TestMMIOWriteEndsSlice(t *testing.T) {
	e := newTestEnv(t, 0)
	dev := &testMMIO{}
	if err := e.m.AttachMMIO(0xFEE00000, 0x1000, dev); err != nil {
		t.Fatal(err)
	}
	const va = tData + 0x6000
	e.poke64(0x4000+8*(va>>12), 0xFEE00000|0x3)
	e.c.GPR[RBX] = va
	// mov eax, [rbx+0x20]; mov [rbx+0x30], eax; nop; hlt
	e.code(0x8B, 0x43, 0x20, 0x89, 0x43, 0x30, 0x90, 0xF4)
	ex := e.run(100)
	if ex.Reason != ExitBudget || e.c.RIP != tCode+6 {
		t.Fatalf("exit %v rip %#x", ex.Reason, e.c.RIP)
	}
	if e.c.GPR[RAX] != 0x23222120 || len(dev.writes) != 1 || dev.writes[0][0] != 0x30 {
		t.Fatalf("rax %#x writes %x", e.c.GPR[RAX], dev.writes)
	}
	e.mustHalt(10)
}

func TestRequestExitFromAnotherGoroutine(t *testing.T) {
	e := newTestEnv(t, 0)
	e.code(0x48, 0xFF, 0xC0, 0xEB, 0xFB) // L: inc rax; jmp L
	done := make(chan Exit)
	go func() { done <- e.c.Run(1 << 40) }()
	for e.c.RequestExit(); ; e.c.RequestExit() {
		select {
		case ex := <-done:
			if ex.Reason != ExitRequested {
				t.Fatalf("exit %v", ex.Reason)
			}
			return
		default:
		}
	}
}
