//go:build linux && amd64

package native

import (
	"errors"
	"testing"
	"unsafe"
)

func TestHostFaults(t *testing.T) {
	need(t)
	cases := []struct {
		name string
		code []byte
		sig  int
		at   int // offset of the faulting instruction
	}{
		// mov byte [rbx], 1; ud2
		{"ud2", []byte{0xC6, 0x03, 0x01, 0x0F, 0x0B}, 4, 3},
		// xor ecx, ecx; div ecx
		{"divide", []byte{0x31, 0xC9, 0xF7, 0xF1}, 8, 2},
		// nop; mov rax, [8]
		{"unmapped", []byte{0x90, 0x48, 0x8B, 0x04, 0x25, 0x08, 0, 0, 0}, 11, 1},
	}
	for _, c := range cases {
		var in, out State
		in.GPR[3] = ScratchAddr + 0x40
		in.GPR[4] = StackAddr + 0x800
		in.MXCSR = 0x1F80
		out.GPR[0] = 0x55
		err := Run(c.code, &in, &out)
		var f *Fault
		if !errors.As(err, &f) {
			t.Fatalf("%s: got %v, want a host fault", c.name, err)
		}
		if f.Signal != c.sig || f.RIP != CodeAddr+uint64(c.at) {
			t.Fatalf("%s: %v, want signal %d at offset %d", c.name, f, c.sig, c.at)
		}
		if out.GPR[0] != 0x55 {
			t.Fatalf("%s: the output state was written after a fault", c.name)
		}
	}
	// The host's state came back intact: an ordinary snippet still works, and the
	// runtime handles its own faults again.
	TestAddAndFlags(t)
	if !goFaultRecovers() {
		t.Fatal("a nil dereference in Go code did not become a panic")
	}
}

// goFaultRecovers dereferences a nil pointer in Go code and reports whether the
// runtime turned the fault into a recoverable panic.
func goFaultRecovers() (ok bool) {
	defer func() { ok = recover() != nil }()
	var p *int
	return *p == 0x1234 && false
}

// TestForeignFaultChains takes a fault in Go code while the snippet handler is
// installed: the handler must put back the runtime's action, so the fault still
// becomes a Go panic.
func TestForeignFaultChains(t *testing.T) {
	need(t)
	restore, err := catchFaults()
	if err != nil {
		t.Fatal(err)
	}
	ok := goFaultRecovers()
	// The handler saw the fault and put the runtime's SIGSEGV action back.
	var cur sigaction
	if err := rtSigaction(11, nil, unsafe.Pointer(&cur)); err != nil {
		t.Fatal(err)
	}
	restore()
	if !ok {
		t.Fatal("a nil dereference under the snippet handler did not become a panic")
	}
	if cur != *(*sigaction)(savedAction(11)) || cur.handler == handlerAddr {
		t.Fatalf("SIGSEGV action after the fault: %+v, want the runtime's %+v", cur, *(*sigaction)(savedAction(11)))
	}
	if !goFaultRecovers() {
		t.Fatal("a nil dereference after restore did not become a panic")
	}
}

// TestRunaway covers the snippets that would otherwise hang or corrupt the way back to
// Go: an endless loop, a store over the epilogue and a jump past the snippet's end.
func TestRunaway(t *testing.T) {
	need(t)
	cases := []struct {
		name string
		code []byte
		sig  int
		at   int
	}{
		// jmp $
		{"loop", []byte{0xEB, 0xFE}, TimeoutSignal, 0},
		// mov rax, epilogue; mov byte [rax], 0xCC
		{"store over the epilogue", append(append([]byte{0x48, 0xB8}, le64(epilogueAddr)...), 0xC6, 0x00, 0xCC), 11, 10},
		// jmp +16 (over the closing JMP, into the fill)
		{"past the end", []byte{0xEB, 0x10}, 11, 0x12},
	}
	for _, c := range cases {
		var in, out State
		in.GPR[4] = StackAddr + 0x800
		in.MXCSR = 0x1F80
		err := Run(c.code, &in, &out)
		var f *Fault
		if !errors.As(err, &f) {
			t.Fatalf("%s: got %v, want a fault", c.name, err)
		}
		if f.Signal != c.sig || (c.sig != TimeoutSignal && f.RIP != CodeAddr+uint64(c.at)) {
			t.Fatalf("%s: %v, want signal %d at offset %#x", c.name, f, c.sig, c.at)
		}
		if c.sig == TimeoutSignal && (f.RIP < CodeAddr || f.RIP >= CodeAddr+uint64(len(c.code))) {
			t.Fatalf("%s: stopped at %#x, outside the snippet", c.name, f.RIP)
		}
		t.Logf("%s: %v", c.name, f)
	}
	// The region's own code is intact and the runtime handles its faults again.
	TestAddAndFlags(t)
	if !goFaultRecovers() {
		t.Fatal("a nil dereference in Go code did not become a panic")
	}
}

func le64(v uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return b
}

// TestHostStateAfterStrayWrites: a snippet that leaves AC set (Go's unaligned loads
// would fault) or stores over the context block's saved state, then faults, still
// returns to Go with RFLAGS and MXCSR as Go runs, and a fault in the fault epilogue
// itself cannot loop.
func TestHostStateAfterStrayWrites(t *testing.T) {
	need(t)
	buf := make([]byte, 16)
	unaligned := func() uint64 { return *(*uint64)(unsafe.Pointer(&buf[3])) }
	cases := []struct {
		name  string
		code  []byte
		fault bool
	}{
		// push 0x40202; popfq (AC set)
		{"ac", []byte{0x68, 0x02, 0x02, 0x04, 0x00, 0x9D}, false},
		// push 0x40602; popfq (AC and DF set); ud2
		{"ac-fault", []byte{0x68, 0x02, 0x06, 0x04, 0x00, 0x9D, 0x0F, 0x0B}, true},
		// mov dword [ctxAddr+0x438], -1 (over where the host's MXCSR was kept); ud2
		{"context", []byte{0xC7, 0x04, 0x25, 0x38, 0x34, 0x00, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x0B}, true},
	}
	for _, c := range cases {
		var in, out State
		in.GPR[4] = StackAddr + 0x800
		in.MXCSR = 0x1F80
		err := Run(c.code, &in, &out)
		var f *Fault
		if got := errors.As(err, &f); got != c.fault {
			t.Fatalf("%s: %v, want a fault: %v", c.name, err, c.fault)
		}
		if unaligned() != 0 {
			t.Fatalf("%s: the buffer changed", c.name)
		}
	}
	TestAddAndFlags(t)
}
