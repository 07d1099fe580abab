package cpu

import (
	"math"

	"github.com/kppemu/kppemu/mmu"
)

// Specialised handlers for the SSE/SSE2 forms compiled code runs most: scalar and packed
// double and single arithmetic, square root, COMIS/UCOMIS, the integer/double conversions,
// and the moves.
//
// Each one does the common case in straight-line code: SSE enabled (CR0.EM=0, CR0.TS=0,
// CR4.OSFXSR=1), a register operand or a memory operand that hits the TLB in one page
// (aligned where the form needs it), and for arithmetic the operands and the result in the
// range where the host's round-to-nearest arithmetic is exact about the inexact flag
// (fpEnv.fast64, fast32) with MXCSR at round to nearest and the precision exception
// masked, so that PE is the only flag it can raise. Anything else (a fault, a miss, a NaN,
// a denormal, an infinity, a zero where it matters, directed rounding, an unmasked
// exception) goes to the general handler (u.inner) with nothing changed, which computes it
// exactly as before. They are lazy block steps (block.go): their fast path reads no RIP or
// clock and cannot fault, and the fallback calls syncLazy first. Forms with a RIP-relative
// operand are not lazy (the address needs RIP).

// mxPM is MXCSR's precision mask.
const mxPM = 1 << 12

// sseSpecial holds, by mnemonic, the function that picks the specialised handler of a
// translated SSE form (nil: keep the general one).
var sseSpecial = func() (t [4096]func(u *uop) handler) {
	set := func(h func(u *uop) handler, names ...string) {
		for _, n := range names {
			t[opByName[n]&4095] = h
		}
	}
	xx := func(h handler) func(u *uop) handler { // OP xmm, xmm/m
		return func(u *uop) handler {
			if u.nargs == 2 && u.kind[0] == kXMM && xmmOrMem(u, 1) {
				return h
			}
			return nil
		}
	}
	for _, o := range []struct {
		name string
		op   int
	}{{"ADD", fopAdd}, {"SUB", fopSub}, {"MUL", fopMul}, {"DIV", fopDiv}} {
		set(xx(ssArith(o.op)), o.name+"SS")
		set(xx(psArith(o.op)), o.name+"PS")
	}
	set(xx(addpdFast), "ADDPD")
	set(xx(subpdFast), "SUBPD")
	set(xx(mulpdFast), "MULPD")
	set(xx(divpdFast), "DIVPD")
	set(xx(addsdFast), "ADDSD")
	set(xx(subsdFast), "SUBSD")
	set(xx(mulsdFast), "MULSD")
	set(xx(divsdFast), "DIVSD")
	set(xx(sqrtsd), "SQRTSD")
	set(xx(comisdFast), "COMISD", "UCOMISD")
	set(xx(comissFast), "COMISS", "UCOMISS")
	set(xx(cvtdq2pdFast), "CVTDQ2PD")
	set(xx(cvtdq2psFast), "CVTDQ2PS")
	set(xx(cvtss2sdFast), "CVTSS2SD")
	set(xx(cvtsd2ssFast), "CVTSD2SS")
	set(func(u *uop) handler {
		if u.kind[0] == kXMM && (u.kind[1] == kReg || u.kind[1] == kMem) && (u.sz[1] == 4 || u.sz[1] == 8) {
			return cvtsi2sdFast
		}
		return nil
	}, "CVTSI2SD")
	set(func(u *uop) handler {
		if u.kind[0] == kReg && xmmOrMem(u, 1) && (u.sz[0] == 4 || u.sz[0] == 8) {
			return cvttsd2siFast
		}
		return nil
	}, "CVTTSD2SI")
	set(func(u *uop) handler {
		switch {
		case u.kind[0] == kXMM && u.kind[1] == kXMM:
			return movScalarRRFast
		case u.kind[0] == kXMM && u.kind[1] == kMem && u.sz[1] == 8:
			return movsdLoadFast
		case u.kind[0] == kXMM && u.kind[1] == kMem && u.sz[1] == 4:
			return movssLoadFast
		case u.kind[0] == kMem && u.kind[1] == kXMM && u.sz[0] == 8:
			return movsdStoreFast
		case u.kind[0] == kMem && u.kind[1] == kXMM && u.sz[0] == 4:
			return movssStoreFast
		}
		return nil
	}, "MOVSD_XMM", "MOVSS")
	set(func(u *uop) handler {
		switch {
		case u.kind[0] == kXMM && xmmOrMem(u, 1) && (u.kind[1] == kXMM || u.sz[1] == 16):
			return mov128LoadFast
		case u.kind[0] == kMem && u.kind[1] == kXMM && u.sz[0] == 16:
			return mov128StoreFast
		}
		return nil
	}, "MOVDQA", "MOVAPS", "MOVAPD", "MOVDQU", "MOVUPS", "MOVUPD")
	set(func(u *uop) handler {
		switch {
		case u.kind[0] == kXMM && u.kind[1] == kXMM:
			return movqXXFast
		case u.kind[0] == kXMM && u.kind[1] == kReg && (u.sz[1] == 4 || u.sz[1] == 8):
			return movToXmmRFast
		case u.kind[0] == kXMM && u.kind[1] == kMem && (u.sz[1] == 4 || u.sz[1] == 8):
			return movToXmmMFast
		case u.kind[0] == kReg && u.kind[1] == kXMM && (u.sz[0] == 4 || u.sz[0] == 8):
			return movFromXmmRFast
		case u.kind[0] == kMem && u.kind[1] == kXMM && (u.sz[0] == 4 || u.sz[0] == 8):
			return movFromXmmMFast
		}
		return nil
	}, "MOVD", "MOVQ")
	set(func(u *uop) handler {
		switch {
		case u.kind[0] == kXMM && u.kind[1] == kMem:
			return movHalfLoadFast
		case u.kind[0] == kMem && u.kind[1] == kXMM:
			return movHalfStoreFast
		}
		return nil
	}, "MOVHPS", "MOVHPD", "MOVLPS", "MOVLPD")
	return t
}()

