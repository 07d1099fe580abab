package cpu

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
)

// Micro-loops over the instruction families compilers emit, one family at a time, for
// finding the forms that are slow in either tier (those the interpreter's block loop runs
// as full steps, those the translating tier leaves to the interpreter): kppemu bench's
// workloads do not exercise many of them. Each loop is the family's instructions (most of
// them eight times over) and a JMP back, after a common prologue that sets the general
// registers and XMM0-XMM15 (doubles in XMM0-7, floats in XMM8-15) from familyData at
// tData (RBX). The code was assembled with GNU as from the Intel-syntax text in each
// entry's comment and the prologue:
//
//	mov eax, 0x1234567; mov ecx, 5; mov edx, 0x55; mov esi, 0x1F3; mov r8d, 0x9E3779B9
//	mov r9d, 0x777; mov r10d, 0x31; mov r11d, 0x4321
//	movapd xmm0..xmm7, [rbx+256+16*i]; movaps xmm8..xmm15, [rbx+384+16*(i-8)]
//
// BenchmarkFamilies/NAME measures one; KPPEMU_FAMILY_REPORT=1 go test -run
// TestFamilyReport -v prints what each loop runs outside the fast paths of the tier
// KPPEMU_ACCEL names; TestFamilyTiers runs every loop in both tiers and compares them.

// familyProlog is the common prologue.
const familyProlog = "b867452301b905000000ba55000000bef301000041b8b979379e41b97707000041ba3100000041bb21430000660f288300010000660f288b10010000660f289320010000660f289b30010000660f28a340010000660f28ab50010000660f28b360010000660f28bb70010000440f288380010000440f288b90010000440f2893a0010000440f289bb0010000440f28a3c0010000440f28abd0010000440f28b3e0010000440f28bbf0010000"

