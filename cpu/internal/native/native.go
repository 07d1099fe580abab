// Package native runs short x86-64 machine-code snippets on the host CPU, so the cpu
// package's differential tests can use the host as the oracle. It is a test-only
// helper: nothing outside cpu tests imports it.
//
// Convention. A fixed region of the host address space at Base holds, at the same
// virtual addresses the emulator-side test maps:
//
//	Base+0x0000 .. +0x2000  scratch data (Scratch*): memory operands point here
//	Base+0x2000 .. +0x3000  private stack (Stack*): RSP starts inside it
//	Base+0x3000 .. +0x4000  context block (native side only: inputs, outputs, saved host registers)
//	Base+0x4000 .. +0x5000  the snippet (CodeAddr), followed by a JMP to the epilogue
//	Base+0x5000 .. +0x6000  prologue and epilogue (native side only)
//	Mirror32, Mirror64      the scratch data again (same memory)
//
// Run copies the memory image in, then calls the prologue, which saves the host's
// callee-owned registers and MXCSR, loads RFLAGS, MXCSR, XMM0-15 and all sixteen GPRs (RSP
// included: it normally points into the private stack) and jumps to the snippet. The
// snippet falls through into a JMP to the epilogue, which stores every register, RFLAGS
// and MXCSR, restores the host's state (DF cleared, X15 zeroed as Go's ABI expects) and
// returns. The snippet must not change segment or FS/GS state and must not leave the
// region; generators guarantee that.
//
// Host faults. While a snippet runs, SIGILL, SIGBUS, SIGFPE and SIGSEGV go to a small
// handler in the region: a fault whose instruction lies in the region is recorded and
// the snippet abandoned through an epilogue that restores the host's state, so Run
// returns a *Fault instead of the test process dying; a fault anywhere else puts the
// Go runtime's own handler back and lets the instruction fault again. The bytes after
// the snippet's closing JMP are HLT (a fault at CPL 3), the prologue and epilogue
// pages are read-only, and a snippet still running after TimeoutSeconds of CPU time
// is stopped by a timer signal the same way, so no snippet can hang or corrupt the
// way back to Go. A snippet that
// faults is run again (up to Attempts times in all) before the fault is reported: some
// virtualised hosts emulate an ordinary memory access on first touch of a page and
// raise #UD for instructions their emulator lacks (x87 loads, for one), a fault the
// same instruction does not take when run again.
package native

import (
	"errors"
	"fmt"
)

// Attempts is how many times Run runs a snippet that takes a host fault.
const Attempts = 3

// A snippet still running after TimeoutSeconds of its thread's CPU time is abandoned
// like one that faults (and run again, up to Attempts in all) and reported as a Fault
// with Signal TimeoutSignal (SIGALRM).
const (
	TimeoutSignal  = 14
	TimeoutSeconds = 2
)

// Fault is a host exception taken by a snippet on every attempt.
type Fault struct {
	Signal int    // SIGILL 4, SIGBUS 7, SIGFPE 8, SIGSEGV 11
	Code   int    // si_code (e.g. ILL_ILLOPN 2, SEGV_MAPERR 1)
	Addr   uint64 // si_addr: the faulting instruction or data address
	RIP    uint64 // the instruction that faulted
}

func (f *Fault) Error() string {
	if f.Signal == TimeoutSignal {
		return fmt.Sprintf("native: snippet still running after %d s of CPU time, at %#x (offset %#x of the snippet)",
			TimeoutSeconds, f.RIP, int64(f.RIP)-CodeAddr)
	}
	return fmt.Sprintf("native: host signal %d (code %d, address %#x) at %#x (offset %#x of the snippet) on each of %d attempts",
		f.Signal, f.Code, f.Addr, f.RIP, int64(f.RIP)-CodeAddr, Attempts)
}

// Addresses of the shared region (identical on the host and in the emulator).
const (
	Base        = 0x10000000
	ScratchAddr = Base
	ScratchSize = 0x2000
	StackAddr   = Base + 0x2000
	StackSize   = 0x1000
	// MemAddr/MemSize is the part of the region a snippet may read and write: scratch and stack.
	MemAddr  = Base
	MemSize  = ScratchSize + StackSize
	CodeAddr = Base + 0x4000
	// MaxCode is the longest snippet Run accepts.
	MaxCode = 0x800
	// RegionSize is the size of the whole region (what the emulator side must map).
	RegionSize = 0x6000

	// The scratch data is also visible at two mirror addresses (the same memory, so a
	// store through a mirror shows in State.Mem): Mirror32 is below 4 GiB with bit 31
	// set, Mirror64 above 4 GiB with bit 31 set, so a test can tell a zero-extended or
	// full 64-bit address from one sign-extended from 32 bits. Their offset within a
	// 1 GiB block differs from Base's, so a wrongly sign-extended address does not
	// land on an alias of the region in a test's page tables either.
	Mirror32 = 0xA0000000
	Mirror64 = 0x12A0000000
)

// State is the register and memory state before or after a snippet.
type State struct {
	GPR    [16]uint64 // RAX RCX RDX RBX RSP RBP RSI RDI R8..R15
	RFLAGS uint64     // inputs: only the arithmetic flags and DF are loaded (IF stays 1, TF/AC 0)
	XMM    [16][2]uint64
	MXCSR  uint32 // inputs must keep every exception masked (bits 7..12 set)
	Mem    [MemSize]byte
	// FSPatches (inputs): 8-byte fields of the code that Run fills with Addr minus the
	// FS base of the thread that runs the snippet, so an FS-relative operand can reach
	// the shared region although the host's FS base (the Go runtime's TLS) is unknown
	// in advance. The emulator side applies the same patches with its own FS base.
	FSPatches []Patch
}

// Patch is one FS-relative 8-byte code field: code[Off:Off+8] = Addr - FS base.
type Patch struct {
	Off  int
	Addr uint64
}

// LoadFlags are the RFLAGS bits Run loads from State.RFLAGS: CF PF AF ZF SF DF OF.
const LoadFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800

// ErrUnavailable is returned by Available and Run where the host cannot run snippets
// (another OS or architecture, or the fixed region could not be mapped).
var ErrUnavailable = errors.New("native: host execution unavailable")