// specialiseSSE installs the specialised handler of an SSE form listed in sseSpecial
// (the general one becomes u.inner) and makes it a lazy step; it reports whether u is
// such a form.
func specialiseSSE(u *uop) bool {
	pick := sseSpecial[u.op&4095]
	if pick == nil {
		return false
	}
	if h := pick(u); h != nil {
		u.inner, u.fn = u.fn, h
		u.lazy = sseLazy(u)
	}
	return true
}

// sseLazy reports whether an SSE form whose handler follows the lazy-step contract can be
// a lazy step: unless its memory operand is RIP-relative.
func sseLazy(u *uop) bool {
	for i := 0; i < int(u.nargs) && i < len(u.kind); i++ {
		if u.kind[i] == kMem && u.eaForm == eaRIP {
			return false
		}
	}
	return true
}

// lazyRegForm makes a register form of an SSE instruction a lazy block step (when
// specialised handlers are on): the general handlers of register forms reach no memory,
// read no RIP or clock, and fault only by returning the fault (sseCheck, fpCommit), which
// the block's run loop raises after setting that state.
func lazyRegForm(u *uop) {
	if !specialiseOn || u.lock {
		return
	}
	for i := 0; i < int(u.nargs) && i < len(u.kind); i++ {
		if u.kind[i] == kMem {
			return
		}
	}
	u.lazy = true
}

// sseOn reports that SSE instructions run (no #UD or #NM).
func (c *CPU) sseOn() bool { return c.CR0&(CR0EM|CR0TS) == 0 && c.CR4&CR4OSFXSR != 0 }

// sseNear reports sseOn with MXCSR rounding to nearest and PE masked.
func (c *CPU) sseNear() bool {
	return c.sseOn() && c.MXCSR&(mxRCBits|mxPM) == mxPM
}

// sseSlow runs u's general handler (after the state a lazy step skipped).
func (c *CPU) sseSlow(u *uop) *Fault {
	c.syncLazy()
	return u.inner(c, u)
}

// xmmLd32, xmmLd64 and xmmLd128 are the TLB-hit paths of u's memory operand (ok false:
// not a hit, or a 16-byte operand that must be aligned and is not).
func (c *CPU) xmmLd32(u *uop) (uint64, bool) {
	addr := c.ea(u)
	if c.memSlow || !canonical(addr) {
		return 0, false
	}
	return c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
}