// families: name, description, code (hex) of the part after the prologue, each after the
// text it was assembled from.
var families = []struct{ name, desc, code string }{
	// L: (mul esi) x8; jmp L
	{"mul32", "MUL r32", "f7e6f7e6f7e6f7e6f7e6f7e6f7e6f7e6ebee"},
	// L: (mul rsi) x8; jmp L
	{"mul64", "MUL r64", "48f7e648f7e648f7e648f7e648f7e648f7e648f7e648f7e6ebe6"},
	// L: (mul cl) x8; jmp L
	{"mul8", "MUL r8", "f6e1f6e1f6e1f6e1f6e1f6e1f6e1f6e1ebee"},
	// L: (imul rax, rsi) x8; jmp L
	{"imul64", "IMUL r64, r64", "480fafc6480fafc6480fafc6480fafc6480fafc6480fafc6480fafc6480fafc6ebde"},
	// L: (imul r9d, esi, 12345) x8; jmp L
	{"imul32imm", "IMUL r32, r32, imm32", "4469ce393000004469ce393000004469ce393000004469ce393000004469ce393000004469ce393000004469ce393000004469ce39300000ebc6"},
	// L: (imul rsi) x8; jmp L
	{"imul1op", "IMUL r64 (one operand)", "48f7ee48f7ee48f7ee48f7ee48f7ee48f7ee48f7ee48f7eeebe6"},
	// L: (imul ax, si) x8; jmp L
	{"imul16", "IMUL r16, r16", "660fafc6660fafc6660fafc6660fafc6660fafc6660fafc6660fafc6660fafc6ebde"},
	// L: (xor edx, edx; div esi) x8; jmp L
	{"div32", "XOR; DIV r32", "31d2f7f631d2f7f631d2f7f631d2f7f631d2f7f631d2f7f631d2f7f631d2f7f6ebde"},
	// L: (xor edx, edx; div rsi) x8; jmp L
	{"div64", "XOR; DIV r64", "31d248f7f631d248f7f631d248f7f631d248f7f631d248f7f631d248f7f631d248f7f631d248f7f6ebd6"},
	// L: (cdq; idiv esi) x8; jmp L
	{"idiv32", "CDQ; IDIV r32", "99f7fe99f7fe99f7fe99f7fe99f7fe99f7fe99f7fe99f7feebe6"},
	// L: (cqo; idiv rsi) x8; jmp L
	{"idiv64", "CQO; IDIV r64", "489948f7fe489948f7fe489948f7fe489948f7fe489948f7fe489948f7fe489948f7fe489948f7feebd6"},
	// L: (xor edx, edx; div si) x8; jmp L
	{"div16", "XOR; DIV r16", "31d266f7f631d266f7f631d266f7f631d266f7f631d266f7f631d266f7f631d266f7f631d266f7f6ebd6"},
	// L: (movzx eax, al; div cl) x8; jmp L
	{"div8", "MOVZX; DIV r8", "0fb6c0f6f10fb6c0f6f10fb6c0f6f10fb6c0f6f10fb6c0f6f10fb6c0f6f10fb6c0f6f10fb6c0f6f1ebd6"},
	// L: (shl eax, cl; shr rdx, cl; sar r8, cl; rol esi, cl) x8; jmp L
	{"shiftcl", "SHL/SHR/SAR/ROL r32/r64, CL", "d3e048d3ea49d3f8d3c6d3e048d3ea49d3f8d3c6d3e048d3ea49d3f8d3c6d3e048d3ea49d3f8d3c6d3e048d3ea49d3f8d3c6d3e048d3ea49d3f8d3c6d3e048d3ea49d3f8d3c6d3e048d3ea49d3f8d3c6ebae"},
	// L: (shl al, cl; ror dx, cl; sar r9w, cl; shr r10b, cl) x8; jmp L
	{"shiftcl816", "shifts of r8/r16 by CL", "d2e066d3ca6641d3f941d2ead2e066d3ca6641d3f941d2ead2e066d3ca6641d3f941d2ead2e066d3ca6641d3f941d2ead2e066d3ca6641d3f941d2ead2e066d3ca6641d3f941d2ead2e066d3ca6641d3f941d2ead2e066d3ca6641d3f941d2eaeb9e"},
	// L: (rcl eax, 1; rcr rdx, 1; rcl r9, cl; rcr r10d, 3) x8; jmp L
	{"rcl", "RCL/RCR", "d1d048d1da49d3d141c1da03d1d048d1da49d3d141c1da03d1d048d1da49d3d141c1da03d1d048d1da49d3d141c1da03d1d048d1da49d3d141c1da03d1d048d1da49d3d141c1da03d1d048d1da49d3d141c1da03d1d048d1da49d3d141c1da03eb9e"},
	// L: (bt rax, rcx; bts rdx, rcx; btr r8, rcx; btc esi, ecx) x8; jmp L
	{"btrr", "BT/BTS/BTR/BTC r, r", "480fa3c8480fabca490fb3c80fbbce480fa3c8480fabca490fb3c80fbbce480fa3c8480fabca490fb3c80fbbce480fa3c8480fabca490fb3c80fbbce480fa3c8480fabca490fb3c80fbbce480fa3c8480fabca490fb3c80fbbce480fa3c8480fabca490fb3c80fbbce480fa3c8480fabca490fb3c80fbbceeb86"},
	// L: (bt eax, 5; bts rdx, 7; btr r8d, 3; btc r9, 9) x8; jmp L
	{"btimm", "BT/BTS/BTR/BTC r, imm", "0fbae005480fbaea07410fbaf003490fbaf9090fbae005480fbaea07410fbaf003490fbaf9090fbae005480fbaea07410fbaf003490fbaf9090fbae005480fbaea07410fbaf003490fbaf9090fbae005480fbaea07410fbaf003490fbaf9090fbae005480fbaea07410fbaf003490fbaf9090fbae005480fbaea07410fbaf003490fbaf9090fbae005480fbaea07410fbaf003490fbaf909e963ffffff"},
	// L: (bsf r9, rdx; bsr r10, rax; bsf r11d, eax; bsr r9d, edx) x8; jmp L
	{"bsfbsr", "BSF/BSR", "4c0fbcca4c0fbdd0440fbcd8440fbdca4c0fbcca4c0fbdd0440fbcd8440fbdca4c0fbcca4c0fbdd0440fbcd8440fbdca4c0fbcca4c0fbdd0440fbcd8440fbdca4c0fbcca4c0fbdd0440fbcd8440fbdca4c0fbcca4c0fbdd0440fbcd8440fbdca4c0fbcca4c0fbdd0440fbcd8440fbdca4c0fbcca4c0fbdd0440fbcd8440fbdcae97bffffff"},
	// L: (popcnt r9, rax; popcnt r10d, edx) x8; jmp L
	{"popcnt", "POPCNT", "f34c0fb8c8f3440fb8d2f34c0fb8c8f3440fb8d2f34c0fb8c8f3440fb8d2f34c0fb8c8f3440fb8d2f34c0fb8c8f3440fb8d2f34c0fb8c8f3440fb8d2f34c0fb8c8f3440fb8d2f34c0fb8c8f3440fb8d2ebae"},
	// L: (lzcnt r9, rax; lzcnt r10d, edx) x8; jmp L
	{"lzcnt", "LZCNT", "f34c0fbdc8f3440fbdd2f34c0fbdc8f3440fbdd2f34c0fbdc8f3440fbdd2f34c0fbdc8f3440fbdd2f34c0fbdc8f3440fbdd2f34c0fbdc8f3440fbdd2f34c0fbdc8f3440fbdd2f34c0fbdc8f3440fbdd2ebae"},
	// L: (tzcnt r9, rax; tzcnt r10d, edx) x8; jmp L
	{"tzcnt", "TZCNT (gcc's rep bsf)", "f34c0fbcc8f3440fbcd2f34c0fbcc8f3440fbcd2f34c0fbcc8f3440fbcd2f34c0fbcc8f3440fbcd2f34c0fbcc8f3440fbcd2f34c0fbcc8f3440fbcd2f34c0fbcc8f3440fbcd2f34c0fbcc8f3440fbcd2ebae"},
	// L: (cmp rax, rdx; cmovl r9, rsi; cmovg r10, rdx; test eax, eax; cmove r11d, ecx) x8; jmp L
	{"cmov", "CMP/TEST; CMOVcc", "4839d04c0f4cce4c0f4fd285c0440f44d94839d04c0f4cce4c0f4fd285c0440f44d94839d04c0f4cce4c0f4fd285c0440f44d94839d04c0f4cce4c0f4fd285c0440f44d94839d04c0f4cce4c0f4fd285c0440f44d94839d04c0f4cce4c0f4fd285c0440f44d94839d04c0f4cce4c0f4fd285c0440f44d94839d04c0f4cce4c0f4fd285c0440f44d9e973ffffff"},
	// L: (cmp eax, edx; setl r9b; setg al; movzx eax, al; test edx, edx; setne r10b) x8; jmp L
	{"setcc", "CMP; SETcc; MOVZX", "39d0410f9cc10f9fc00fb6c085d2410f95c239d0410f9cc10f9fc00fb6c085d2410f95c239d0410f9cc10f9fc00fb6c085d2410f95c239d0410f9cc10f9fc00fb6c085d2410f95c239d0410f9cc10f9fc00fb6c085d2410f95c239d0410f9cc10f9fc00fb6c085d2410f95c239d0410f9cc10f9fc00fb6c085d2410f95c239d0410f9cc10f9fc00fb6c085d2410f95c2e96bffffff"},
	// L: (add al, dl; mov ah, dl; inc dh; xor al, 0x5a; movzx esi, ah; or cl, al; sub bh, al; cmp al, dl) x8; jmp L
	{"partial8", "8-bit register ALU, AH/DH", "00d088d4fec6345a0fb6f408c128c738d000d088d4fec6345a0fb6f408c128c738d000d088d4fec6345a0fb6f408c128c738d000d088d4fec6345a0fb6f408c128c738d000d088d4fec6345a0fb6f408c128c738d000d088d4fec6345a0fb6f408c128c738d000d088d4fec6345a0fb6f408c128c738d000d088d4fec6345a0fb6f408c128c738d0e973ffffff"},
	// L: (add ax, dx; sub dx, 3; movzx r9d, ax; mov si, ax; inc cx; and r10w, 0x7ff; cmp ax, dx) x8; jmp L
	{"partial16", "16-bit register ALU", "6601d06683ea03440fb7c86689c666ffc1664181e2ff076639d06601d06683ea03440fb7c86689c666ffc1664181e2ff076639d06601d06683ea03440fb7c86689c666ffc1664181e2ff076639d06601d06683ea03440fb7c86689c666ffc1664181e2ff076639d06601d06683ea03440fb7c86689c666ffc1664181e2ff076639d06601d06683ea03440fb7c86689c666ffc1664181e2ff076639d06601d06683ea03440fb7c86689c666ffc1664181e2ff076639d06601d06683ea03440fb7c86689c666ffc1664181e2ff076639d0e92bffffff"},
	// L: (movsx r9, dl; movsx r10d, ax; movsxd r11, eax; movsx r9d, byte ptr [rbx]; movzx r10d, word ptr [rbx+2]; movsx r11, word ptr [rbx+4]; movzx r9d, byte ptr [rbx+6]; movsxd r10, dword ptr [rbx+32]) x8; jmp L
	{"movsx", "MOVSX/MOVZX/MOVSXD r and m", "4c0fbeca440fbfd04c63d8440fbe0b440fb753024c0fbf5b04440fb64b064c6353204c0fbeca440fbfd04c63d8440fbe0b440fb753024c0fbf5b04440fb64b064c6353204c0fbeca440fbfd04c63d8440fbe0b440fb753024c0fbf5b04440fb64b064c6353204c0fbeca440fbfd04c63d8440fbe0b440fb753024c0fbf5b04440fb64b064c6353204c0fbeca440fbfd04c63d8440fbe0b440fb753024c0fbf5b04440fb64b064c6353204c0fbeca440fbfd04c63d8440fbe0b440fb753024c0fbf5b04440fb64b064c6353204c0fbeca440fbfd04c63d8440fbe0b440fb753024c0fbf5b04440fb64b064c6353204c0fbeca440fbfd04c63d8440fbe0b440fb753024c0fbf5b04440fb64b064c635320e9ebfeffff"},
	// L: (mov al, [rbx]; mov [rbx+65], dl; add [rbx+66], al; mov ax, [rbx+68]; mov [rbx+70], dx; add word ptr [rbx+72], 3; inc byte ptr [rbx+74]; cmp byte ptr [rbx+75], 0x20) x8; jmp L
	{"mem816", "8/16-bit loads, stores, RMW", "8a03885341004342668b4344668953466683434803fe434a807b4b208a03885341004342668b4344668953466683434803fe434a807b4b208a03885341004342668b4344668953466683434803fe434a807b4b208a03885341004342668b4344668953466683434803fe434a807b4b208a03885341004342668b4344668953466683434803fe434a807b4b208a03885341004342668b4344668953466683434803fe434a807b4b208a03885341004342668b4344668953466683434803fe434a807b4b208a03885341004342668b4344668953466683434803fe434a807b4b20e91bffffff"},
	// L: (inc eax; dec rdx; neg r9; not r10d; inc qword ptr [rbx+64]; dec dword ptr [rbx+72]; neg dword ptr [rbx+76]; not qword ptr [rbx+80]) x8; jmp L
	{"incdec", "INC/DEC/NEG/NOT r and m", "ffc048ffca49f7d941f7d248ff4340ff4b48f75b4c48f75350ffc048ffca49f7d941f7d248ff4340ff4b48f75b4c48f75350ffc048ffca49f7d941f7d248ff4340ff4b48f75b4c48f75350ffc048ffca49f7d941f7d248ff4340ff4b48f75b4c48f75350ffc048ffca49f7d941f7d248ff4340ff4b48f75b4c48f75350ffc048ffca49f7d941f7d248ff4340ff4b48f75b4c48f75350ffc048ffca49f7d941f7d248ff4340ff4b48f75b4c48f75350ffc048ffca49f7d941f7d248ff4340ff4b48f75b4c48f75350e933ffffff"},
	// L: (add rax, rdx; adc r9, rsi; adc r10, 0; sbb r11, rcx; adc r9d, [rbx+32]; sbb [rbx+64], rax) x8; jmp L
	{"adcsbb", "ADC/SBB chains", "4801d04911f14983d2004919cb44134b20481943404801d04911f14983d2004919cb44134b20481943404801d04911f14983d2004919cb44134b20481943404801d04911f14983d2004919cb44134b20481943404801d04911f14983d2004919cb44134b20481943404801d04911f14983d2004919cb44134b20481943404801d04911f14983d2004919cb44134b20481943404801d04911f14983d2004919cb44134b2048194340e953ffffff"},
	// L: (xchg rax, rdx; xchg r9d, r10d) x8; jmp L
	{"xchg", "XCHG r, r", "48924587d148924587d148924587d148924587d148924587d148924587d148924587d148924587d1ebd6"},
	// L: (xchg [rbx+64], eax; xchg [rbx+72], rdx) x8; jmp L
	{"xchgm", "XCHG m, r (implicitly locked)", "8743404887534887434048875348874340488753488743404887534887434048875348874340488753488743404887534887434048875348ebc6"},
	// L: (lock xadd [rbx+64], eax; xadd r9, rdx) x8; jmp L
	{"lockxadd", "LOCK XADD m; XADD r", "f00fc14340490fc1d1f00fc14340490fc1d1f00fc14340490fc1d1f00fc14340490fc1d1f00fc14340490fc1d1f00fc14340490fc1d1f00fc14340490fc1d1f00fc14340490fc1d1ebb6"},
	// L: (mov eax, [rbx+64]; lock cmpxchg [rbx+64], edx; cmpxchg r9, rdx) x8; jmp L
	{"lockcmpxchg", "LOCK CMPXCHG m; CMPXCHG r", "8b4340f00fb15340490fb1d18b4340f00fb15340490fb1d18b4340f00fb15340490fb1d18b4340f00fb15340490fb1d18b4340f00fb15340490fb1d18b4340f00fb15340490fb1d18b4340f00fb15340490fb1d18b4340f00fb15340490fb1d1eb9e"},
	// L: (lock inc dword ptr [rbx+64]; lock add qword ptr [rbx+72], 1; lock or [rbx+80], eax; lock dec qword ptr [rbx+88]) x8; jmp L
	{"lockrmw", "LOCK INC/ADD/OR/DEC m", "f0ff4340f04883434801f0094350f048ff4b58f0ff4340f04883434801f0094350f048ff4b58f0ff4340f04883434801f0094350f048ff4b58f0ff4340f04883434801f0094350f048ff4b58f0ff4340f04883434801f0094350f048ff4b58f0ff4340f04883434801f0094350f048ff4b58f0ff4340f04883434801f0094350f048ff4b58f0ff4340f04883434801f0094350f048ff4b58e963ffffff"},
	// L: (lea r9, [rax+rdx*4+8]; lea r10d, [rax+rdx]; lea r11, [rip+0]; lea r9, [r9+r10*8]; lea eax, [rax+rax*2]) x8; jmp L
	{"lea", "LEA forms (RIP, 32-bit)", "4c8d4c9008448d14104c8d1d000000004f8d0cd18d04404c8d4c9008448d14104c8d1d000000004f8d0cd18d04404c8d4c9008448d14104c8d1d000000004f8d0cd18d04404c8d4c9008448d14104c8d1d000000004f8d0cd18d04404c8d4c9008448d14104c8d1d000000004f8d0cd18d04404c8d4c9008448d14104c8d1d000000004f8d0cd18d04404c8d4c9008448d14104c8d1d000000004f8d0cd18d04404c8d4c9008448d14104c8d1d000000004f8d0cd18d0440e943ffffff"},
	// L: (push rax; push rdx; pop r9; pop r10; push 5; pop r11; push qword ptr [rbx]; pop qword ptr [rbx+64]) x8; jmp L
	{"pushpop", "PUSH/POP r, imm, m", "50524159415a6a05415bff338f434050524159415a6a05415bff338f434050524159415a6a05415bff338f434050524159415a6a05415bff338f434050524159415a6a05415bff338f434050524159415a6a05415bff338f434050524159415a6a05415bff338f434050524159415a6a05415bff338f4340eb86"},
	// L: (cdqe; cqo; cwde; cdq; cbw) x8; jmp L
	{"cdq", "CBW..CQO", "48984899989966984898489998996698489848999899669848984899989966984898489998996698489848999899669848984899989966984898489998996698ebbe"},
	// L: rep movsb; mov rsi, rbx; lea rdi, [rbx+0x1000]; mov ecx, 64; jmp L
	{"repmovsb", "REP MOVSB (64 bytes)", "f3a44889de488dbb00100000b940000000ebed"},
	// L: rep movsq; mov rsi, rbx; lea rdi, [rbx+0x1000]; mov ecx, 64; jmp L
	{"repmovsq", "REP MOVSQ (512 bytes)", "f348a54889de488dbb00100000b940000000ebec"},
	// L: rep stosb; lea rdi, [rbx+0x1000]; mov ecx, 256; jmp L
	{"repstosb", "REP STOSB (256 bytes)", "f3aa488dbb00100000b900010000ebf0"},
	// L: rep stosq; lea rdi, [rbx+0x1000]; mov ecx, 64; jmp L
	{"repstosq", "REP STOSQ (512 bytes)", "f348ab488dbb00100000b940000000ebef"},
	// L: std; rep movsb; cld; lea rsi, [rbx+63]; lea rdi, [rbx+0x103f]; mov ecx, 64; jmp L
	{"repmovsbdf", "STD; REP MOVSB; CLD (64 bytes)", "fdf3a4fc488d733f488dbb3f100000b940000000ebea"},
	// L: std; rep stosd; cld; lea rdi, [rbx+0x10fc]; mov ecx, 64; jmp L
	{"repstosddf", "STD; REP STOSD; CLD", "fdf3abfc488dbbfc100000b940000000ebee"},
	// L: repe cmpsb; mov rsi, rbx; lea rdi, [rbx+0x2000]; mov ecx, 64; jmp L
	{"repecmpsb", "REPE CMPSB (64 equal bytes)", "f3a64889de488dbb00200000b940000000ebed"},
	// L: repne scasb; lea rdi, [rbx+0x2000]; mov ecx, 64; mov al, 1; jmp L
	{"repnescasb", "REPNE SCASB (64 bytes)", "f2ae488dbb00200000b940000000b001ebee"},
	// L: (lodsb) x8; mov rsi, rbx; jmp L
	{"lodsb", "LODSB", "acacacacacacacac4889deebf3"},
	// L: (stosq) x8; lea rdi, [rbx+0x1000]; jmp L
	{"stosq", "STOSQ", "48ab48ab48ab48ab48ab48ab48ab48ab488dbb00100000ebe7"},
	// L: (movsb) x8; mov rsi, rbx; lea rdi, [rbx+0x1000]; jmp L
	{"movsb", "MOVSB", "a4a4a4a4a4a4a4a44889de488dbb00100000ebec"},
	// std; L: (movsb) x8; lea rsi, [rbx+63]; lea rdi, [rbx+0x103f]; jmp L
	{"movsbdf", "MOVSB with DF=1", "fda4a4a4a4a4a4a4a4488d733f488dbb3f100000ebeb"},
	// L: mov ecx, 10; call R; jmp L; R: push rbp; mov rbp, rsp; sub rsp, 16; mov [rbp-8], rcx; dec ecx; jz 1f; call R; 1: mov rcx, [rbp-8]; leave; ret
	{"recursion", "recursive CALL/RET with frames (PUSH RBP; LEAVE)", "b90a000000e802000000ebf4554889e54883ec1048894df8ffc97405e8ebffffff488b4df8c9c3"},
	// lea r9, [rbx+0x800]; lea rax, [rip+C0]; sub rax, r9; mov [r9], eax; lea rax, [rip+C1]; sub rax, r9; mov [r9+4], eax; lea rax, [rip+C2]; sub rax, r9; mov [r9+8], eax; lea rax, [rip+C3]; sub rax, r9; mov [r9+12], eax; L: inc eax; mov edx, eax; and edx, 3; lea r9, [rbx+0x800]; movsxd rdx, dword ptr [r9+rdx*4]; add rdx, r9; jmp rdx; C0: add r10, 1; jmp L; C1: sub r10, 2; jmp L; C2: xor r10, rax; jmp L; C3: lea r10, [r10+rax*2]; jmp L
	{"switch", "switch through a jump table (gcc PIC form, the table in another page)", "4c8d8b00080000488d05470000004c29c8418901488d05400000004c29c841894104488d05380000004c29c841894108488d052f0000004c29c84189410cffc089c283e2034c8d8b00080000496314914c01caffe24983c201ebe34983ea02ebdd4931c2ebd84d8d1442ebd2"},
	// lea r9, [rip+F]; mov [rbx+0x400], r9; L: lea r9, [rip+F]; call r9; mov r10, [rbx+64]; call qword ptr [rbx+0x400]; jmp L; F: add eax, 1; ret
	{"callind", "indirect CALL through a register and memory", "4c8d0d1d0000004c898b000400004c8d0d0f00000041ffd14c8b5340ff9300040000ebea83c001c3"},
	// L: (addsd xmm0, xmm1; mulsd xmm0, xmm2; subsd xmm0, xmm1; divsd xmm0, xmm2) x2; jmp L
	{"sd", "ADDSD/MULSD/SUBSD/DIVSD (control)", "f20f58c1f20f59c2f20f5cc1f20f5ec2f20f58c1f20f59c2f20f5cc1f20f5ec2ebde"},
	// L: (addss xmm8, xmm9; mulss xmm8, xmm10; subss xmm8, xmm9; divss xmm8, xmm10) x2; jmp L
	{"ss", "ADDSS/MULSS/SUBSS/DIVSS", "f3450f58c1f3450f59c2f3450f5cc1f3450f5ec2f3450f58c1f3450f59c2f3450f5cc1f3450f5ec2ebd6"},
	// L: (addsd xmm0, [rbx]; mulsd xmm1, [rbx+8]; movsd xmm2, [rbx]; movsd [rbx+64], xmm2; subsd xmm0, [rbx]; divsd xmm1, [rbx+8]) x8; jmp L
	{"sdmem", "scalar double with memory", "f20f5803f20f594b08f20f1013f20f115340f20f5c03f20f5e4b08f20f5803f20f594b08f20f1013f20f115340f20f5c03f20f5e4b08f20f5803f20f594b08f20f1013f20f115340f20f5c03f20f5e4b08f20f5803f20f594b08f20f1013f20f115340f20f5c03f20f5e4b08f20f5803f20f594b08f20f1013f20f115340f20f5c03f20f5e4b08f20f5803f20f594b08f20f1013f20f115340f20f5c03f20f5e4b08f20f5803f20f594b08f20f1013f20f115340f20f5c03f20f5e4b08f20f5803f20f594b08f20f1013f20f115340f20f5c03f20f5e4b08e923ffffff"},
	// L: (addss xmm8, [rbx+16]; mulss xmm9, [rbx+20]; movss xmm10, [rbx+16]; movss [rbx+64], xmm10; subss xmm8, [rbx+16]; divss xmm9, [rbx+20]) x8; jmp L
	{"ssmem", "scalar float with memory", "f3440f584310f3440f594b14f3440f105310f3440f115340f3440f5c4310f3440f5e4b14f3440f584310f3440f594b14f3440f105310f3440f115340f3440f5c4310f3440f5e4b14f3440f584310f3440f594b14f3440f105310f3440f115340f3440f5c4310f3440f5e4b14f3440f584310f3440f594b14f3440f105310f3440f115340f3440f5c4310f3440f5e4b14f3440f584310f3440f594b14f3440f105310f3440f115340f3440f5c4310f3440f5e4b14f3440f584310f3440f594b14f3440f105310f3440f115340f3440f5c4310f3440f5e4b14f3440f584310f3440f594b14f3440f105310f3440f115340f3440f5c4310f3440f5e4b14f3440f584310f3440f594b14f3440f105310f3440f115340f3440f5c4310f3440f5e4b14e9dbfeffff"},
	// L: (sqrtsd xmm5, xmm2; sqrtss xmm12, xmm9) x8; jmp L
	{"sqrt", "SQRTSD/SQRTSS", "f20f51eaf3450f51e1f20f51eaf3450f51e1f20f51eaf3450f51e1f20f51eaf3450f51e1f20f51eaf3450f51e1f20f51eaf3450f51e1f20f51eaf3450f51e1f20f51eaf3450f51e1ebb6"},
	// L: (pxor xmm3, xmm3; cvtsi2sd xmm3, eax; cvtsi2sd xmm4, rdx; cvtsi2ss xmm11, eax; cvtsi2ss xmm12, rdx; cvtsi2sd xmm5, dword ptr [rbx+32]) x8; jmp L
	{"cvti2f", "CVTSI2SD/SS", "660fefdbf20f2ad8f2480f2ae2f3440f2ad8f34c0f2ae2f20f2a6b20660fefdbf20f2ad8f2480f2ae2f3440f2ad8f34c0f2ae2f20f2a6b20660fefdbf20f2ad8f2480f2ae2f3440f2ad8f34c0f2ae2f20f2a6b20660fefdbf20f2ad8f2480f2ae2f3440f2ad8f34c0f2ae2f20f2a6b20660fefdbf20f2ad8f2480f2ae2f3440f2ad8f34c0f2ae2f20f2a6b20660fefdbf20f2ad8f2480f2ae2f3440f2ad8f34c0f2ae2f20f2a6b20660fefdbf20f2ad8f2480f2ae2f3440f2ad8f34c0f2ae2f20f2a6b20660fefdbf20f2ad8f2480f2ae2f3440f2ad8f34c0f2ae2f20f2a6b20e91bffffff"},
	// L: (cvttsd2si eax, xmm1; cvttsd2si r9, xmm2; cvttss2si r10d, xmm9; cvtsd2si r11, xmm1; cvtss2si r9d, xmm10; cvttsd2si eax, qword ptr [rbx]) x8; jmp L
	{"cvtf2i", "CVTTSD2SI/CVTTSS2SI/CVTSD2SI", "f20f2cc1f24c0f2ccaf3450f2cd1f24c0f2dd9f3450f2dcaf20f2c03f20f2cc1f24c0f2ccaf3450f2cd1f24c0f2dd9f3450f2dcaf20f2c03f20f2cc1f24c0f2ccaf3450f2cd1f24c0f2dd9f3450f2dcaf20f2c03f20f2cc1f24c0f2ccaf3450f2cd1f24c0f2dd9f3450f2dcaf20f2c03f20f2cc1f24c0f2ccaf3450f2cd1f24c0f2dd9f3450f2dcaf20f2c03f20f2cc1f24c0f2ccaf3450f2cd1f24c0f2dd9f3450f2dcaf20f2c03f20f2cc1f24c0f2ccaf3450f2cd1f24c0f2dd9f3450f2dcaf20f2c03f20f2cc1f24c0f2ccaf3450f2cd1f24c0f2dd9f3450f2dcaf20f2c03e91bffffff"},
	// L: (cvtsd2ss xmm11, xmm1; cvtss2sd xmm3, xmm9; cvtsd2ss xmm12, qword ptr [rbx]; cvtss2sd xmm4, dword ptr [rbx+16]) x8; jmp L
	{"cvtf2f", "CVTSD2SS/CVTSS2SD", "f2440f5ad9f3410f5ad9f2440f5a23f30f5a6310f2440f5ad9f3410f5ad9f2440f5a23f30f5a6310f2440f5ad9f3410f5ad9f2440f5a23f30f5a6310f2440f5ad9f3410f5ad9f2440f5a23f30f5a6310f2440f5ad9f3410f5ad9f2440f5a23f30f5a6310f2440f5ad9f3410f5ad9f2440f5a23f30f5a6310f2440f5ad9f3410f5ad9f2440f5a23f30f5a6310f2440f5ad9f3410f5ad9f2440f5a23f30f5a6310e95bffffff"},
	// L: (ucomisd xmm1, xmm2; ja 1f; 1: comisd xmm2, xmm1; jbe 2f; 2: ucomiss xmm9, xmm10; jp 3f; 3:) x4; jmp L
	{"ucomijcc", "UCOMISD/COMISD/UCOMISS + Jcc", "660f2eca7700660f2fd17600450f2eca7a00660f2eca7700660f2fd17600450f2eca7a00660f2eca7700660f2fd17600450f2eca7a00660f2eca7700660f2fd17600450f2eca7a00ebb6"},
	// L: (ucomisd xmm1, xmm2; seta al; comiss xmm9, xmm10; setb dl; ucomisd xmm1, [rbx]; setae r9b) x8; jmp L
	{"ucomiset", "UCOMISD/COMISS + SETcc", "660f2eca0f97c0450f2fca0f92c2660f2e0b410f93c1660f2eca0f97c0450f2fca0f92c2660f2e0b410f93c1660f2eca0f97c0450f2fca0f92c2660f2e0b410f93c1660f2eca0f97c0450f2fca0f92c2660f2e0b410f93c1660f2eca0f97c0450f2fca0f92c2660f2e0b410f93c1660f2eca0f97c0450f2fca0f92c2660f2e0b410f93c1660f2eca0f97c0450f2fca0f92c2660f2e0b410f93c1660f2eca0f97c0450f2fca0f92c2660f2e0b410f93c1e94bffffff"},
	// L: (maxsd xmm3, xmm1; minsd xmm3, xmm2; maxss xmm11, xmm9; minss xmm11, xmm10; andpd xmm4, [rbx+512]; xorpd xmm4, [rbx+528]) x8; jmp L
	{"minmaxsd", "MAXSD/MINSD/MAXSS/MINSS, ANDPD/XORPD masks", "f20f5fd9f20f5ddaf3450f5fd9f3450f5dda660f54a300020000660f57a310020000f20f5fd9f20f5ddaf3450f5fd9f3450f5dda660f54a300020000660f57a310020000f20f5fd9f20f5ddaf3450f5fd9f3450f5dda660f54a300020000660f57a310020000f20f5fd9f20f5ddaf3450f5fd9f3450f5dda660f54a300020000660f57a310020000f20f5fd9f20f5ddaf3450f5fd9f3450f5dda660f54a300020000660f57a310020000f20f5fd9f20f5ddaf3450f5fd9f3450f5dda660f54a300020000660f57a310020000f20f5fd9f20f5ddaf3450f5fd9f3450f5dda660f54a300020000660f57a310020000f20f5fd9f20f5ddaf3450f5fd9f3450f5dda660f54a300020000660f57a310020000e9ebfeffff"},
	// L: (movapd xmm6, xmm1; cmpltsd xmm6, xmm2; andpd xmm6, xmm1; cmpless xmm13, xmm9; cmpeqsd xmm5, xmm2) x8; jmp L
	{"cmpsd", "CMPSD/CMPSS", "660f28f1f20fc2f201660f54f1f3450fc2e902f20fc2ea00660f28f1f20fc2f201660f54f1f3450fc2e902f20fc2ea00660f28f1f20fc2f201660f54f1f3450fc2e902f20fc2ea00660f28f1f20fc2f201660f54f1f3450fc2e902f20fc2ea00660f28f1f20fc2f201660f54f1f3450fc2e902f20fc2ea00660f28f1f20fc2f201660f54f1f3450fc2e902f20fc2ea00660f28f1f20fc2f201660f54f1f3450fc2e902f20fc2ea00660f28f1f20fc2f201660f54f1f3450fc2e902f20fc2ea00e93bffffff"},
	// L: (movsd xmm3, [rbx]; movsd [rbx+64], xmm3; movss xmm11, [rbx+16]; movss [rbx+72], xmm11; movapd xmm4, xmm3; movq xmm5, [rbx+8]; movq [rbx+80], xmm5; movsd xmm6, xmm1) x8; jmp L
	{"movsdss", "MOVSD/MOVSS/MOVQ load/store/move", "f20f101bf20f115b40f3440f105b10f3440f115b48660f28e3f30f7e6b08660fd66b50f20f10f1f20f101bf20f115b40f3440f105b10f3440f115b48660f28e3f30f7e6b08660fd66b50f20f10f1f20f101bf20f115b40f3440f105b10f3440f115b48660f28e3f30f7e6b08660fd66b50f20f10f1f20f101bf20f115b40f3440f105b10f3440f115b48660f28e3f30f7e6b08660fd66b50f20f10f1f20f101bf20f115b40f3440f105b10f3440f115b48660f28e3f30f7e6b08660fd66b50f20f10f1f20f101bf20f115b40f3440f105b10f3440f115b48660f28e3f30f7e6b08660fd66b50f20f10f1f20f101bf20f115b40f3440f105b10f3440f115b48660f28e3f30f7e6b08660fd66b50f20f10f1f20f101bf20f115b40f3440f105b10f3440f115b48660f28e3f30f7e6b08660fd66b50f20f10f1e9c3feffff"},
	// L: (unpcklpd xmm3, xmm1; shufpd xmm3, xmm2, 1; movhlps xmm4, xmm3; movlhps xmm4, xmm1; unpckhpd xmm5, xmm2; movhpd xmm6, [rbx]; movlpd xmm6, [rbx+8]; movhpd [rbx+64], xmm6) x8; jmp L
	{"shufpd", "UNPCK/SHUFPD/MOVHLPS/MOVHPD", "660f14d9660fc6da010f12e30f16e1660f15ea660f1633660f127308660f177340660f14d9660fc6da010f12e30f16e1660f15ea660f1633660f127308660f177340660f14d9660fc6da010f12e30f16e1660f15ea660f1633660f127308660f177340660f14d9660fc6da010f12e30f16e1660f15ea660f1633660f127308660f177340660f14d9660fc6da010f12e30f16e1660f15ea660f1633660f127308660f177340660f14d9660fc6da010f12e30f16e1660f15ea660f1633660f127308660f177340660f14d9660fc6da010f12e30f16e1660f15ea660f1633660f127308660f177340660f14d9660fc6da010f12e30f16e1660f15ea660f1633660f127308660f177340e9f3feffff"},
	// L: (mulps xmm8, xmm9; addps xmm8, xmm10; subps xmm8, xmm10; divps xmm8, xmm9) x2; jmp L
	{"ps", "MULPS/ADDPS/SUBPS/DIVPS (control)", "450f59c1450f58c2450f5cc2450f5ec1450f59c1450f58c2450f5cc2450f5ec1ebde"},
	// L: (mulps xmm8, xmm9; addps xmm8, xmm10; divps xmm8, xmm11; subps xmm8, xmm12) x2; jmp L
	{"psx", "MULPS/ADDPS/DIVPS/SUBPS, inexact", "450f59c1450f58c2450f5ec3450f5cc4450f59c1450f58c2450f5ec3450f5cc4ebde"},
	// L: (sqrtps xmm11, xmm9; maxps xmm12, xmm9; minps xmm12, xmm10; movaps xmm13, xmm9; cmpltps xmm13, xmm10; movmskps eax, xmm13; andps xmm14, xmm9; orps xmm15, xmm10; shufps xmm12, xmm9, 0x1b; andnps xmm13, xmm9) x8; jmp L
	{"psmisc", "SQRTPS/MAXPS/CMPPS/MOVMSKPS/SHUFPS", "450f51d9450f5fe1450f5de2450f28e9450fc2ea01410f50c5450f54f1450f56fa450fc6e11b450f55e9450f51d9450f5fe1450f5de2450f28e9450fc2ea01410f50c5450f54f1450f56fa450fc6e11b450f55e9450f51d9450f5fe1450f5de2450f28e9450fc2ea01410f50c5450f54f1450f56fa450fc6e11b450f55e9450f51d9450f5fe1450f5de2450f28e9450fc2ea01410f50c5450f54f1450f56fa450fc6e11b450f55e9450f51d9450f5fe1450f5de2450f28e9450fc2ea01410f50c5450f54f1450f56fa450fc6e11b450f55e9450f51d9450f5fe1450f5de2450f28e9450fc2ea01410f50c5450f54f1450f56fa450fc6e11b450f55e9450f51d9450f5fe1450f5de2450f28e9450fc2ea01410f50c5450f54f1450f56fa450fc6e11b450f55e9450f51d9450f5fe1450f5de2450f28e9450fc2ea01410f50c5450f54f1450f56fa450fc6e11b450f55e9e9abfeffff"},
	// L: (sqrtpd xmm3, xmm1; maxpd xmm4, xmm1; minpd xmm4, xmm2; movapd xmm5, xmm1; cmplepd xmm5, xmm2; movmskpd eax, xmm5; mulpd xmm6, xmm2; divpd xmm6, xmm2) x8; jmp L
	{"pdmisc", "SQRTPD/MAXPD/CMPPD/MOVMSKPD", "660f51d9660f5fe1660f5de2660f28e9660fc2ea02660f50c5660f59f2660f5ef2660f51d9660f5fe1660f5de2660f28e9660fc2ea02660f50c5660f59f2660f5ef2660f51d9660f5fe1660f5de2660f28e9660fc2ea02660f50c5660f59f2660f5ef2660f51d9660f5fe1660f5de2660f28e9660fc2ea02660f50c5660f59f2660f5ef2660f51d9660f5fe1660f5de2660f28e9660fc2ea02660f50c5660f59f2660f5ef2660f51d9660f5fe1660f5de2660f28e9660fc2ea02660f50c5660f59f2660f5ef2660f51d9660f5fe1660f5de2660f28e9660fc2ea02660f50c5660f59f2660f5ef2660f51d9660f5fe1660f5de2660f28e9660fc2ea02660f50c5660f59f2660f5ef2e9f3feffff"},
	// L: (cvttps2dq xmm3, xmm9; cvtps2dq xmm4, xmm10; cvtdq2ps xmm11, xmm3; cvtdq2pd xmm5, xmm3; cvttpd2dq xmm6, xmm1; cvtpd2ps xmm12, xmm1; cvtps2pd xmm7, xmm9; cvtpd2dq xmm6, xmm2) x8; jmp L
	{"cvtpacked", "packed conversions", "f3410f5bd966410f5be2440f5bdbf30fe6eb660fe6f166440f5ae1410f5af9f20fe6f2f3410f5bd966410f5be2440f5bdbf30fe6eb660fe6f166440f5ae1410f5af9f20fe6f2f3410f5bd966410f5be2440f5bdbf30fe6eb660fe6f166440f5ae1410f5af9f20fe6f2f3410f5bd966410f5be2440f5bdbf30fe6eb660fe6f166440f5ae1410f5af9f20fe6f2f3410f5bd966410f5be2440f5bdbf30fe6eb660fe6f166440f5ae1410f5af9f20fe6f2f3410f5bd966410f5be2440f5bdbf30fe6eb660fe6f166440f5ae1410f5af9f20fe6f2f3410f5bd966410f5be2440f5bdbf30fe6eb660fe6f166440f5ae1410f5af9f20fe6f2f3410f5bd966410f5be2440f5bdbf30fe6eb660fe6f166440f5ae1410f5af9f20fe6f2e9e3feffff"},
	// L: (pmullw xmm3, xmm1; pmulhw xmm4, xmm2; pmulhuw xmm5, xmm1; pmaddwd xmm6, xmm2; pmuludq xmm7, xmm1) x8; jmp L
	{"pmul", "PMULLW/PMULHW/PMULHUW/PMADDWD/PMULUDQ", "660fd5d9660fe5e2660fe4e9660ff5f2660ff4f9660fd5d9660fe5e2660fe4e9660ff5f2660ff4f9660fd5d9660fe5e2660fe4e9660ff5f2660ff4f9660fd5d9660fe5e2660fe4e9660ff5f2660ff4f9660fd5d9660fe5e2660fe4e9660ff5f2660ff4f9660fd5d9660fe5e2660fe4e9660ff5f2660ff4f9660fd5d9660fe5e2660fe4e9660ff5f2660ff4f9660fd5d9660fe5e2660fe4e9660ff5f2660ff4f9e95bffffff"},
	// L: (paddq xmm3, xmm1; psubq xmm3, xmm2; psadbw xmm4, xmm1; pavgb xmm5, xmm2; pminub xmm5, xmm1; pmaxub xmm6, xmm2; pminsw xmm6, xmm1; pmaxsw xmm7, xmm2; paddusb xmm7, xmm1; psubusw xmm4, xmm2; paddsw xmm3, xmm1; psubsb xmm6, xmm2) x8; jmp L
	{"pmisc", "PADDQ/PSADBW/PAVGB/PMIN/PMAX/saturating", "660fd4d9660ffbda660ff6e1660fe0ea660fdae9660fdef2660feaf1660feefa660fdcf9660fd9e2660fedd9660fe8f2660fd4d9660ffbda660ff6e1660fe0ea660fdae9660fdef2660feaf1660feefa660fdcf9660fd9e2660fedd9660fe8f2660fd4d9660ffbda660ff6e1660fe0ea660fdae9660fdef2660feaf1660feefa660fdcf9660fd9e2660fedd9660fe8f2660fd4d9660ffbda660ff6e1660fe0ea660fdae9660fdef2660feaf1660feefa660fdcf9660fd9e2660fedd9660fe8f2660fd4d9660ffbda660ff6e1660fe0ea660fdae9660fdef2660feaf1660feefa660fdcf9660fd9e2660fedd9660fe8f2660fd4d9660ffbda660ff6e1660fe0ea660fdae9660fdef2660feaf1660feefa660fdcf9660fd9e2660fedd9660fe8f2660fd4d9660ffbda660ff6e1660fe0ea660fdae9660fdef2660feaf1660feefa660fdcf9660fd9e2660fedd9660fe8f2660fd4d9660ffbda660ff6e1660fe0ea660fdae9660fdef2660feaf1660feefa660fdcf9660fd9e2660fedd9660fe8f2e97bfeffff"},
	// L: (pshufd xmm3, xmm1, 0x1b; pshuflw xmm4, xmm2, 0x1b; pshufhw xmm5, xmm1, 0x4e; psrldq xmm6, 4; pslldq xmm7, 3; punpcklbw xmm3, xmm2; pextrw eax, xmm1, 3; pinsrw xmm4, eax, 5; pmovmskb edx, xmm2; shufps xmm5, xmm1, 0x44) x8; jmp L
	{"pshuf", "PSHUFD/PSHUFLW/HW/PSRLDQ/PEXTRW/PINSRW/PMOVMSKB", "660f70d91bf20f70e21bf30f70e94e660f73de04660f73ff03660f60da660fc5c103660fc4e005660fd7d20fc6e944660f70d91bf20f70e21bf30f70e94e660f73de04660f73ff03660f60da660fc5c103660fc4e005660fd7d20fc6e944660f70d91bf20f70e21bf30f70e94e660f73de04660f73ff03660f60da660fc5c103660fc4e005660fd7d20fc6e944660f70d91bf20f70e21bf30f70e94e660f73de04660f73ff03660f60da660fc5c103660fc4e005660fd7d20fc6e944660f70d91bf20f70e21bf30f70e94e660f73de04660f73ff03660f60da660fc5c103660fc4e005660fd7d20fc6e944660f70d91bf20f70e21bf30f70e94e660f73de04660f73ff03660f60da660fc5c103660fc4e005660fd7d20fc6e944660f70d91bf20f70e21bf30f70e94e660f73de04660f73ff03660f60da660fc5c103660fc4e005660fd7d20fc6e944660f70d91bf20f70e21bf30f70e94e660f73de04660f73ff03660f60da660fc5c103660fc4e005660fd7d20fc6e944e983feffff"},
	// mov r9d, 3; movq xmm0, r9; L: (psllw xmm3, xmm0; psrld xmm4, xmm0; psraw xmm5, xmm0; psrlq xmm6, xmm0; pslld xmm7, 3; psrad xmm3, 2) x8; jmp L
	{"pshiftx", "PSLL/PSRL/PSRA by XMM count", "41b90300000066490f6ec1660ff1d8660fd2e0660fe1e8660fd3f0660f72f703660f72e302660ff1d8660fd2e0660fe1e8660fd3f0660f72f703660f72e302660ff1d8660fd2e0660fe1e8660fd3f0660f72f703660f72e302660ff1d8660fd2e0660fe1e8660fd3f0660f72f703660f72e302660ff1d8660fd2e0660fe1e8660fd3f0660f72f703660f72e302660ff1d8660fd2e0660fe1e8660fd3f0660f72f703660f72e302660ff1d8660fd2e0660fe1e8660fd3f0660f72f703660f72e302660ff1d8660fd2e0660fe1e8660fd3f0660f72f703660f72e302e92bffffff"},
	// L: (pand xmm3, xmm1; por xmm3, xmm2; pxor xmm4, xmm3; pcmpeqb xmm5, xmm1; paddd xmm6, xmm2; psubb xmm7, xmm1; pandn xmm4, xmm2; pcmpgtd xmm5, xmm2) x8; jmp L
	{"plogic", "PAND/POR/PXOR/PCMPEQ/PADD (control)", "660fdbd9660febda660fefe3660f74e9660ffef2660ff8f9660fdfe2660f66ea660fdbd9660febda660fefe3660f74e9660ffef2660ff8f9660fdfe2660f66ea660fdbd9660febda660fefe3660f74e9660ffef2660ff8f9660fdfe2660f66ea660fdbd9660febda660fefe3660f74e9660ffef2660ff8f9660fdfe2660f66ea660fdbd9660febda660fefe3660f74e9660ffef2660ff8f9660fdfe2660f66ea660fdbd9660febda660fefe3660f74e9660ffef2660ff8f9660fdfe2660f66ea660fdbd9660febda660fefe3660f74e9660ffef2660ff8f9660fdfe2660f66ea660fdbd9660febda660fefe3660f74e9660ffef2660ff8f9660fdfe2660f66eae9fbfeffff"},
	// L: (movdqa xmm3, [rbx+128]; paddd xmm3, [rbx+144]; pand xmm4, [rbx+160]; pmaddwd xmm5, [rbx+176]; movdqu xmm6, [rbx+129]; movdqa [rbx+192], xmm3; movdqu [rbx+209], xmm4; pcmpeqb xmm7, [rbx+128]) x8; jmp L
	{"pmem", "128-bit loads/stores and memory operands", "660f6f9b80000000660ffe9b90000000660fdba3a0000000660ff5abb0000000f30f6fb381000000660f7f9bc0000000f30f7fa3d1000000660f74bb80000000660f6f9b80000000660ffe9b90000000660fdba3a0000000660ff5abb0000000f30f6fb381000000660f7f9bc0000000f30f7fa3d1000000660f74bb80000000660f6f9b80000000660ffe9b90000000660fdba3a0000000660ff5abb0000000f30f6fb381000000660f7f9bc0000000f30f7fa3d1000000660f74bb80000000660f6f9b80000000660ffe9b90000000660fdba3a0000000660ff5abb0000000f30f6fb381000000660f7f9bc0000000f30f7fa3d1000000660f74bb80000000660f6f9b80000000660ffe9b90000000660fdba3a0000000660ff5abb0000000f30f6fb381000000660f7f9bc0000000f30f7fa3d1000000660f74bb80000000660f6f9b80000000660ffe9b90000000660fdba3a0000000660ff5abb0000000f30f6fb381000000660f7f9bc0000000f30f7fa3d1000000660f74bb80000000660f6f9b80000000660ffe9b90000000660fdba3a0000000660ff5abb0000000f30f6fb381000000660f7f9bc0000000f30f7fa3d1000000660f74bb80000000660f6f9b80000000660ffe9b90000000660fdba3a0000000660ff5abb0000000f30f6fb381000000660f7f9bc0000000f30f7fa3d1000000660f74bb80000000e9fbfdffff"},
	// X: xor eax, eax; L: the first loop of images/programs/benchfp.c's vec_round as gcc -O3
	// built it (its bytes, vec_round+0x20 to +0x2ff: MOVDQA loads and copies, PSLLD/PSRLD imm,
	// PADDD/PSUBD, MOVAPS [rax*4+disp32] stores, CVTDQ2PD, CVTDQ2PS, PSHUFD, PUNPCKLWD/HWD,
	// PAND, PACKUSWB; add rax, 16; cmp rax, 0x1000; jne L); jmp X
	{"vecround", "benchfp vec_round's first loop (vec workload)", "31c0660f6f048520484000660f6f348530484000660f6f0c8540484000660f6f2c8550484000660f6fd066440f6fc866440f6fc60f29048520684200660f72f20266410f72d10c0f29348530684200660ffed066410f72d00cf3450fe6d166450f70c9ee660f72f203f3450fe6c9440f290cc530a84000f3450fe6c8660ffed066450f70c0ee0f290c8540684200660f72f207f3450fe6c0440f2904c550a84000660ffad00f292c8550684200440f2914c520a84000660f72f202440f290cc540a84000660ffad0660f6ffa660f72f705660ffafa660f6fd7660f72f208660ffad7660f72f204660ffed00f29148520284200660f6fd6660f72f202660ffed6660f72f203660ffed6660f72f207660ffad6660f72f202660ffad6660f6ffa660f72f705660ffafa660f6fd7660f72f208660ffad7660f72f204660ffed60f29148530284200660f6fd1660f72f202660ffed1660f72f203660ffed1660f72f207660ffad1660f72f202660ffad1660f6ffa660f72f705660ffafa660f6fd7660f72f208660ffad7660f72f204660ffed10f29148540284200660f6fd5660f72f202660ffed5660f72f203660ffed5660f72f207660ffad5660f72f202660ffad5660f6ffa660f72f705660ffafa660f6fd7660f72f208660ffad7660f6ff9660f72f204660f72d70c660ffed5f3440fe6c7660f70ffee440f2904c560a840000f29148550284200660f6fd0f30fe6ff660fdbd30f293cc570a840000f5bd20f29148520a84100660f6fd6660fdbd30f5bd20f29148530a84100660f6fd1660fdbd30f5bd20f29148540a84100660f6fd5660fdbd30f5bd20f29148550a84100660f6fd5660f72d20cf30fe6fa660f70d2ee0f293cc580a84000f30fe6d20f2914c590a84000660f6fd0660f61c6660f69d6660f6ff04883c010660f69f2660f61c2660f6fd1660f61cd660f69d5660f61c6660f6fe9660f61ca660fdbc4660f69ea660f61cd660fdbcc660f67c10f298010884000483d001000000f8521fdffffe91afdffff"},
	// L: (movd xmm3, eax; movq xmm4, rdx; movd r9d, xmm1; movq r10, xmm2; movd xmm5, dword ptr [rbx+32]; movd [rbx+64], xmm5) x8; jmp L
	{"movdgpr", "MOVD/MOVQ with GPRs and memory", "660f6ed866480f6ee266410f7ec966490f7ed2660f6e6b20660f7e6b40660f6ed866480f6ee266410f7ec966490f7ed2660f6e6b20660f7e6b40660f6ed866480f6ee266410f7ec966490f7ed2660f6e6b20660f7e6b40660f6ed866480f6ee266410f7ec966490f7ed2660f6e6b20660f7e6b40660f6ed866480f6ee266410f7ec966490f7ed2660f6e6b20660f7e6b40660f6ed866480f6ee266410f7ec966490f7ed2660f6e6b20660f7e6b40660f6ed866480f6ee266410f7ec966490f7ed2660f6e6b20660f7e6b40660f6ed866480f6ee266410f7ec966490f7ed2660f6e6b20660f7e6b40e913ffffff"},
	// fld1; fld qword ptr [rbx]; fld qword ptr [rbx+8]; fld1; L: (fadd st, st(1); fmul st, st(2); fsub st, st(1); fdiv st, st(2)) x2; jmp L
	{"x87arith", "FADD/FMUL/FSUB/FDIV st, st(i)", "d9e8dd03dd4308d9e8d8c1d8cad8e1d8f2d8c1d8cad8e1d8f2ebee"},
	// fld1; fld qword ptr [rbx]; fld qword ptr [rbx+8]; fld1; L: fld st(1); fmulp st(1), st; fld st(2); faddp st(1), st; fld st(1); fdivp st(1), st; fld st(2); fsubrp st(1), st; jmp L
	{"x87arithp", "FLD st(i); FxxxP", "d9e8dd03dd4308d9e8d9c1dec9d9c2dec1d9c1def9d9c2dee1ebee"},
	// fld1; fld qword ptr [rbx]; fld qword ptr [rbx+8]; fld1; L: fld qword ptr [rbx]; fmul qword ptr [rbx+8]; fstp qword ptr [rbx+64]; fild dword ptr [rbx+32]; fistp dword ptr [rbx+72]; fld dword ptr [rbx+16]; fadd dword ptr [rbx+20]; fstp dword ptr [rbx+76]; jmp L
	{"x87mem", "FLD/FST(P)/FILD/FISTP m, FMUL/FADD m", "d9e8dd03dd4308d9e8dd03dc4b08dd5b40db4320db5b48d94310d84314d95b4cebe7"},
	// fld1; fld qword ptr [rbx]; fld qword ptr [rbx+8]; fld1; L: (fcomi st, st(1); fucomi st, st(2); fld st(1); fucomip st, st(1); fxch st(2); fxch st(2)) x2; jmp L
	{"x87cmp", "FCOMI/FUCOMI/FUCOMIP", "d9e8dd03dd4308d9e8dbf1dbead9c1dfe9d9cad9cadbf1dbead9c1dfe9d9cad9caebe6"},
	// fld1; fld qword ptr [rbx]; fld qword ptr [rbx+8]; fld1; L: (fucom st(1); fnstsw ax; test ah, 0x45; fcom st(2); fnstsw ax; sahf) x2; jmp L
	{"x87fnstsw", "FUCOM/FCOM; FNSTSW AX; TEST/SAHF", "d9e8dd03dd4308d9e8dde1dfe0f6c445d8d2dfe09edde1dfe0f6c445d8d2dfe09eebe6"},
	// fld1; fld qword ptr [rbx]; fld qword ptr [rbx+8]; fld1; L: fchs; fabs; fxch st(1); fld st(2); fstp st(3); fldz; fstp st(0); fld1; fstp st(1); jmp L
	{"x87misc", "FCHS/FABS/FXCH/FLD st/FSTP st/FLDZ", "d9e8dd03dd4308d9e8d9e0d9e1d9c9d9c2dddbd9eeddd8d9e8ddd9ebec"},
	// fld1; fld qword ptr [rbx]; fld qword ptr [rbx+8]; fld1; L: (fsqrt; fmul st, st(1)) x4; jmp L
	{"x87sqrt", "FSQRT", "d9e8dd03dd4308d9e8d9fad8c9d9fad8c9d9fad8c9d9fad8c9ebee"},
	// fld1; fld qword ptr [rbx]; fld qword ptr [rbx+8]; fld1; L: fnstcw [rbx+80]; movzx eax, word ptr [rbx+80]; or ah, 0x0c; mov [rbx+82], ax; fldcw [rbx+82]; fld st(0); fistp dword ptr [rbx+84]; fldcw [rbx+80]; jmp L
	{"x87cast", "(int) cast: FNSTCW/FLDCW/FISTP", "d9e8dd03dd4308d9e8d97b500fb7435080cc0c66894352d96b52d9c0db5b54d96b50ebe5"},
}

