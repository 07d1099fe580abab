package cpu

import (
	"math"
	"math/bits"

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
		u.lazy = true
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
	u.lazy = true
}

// pshiftImmFast is PSLL/PSRL/PSRA W/D/Q xmm, imm8 (imm2: lane width | kind<<8) with the
// lanes of each quadword shifted together under a mask.
func pshiftImmFast(c *CPU, u *uop) *Fault {
	if !c.sseOn() {
		return c.sseSlow(u)
	}
	pshiftLanes(&c.XMM[u.r[0]&15], u.imm2, u.imm)
	return nil
}

// pshiftXmmFast is PSLL/PSRL/PSRA W/D/Q xmm, xmm (the count the source's low quadword),
// as pshiftImmFast.
func pshiftXmmFast(c *CPU, u *uop) *Fault {
	if !c.sseOn() {
		return c.sseSlow(u)
	}
	pshiftLanes(&c.XMM[u.r[0]&15], u.imm2, c.XMM[u.r[1]&15][0])
	return nil
}

// pshiftLanes shifts the lanes of d by n (lanes: lane width | kind<<8).
func pshiftLanes(d *[2]uint64, lanes, n uint64) {
	w, k := uint(lanes&0xFF), uint8(lanes>>8)
	if w == 64 {
		d[0] = sseShiftLanes(d[0], n, w, k)
		d[1] = sseShiftLanes(d[1], n, w, k)
		return
	}
	ones := uint64(1)<<w - 1
	rep := ^uint64(0) / ones // 1 in the low bit of every lane
	if k == pshArith {
		n = min(n, uint64(w-1))
		m := rep * (ones >> n)
		top := ones &^ (ones >> n) // a negative lane's sign fill
		d[0] = d[0]>>n&m | (d[0]>>(w-1)&rep)*top
		d[1] = d[1]>>n&m | (d[1]>>(w-1)&rep)*top
		return
	}
	if n >= uint64(w) {
		d[0], d[1] = 0, 0
		return
	}
	if k == pshLeft {
		m := rep * (ones << n & ones)
		d[0], d[1] = d[0]<<n&m, d[1]<<n&m
		return
	}
	m := rep * (ones >> n)
	d[0], d[1] = d[0]>>n&m, d[1]>>n&m
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

// Inline SSE steps: block.go's run loop computes the commonest forms itself, without a
// call (stepXmov and after), on their common case exactly as the specialised handlers
// above do; anything else runs the uop's handler as a lazy step (lazyMiss).
//
// The state they need is checked when a block is entered and again after each full step
// (sseGate): only full steps change CR0, CR4 or MXCSR's controls (MOV CRn, CLTS, LMSW,
// LDMXCSR, FXRSTOR, XRSTOR, a task switch), and anything that delivers an exception or an
// interrupt leaves the block. Lazy steps change MXCSR's flags at most.

// sseGate bits.
const (
	sseGateOn    = 1 // SSE instructions run (sseOn)
	sseGateArith = 2 // and MXCSR rounds to nearest with PE masked
)

// sseGate returns what the state allows inline SSE steps (sseGateOn, sseGateArith).
func (c *CPU) sseGate() uint8 {
	if c.CR0&(CR0EM|CR0TS) != 0 || c.CR4&CR4OSFXSR == 0 {
		return 0
	}
	if c.MXCSR&(mxRCBits|mxPM) == mxPM {
		return sseGateOn | sseGateArith
	}
	return sseGateOn
}

// Classes of the SSE mnemonics with inline forms (sseKind).
const (
	xcNone = iota
	xcMov128
	xcMovScalar // MOVSD (the SSE2 move), MOVSS
	xcMovQD     // MOVQ, MOVD
	xcSD        // ADDSD, SUBSD, MULSD, DIVSD
	xcPD        // ADDPD, SUBPD, MULPD, DIVPD
	xcSS        // ADDSS, SUBSS, MULSS, DIVSS
	xcPS        // ADDPS, SUBPS, MULPS, DIVPS
	xcLogic     // AND, ANDN, OR, XOR of 128 bits (op.cc: xlAnd...)
	xcLanes     // PADD, PSUB of B/W/D/Q lanes
	xcUnpck     // UNPCKLPD, PUNPCKLQDQ (op.cc 0); UNPCKHPD, PUNPCKHQDQ (op.cc 1)
	xcMinMax    // MINSD (op.cc 0), MAXSD (op.cc 1)
	xcShift     // PSLL/PSRL/PSRA W/D/Q xmm, imm8
	xcComi      // COMISD, UCOMISD, COMISS, UCOMISS
	xcCvtsi2sd  // CVTSI2SD
	xcCvttsd2si // CVTTSD2SI
	xcSqrtsd    // SQRTSD
	xcCvtdq     // CVTDQ2PD (op.cc 0), CVTDQ2PS (op.cc 1)
	xcPshufd    // PSHUFD
	xcIleave    // PUNPCKL/PUNPCKH BW, WD, DQ, UNPCKLPS, UNPCKHPS (op.imm: lane width, op.cc 1: high)
	xcPcmp      // PCMPEQ B/W/D, PCMPGT B/W/D (the lanes' top bits, bit 0 set for GT)
	xcPack      // PACKUSWB (op.cc 0), PACKSSWB (1), PACKSSDW (2)
	xcXop       // the other forms of registerXop (xopOf)
	xcXopImm    // the other forms of registerXopImm (xopImmOf)
)

// Logic operations of xcLogic (op.cc).
const (
	xlAnd = iota
	xlAndn
	xlOr
	xlXor
)

// sseClass maps a mnemonic to its class, and sseSub to the step's operation within it
// (fopAdd..fopDiv, xlAnd.., 0/1 for the unpacks and min/max, or the lanes' top bits for
// xcLanes with sseSubtract for PSUB).
var sseClass, sseSub = func() (cls [4096]uint8, sub [4096]uint64) {
	set := func(c uint8, s uint64, names ...string) {
		for _, n := range names {
			cls[opByName[n]&4095], sub[opByName[n]&4095] = c, s
		}
	}
	set(xcMov128, 0, "MOVDQA", "MOVAPS", "MOVAPD", "MOVDQU", "MOVUPS", "MOVUPD")
	set(xcMovScalar, 0, "MOVSD_XMM", "MOVSS")
	set(xcMovQD, 0, "MOVQ", "MOVD")
	for _, o := range []struct {
		name string
		op   uint64
	}{{"ADD", fopAdd}, {"SUB", fopSub}, {"MUL", fopMul}, {"DIV", fopDiv}} {
		set(xcSD, o.op, o.name+"SD")
		set(xcPD, o.op, o.name+"PD")
		set(xcSS, o.op, o.name+"SS")
		set(xcPS, o.op, o.name+"PS")
	}
	set(xcLogic, xlAnd, "PAND", "ANDPS", "ANDPD")
	set(xcLogic, xlAndn, "PANDN", "ANDNPS", "ANDNPD")
	set(xcLogic, xlOr, "POR", "ORPS", "ORPD")
	set(xcLogic, xlXor, "PXOR", "XORPS", "XORPD")
	const hB, hW, hD, hQ = 0x8080808080808080, 0x8000800080008000, 0x8000000080000000, 1 << 63
	set(xcLanes, hB, "PADDB")
	set(xcLanes, hW, "PADDW")
	set(xcLanes, hD, "PADDD")
	set(xcLanes, hQ, "PADDQ")
	set(xcLanes, hB|1, "PSUBB") // bit 0: subtract (no lane's top bit)
	set(xcLanes, hW|1, "PSUBW")
	set(xcLanes, hD|1, "PSUBD")
	set(xcLanes, hQ|1, "PSUBQ")
	set(xcUnpck, 0, "UNPCKLPD", "PUNPCKLQDQ")
	set(xcUnpck, 1, "UNPCKHPD", "PUNPCKHQDQ")
	set(xcMinMax, 0, "MINSD")
	set(xcMinMax, 1, "MAXSD")
	set(xcComi, 0, "COMISD", "UCOMISD", "COMISS", "UCOMISS")
	set(xcCvtsi2sd, 0, "CVTSI2SD")
	set(xcCvttsd2si, 0, "CVTTSD2SI")
	set(xcSqrtsd, 0, "SQRTSD")
	set(xcCvtdq, 0, "CVTDQ2PD")
	set(xcCvtdq, 1, "CVTDQ2PS")
	set(xcPshufd, 0, "PSHUFD")
	set(xcIleave, 8, "PUNPCKLBW")
	set(xcIleave, 16, "PUNPCKLWD")
	set(xcIleave, 32, "PUNPCKLDQ", "UNPCKLPS")
	set(xcIleave, 8|1, "PUNPCKHBW") // bit 0: the high halves
	set(xcIleave, 16|1, "PUNPCKHWD")
	set(xcIleave, 32|1, "PUNPCKHDQ", "UNPCKHPS")
	set(xcPcmp, hB, "PCMPEQB")
	set(xcPcmp, hW, "PCMPEQW")
	set(xcPcmp, hD, "PCMPEQD")
	set(xcPcmp, hB|1, "PCMPGTB") // bit 0: greater than
	set(xcPcmp, hW|1, "PCMPGTW")
	set(xcPcmp, hD|1, "PCMPGTD")
	set(xcPack, 0, "PACKUSWB")
	set(xcPack, 1, "PACKSSWB")
	set(xcPack, 2, "PACKSSDW")
	set(xcShift, 0, "PSLLW", "PSLLD", "PSLLQ", "PSRLW", "PSRLD", "PSRLQ", "PSRAW", "PSRAD")
	return
}()

// sseKind returns the inline step kind of lazy step u when it is an SSE form listed in
// sseClass, and sets op's operands for it: destination XMM d, source XMM s, or memory
// (op.memFirst) at a flat address, 16-byte aligned when op.sm is 15; op.cc or op.imm the
// operation (sseSub). Else stepLazy.
func sseKind(op *blockOp, u *uop) uint8 {
	cls := sseClass[u.op&4095]
	switch {
	case cls != xcNone:
	case xopOf[u.op&4095] != nil:
		cls = xcXop
	case xopImmOf[u.op&4095] != nil:
		cls = xcXopImm
	}
	if !specialiseOn || cls == xcNone || u.lock || !u.lazy || u.nargs < 2 {
		return stepLazy
	}
	k0, k1 := u.kind[0], u.kind[1]
	mem := k0 == kMem || k1 == kMem
	if mem && !u.eaFlat {
		return stepLazy
	}
	op.memFirst = mem
	op.d, op.s = u.r[0]&15, u.r[1]&15
	op.sm = 0
	align := func() {
		if u.aux&sseUnaligned == 0 {
			op.sm = 15
		}
	}
	sub := sseSub[u.op&4095]
	op.cc, op.imm = uint8(sub), sub
	// The forms with a specialised handler have it in u.fn and the general one in u.inner.
	special := u.inner != nil
	switch cls {
	case xcMov128:
		switch {
		case !special || u.nargs != 2:
		case k0 == kXMM && k1 == kXMM:
			return stepXmov
		case k0 == kXMM && k1 == kMem && u.sz[1] == 16:
			align()
			return stepXmov
		case k0 == kMem && k1 == kXMM && u.sz[0] == 16:
			align()
			return stepXst
		}
	case xcMovScalar, xcMovQD:
		switch {
		case !special || u.nargs != 2:
		case k0 == kXMM && k1 == kXMM && cls == xcMovScalar:
			op.m = u.imm2
			return stepXmovl
		case k0 == kXMM && k1 == kXMM: // MOVQ xmm, xmm
			op.msb = 63
			return stepXld
		case k0 == kXMM && k1 == kMem && (u.sz[1] == 4 || u.sz[1] == 8):
			op.msb = u.sz[1]*8 - 1
			return stepXld
		case k0 == kMem && k1 == kXMM && (u.sz[0] == 4 || u.sz[0] == 8):
			op.msb = u.sz[0]*8 - 1
			return stepXst64
		case cls == xcMovQD && k0 == kXMM && k1 == kReg && (u.sz[1] == 4 || u.sz[1] == 8):
			op.m, op.cc = sizeMask[u.sz[1]], 0
			return stepXgpr
		case cls == xcMovQD && k0 == kReg && k1 == kXMM && (u.sz[0] == 4 || u.sz[0] == 8):
			op.m, op.cc = sizeMask[u.sz[0]], 1
			return stepXgpr
		}
	case xcComi:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem) && (u.sz[1] == 4 || u.sz[1] == 8) {
			op.msb = u.sz[1]*8 - 1
			return stepXcomi
		}
	case xcCvtsi2sd:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kReg || k1 == kMem) && (u.sz[1] == 4 || u.sz[1] == 8) {
			op.msb = u.sz[1]*8 - 1
			return stepXcvtsi
		}
	case xcCvttsd2si:
		if special && u.nargs == 2 && k0 == kReg && (k1 == kXMM || k1 == kMem && u.sz[1] == 8) && (u.sz[0] == 4 || u.sz[0] == 8) {
			op.msb = 63
			op.m = sizeMask[u.sz[0]]
			return stepXcvttsd
		}
	case xcCvtdq:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 8 && op.cc == 0 ||
			k1 == kMem && u.sz[1] == 16 && op.cc == 1) {
			op.msb = 63
			align()
			return stepXcvtdq
		}
	case xcPshufd:
		if special && u.nargs == 3 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) && u.kind[2] == kImm {
			align()
			op.imm = u.imm & 0xFF
			return stepXpshufd
		}
	case xcIleave:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) {
			align()
			return stepXileave
		}
	case xcSqrtsd:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 8) {
			op.msb = 63
			return stepXsqrtsd
		}
	case xcSD:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 8) {
			return stepXsd
		}
	case xcPD:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) {
			align()
			return stepXpd
		}
	case xcSS:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 4) {
			op.msb = 31
			return stepXss
		}
	case xcPS:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) {
			align()
			return stepXps
		}
	case xcLogic, xcLanes, xcUnpck:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) {
			align()
			switch cls {
			case xcLogic:
				return stepXlogic
			case xcLanes:
				return stepXlanes
			}
			return stepXunpck
		}
	case xcMinMax:
		// The register form, whose general handler runs as a lazy step.
		if u.nargs == 2 && k0 == kXMM && k1 == kXMM {
			return stepXminmax
		}
	case xcShift:
		if special && u.nargs == 2 && k0 == kXMM && k1 == kImm {
			pshiftOperands(op, u.imm2, u.imm&0xFF)
			return stepXshift
		}
	case xcPcmp:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) {
			align()
			op.cc = uint8(sub & 1)
			op.imm = sub &^ 1
			op.msb = uint8(bits.TrailingZeros64(op.imm))
			return stepXpcmp
		}
	case xcPack:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) {
			align()
			return stepXpack
		}
	case xcXop:
		if special && u.nargs == 2 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) {
			align()
			return stepXop
		}
	case xcXopImm:
		if special && u.nargs == 3 && k0 == kXMM && (k1 == kXMM || k1 == kMem && u.sz[1] == 16) && u.kind[2] == kImm {
			align()
			op.imm = u.imm & 0xFF
			return stepXopImm
		}
	}
	return stepLazy
}