func (c *CPU) xmmLd64(u *uop) (uint64, bool) {
	addr := c.ea(u)
	if c.memSlow || !canonical(addr) {
		return 0, false
	}
	return c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
}

func (c *CPU) xmmLd128(u *uop) (lo, hi uint64, ok bool) {
	addr := c.ea(u)
	if c.memSlow || !canonical(addr) || addr&15 != 0 && u.aux&sseUnaligned == 0 {
		return 0, 0, false
	}
	return c.mem.TryRead128(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
}

// xmmSt32, xmmSt64 and xmmSt128 are the TLB-hit paths of a store to u's memory operand.
func (c *CPU) xmmSt32(u *uop, v uint64) bool {
	addr := c.ea(u)
	return !c.memSlow && canonical(addr) && c.mem.TryWrite32(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0)
}

func (c *CPU) xmmSt64(u *uop, v uint64) bool {
	addr := c.ea(u)
	return !c.memSlow && canonical(addr) && c.mem.TryWrite64(mmu.VAddr(addr), v, c.user, c.RFLAGS&FlagAC != 0)
}

func (c *CPU) xmmSt128(u *uop, lo, hi uint64) bool {
	addr := c.ea(u)
	if c.memSlow || !canonical(addr) || addr&15 != 0 && u.aux&sseUnaligned == 0 {
		return false
	}
	return c.mem.TryWrite128(mmu.VAddr(addr), lo, hi, c.user, c.RFLAGS&FlagAC != 0)
}

// xmmSrc64 is the low quadword of source argument 1 (an XMM register or m64).
func (c *CPU) xmmSrc64(u *uop) (uint64, bool) {
	if u.kind[1] == kXMM {
		return c.XMM[u.r[1]&15][0], true
	}
	return c.xmmLd64(u)
}

// xmmSrc32 is the low doubleword of source argument 1 (an XMM register or m32).
func (c *CPU) xmmSrc32(u *uop) (uint64, bool) {
	if u.kind[1] == kXMM {
		return c.XMM[u.r[1]&15][0] & 0xFFFFFFFF, true
	}
	return c.xmmLd32(u)
}

// xmmSrc128 is source argument 1 (an XMM register or m128).
func (c *CPU) xmmSrc128(u *uop) (lo, hi uint64, ok bool) {
	if u.kind[1] == kXMM {
		x := &c.XMM[u.r[1]&15]
		return x[0], x[1], true
	}
	return c.xmmLd128(u)
}

// addsdFast, subsdFast, mulsdFast and divsdFast are ADDSD/SUBSD/MULSD/DIVSD xmm, xmm/m64,
// one function each so that each has its own straight-line arithmetic (and branch
// history): when MXCSR.PE is set, the host's operation on operands and a result in
// fast64's range (the flag it would compute is then of no consequence); otherwise
// sdArith.
func addsdFast(c *CPU, u *uop) *Fault {
	if d, a, b, ok := c.sdQuick(u); ok {
		if r := math.Float64bits(math.Float64frombits(a) + math.Float64frombits(b)); inFast64(r) {
			d[0] = r
			return nil
		}
	}
	return c.sdArith(u, fopAdd)
}

func subsdFast(c *CPU, u *uop) *Fault {
	if d, a, b, ok := c.sdQuick(u); ok {
		if r := math.Float64bits(math.Float64frombits(a) - math.Float64frombits(b)); inFast64(r) {
			d[0] = r
			return nil
		}
	}
	return c.sdArith(u, fopSub)
}

func mulsdFast(c *CPU, u *uop) *Fault {
	if d, a, b, ok := c.sdQuick(u); ok {
		if r := math.Float64bits(math.Float64frombits(a) * math.Float64frombits(b)); inFast64(r) {
			d[0] = r
			return nil
		}
	}
	return c.sdArith(u, fopMul)
}

func divsdFast(c *CPU, u *uop) *Fault {
	if d, a, b, ok := c.sdQuick(u); ok {
		if r := math.Float64bits(math.Float64frombits(a) / math.Float64frombits(b)); inFast64(r) {
			d[0] = r
			return nil
		}
	}
	return c.sdArith(u, fopDiv)
}

// sdQuick returns the destination and the two low-quadword operands of a scalar double
// operation when the quick case holds: SSE on, MXCSR rounding to nearest with PE masked
// and already set, the source a register or a TLB hit, both operands in fast64's range.
func (c *CPU) sdQuick(u *uop) (d *[2]uint64, a, b uint64, ok bool) {
	if c.MXCSR&(mxRCBits|mxPM|mxPE) != mxPM|mxPE || !c.sseOn() {
		return nil, 0, 0, false
	}
	if b, ok = c.xmmSrc64(u); !ok || !inFast64(b) {
		return nil, 0, 0, false
	}
	d = &c.XMM[u.r[0]&15]
	a = d[0]
	return d, a, b, inFast64(a)
}

// sdArith is a scalar double operation with the residual for PE (fast64), or the general
// handler.
func (c *CPU) sdArith(u *uop, op int) *Fault {
	if c.sseNear() {
		if b, ok := c.xmmSrc64(u); ok {
			d := &c.XMM[u.r[0]&15]
			e := fpEnv{mx: c.MXCSR}
			if r, ok := e.fast64(op, d[0], b); ok {
				c.MXCSR |= e.flags
				d[0] = r
				return nil
			}
		}
	}
	return c.sseSlow(u)
}

// addpdFast, subpdFast, mulpdFast and divpdFast are ADDPD/SUBPD/MULPD/DIVPD xmm,
// xmm/m128, as addsdFast and the others on both lanes.
func addpdFast(c *CPU, u *uop) *Fault {
	if d, a0, a1, b0, b1, ok := c.pdQuick(u); ok {
		r0 := math.Float64bits(math.Float64frombits(a0) + math.Float64frombits(b0))
		r1 := math.Float64bits(math.Float64frombits(a1) + math.Float64frombits(b1))
		if inFast64(r0) && inFast64(r1) {
			d[0], d[1] = r0, r1
			return nil
		}
	}
	return c.pdArith(u, fopAdd)
}

func subpdFast(c *CPU, u *uop) *Fault {
	if d, a0, a1, b0, b1, ok := c.pdQuick(u); ok {
		r0 := math.Float64bits(math.Float64frombits(a0) - math.Float64frombits(b0))
		r1 := math.Float64bits(math.Float64frombits(a1) - math.Float64frombits(b1))
		if inFast64(r0) && inFast64(r1) {
			d[0], d[1] = r0, r1
			return nil
		}
	}
	return c.pdArith(u, fopSub)
}

func mulpdFast(c *CPU, u *uop) *Fault {
	if d, a0, a1, b0, b1, ok := c.pdQuick(u); ok {
		r0 := math.Float64bits(math.Float64frombits(a0) * math.Float64frombits(b0))
		r1 := math.Float64bits(math.Float64frombits(a1) * math.Float64frombits(b1))
		if inFast64(r0) && inFast64(r1) {
			d[0], d[1] = r0, r1
			return nil
		}
	}
	return c.pdArith(u, fopMul)
}

func divpdFast(c *CPU, u *uop) *Fault {
	if d, a0, a1, b0, b1, ok := c.pdQuick(u); ok {
		r0 := math.Float64bits(math.Float64frombits(a0) / math.Float64frombits(b0))
		r1 := math.Float64bits(math.Float64frombits(a1) / math.Float64frombits(b1))
		if inFast64(r0) && inFast64(r1) {
			d[0], d[1] = r0, r1
			return nil
		}
	}
	return c.pdArith(u, fopDiv)
}

// pdQuick is sdQuick for both lanes of a packed double operation (the source a register
// or an aligned TLB-hit m128).
func (c *CPU) pdQuick(u *uop) (d *[2]uint64, a0, a1, b0, b1 uint64, ok bool) {
	if c.MXCSR&(mxRCBits|mxPM|mxPE) != mxPM|mxPE || !c.sseOn() {
		return nil, 0, 0, 0, 0, false
	}
	if b0, b1, ok = c.xmmSrc128(u); !ok || !inFast64(b0) || !inFast64(b1) {
		return nil, 0, 0, 0, 0, false
	}
	d = &c.XMM[u.r[0]&15]
	a0, a1 = d[0], d[1]
	return d, a0, a1, b0, b1, inFast64(a0) && inFast64(a1)
}

// pdArith is a packed double operation with the residuals for PE (fast64), or the
// general handler.
func (c *CPU) pdArith(u *uop, op int) *Fault {
	if c.sseNear() {
		if b0, b1, ok := c.xmmSrc128(u); ok {
			d := &c.XMM[u.r[0]&15]
			e := fpEnv{mx: c.MXCSR}
			r0, ok0 := e.fast64(op, d[0], b0)
			r1, ok1 := e.fast64(op, d[1], b1)
			if ok0 && ok1 {
				c.MXCSR |= e.flags
				d[0], d[1] = r0, r1
				return nil
			}
		}
	}
	return c.sseSlow(u)
}

// inFast64 reports a double whose magnitude is in [2^-900, 2^1000) (fast64's range).
func inFast64(a uint64) bool { return (a>>52&0x7FF)-(1023-900) < 1900 }

// ssArith is ADDSS/SUBSS/MULSS/DIVSS xmm, xmm/m32.
func ssArith(op int) handler {
	return func(c *CPU, u *uop) *Fault {
		if c.sseNear() {
			if b, ok := c.xmmSrc32(u); ok {
				d := &c.XMM[u.r[0]&15]
				e := fpEnv{mx: c.MXCSR}
				if r, ok := e.fast32(op, uint32(d[0]), uint32(b)); ok {
					c.MXCSR |= e.flags
					d[0] = d[0]&^0xFFFFFFFF | uint64(r)
					return nil
				}
			}
		}
		return c.sseSlow(u)
	}
}

// psArith is ADDPS/SUBPS/MULPS/DIVPS xmm, xmm/m128.
func psArith(op int) handler {
	return func(c *CPU, u *uop) *Fault {
		if c.sseNear() {
			if b0, b1, ok := c.xmmSrc128(u); ok {
				d := &c.XMM[u.r[0]&15]
				e := fpEnv{mx: c.MXCSR}
				r0, ok0 := e.fast32(op, uint32(d[0]), uint32(b0))
				r1, ok1 := e.fast32(op, uint32(d[0]>>32), uint32(b0>>32))
				r2, ok2 := e.fast32(op, uint32(d[1]), uint32(b1))
				r3, ok3 := e.fast32(op, uint32(d[1]>>32), uint32(b1>>32))
				if ok0 && ok1 && ok2 && ok3 {
					c.MXCSR |= e.flags
					d[0], d[1] = uint64(r0)|uint64(r1)<<32, uint64(r2)|uint64(r3)<<32
					return nil
				}
			}
		}
		return c.sseSlow(u)
	}
}

// sqrtsd is SQRTSD xmm, xmm/m64 for a positive normal source within 2^±900: the host's
// square root, PE when the exact residual r*r - x is not zero (it is representable when
// nothing underflows).
func sqrtsd(c *CPU, u *uop) *Fault {
	const lo, hi = 1023 - 900, 1023 + 1000
	if c.sseNear() {
		if b, ok := c.xmmSrc64(u); ok && b>>63 == 0 && (b>>52)-lo < hi-lo {
			x := math.Float64frombits(b)
			r := math.Sqrt(x)
			if c.MXCSR&mxPE == 0 && math.FMA(r, r, -x) != 0 {
				c.MXCSR |= mxPE
			}
			c.XMM[u.r[0]&15][0] = math.Float64bits(r)
			return nil
		}
	}
	return c.sseSlow(u)
}

// comisFlags sets ZF, PF and CF as COMIS/UCOMIS do for ordered operands (OF, SF, AF
// cleared), without materialising the lazy flags they all replace.
func (c *CPU) comisFlags(lt, eq bool) {
	var fl uint64
	switch {
	case lt:
		fl = FlagCF
	case eq:
		fl = FlagZF
	}
	c.lf.kind = lfNone
	c.RFLAGS = c.RFLAGS&^flagsArith | fl
}

// comisdFast is COMISD/UCOMISD for operands that are neither NaNs nor denormals (no
// flag in MXCSR, any rounding mode).
func comisdFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if b, ok := c.xmmSrc64(u); ok {
			a := c.XMM[u.r[0]&15][0]
			if plain64(a) && plain64(b) {
				x, y := math.Float64frombits(a), math.Float64frombits(b)
				c.comisFlags(x < y, x == y)
				return nil
			}
		}
	}
	return c.sseSlow(u)
}

