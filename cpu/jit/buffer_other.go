//go:build !(linux && amd64)

package jit

import "errors"

// Supported reports whether this host can run generated code.
const Supported = false

// ErrFull is returned by Write when the arena has no room left.
var ErrFull = errors.New("jit: code buffer full")

var errUnsupported = errors.New("jit: generated code runs on linux/amd64 only")

// Buffer is an arena of executable memory (linux/amd64 only).
type Buffer struct{}

// NewBuffer fails on this host.
func NewBuffer(size int) (*Buffer, error) { return nil, errUnsupported }

func (b *Buffer) Epoch() uint64                       { return 0 }
func (b *Buffer) Used() int                           { return 0 }
func (b *Buffer) Size() int                           { return 0 }
func (b *Buffer) Next(n int) (uintptr, bool)          { return 0, false }
func (b *Buffer) Write(code []byte) (uintptr, error)  { return 0, errUnsupported }
func (b *Buffer) Stage(code []byte) (uintptr, error)  { return 0, errUnsupported }
func (b *Buffer) Commit() error                       { return errUnsupported }
func (b *Buffer) Pending() bool                       { return false }
func (b *Buffer) Executable(at uintptr) bool          { return false }
func (b *Buffer) Protects() uint64                    { return 0 }
func (b *Buffer) Patch(at uintptr, code []byte) error { return errUnsupported }
func (b *Buffer) Reset()                              {}
func (b *Buffer) Free() error                         { return nil }

// Enter is never called on this host (NewBuffer fails first).
func Enter(code, state uintptr, budget uint64, regs *[4]uintptr) (uint64, uint64) {
	panic(errUnsupported)
}
