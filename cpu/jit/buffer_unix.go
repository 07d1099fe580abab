//go:build linux && amd64

package jit

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"
)

// Supported reports whether this host can run generated code.
const Supported = true

// Buffer is an arena of executable memory. Its pages are writable or executable,
// never both: the arena is mapped writable, and the pages below the sealed mark
// executable. Code is staged (Stage: its address is fixed, its bytes wait in Go
// memory) and a Commit copies everything staged since the last one into the
// arena and maps those pages executable with one mprotect call, so that
// translating many pieces costs one protection change, not two per piece. Staged
// code must not run before its Commit (Executable tells). A Buffer belongs to one
// goroutine at a time: nothing may execute its code while Commit, Write or Patch
// runs.
type Buffer struct {
	mem  []byte
	used int // end of the code staged or committed
	// sealed is the page-aligned end of the executable pages: everything below it
	// is committed code (RX), everything from it on is writable and not executable.
	sealed int
	// staged holds the bytes of the code from sealed to used, waiting for Commit.
	staged []byte
	// epoch counts Resets, so that callers holding entry points can tell stale ones.
	epoch uint64
	// protects counts mprotect calls (for profiles and tests).
	protects uint64
}

// ErrFull is returned by Write when the arena has no room left; Reset starts over.
var ErrFull = errors.New("jit: code buffer full")

const pageSize = 4096

// NewBuffer reserves size bytes (rounded up to pages) of code memory.
func NewBuffer(size int) (*Buffer, error) {
	size = (size + pageSize - 1) &^ (pageSize - 1)
	if size <= 0 {
		return nil, fmt.Errorf("jit: buffer size %d", size)
	}
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("jit: mmap %d bytes: %w", size, err)
	}
	return &Buffer{mem: mem}, nil
}

// Epoch is incremented by every Reset: an entry point from an older epoch is gone.
func (b *Buffer) Epoch() uint64 { return b.epoch }

// Used returns the number of bytes of code staged or written since the last Reset.
func (b *Buffer) Used() int { return b.used }

// Size returns the arena's capacity in bytes.
func (b *Buffer) Size() int { return len(b.mem) }

// Protects returns the number of protection changes (mprotect calls) made so far.
func (b *Buffer) Protects() uint64 { return b.protects }

// Next returns the address at which Stage or Write would place n bytes of code,
// and false when they do not fit.
func (b *Buffer) Next(n int) (uintptr, bool) {
	start := b.start()
	if start+n > len(b.mem) {
		return 0, false
	}
	return uintptr(unsafe.Pointer(&b.mem[0])) + uintptr(start), true
}

// Stage reserves room for code, 16-byte aligned, and returns its address; the
// code runs only after the next Commit.
func (b *Buffer) Stage(code []byte) (uintptr, error) {
	start := b.start()
	if start+len(code) > len(b.mem) {
		return 0, ErrFull
	}
	// Padding between pieces is filled with INT3.
	for len(b.staged) < start-b.sealed {
		b.staged = append(b.staged, 0xCC)
	}
	b.staged = append(b.staged, code...)
	b.used = start + len(code)
	return uintptr(unsafe.Pointer(&b.mem[start])), nil
}

// start is where the next piece goes: 16-byte aligned, and past the executable pages.
func (b *Buffer) start() int {
	return max((b.used+15)&^15, b.sealed)
}

// Pending reports whether code is staged and not yet committed.
func (b *Buffer) Pending() bool { return len(b.staged) > 0 }

// Executable reports whether the code at address at has been committed.
func (b *Buffer) Executable(at uintptr) bool {
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b.mem)))
	return at >= base && at < base+uintptr(b.sealed)
}

// Commit copies the staged code into the arena and maps its pages executable (one
// mprotect call). The rest of the last page is left unused: the next piece starts on
// a page that is still writable.
func (b *Buffer) Commit() error {
	if len(b.staged) == 0 {
		return nil
	}
	copy(b.mem[b.sealed:], b.staged)
	hi := (b.used + pageSize - 1) &^ (pageSize - 1)
	b.protects++
	if err := syscall.Mprotect(b.mem[b.sealed:hi], syscall.PROT_READ|syscall.PROT_EXEC); err != nil {
		return fmt.Errorf("jit: mprotect RX: %w", err)
	}
	b.sealed = hi
	b.staged = b.staged[:0]
	return nil
}

// Write stages code and commits it: the code can run when Write returns.
func (b *Buffer) Write(code []byte) (uintptr, error) {
	at, err := b.Stage(code)
	if err != nil {
		return 0, err
	}
	return at, b.Commit()
}

// Patch overwrites len(code) bytes of already written or staged code at address
// at (a jump target being linked, typically).
func (b *Buffer) Patch(at uintptr, code []byte) error {
	base := uintptr(unsafe.Pointer(&b.mem[0]))
	if at < base || at+uintptr(len(code)) > base+uintptr(b.used) {
		return fmt.Errorf("jit: patch at %#x outside the written code", at)
	}
	off := int(at - base)
	if off >= b.sealed && len(b.staged) > 0 {
		copy(b.staged[off-b.sealed:], code)
		return nil
	}
	if off+len(code) > b.sealed {
		return fmt.Errorf("jit: patch at %#x straddles committed and staged code", at)
	}
	lo := off &^ (pageSize - 1)
	hi := (off + len(code) + pageSize - 1) &^ (pageSize - 1)
	pages := b.mem[lo:hi]
	b.protects += 2
	if err := syscall.Mprotect(pages, syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		return fmt.Errorf("jit: mprotect RW: %w", err)
	}
	copy(b.mem[off:], code)
	if err := syscall.Mprotect(pages, syscall.PROT_READ|syscall.PROT_EXEC); err != nil {
		return fmt.Errorf("jit: mprotect RX: %w", err)
	}
	return nil
}

// Reset forgets every piece of code written (their entry points must not run
// again) and bumps the epoch.
func (b *Buffer) Reset() {
	if b.sealed > 0 {
		// Back to writable; should that fail, the executable pages are given up.
		b.protects++
		if syscall.Mprotect(b.mem[:b.sealed], syscall.PROT_READ|syscall.PROT_WRITE) != nil {
			b.mem = b.mem[b.sealed:]
		}
	}
	b.used, b.sealed = 0, 0
	b.staged = b.staged[:0]
	b.epoch++
}

// Free unmaps the arena. The Buffer must not be used afterwards.
func (b *Buffer) Free() error {
	if b.mem == nil {
		return nil
	}
	err := syscall.Munmap(b.mem)
	b.mem = nil
	return err
}

// enter runs the generated code at code with RBX = state, R12 = budget and
// R13, R14, R15, R11 = regs[0..3], and returns the exit code the code left in
// RAX and the value it left in R12.
//
//go:noescape
func enter(code, state, budget uintptr, regs *[4]uintptr) (exit, rest uintptr)

// Enter runs generated code: see enter. state must stay reachable from Go
// (the caller holds it) for the duration of the call.
func Enter(code, state uintptr, budget uint64, regs *[4]uintptr) (exit uint64, rest uint64) {
	e, r := enter(code, state, uintptr(budget), regs)
	return uint64(e), uint64(r)
}