// comissFast is COMISS/UCOMISS, as comisdFast.
func comissFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if b, ok := c.xmmSrc32(u); ok {
			a := uint32(c.XMM[u.r[0]&15][0])
			if plain32(a) && plain32(uint32(b)) {
				x, y := math.Float32frombits(a), math.Float32frombits(uint32(b))
				c.comisFlags(x < y, x == y)
				return nil
			}
		}
	}
	return c.sseSlow(u)
}

// plain64 and plain32 report a normal number or a zero (not a NaN, an infinity or a
// denormal).
func plain64(a uint64) bool {
	e := a >> 52 & 0x7FF
	return e != 0x7FF && (e != 0 || a<<1 == 0)
}

func plain32(a uint32) bool {
	e := a >> 23 & 0xFF
	return e != 0xFF && (e != 0 || a<<1 == 0)
}

// cvtsi2sdFast is CVTSI2SD xmm, r/m32|64 for an integer of at most 53 significant bits
// (exact under every rounding mode, no flag).
func cvtsi2sdFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		var v uint64
		ok := true
		switch {
		case u.kind[1] == kReg:
			v = c.GPR[u.r[1]&15]
		case u.sz[1] == 8:
			v, ok = c.xmmLd64(u)
		default:
			v, ok = c.xmmLd32(u)
		}
		n := int64(v)
		if u.sz[1] == 4 {
			n = int64(int32(v))
		}
		if ok && n >= -1<<53 && n <= 1<<53 {
			c.XMM[u.r[0]&15][0] = math.Float64bits(float64(n))
			return nil
		}
	}
	return c.sseSlow(u)
}

