//go:build linux && amd64

#include "textflag.h"

// func callEntry(entry uintptr)
// Calls the generated prologue at entry; it saves and restores everything the Go ABI
// needs (RSP, RBP, RBX, R12-R15, MXCSR, RFLAGS, X15) itself.
TEXT ·callEntry(SB), NOSPLIT, $0-8
	MOVQ entry+0(FP), AX
	CALL AX
	RET
