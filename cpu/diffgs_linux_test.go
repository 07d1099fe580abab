//go:build linux && amd64

package cpu

import (
	"syscall"
	"unsafe"
)

// gsBaseZero asks the kernel for this thread's GS base (arch_prctl ARCH_GET_GS). Go on
// linux/amd64 never sets it, so it is 0 on every thread.
func gsBaseZero() bool {
	const archGetGS = 0x1004
	var base uint64
	_, _, errno := syscall.Syscall(syscall.SYS_ARCH_PRCTL, archGetGS, uintptr(unsafe.Pointer(&base)), 0)
	return errno == 0 && base == 0
}