// cvttsd2siFast is CVTTSD2SI r32|64, xmm/m64 for a normal source or a zero whose
// truncation fits (PE when it drops a fraction: the precision exception must be masked).
func cvttsd2siFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if a, ok := c.xmmSrc64(u); ok {
			lim := uint64(1023 + 31)
			if u.sz[0] == 8 {
				lim = 1023 + 63
			}
			if e := a >> 52 & 0x7FF; e < lim && (e != 0 || a<<1 == 0) {
				x := math.Float64frombits(a)
				r := int64(x)
				if float64(r) != x {
					if c.MXCSR&mxPM == 0 {
						return c.sseSlow(u)
					}
					c.MXCSR |= mxPE
				}
				if u.sz[0] == 4 {
					c.GPR[u.r[0]&15] = uint64(uint32(r))
				} else {
					c.GPR[u.r[0]&15] = uint64(r)
				}
				return nil
			}
		}
	}
	return c.sseSlow(u)
}

// movScalarRRFast is MOVSS/MOVSD xmm, xmm (imm2: the low element's mask).
func movScalarRRFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		d := &c.XMM[u.r[0]&15]
		d[0] = d[0]&^u.imm2 | c.XMM[u.r[1]&15][0]&u.imm2
		return nil
	}
	return c.sseSlow(u)
}

