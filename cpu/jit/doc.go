// Package jit holds the host side of kppemu's translating tier on amd64: an
// executable-memory arena whose pages are writable or executable but never
// both (mmap then mprotect), an amd64 machine-code emitter with labels, and
// the Go-assembly trampoline that enters generated code with a pointer to the
// guest state and returns the exit code the code left with.
//
// Generated code runs on the calling goroutine's stack below the trampoline's
// frame and may use at most StackBytes of it (a return address and a few
// pushes): every Go function that is not NOSPLIT leaves more than that below
// its stack pointer for NOSPLIT callees. It never calls back into Go; it
// returns to the trampoline with an exit code, and the Go side does the rest.
// It must leave RSP and RBP as it found them and the direction flag clear.
//
// What the code does (translating guest instructions) lives in package cpu,
// which owns the guest state; this package knows nothing about x86 guests.
package jit

// StackBytes is the most stack generated code may use below the trampoline's
// frame, return address included.
const StackBytes = 64