// familyData returns the data the loops read at tData.
func familyData() []byte {
	d := make([]byte, 0x3000)
	le := binary.LittleEndian
	le.PutUint64(d[0:], math.Float64bits(1.5))
	le.PutUint64(d[8:], math.Float64bits(0.75))
	for i, f := range []float32{1.5, 0.75, 3, 0.5} {
		le.PutUint32(d[16+4*i:], math.Float32bits(f))
	}
	for i, v := range []int32{7, -3, 100, 12345} {
		le.PutUint32(d[32+4*i:], uint32(v))
	}
	x := uint64(0x9E3779B97F4A7C15)
	for i := 128; i < 256; i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		le.PutUint64(d[i:], x)
	}
	for i := 0; i < 8; i++ {
		le.PutUint64(d[256+16*i:], math.Float64bits(1+float64(i)/8))
		le.PutUint64(d[256+16*i+8:], math.Float64bits(1.25-float64(i)/16))
		for j := 0; j < 4; j++ {
			le.PutUint32(d[384+16*i+4*j:], math.Float32bits(1+float32(i)/8+float32(j)/32))
		}
	}
	le.PutUint64(d[512:], 1<<63-1)
	le.PutUint64(d[520:], 1<<63-1)
	le.PutUint64(d[528:], 1<<63)
	le.PutUint64(d[536:], 1<<63)
	return d
}