// movsdLoadFast and movssLoadFast are MOVSD xmm, m64 and MOVSS xmm, m32.
func movsdLoadFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if v, ok := c.xmmLd64(u); ok {
			c.XMM[u.r[0]&15] = [2]uint64{v, 0}
			return nil
		}
	}
	return c.sseSlow(u)
}

func movssLoadFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if v, ok := c.xmmLd32(u); ok {
			c.XMM[u.r[0]&15] = [2]uint64{v, 0}
			return nil
		}
	}
	return c.sseSlow(u)
}

// movsdStoreFast and movssStoreFast are MOVSD m64, xmm and MOVSS m32, xmm.
func movsdStoreFast(c *CPU, u *uop) *Fault {
	if c.sseOn() && c.xmmSt64(u, c.XMM[u.r[1]&15][0]) {
		return nil
	}
	return c.sseSlow(u)
}

func movssStoreFast(c *CPU, u *uop) *Fault {
	if c.sseOn() && c.xmmSt32(u, c.XMM[u.r[1]&15][0]&0xFFFFFFFF) {
		return nil
	}
	return c.sseSlow(u)
}

// mov128LoadFast is MOVDQA/MOVDQU/MOVAPS/MOVUPS/MOVAPD/MOVUPD xmm, xmm/m128.
func mov128LoadFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if lo, hi, ok := c.xmmSrc128(u); ok {
			c.XMM[u.r[0]&15] = [2]uint64{lo, hi}
			return nil
		}
	}
	return c.sseSlow(u)
}

