//go:build linux && amd64

#include "textflag.h"

// func enter(code, state, budget uintptr, regs *[4]uintptr) (exit, rest uintptr)
//
// Not NOSPLIT: its prologue guarantees the stack room below SP that generated
// code uses (StackBytes). Generated code may clobber every general register
// but SP and BP, and MXCSR (it runs the guest's floating-point instructions
// under the guest's rounding controls): MXCSR is saved here and restored on
// the way out. The ABI0 wrapper restores the Go runtime's R14 and X15.
TEXT ·enter(SB), 0, $16-48
	STMXCSR 0(SP)
	MOVQ regs+24(FP), AX
	MOVQ 0(AX), R13
	MOVQ 8(AX), R14
	MOVQ 16(AX), R15
	MOVQ 24(AX), R11
	MOVQ code+0(FP), AX
	MOVQ state+8(FP), BX
	MOVQ budget+16(FP), R12
	CALL AX
	LDMXCSR 0(SP)
	MOVQ AX, exit+32(FP)
	MOVQ R12, rest+40(FP)
	RET
