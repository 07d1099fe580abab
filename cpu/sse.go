package cpu

// SSE and SSE2 (SDM Vol. 1 ch. 10-11, Vol. 2 instruction pages): the operand plumbing shared
// by the sse*.go files.
//
//	sse.go        availability checks, XMM source/destination helpers, translator builders
//	sse_move.go   MOVD/MOVQ, MOVDQA/MOVDQU/MOVAPS/..., MOVSS/MOVSD, MOVH/L*, MOVNT*, MOVMSK*
//	sse_int.go    packed integer (PADD*, PCMP*, PUNPCK*, PSHUF*, shifts, packs, ...) and logic
//	sse_fp.go     the floating-point core: NaN rules, DAZ/FTZ, rounding control, MXCSR flags
//	sse_arith.go  ADD/SUB/MUL/DIV/MIN/MAX/SQRT/CMP (SS, SD, PS, PD), COMIS/UCOMIS
//	sse_cvt.go    the CVT* conversions
//	sse_state.go  LDMXCSR/STMXCSR, FXSAVE/FXRSTOR, the x87 control instructions, EMMS
//	sse_x87env.go FNSTENV/FLDENV, FNSAVE/FRSTOR
//
// Tests: sse_test.go (unit tests), sse_x87env_test.go, sse_golden_test.go (cases recorded
// on the host CPU, the reference for every floating-point rule here).
//
// Legacy-SSE 128-bit memory operands must be 16-byte aligned (#GP(0)) except for the
// explicitly unaligned moves (SDM Vol. 1 §11.6.8); scalar and 64-bit operands never are.
// MMX-register forms of the shared opcodes are not implemented (#UD): baseline x86-64 code
// does not use MMX, and CPUID does not advertise it.

// Translator flags kept in uop.aux by the SSE translators.
const (
	sseUnaligned = 1 << 0 // a 16-byte memory operand need not be aligned
)

// xsrc reads argument i (an XMM register or memory of u.sz[i] bytes, zero-extended to
// 128 bits). 16-byte memory operands are checked for alignment unless sseUnaligned.
func (c *CPU) xsrc(u *uop, i int) (lo, hi uint64, f *Fault) {
	if u.kind[i] == kXMM {
		x := &c.XMM[u.r[i]&15]
		return x[0], x[1], nil
	}
	addr := c.ea(u)
	switch u.sz[i] {
	case 16:
		return c.read128(addr, u.aux&sseUnaligned == 0)
	case 8, 4, 2, 1:
		lo, f = c.read(addr, u.sz[i])
		return lo, 0, f
	}
	return 0, 0, c.ud()
}

// store128 writes 16 bytes at linear address addr (all or nothing); aligned: #GP(0) unless
// 16-byte aligned. It goes through the MMU's 128-bit path, which needs no buffer.
func (c *CPU) store128(addr, lo, hi uint64, aligned bool) *Fault {
	if aligned && addr&15 != 0 {
		return c.gp(0)
	}
	if c.long && (!canonical(addr) || !canonical(addr+15)) {
		return c.gp(0)
	}
	if !c.long && addr&0xFFF > 0xFF0 {
		return c.write128(addr, lo, hi, aligned) // may wrap at 4 GiB: the generic path
	}
	if c.watchOn {
		c.checkWatch(addr, 16, true)
	}
	if f := c.mem.Write128(mmuVAddr(addr), lo, hi, c.user, c.acFlag()); f != nil {
		return c.pageFault(uint64(f.Addr), f.Code)
	}
	return nil
}

// xmmOrMem reports whether argument i is an XMM register or memory.
func xmmOrMem(u *uop, i int) bool { return u.kind[i] == kXMM || u.kind[i] == kMem }

// xop is a packed operation on an XMM destination and a 128-bit source value.
type xop func(d *[2]uint64, s0, s1 uint64)

// xlateXmm builds the translator of "OP xmm, xmm/m" for a pure (flag-free) operation.
func xlateXmm(op xop) translator {
	h := func(c *CPU, u *uop) *Fault {
		if f := c.sseCheck(); f != nil {
			return f
		}
		s0, s1, f := c.xsrc(u, 1)
		if f != nil {
			return f
		}
		op(&c.XMM[u.r[0]&15], s0, s1)
		return nil
	}
	// The specialised handler (hot_sse.go): a register or a TLB-hit m128 source.
	fast := func(c *CPU, u *uop) *Fault {
		if c.sseOn() {
			if s0, s1, ok := c.xmmSrc128(u); ok {
				op(&c.XMM[u.r[0]&15], s0, s1)
				return nil
			}
		}
		return c.sseSlow(u)
	}
	return func(u *uop, d *decodeInfo) bool {
		if u.nargs != 2 || u.kind[0] != kXMM || !xmmOrMem(u, 1) {
			return false
		}
		u.fn = h
		if u.kind[1] == kXMM || u.sz[1] == 16 {
			specialiseWith(u, fast)
		}
		return true
	}
}

// xopOf holds, by mnemonic, the packed operation of the forms registered with
// registerXop: the block loop runs them as inline steps (stepXop) on their common case.
var xopOf [4096]xop

// registerXop registers "OP xmm, xmm/m128" computing op (xlateXmm) under each name.
func registerXop(name string, op xop) { registerXopAll(op, name) }

func registerXopAll(op xop, names ...string) {
	registerAll(xlateXmm(op), names...)
	for _, n := range names {
		xopOf[opByName[n]&4095] = op
	}
}

// xopImm is a packed operation that also takes an 8-bit immediate.
type xopImm func(d *[2]uint64, s0, s1 uint64, imm uint8)

// xopImmOf holds, by mnemonic, the operation of the forms registered with registerXopImm,
// which the block loop runs as inline steps (stepXopImm) as it does those of xopOf.
var xopImmOf [4096]xopImm

// registerXopImm registers "OP xmm, xmm/m128, imm8" computing op (xlateXmmImm).
func registerXopImm(name string, op xopImm) {
	register(name, xlateXmmImm(op))
	xopImmOf[opByName[name]&4095] = op
}

// xlateXmmImm builds the translator of "OP xmm, xmm/m, imm8".
func xlateXmmImm(op xopImm) translator {
	h := func(c *CPU, u *uop) *Fault {
		if f := c.sseCheck(); f != nil {
			return f
		}
		s0, s1, f := c.xsrc(u, 1)
		if f != nil {
			return f
		}
		op(&c.XMM[u.r[0]&15], s0, s1, uint8(u.imm))
		return nil
	}
	fast := func(c *CPU, u *uop) *Fault {
		if c.sseOn() {
			if s0, s1, ok := c.xmmSrc128(u); ok {
				op(&c.XMM[u.r[0]&15], s0, s1, uint8(u.imm))
				return nil
			}
		}
		return c.sseSlow(u)
	}
	return func(u *uop, d *decodeInfo) bool {
		if u.nargs != 3 || u.kind[0] != kXMM || !xmmOrMem(u, 1) || u.kind[2] != kImm {
			return false
		}
		u.fn = h
		if u.kind[1] == kXMM || u.sz[1] == 16 {
			specialiseWith(u, fast)
		}
		return true
	}
}

// registerAll registers one translator under several mnemonics.
func registerAll(t translator, names ...string) {
	for _, n := range names {
		register(n, t)
	}
}