// familyCode returns family i's whole code (prologue first).
func familyCode(i int) []byte {
	p, err := hex.DecodeString(familyProlog)
	if err != nil {
		panic(err)
	}
	c, err := hex.DecodeString(families[i].code)
	if err != nil {
		panic(err)
	}
	return append(p, c...)
}

// familyEnv returns a test machine (the tier of KPPEMU_ACCEL unless accel is given)
// with family i's code and data loaded, at its start.
func familyEnv(t testing.TB, i int, accel ...Accel) *testEnv {
	e := newTestEnv(t, 0)
	if len(accel) > 0 {
		if err := e.c.SetAccel(accel[0]); err != nil {
			t.Fatal(err)
		}
	}
	e.load(tData, familyData())
	e.code(familyCode(i)...)
	e.c.GPR[RBX] = tData
	e.c.GPR[RDI] = tData + 0x1000
	e.c.GPR[RSI] = tData
	return e
}

// BenchmarkFamilies runs each family's loop (MIPS counts every guest instruction).
func BenchmarkFamilies(b *testing.B) {
	for i, f := range families {
		b.Run(f.name, func(b *testing.B) {
			e := familyEnv(b, i)
			benchEnv(b, e, nil)
		})
	}
}

// TestFamilyTiers runs every family's loop in the interpreter one instruction at a time,
// with block dispatch and in the translating tier through uneven budgets, and compares
// the machines (runTiers).
func TestFamilyTiers(t *testing.T) {
	for i, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(i)))
			var budgets []uint64
			for total := 0; total < 5000; {
				n := 1 + r.Intn(300)
				budgets = append(budgets, uint64(n))
				total += n
			}
			if ex := familyEnv(t, i, AccelInterp).c.Run(5000); ex.Reason != ExitBudget {
				t.Fatalf("exit %v: %s: the loop must run without stopping", ex.Reason, ex.Diag)
			}
			runTiers(t, []byte(f.code), func() *testEnv { return familyEnv(t, i) }, budgets)
		})
	}
}

