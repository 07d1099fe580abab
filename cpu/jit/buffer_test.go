//go:build linux && amd64

package jit

import (
	"testing"
	"unsafe"
)

// TestEnter runs generated code that reads and writes the state it is given and
// returns an exit code and the budget register.
func TestEnter(t *testing.T) {
	buf, err := NewBuffer(1 << 16)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Free()
	var a Asm
	// state[1] = state[0] + budget + R13..R11; budget -= 3; return 42.
	a.Load(8, RAX, M(RBX, 0))
	a.AluRR(8, ADD, RAX, R12)
	a.AluRR(8, ADD, RAX, R13)
	a.AluRR(8, ADD, RAX, R14)
	a.AluRR(8, ADD, RAX, R15)
	a.AluRR(8, ADD, RAX, R11)
	a.Store(8, M(RBX, 8), RAX)
	a.Pushfq()
	a.Pop(RCX)
	a.AluRI(8, SUB, R12, 3)
	a.MovImm(RAX, 42)
	a.Ret()
	code, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	entry, err := buf.Write(code)
	if err != nil {
		t.Fatal(err)
	}
	state := [2]uint64{100, 0}
	regs := [4]uintptr{1000, 20000, 300000, 4000000}
	exit, rest := Enter(entry, uintptr(unsafe.Pointer(&state)), 10, &regs)
	if exit != 42 || rest != 7 || state[1] != 4321110 {
		t.Fatalf("exit %d rest %d state %v", exit, rest, state)
	}
	// A second piece of code lands in the same page: the first still runs.
	a.Reset()
	a.MovImm(RAX, 7)
	a.Ret()
	code, _ = a.Finish()
	e2, err := buf.Write(code)
	if err != nil {
		t.Fatal(err)
	}
	var zero [4]uintptr
	if x, _ := Enter(e2, 0, 0, &zero); x != 7 {
		t.Fatalf("second piece returned %d", x)
	}
	if x, _ := Enter(entry, uintptr(unsafe.Pointer(&state)), 1, &zero); x != 42 || state[1] != 101 {
		t.Fatalf("first piece after the second: %d %v", x, state)
	}
	// Patch the second piece's immediate.
	if err := buf.Patch(e2+1, []byte{9, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if x, _ := Enter(e2, 0, 0, &zero); x != 9 {
		t.Fatalf("patched piece returned %d", x)
	}
	if err := buf.Patch(e2+100, []byte{1}); err == nil {
		t.Fatal("patch past the written code accepted")
	}
	buf.Reset()
	if buf.Used() != 0 || buf.Epoch() != 1 {
		t.Fatal("reset")
	}
	big := make([]byte, 1<<16+1)
	if _, err := buf.Write(big); err != ErrFull {
		t.Fatalf("oversized write: %v", err)
	}
}

// TestStageCommit: staged pieces are not executable until a Commit, which makes all
// of them executable with one protection change; later pieces start on a writable
// page, and a Reset makes the arena writable again.
func TestStageCommit(t *testing.T) {
	buf, err := NewBuffer(1 << 16)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Free()
	piece := func(v uint64) []byte {
		var a Asm
		a.MovImm(RAX, v)
		a.Ret()
		code, err := a.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte(nil), code...)
	}
	var entries []uintptr
	for i := range 3 {
		at, err := buf.Stage(piece(uint64(10 + i)))
		if err != nil {
			t.Fatal(err)
		}
		if buf.Executable(at) || !buf.Pending() {
			t.Fatalf("piece %d executable before the commit", i)
		}
		entries = append(entries, at)
	}
	if buf.Protects() != 0 {
		t.Fatalf("%d protection changes before a commit", buf.Protects())
	}
	if err := buf.Commit(); err != nil {
		t.Fatal(err)
	}
	if buf.Protects() != 1 || buf.Pending() {
		t.Fatalf("commit: %d protection changes, pending %v", buf.Protects(), buf.Pending())
	}
	var zero [4]uintptr
	for i, at := range entries {
		if !buf.Executable(at) {
			t.Fatalf("piece %d not executable after the commit", i)
		}
		if x, _ := Enter(at, 0, 0, &zero); x != uint64(10+i) {
			t.Fatalf("piece %d returned %d", i, x)
		}
	}
	// The next piece goes to a fresh page; the committed ones still run after its commit.
	at, err := buf.Stage(piece(99))
	if err != nil {
		t.Fatal(err)
	}
	if (at-entries[0])%pageSize != 0 || at <= entries[2] {
		t.Fatalf("piece after a commit at %#x, first at %#x", at, entries[0])
	}
	if err := buf.Patch(at+1, []byte{98}); err != nil {
		t.Fatal(err)
	}
	if err := buf.Commit(); err != nil {
		t.Fatal(err)
	}
	if x, _ := Enter(at, 0, 0, &zero); x != 98 {
		t.Fatalf("patched staged piece returned %d", x)
	}
	if x, _ := Enter(entries[1], 0, 0, &zero); x != 11 {
		t.Fatalf("first batch after the second commit: %d", x)
	}
	buf.Reset()
	if buf.Protects() != 3 || buf.Used() != 0 || buf.Executable(entries[0]) {
		t.Fatalf("reset: %d protection changes", buf.Protects())
	}
	at, _ = buf.Write(piece(5))
	if x, _ := Enter(at, 0, 0, &zero); x != 5 || at != entries[0] {
		t.Fatalf("after reset: %d at %#x", x, at)
	}
}
