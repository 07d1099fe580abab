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

// Buffer is an arena of executable memory. Code is appended to it; a page is
// mapped writable while code is copied into it and executable otherwise, never
// both. A Buffer belongs to one goroutine at a time: nothing may execute its
// code while Write or Patch runs.
type Buffer struct {
	mem  []byte
	used int
	// epoch counts Resets, so that callers holding entry points can tell stale ones.
	epoch uint64
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
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_EXEC, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("jit: mmap %d bytes: %w", size, err)
	}
	return &Buffer{mem: mem}, nil
}

// Epoch is incremented by every Reset: an entry point from an older epoch is gone.
func (b *Buffer) Epoch() uint64 { return b.epoch }

// Used returns the number of bytes of code written since the last Reset.
func (b *Buffer) Used() int { return b.used }

// Size returns the arena's capacity in bytes.
func (b *Buffer) Size() int { return len(b.mem) }

// Next returns the address at which Write would place n bytes of code, and
// false when they do not fit.
func (b *Buffer) Next(n int) (uintptr, bool) {
	start := (b.used + 15) &^ 15
	if start+n > len(b.mem) {
		return 0, false
	}
	return uintptr(unsafe.Pointer(&b.mem[0])) + uintptr(start), true
}

// Write copies code into the arena, 16-byte aligned, and returns its address.
func (b *Buffer) Write(code []byte) (uintptr, error) {
	start := (b.used + 15) &^ 15
	if start+len(code) > len(b.mem) {
		return 0, ErrFull
	}
	if err := b.copyAt(start, code); err != nil {
		return 0, err
	}
	b.used = start + len(code)
	return uintptr(unsafe.Pointer(&b.mem[start])), nil
}

// Patch overwrites len(code) bytes of already written code at address at
// (a jump target being linked, typically).
func (b *Buffer) Patch(at uintptr, code []byte) error {
	base := uintptr(unsafe.Pointer(&b.mem[0]))
	if at < base || at+uintptr(len(code)) > base+uintptr(b.used) {
		return fmt.Errorf("jit: patch at %#x outside the written code", at)
	}
	return b.copyAt(int(at-base), code)
}

// copyAt maps the pages of [off, off+len(code)) writable, copies, and maps them
// executable again.
func (b *Buffer) copyAt(off int, code []byte) error {
	if len(code) == 0 {
		return nil
	}
	lo := off &^ (pageSize - 1)
	hi := (off + len(code) + pageSize - 1) &^ (pageSize - 1)
	pages := b.mem[lo:hi]
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
	b.used = 0
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