// mov128StoreFast is MOVDQA/MOVDQU/MOVAPS/MOVUPS/MOVAPD/MOVUPD m128, xmm.
func mov128StoreFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		x := &c.XMM[u.r[1]&15]
		if c.xmmSt128(u, x[0], x[1]) {
			return nil
		}
	}
	return c.sseSlow(u)
}

// movqXXFast is MOVQ xmm, xmm (the upper quadword zeroed).
func movqXXFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		c.XMM[u.r[0]&15] = [2]uint64{c.XMM[u.r[1]&15][0], 0}
		return nil
	}
	return c.sseSlow(u)
}

// movToXmmRFast is MOVD xmm, r32 and MOVQ xmm, r64.
func movToXmmRFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		v := c.GPR[u.r[1]&15]
		if u.sz[1] == 4 {
			v &= 0xFFFFFFFF
		}
		c.XMM[u.r[0]&15] = [2]uint64{v, 0}
		return nil
	}
	return c.sseSlow(u)
}

// movToXmmMFast is MOVD xmm, m32 and MOVQ xmm, m64.
func movToXmmMFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		var v uint64
		var ok bool
		if u.sz[1] == 8 {
			v, ok = c.xmmLd64(u)
		} else {
			v, ok = c.xmmLd32(u)
		}
		if ok {
			c.XMM[u.r[0]&15] = [2]uint64{v, 0}
			return nil
		}
	}
	return c.sseSlow(u)
}

// movFromXmmRFast is MOVD r32, xmm and MOVQ r64, xmm.
func movFromXmmRFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		v := c.XMM[u.r[1]&15][0]
		if u.sz[0] == 4 {
			v &= 0xFFFFFFFF
		}
		c.GPR[u.r[0]&15] = v
		return nil
	}
	return c.sseSlow(u)
}

// movFromXmmMFast is MOVD m32, xmm and MOVQ m64, xmm.
func movFromXmmMFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		v := c.XMM[u.r[1]&15][0]
		var ok bool
		if u.sz[0] == 8 {
			ok = c.xmmSt64(u, v)
		} else {
			ok = c.xmmSt32(u, v&0xFFFFFFFF)
		}
		if ok {
			return nil
		}
	}
	return c.sseSlow(u)
}

// movHalfLoadFast and movHalfStoreFast are MOVLPD/MOVHPD/MOVLPS/MOVHPS xmm, m64 and
// m64, xmm (imm2: 0 the low quadword, 1 the high one).
func movHalfLoadFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if v, ok := c.xmmLd64(u); ok {
			c.XMM[u.r[0]&15][u.imm2&1] = v
			return nil
		}
	}
	return c.sseSlow(u)
}

func movHalfStoreFast(c *CPU, u *uop) *Fault {
	if c.sseOn() && c.xmmSt64(u, c.XMM[u.r[1]&15][u.imm2&1]) {
		return nil
	}
	return c.sseSlow(u)
}

// specialiseWith makes fast, a handler that follows the contract above, u's handler
// (when specialised handlers are on) and the general one u.inner.
func specialiseWith(u *uop, fast handler) {
	if !specialiseOn || u.lock {
		return
	}
	u.inner, u.fn = u.fn, fast
	u.lazy = sseLazy(u)
}