// xmmAddr is the flat address of inline SSE step op's memory operand.
func (c *CPU) xmmAddr(op *blockOp) uint64 {
	u := &op.u
	return c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
}

// xmmHit64 is the low quadword of inline step op's source: XMM s, or m64 (m32 when op.msb
// is 31) on a TLB hit.
func (c *CPU) xmmHit64(op *blockOp) (uint64, bool) {
	if !op.memFirst {
		return c.XMM[op.s&15][0], true
	}
	addr := c.xmmAddr(op)
	if c.memSlow || !canonical(addr) {
		return 0, false
	}
	if op.msb == 31 {
		return c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
	}
	return c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
}

// xmmHit128 is inline step op's 128-bit source: XMM s, or m128 on a TLB hit (aligned
// when op.sm is 15).
func (c *CPU) xmmHit128(op *blockOp) (lo, hi uint64, ok bool) {
	if !op.memFirst {
		x := &c.XMM[op.s&15]
		return x[0], x[1], true
	}
	addr := c.xmmAddr(op)
	if c.memSlow || !canonical(addr) || addr&op.sm != 0 {
		return 0, 0, false
	}
	return c.mem.TryRead128(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
}

// xmmSrcP is inline step op's 128-bit source, as xmmHit128, by pointer: XMM s itself, or
// c.xmmTmp holding m128 read on a TLB hit, or nil. Small enough to be inlined, so a
// register source costs no call. Callers read it before writing their destination.
func (c *CPU) xmmSrcP(op *blockOp) *[2]uint64 {
	if !op.memFirst {
		return &c.XMM[op.s&15]
	}
	return c.xmmMemP(op)
}

// xmmMemP is xmmSrcP's memory case.
func (c *CPU) xmmMemP(op *blockOp) *[2]uint64 {
	lo, hi, ok := c.xmmHit128(op)
	if !ok {
		return nil
	}
	c.xmmTmp = [2]uint64{lo, hi}
	return &c.xmmTmp
}

// xmmStore is the TLB-hit path of inline store step op (stepXst, stepXst64).
func (c *CPU) xmmStore(op *blockOp) bool {
	addr := c.xmmAddr(op)
	if c.memSlow || !canonical(addr) || addr&op.sm != 0 {
		return false
	}
	x := &c.XMM[op.s&15]
	switch op.msb {
	case 31:
		return c.mem.TryWrite32(mmu.VAddr(addr), x[0]&0xFFFFFFFF, c.user, c.RFLAGS&FlagAC != 0)
	case 63:
		return c.mem.TryWrite64(mmu.VAddr(addr), x[0], c.user, c.RFLAGS&FlagAC != 0)
	}
	return c.mem.TryWrite128(mmu.VAddr(addr), x[0], x[1], c.user, c.RFLAGS&FlagAC != 0)
}

// xmmStore128 is xmmStore for stepXst (16 bytes).
func (c *CPU) xmmStore128(op *blockOp) bool {
	u := &op.u
	addr := c.GPR[u.base&15]&u.bmask + (c.GPR[u.index&15]&u.imask)<<(u.scale&3) + u.disp
	if c.memSlow || !canonical(addr) || addr&op.sm != 0 {
		return false
	}
	x := &c.XMM[op.s&15]
	return c.mem.TryWrite128(mmu.VAddr(addr), x[0], x[1], c.user, c.RFLAGS&FlagAC != 0)
}

// sdStep is inline step stepXsd on its quick case: both operands and the result in
// fast64's range, where the host's arithmetic rounds as MXCSR asks; PE, when it is not set
// yet, from the exact residual (fast64's).
func (c *CPU) sdStep(op *blockOp) bool {
	b, ok := c.xmmHit64(op)
	if !ok || !inFast64(b) {
		return false
	}
	d := &c.XMM[op.d&15]
	a := d[0]
	if !inFast64(a) {
		return false
	}
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	r := arith64(op.cc, x, y)
	rb := math.Float64bits(r)
	if !inFast64(rb) {
		return false
	}
	if c.MXCSR&mxPE == 0 && inexact64(op.cc, x, y, r) {
		c.MXCSR |= mxPE
	}
	d[0] = rb
	return true
}

// pdStep is inline step stepXpd on its quick case, as sdStep in both lanes.
func (c *CPU) pdStep(op *blockOp) bool {
	sp := c.xmmSrcP(op)
	if sp == nil {
		return false
	}
	b0, b1 := sp[0], sp[1]
	if !inFast64(b0) || !inFast64(b1) {
		return false
	}
	d := &c.XMM[op.d&15]
	a0, a1 := d[0], d[1]
	if !inFast64(a0) || !inFast64(a1) {
		return false
	}
	x0, x1 := math.Float64frombits(a0), math.Float64frombits(a1)
	y0, y1 := math.Float64frombits(b0), math.Float64frombits(b1)
	r0, r1 := arith64(op.cc, x0, y0), arith64(op.cc, x1, y1)
	rb0, rb1 := math.Float64bits(r0), math.Float64bits(r1)
	if !inFast64(rb0) || !inFast64(rb1) {
		return false
	}
	if c.MXCSR&mxPE == 0 && (inexact64(op.cc, x0, y0, r0) || inexact64(op.cc, x1, y1, r1)) {
		c.MXCSR |= mxPE
	}
	d[0], d[1] = rb0, rb1
	return true
}

// arith64 is the host's operation o (fopAdd...fopDiv) on x and y.
func arith64(o uint8, x, y float64) float64 {
	switch o {
	case fopAdd:
		return x + y
	case fopSub:
		return x - y
	case fopMul:
		return x * y
	}
	return x / y
}

// inexact64 reports whether r, the host's result of operation o on x and y (all in
// fast64's range), is not exact: the residual of the sum (TwoSum), the product or the
// quotient (FMA) is not zero.
func inexact64(o uint8, x, y, r float64) bool {
	switch o {
	case fopSub:
		y = -y
		fallthrough
	case fopAdd:
		bb := r - x
		return (x-(r-bb))+(y-bb) != 0
	case fopMul:
		return math.FMA(x, y, -r) != 0
	}
	return math.FMA(-r, y, x) != 0
}

// ssStep is inline step stepXss (ADDSS...DIVSS xmm, xmm/m32) on fast32's case.
func (c *CPU) ssStep(op *blockOp) bool {
	b, ok := c.xmmHit64(op)
	if !ok {
		return false
	}
	d := &c.XMM[op.d&15]
	if a := d[0]; mid32(a)&mid32(b)&mid32x1 != 0 {
		if r := arith32x2(op.cc, a, b); mid32(r)&mid32x1 != 0 {
			if c.MXCSR&mxPE == 0 && inexact32(op.cc, uint32(a), uint32(b), uint32(r)) {
				c.MXCSR |= mxPE
			}
			d[0] = d[0]&^0xFFFFFFFF | r&0xFFFFFFFF
			return true
		}
	}
	e := fpEnv{mx: c.MXCSR}
	r, ok := e.fast32(int(op.cc), uint32(d[0]), uint32(b))
	if ok {
		c.MXCSR |= e.flags
		d[0] = d[0]&^0xFFFFFFFF | uint64(r)
	}
	return ok
}

// psStep is inline step stepXps (ADDPS...DIVPS xmm, xmm/m128) on fast32's case in every
// lane.
func (c *CPU) psStep(op *blockOp) bool {
	sp := c.xmmSrcP(op)
	if sp == nil {
		return false
	}
	b0, b1 := sp[0], sp[1]
	d := &c.XMM[op.d&15]
	if a0, a1 := d[0], d[1]; mid32(a0)&mid32(a1)&mid32(b0)&mid32(b1)&mid32x2 == mid32x2 {
		r0, r1 := arith32x2(op.cc, a0, b0), arith32x2(op.cc, a1, b1)
		if mid32(r0)&mid32(r1)&mid32x2 == mid32x2 {
			if c.MXCSR&mxPE == 0 && (inexact32x2(op.cc, a0, b0, r0) || inexact32x2(op.cc, a1, b1, r1)) {
				c.MXCSR |= mxPE
			}
			d[0], d[1] = r0, r1
			return true
		}
	}
	e := fpEnv{mx: c.MXCSR}
	o := int(op.cc)
	r0, ok0 := e.fast32(o, uint32(d[0]), uint32(b0))
	r1, ok1 := e.fast32(o, uint32(d[0]>>32), uint32(b0>>32))
	r2, ok2 := e.fast32(o, uint32(d[1]), uint32(b1))
	r3, ok3 := e.fast32(o, uint32(d[1]>>32), uint32(b1>>32))
	if ok0 && ok1 && ok2 && ok3 {
		c.MXCSR |= e.flags
		d[0], d[1] = uint64(r0)|uint64(r1)<<32, uint64(r2)|uint64(r3)<<32
		return true
	}
	return false
}

// mid32 has bit 29 (61) set when the exponent of the lower (upper) single-precision lane
// of q has its top two bits different: exponents in [2^-63, 2^65), normal numbers whose
// sum, difference, product or quotient is, when it lies in that range too, the host's
// single-precision result with no flag but PE. mid32x1 and mid32x2 are the bits of one
// lane and of both.
func mid32(q uint64) uint64 { return q ^ q>>1 }

const (
	mid32x1 = 1 << 29
	mid32x2 = 1<<29 | 1<<61
)

// arith32x2 is the host's single-precision operation o (fopAdd...fopDiv) on both lanes of
// a and b, when in32x2 holds for them (and, for the result to be the guest's, for it).
func arith32x2(o uint8, a, b uint64) uint64 {
	x0, x1 := math.Float32frombits(uint32(a)), math.Float32frombits(uint32(a>>32))
	y0, y1 := math.Float32frombits(uint32(b)), math.Float32frombits(uint32(b>>32))
	var r0, r1 float32
	switch o {
	case fopAdd:
		r0, r1 = x0+y0, x1+y1
	case fopSub:
		r0, r1 = x0-y0, x1-y1
	case fopMul:
		r0, r1 = x0*y0, x1*y1
	default:
		r0, r1 = x0/y0, x1/y1
	}
	return uint64(math.Float32bits(r0)) | uint64(math.Float32bits(r1))<<32
}

// inexact32x2 reports whether either lane of r, arith32x2(o, a, b), is not exact, and
// inexact32 whether single-precision result s of operation o on x and y is not (the
// operands and results as mid32 allows): the single-precision residual of the sum
// (TwoSum, exact in that range), the double-precision product (exact) or the quotient's
// residual (FMA) is not zero.
func inexact32x2(o uint8, a, b, r uint64) bool {
	return inexact32(o, uint32(a), uint32(b), uint32(r)) || inexact32(o, uint32(a>>32), uint32(b>>32), uint32(r>>32))
}

func inexact32(o uint8, a, b, r uint32) bool {
	x, y, s := math.Float32frombits(a), math.Float32frombits(b), math.Float32frombits(r)
	switch o {
	case fopSub:
		y = -y
		fallthrough
	case fopAdd:
		bb := s - x
		return (x-(s-bb))+(y-bb) != 0
	case fopMul:
		return float64(x)*float64(y) != float64(s)
	}
	return math.FMA(-float64(s), float64(y), float64(x)) != 0
}

// minmaxStep is MINSD/MAXSD xmm, xmm (op.cc 0, 1) for operands that are normal numbers
// or zeros (no flag; equal operands or zeros of either sign give the source, as
// fpEnv.minmax64).
func (c *CPU) minmaxStep(op *blockOp) bool {
	d := &c.XMM[op.d&15]
	a, b := d[0], c.XMM[op.s&15][0]
	if !plain64(a) || !plain64(b) {
		return false
	}
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	if op.cc == 0 && !(x < y) || op.cc != 0 && !(x > y) {
		d[0] = b
	}
	return true
}

// lanesStep is PADD/PSUB B/W/D/Q (op.imm: the lanes' top bits, bit 0 set for PSUB) on a
// register or TLB-hit source.
func (c *CPU) lanesStep(op *blockOp) bool {
	sp := c.xmmSrcP(op)
	if sp == nil {
		return false
	}
	s0, s1 := sp[0], sp[1]
	d := &c.XMM[op.d&15]
	h := op.imm &^ 1
	if op.imm&1 == 0 {
		d[0], d[1] = sseAddLanes(d[0], s0, h), sseAddLanes(d[1], s1, h)
	} else {
		d[0], d[1] = sseSubLanes(d[0], s0, h), sseSubLanes(d[1], s1, h)
	}
	return true
}

// comiStep is COMISD/UCOMISD (op.msb 63) and COMISS/UCOMISS (op.msb 31) for operands that
// are neither NaNs nor denormals (comisdFast, comissFast).
func (c *CPU) comiStep(op *blockOp) bool {
	b, ok := c.xmmHit64(op)
	if !ok {
		return false
	}
	a := c.XMM[op.d&15][0]
	if op.msb == 31 {
		a32, b32 := uint32(a), uint32(b)
		if !plain32(a32) || !plain32(b32) {
			return false
		}
		x, y := math.Float32frombits(a32), math.Float32frombits(b32)
		c.comisFlags(x < y, x == y)
		return true
	}
	if !plain64(a) || !plain64(b) {
		return false
	}
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	c.comisFlags(x < y, x == y)
	return true
}

// cvtsiStep is CVTSI2SD xmm, r/m32|64 (op.msb 31, 63) for an integer of at most 53
// significant bits (cvtsi2sdFast).
func (c *CPU) cvtsiStep(op *blockOp) bool {
	var v uint64
	if !op.memFirst {
		v = c.GPR[op.s&15]
	} else {
		addr := c.xmmAddr(op)
		if c.memSlow || !canonical(addr) {
			return false
		}
		var ok bool
		if op.msb == 31 {
			v, ok = c.mem.TryRead32(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
		} else {
			v, ok = c.mem.TryRead64(mmu.VAddr(addr), c.user, c.RFLAGS&FlagAC != 0)
		}
		if !ok {
			return false
		}
	}
	n := int64(v)
	if op.msb == 31 {
		n = int64(int32(v))
	}
	if n < -1<<53 || n > 1<<53 {
		return false
	}
	c.XMM[op.d&15][0] = math.Float64bits(float64(n))
	return true
}

// cvttStep is CVTTSD2SI r32|64 (op.m), xmm/m64 for a normal source or a zero whose
// truncation fits (cvttsd2siFast).
func (c *CPU) cvttStep(op *blockOp) bool {
	a, ok := c.xmmHit64(op)
	if !ok {
		return false
	}
	lim := uint64(1023 + 31)
	if op.m == ^uint64(0) {
		lim = 1023 + 63
	}
	e := a >> 52 & 0x7FF
	if e >= lim || e == 0 && a<<1 != 0 {
		return false
	}
	x := math.Float64frombits(a)
	r := int64(x)
	if float64(r) != x {
		if c.MXCSR&mxPM == 0 {
			return false
		}
		c.MXCSR |= mxPE
	}
	c.GPR[op.d&15] = uint64(r) & op.m
	return true
}

// sqrtStep is SQRTSD xmm, xmm/m64 for a positive normal source within 2^±900 (sqrtsd).
func (c *CPU) sqrtStep(op *blockOp) bool {
	const lo, hi = 1023 - 900, 1023 + 1000
	b, ok := c.xmmHit64(op)
	if !ok || b>>63 != 0 || (b>>52)-lo >= hi-lo {
		return false
	}
	x := math.Float64frombits(b)
	r := math.Sqrt(x)
	if c.MXCSR&mxPE == 0 && math.FMA(r, r, -x) != 0 {
		c.MXCSR |= mxPE
	}
	c.XMM[op.d&15][0] = math.Float64bits(r)
	return true
}

// cvtdqStep is CVTDQ2PD xmm, xmm/m64 (op.cc 0; exact) and CVTDQ2PS xmm, xmm/m128 (op.cc 1,
// rounding to nearest: the gate's arithmetic bit) with PE when a lane is not exact
// (cvtdq2pdFast, cvtdq2psFast).
func (c *CPU) cvtdqStep(op *blockOp, gate uint8) bool {
	if op.cc == 0 {
		var v uint64
		if !op.memFirst {
			v = c.XMM[op.s&15][0]
		} else {
			var ok bool
			if v, ok = c.xmmHit64(op); !ok {
				return false
			}
		}
		d := &c.XMM[op.d&15]
		d[0], d[1] = math.Float64bits(float64(int32(v))), math.Float64bits(float64(int32(v>>32)))
		return true
	}
	if gate&sseGateArith == 0 {
		return false
	}
	sp := c.xmmSrcP(op)
	if sp == nil {
		return false
	}
	s0, s1 := sp[0], sp[1]
	v0, v1, v2, v3 := int32(s0), int32(s0>>32), int32(s1), int32(s1>>32)
	r0, r1, r2, r3 := float32(v0), float32(v1), float32(v2), float32(v3)
	if int64(r0) != int64(v0) || int64(r1) != int64(v1) || int64(r2) != int64(v2) || int64(r3) != int64(v3) {
		c.MXCSR |= mxPE
	}
	d := &c.XMM[op.d&15]
	d[0] = uint64(math.Float32bits(r0)) | uint64(math.Float32bits(r1))<<32
	d[1] = uint64(math.Float32bits(r2)) | uint64(math.Float32bits(r3))<<32
	return true
}

// pshufdStep is PSHUFD xmm, xmm/m128, imm8 (op.imm).
func (c *CPU) pshufdStep(op *blockOp) bool {
	sp := c.xmmSrcP(op)
	if sp == nil {
		return false
	}
	s0, s1 := sp[0], sp[1]
	m := op.imm
	d := &c.XMM[op.d&15]
	d[0] = dword4(s0, s1, m) | dword4(s0, s1, m>>2)<<32
	d[1] = dword4(s0, s1, m>>4) | dword4(s0, s1, m>>6)<<32
	return true
}

// dword4 is doubleword i&3 of the 128 bits s1:s0.
func dword4(s0, s1, i uint64) uint64 {
	if i&2 != 0 {
		s0 = s1
	}
	return s0 >> (i & 1 * 32) & 0xFFFFFFFF
}

// ileaveStep is PUNPCKL/PUNPCKH BW, WD, DQ and UNPCKLPS/UNPCKHPS (op.imm: lane width, bit 0
// the high halves).
func (c *CPU) ileaveStep(op *blockOp) bool {
	sp := c.xmmSrcP(op)
	if sp == nil {
		return false
	}
	a, b := sp[0], sp[1]
	d := &c.XMM[op.d&15]
	if op.imm&1 == 0 {
		b = a
		a = d[0]
	} else {
		a = d[1]
	}
	// sseInterleave(a, b, width), inlined.
	switch op.imm &^ 1 {
	case 8:
		d[0], d[1] = sseSpread8(a)|sseSpread8(b)<<8, sseSpread8(a>>32)|sseSpread8(b>>32)<<8
	case 16:
		d[0], d[1] = sseSpread16(a)|sseSpread16(b)<<16, sseSpread16(a>>32)|sseSpread16(b>>32)<<16
	default:
		d[0], d[1] = a&0xFFFFFFFF|b<<32, a>>32|b&^0xFFFFFFFF
	}
	return true
}

// pshiftOperands sets inline step op (stepXshift) for a lane shift (lanes: lane width |
// kind<<8, as u.imm2) by n: op.cc the kind, op.imm the count and op.m the mask of the bits
// that stay in each lane, as pshiftLanes computes them; for pshArith, op.sm the lanes' sign
// bits and the count at most the lane width less 1. An arithmetic shift by 0 is a left
// shift by 0 (nothing changes).
func pshiftOperands(op *blockOp, lanes, n uint64) {
	w, k := uint(lanes&0xFF), uint8(lanes>>8)
	ones := ^uint64(0)
	if w < 64 {
		ones = uint64(1)<<w - 1
	}
	rep := ^uint64(0) / ones // 1 in the low bit of every lane
	op.cc, op.imm, op.sm = k, n, 0
	switch {
	case k == pshArith && n == 0:
		op.cc, op.m = pshLeft, ^uint64(0)
	case k == pshArith:
		op.imm = min(n, uint64(w-1))
		op.m = rep * (ones >> op.imm)
		op.sm = rep << (w - 1)
	case n >= uint64(w):
		op.m = 0
	case k == pshLeft:
		op.m = rep * (ones << n & ones)
	default:
		op.m = rep * (ones >> n)
	}
}

// pshiftInline is quadword v shifted as inline step op (stepXshift) asks: op.cc the kind,
// op.imm the count, op.m the mask, op.sm the sign bits (pshiftOperands). A negative
// lane's sign fill is its sign bit t's t<<1 - t>>(n-1), the n bits below and at it (mod
// 2^64 for the top lane).
func pshiftInline(v uint64, op *blockOp) uint64 {
	n := op.imm
	switch op.cc {
	case pshLeft:
		return v << n & op.m
	case pshRight:
		return v >> n & op.m
	}
	t := v & op.sm
	return v>>n&op.m | (t<<1 - t>>(n-1))
}

// pcmpStep is PCMPEQ B/W/D (op.cc 0) and PCMPGT B/W/D (op.cc 1) of lanes whose top bits
// are op.imm.
func (c *CPU) pcmpStep(op *blockOp) bool {
	sp := c.xmmSrcP(op)
	if sp == nil {
		return false
	}
	s0, s1 := sp[0], sp[1]
	d := &c.XMM[op.d&15]
	h := op.imm
	if op.cc == 0 {
		d[0], d[1] = sseEqMask(d[0], s0, h, op.msb), sseEqMask(d[1], s1, h, op.msb)
	} else {
		d[0], d[1] = sseGtMask(d[0], s0, h, op.msb), sseGtMask(d[1], s1, h, op.msb)
	}
	return true
}

// sseEqMask returns all-ones lanes where a and b are equal (lanes of w bits marked by their
// top bits in h, s = w-1; sseEqLanes without a multiplication).
func sseEqMask(a, b, h uint64, s uint8) uint64 {
	t := a ^ b
	low := ^h
	z := ((t&low)+low|t)&h ^ h // top bit set in every equal lane
	return sseFill(z, s)
}

// sseGtMask returns all-ones lanes where a's signed lane is greater than b's (lanes marked
// by their top bits in h, s = w-1): with the sign bits flipped the compare is unsigned,
// and a > b is the borrow out of each lane of b - a.
func sseGtMask(a, b, h uint64, s uint8) uint64 {
	x, y := b^h, a^h
	r := sseSubLanes(x, y, h)
	bo := (^x&y | ^(x^y)&r) & h
	return sseFill(bo, s)
}

// sseFill turns each set top bit of a w-bit lane (s = w-1) into an all-ones lane: t<<1
// less the lane's low bit, mod 2^64.
func sseFill(t uint64, s uint8) uint64 { return t<<1 - t>>s }

// packStep is PACKUSWB (op.cc 0), PACKSSWB (1) and PACKSSDW (2).
func (c *CPU) packStep(op *blockOp) bool {
	sp := c.xmmSrcP(op)
	if sp == nil {
		return false
	}
	s0, s1 := sp[0], sp[1]
	d := &c.XMM[op.d&15]
	switch op.cc {
	case 0:
		*d = [2]uint64{ssePackUS16(d[0]) | ssePackUS16(d[1])<<32, ssePackUS16(s0) | ssePackUS16(s1)<<32}
	case 1:
		*d = [2]uint64{ssePackSS16(d[0]) | ssePackSS16(d[1])<<32, ssePackSS16(s0) | ssePackSS16(s1)<<32}
	default:
		*d = [2]uint64{ssePackSS32(d[0]) | ssePackSS32(d[1])<<32, ssePackSS32(s0) | ssePackSS32(s1)<<32}
	}
	return true
}
