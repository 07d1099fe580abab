package cpu

import "testing"

// dbEnv is a CPL-0 environment with a read/write data breakpoint (DR0, one
// byte) on tData, where a kernel data selector is stored for MOV SS to load.
func dbEnv(t *testing.T) *testEnv {
	e := newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	e.poke64(tData, selKData)
	e.c.DR[0] = tData
	e.c.DR[7] = 0x400 | 1 | 3<<16 // L0, RW0=11 (read/write), LEN0=00
	e.c.updateDR()
	e.c.GPR[RBX] = tData
	return e
}

// dbOnce checks that exactly one #DB frame (5 qwords) sits on the kernel
// stack below sp (16-byte aligned), saved at rip, and returns DR6.
func dbOnce(t *testing.T, e *testEnv, sp, rip uint64) uint64 {
	t.Helper()
	if e.vector() != VecDB {
		t.Fatalf("vector %d, RIP %#x", e.vector(), e.c.RIP)
	}
	if e.c.GPR[RSP] != sp-40 {
		t.Fatalf("RSP %#x, want %#x (one #DB frame)", e.c.GPR[RSP], sp-40)
	}
	if got := e.frame(1)[0]; got != rip {
		t.Fatalf("#DB saved RIP %#x, want %#x", got, rip)
	}
	return e.c.DR[6]
}

// TestMovSSDelaysDataBreakpoint: the data breakpoint hit by MOV SS is held
// back until the next instruction has completed.
func TestMovSSDelaysDataBreakpoint(t *testing.T) {
	e := dbEnv(t)
	e.code(0x8E, 0x13, 0x90, 0x90, 0xF4) // mov ss,[rbx]; nop; nop; hlt
	e.run(10)
	if dr6 := dbOnce(t, e, tKStack, tCode+3); dr6&0x400F != 1 {
		t.Fatalf("DR6 %#x, want B0 only", dr6)
	}
	// Without the shadow (a plain load) the trap follows the load itself.
	e = dbEnv(t)
	e.code(0x8B, 0x03, 0x90, 0x90, 0xF4) // mov eax,[rbx]; nop; nop; hlt
	e.run(10)
	dbOnce(t, e, tKStack, tCode+2)
}

// TestMovSSThenIntDeliversInHandler: when the instruction after MOV SS is
// INT n, INT3 or SYSCALL, the held-back #DB is taken on the first
// instruction of the handler it entered (RIP = handler, CPL 0), after the
// handler's frame has been pushed.
func TestMovSSThenIntDeliversInHandler(t *testing.T) {
	const handler = tCode + 0x80
	for _, tc := range []struct {
		name  string
		insn  []byte
		frame int // bytes the transfer pushes
	}{
		{"int 0x40", []byte{0xCD, 0x40}, 40},
		{"int3", []byte{0xCC}, 40},
		{"syscall", []byte{0x0F, 0x05}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := dbEnv(t)
			e.setGate(0x40, handler, sysIntGate, 0, 0)
			e.setGate(VecBP, handler, sysIntGate, 0, 0)
			e.c.STAR = uint64(selKCode64) << 32
			e.c.LSTAR = handler
			e.load(handler, []byte{0x90, 0xF4})
			e.code(append(append([]byte{0x8E, 0x13}, tc.insn...), 0xF4)...)
			e.run(10)
			sp := (tKStack - uint64(tc.frame)) &^ 15 // 64-bit delivery aligns RSP
			if dr6 := dbOnce(t, e, sp, handler); dr6&0xF != 1 {
				t.Fatalf("DR6 %#x", dr6)
			}
		})
	}
}

// TestICEBP: F1 raises #DB as a trap (saved RIP after it) without touching
// DR6 (no BS even with TF=1, one #DB only), and a MOV SS shadow does not
// suppress it.
func TestICEBP(t *testing.T) {
	e := newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	e.code(0xF1, 0xF4)
	e.run(10)
	if dr6 := dbOnce(t, e, tKStack, tCode+1); dr6 != 0xFFFF0FF0 {
		t.Fatalf("DR6 %#x, want unchanged", dr6)
	}

	// With TF=1: still one #DB, BS clear.
	e = newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	e.c.RFLAGS |= FlagTF
	e.c.syncPending()
	e.code(0xF1, 0xF4)
	e.run(10)
	if dr6 := dbOnce(t, e, tKStack, tCode+1); dr6 != 0xFFFF0FF0 {
		t.Fatalf("TF=1: DR6 %#x, want unchanged", dr6)
	}

	// In a MOV SS shadow.
	e = newTestEnv(t, 0)
	e.setGate(VecDB, tStubs+16*VecDB, sysIntGate, 0, 0)
	e.c.GPR[RAX] = selKData
	e.code(0x8E, 0xD0, 0xF1, 0xF4) // mov ss,eax; icebp; hlt
	e.run(10)
	if dr6 := dbOnce(t, e, tKStack, tCode+3); dr6 != 0xFFFF0FF0 {
		t.Fatalf("shadow: DR6 %#x", dr6)
	}
}

// TestSingleStepAndDataBreakpointOneDB: TF=1 and a data breakpoint on the
// same instruction are reported together in one #DB (BS and B0).
func TestSingleStepAndDataBreakpointOneDB(t *testing.T) {
	e := dbEnv(t)
	e.c.RFLAGS |= FlagTF
	e.c.syncPending()
	e.code(0x8B, 0x03, 0x90, 0xF4) // mov eax,[rbx]; nop; hlt
	e.run(10)
	if dr6 := dbOnce(t, e, tKStack, tCode+2); dr6&0x400F != 0x4001 {
		t.Fatalf("DR6 %#x, want BS|B0", dr6)
	}
	// After MOV SS: the step trap and the held-back data trap come together
	// after the next instruction.
	e = dbEnv(t)
	e.c.RFLAGS |= FlagTF
	e.c.syncPending()
	e.code(0x8E, 0x13, 0x90, 0x90, 0xF4) // mov ss,[rbx]; nop; nop; hlt
	e.run(10)
	if dr6 := dbOnce(t, e, tKStack, tCode+3); dr6&0x400F != 0x4001 {
		t.Fatalf("MOV SS: DR6 %#x, want BS|B0", dr6)
	}
}