// pshiftImmFast is PSLL/PSRL/PSRA W/D/Q xmm, imm8 (imm2: lane width | kind<<8) with the
// lanes of each quadword shifted together under a mask.
func pshiftImmFast(c *CPU, u *uop) *Fault {
	if !c.sseOn() {
		return c.sseSlow(u)
	}
	d := &c.XMM[u.r[0]&15]
	w, k, n := uint(u.imm2&0xFF), uint8(u.imm2>>8), u.imm
	if w == 64 {
		d[0] = sseShiftLanes(d[0], n, w, k)
		d[1] = sseShiftLanes(d[1], n, w, k)
		return nil
	}
	ones := uint64(1)<<w - 1
	rep := ^uint64(0) / ones // 1 in the low bit of every lane
	if k == pshArith {
		n = min(n, uint64(w-1))
		m := rep * (ones >> n)
		top := ones &^ (ones >> n) // a negative lane's sign fill
		d[0] = d[0]>>n&m | (d[0]>>(w-1)&rep)*top
		d[1] = d[1]>>n&m | (d[1]>>(w-1)&rep)*top
		return nil
	}
	if n >= uint64(w) {
		d[0], d[1] = 0, 0
		return nil
	}
	if k == pshLeft {
		m := rep * (ones << n & ones)
		d[0], d[1] = d[0]<<n&m, d[1]<<n&m
		return nil
	}
	m := rep * (ones >> n)
	d[0], d[1] = d[0]>>n&m, d[1]>>n&m
	return nil
}

// cvtdq2pdFast is CVTDQ2PD xmm, xmm/m64 (always exact).
func cvtdq2pdFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if v, ok := c.xmmSrc64(u); ok {
			c.XMM[u.r[0]&15] = [2]uint64{math.Float64bits(float64(int32(v))), math.Float64bits(float64(int32(v >> 32)))}
			return nil
		}
	}
	return c.sseSlow(u)
}

// cvtdq2psFast is CVTDQ2PS xmm, xmm/m128 rounding to nearest (the host's conversion), PE
// when a lane does not convert exactly.
func cvtdq2psFast(c *CPU, u *uop) *Fault {
	if c.sseNear() {
		if s0, s1, ok := c.xmmSrc128(u); ok {
			var r [4]float32
			inexact := false
			for i, v := range [4]int32{int32(s0), int32(s0 >> 32), int32(s1), int32(s1 >> 32)} {
				r[i] = float32(v)
				inexact = inexact || int64(r[i]) != int64(v)
			}
			if inexact {
				c.MXCSR |= mxPE
			}
			c.XMM[u.r[0]&15] = [2]uint64{
				uint64(math.Float32bits(r[0])) | uint64(math.Float32bits(r[1]))<<32,
				uint64(math.Float32bits(r[2])) | uint64(math.Float32bits(r[3]))<<32,
			}
			return nil
		}
	}
	return c.sseSlow(u)
}

// cvtss2sdFast is CVTSS2SD xmm, xmm/m32 for a normal source or a zero (exact, no flag).
func cvtss2sdFast(c *CPU, u *uop) *Fault {
	if c.sseOn() {
		if v, ok := c.xmmSrc32(u); ok && plain32(uint32(v)) {
			c.XMM[u.r[0]&15][0] = math.Float64bits(float64(math.Float32frombits(uint32(v))))
			return nil
		}
	}
	return c.sseSlow(u)
}

// cvtsd2ssFast is CVTSD2SS xmm, xmm/m64 rounding to nearest for a zero or a source within
// single precision's normal range [2^-125, 2^127), PE when it is not exact.
func cvtsd2ssFast(c *CPU, u *uop) *Fault {
	const lo, hi = 1023 - 125, 1023 + 127
	if c.sseNear() {
		if a, ok := c.xmmSrc64(u); ok {
			if e := a >> 52 & 0x7FF; e-lo < hi-lo || a<<1 == 0 {
				x := math.Float64frombits(a)
				r := float32(x)
				if float64(r) != x {
					c.MXCSR |= mxPE
				}
				d := &c.XMM[u.r[0]&15]
				d[0] = d[0]&^0xFFFFFFFF | uint64(math.Float32bits(r))
				return nil
			}
		}
	}
	return c.sseSlow(u)
}