// TestFamilyReport prints, for each family, what its loop runs outside the fast paths: in
// the interpreter the block steps that are full steps (a handler with RIP, the clock and
// the instruction count set first) and the other non-inline steps; in the translating
// tier the share of instructions the interpreter ran, by instruction and reason.
func TestFamilyReport(t *testing.T) {
	if os.Getenv("KPPEMU_FAMILY_REPORT") == "" {
		t.Skip("KPPEMU_FAMILY_REPORT not set")
	}
	for i, f := range families {
		e := familyEnv(t, i)
		var prof *JITProfile
		if e.c.accel == AccelJIT {
			prof = NewJITProfile()
			e.c.SetJITProfile(prof)
		}
		const n = 200000
		if ex := e.c.Run(n); ex.Reason != ExitBudget {
			t.Fatalf("%s: exit %v: %s (RIP %#x)", f.name, ex.Reason, ex.Diag, e.c.RIP)
		}
		var sb strings.Builder
		if prof != nil {
			prof.Write(&sb, n, 8)
		} else if p := e.c.pages[tCode>>12]; p != nil {
			seen := map[string]int{}
			for _, b := range p.built {
				for _, op := range b.ops {
					switch op.kind {
					case stepFull:
						seen["full "+opName(&op.u)]++
					case stepPure:
						seen["pure "+opName(&op.u)]++
					case stepLazy:
						seen["lazy "+opName(&op.u)]++
					}
				}
			}
			var ks []string
			for k := range seen {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			sb.WriteString("  " + strings.Join(ks, ", ") + "\n")
		}
		t.Logf("%-12s %s\n%s", f.name, f.desc, sb.String())
	}
}
