package cpu

import "github.com/kppemu/kppemu/mmu"

// Specialised x87 handlers for the forms compiled long double code runs: loads and
// stores of registers, m32fp, m64fp, m80fp and integers, FXCH, the arithmetic of
// registers and memory, FSQRT, FCHS, FABS, the constants 0 and 1, and the comparisons.
//
// Each handler does the common case itself, in straight-line code, and hands anything
// else to the instruction's general handler (slow) before it has changed any state. The
// common case is the state compiled code runs in: no #NM (CR0.EM and CR0.TS clear), no
// pending exception (FSW.ES and B clear), the registers read in use and those written by
// a push empty, operands and results that raise no exception other than a masked
// precision one, and for the arithmetic the precision control at 64 bits with rounding
// to nearest (x87FastArith). A memory operand is read only through the TLB-hit path
// (RAM), so the general handler may read it again; a store is written once, after
// everything else has been decided. So each computes exactly what the general handler
// does (the differential tests run both: specialiseOn false keeps the general ones).
//
// The handlers read neither RIP (x87Addr computes a RIP-relative operand's address from
// the block step), nor the clock, nor Instret, and set no pending work: they run as lazy
// block steps (uop.lazy), and their fallback syncs the state the block skipped
// (syncLazy) before the general handler runs.

// x87Ready reports whether a waiting x87 instruction starts without a check of its own.
func (c *CPU) x87Ready() bool {
	return c.CR0&(CR0EM|CR0TS) == 0 && c.FSW&(fswES|fswB) == 0
}

// x87Slow runs the general handler of a specialised instruction.
func (c *CPU) x87Slow(slow handler, u *uop) *Fault {
	c.syncLazy()
	return slow(c, u)
}

// f80Normal reports whether the register r holds a normal value.
func f80Normal(r *[2]uint64) bool {
	return uint16(r[1])&0x7FFF-1 < 0x7FFE && r[0]>>63 != 0
}

// x87TopPush and x87TopPop are FSW with TOP decremented or incremented and C1 clear.
func x87TopPush(fsw uint16) uint16 { return fsw&^(0x3800|fswC1) | (fsw-0x800)&0x3800 }
func x87TopPop(fsw uint16) uint16  { return fsw&^(0x3800|fswC1) | (fsw+0x800)&0x3800 }

// x87Specialise replaces the general handler u.fn of x87 instruction name by a
// specialised one for the forms listed above, and marks those that may run lazily.
func x87Specialise(name string, u *uop) {
	if !specialiseOn || u.lock {
		return
	}
	slow := u.fn
	var fn handler
	mem := u.nargs > 0 && u.kind[0] == kMem
	switch name {
	case "FLD":
		switch {
		case u.nargs == 1 && u.kind[0] == kST:
			fn = fldSTFast(slow)
		case mem && (u.sz[0] == 4 || u.sz[0] == 8 || u.sz[0] == 10):
			fn = fldMFast(slow)
		}
	case "FILD":
		if mem && (u.sz[0] == 2 || u.sz[0] == 4 || u.sz[0] == 8) {
			fn = fildMFast(slow)
		}
	case "FST", "FSTP":
		pop := name == "FSTP"
		switch {
		case u.nargs == 1 && u.kind[0] == kST:
			fn = fstSTFast(pop, slow)
		case mem && (u.sz[0] == 4 || u.sz[0] == 8):
			fn = fstMFast(pop, slow)
		case mem && u.sz[0] == 10 && pop:
			fn = fstpM80Fast(slow)
		}
	case "FIST", "FISTP", "FISTTP":
		if mem && (u.sz[0] == 2 || u.sz[0] == 4 || u.sz[0] == 8) {
			fn = fistMFast(name != "FIST", name == "FISTTP", slow)
		}
	case "FADD", "FSUB", "FSUBR", "FMUL", "FDIV", "FDIVR",
		"FADDP", "FSUBP", "FSUBRP", "FMULP", "FDIVP", "FDIVRP",
		"FIADD", "FISUB", "FISUBR", "FIMUL", "FIDIV", "FIDIVR":
		fn = farithFast(name, u, slow)
	case "FXCH":
		i := 1
		if u.nargs > 0 {
			i = int(u.r[u.nargs-1])
			if u.nargs == 2 && u.r[1] == 0 {
				i = int(u.r[0])
			}
		}
		u.aux = uint8(i & 7)
		fn = fxchFast(slow)
	case "FCHS":
		fn = fsignFast(0x8000, 0, slow)
	case "FABS":
		fn = fsignFast(0, 0x8000, slow)
	case "FLDZ":
		fn = fldConstFast(f80{}, slow)
	case "FLD1":
		fn = fldConstFast(f80One, slow)
	case "FSQRT":
		fn = fsqrtFast(slow)
	case "FCOM", "FCOMP", "FCOMPP", "FUCOM", "FUCOMP", "FUCOMPP",
		"FCOMI", "FCOMIP", "FUCOMI", "FUCOMIP":
		fn = fcomFast(name, u, slow)
	}
	if fn == nil {
		return
	}
	u.fn = fn
	u.lazy = true
}

// fldSTFast is FLD ST(i).
func fldSTFast(slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		p, n := (top+int(u.r[0]))&7, (top+7)&7
		if !c.x87Ready() || c.FTW>>p&1 == 0 || c.FTW>>n&1 != 0 {
			return c.x87Slow(slow, u)
		}
		c.FPR[n] = c.FPR[p]
		c.FTW |= 1 << n
		c.FSW = x87TopPush(fsw)
		return nil
	}
}

// x87ReadFast reads u's m32fp, m64fp or m80fp operand through the TLB-hit path as a
// zero or normal extended value; ok=false for anything else or a TLB miss.
func (c *CPU) x87ReadFast(u *uop, addr uint64) (v f80, ok bool) {
	if c.memSlow || !canonical(addr) || !canonical(addr+9) {
		return v, false
	}
	va, ac := mmu.VAddr(addr), c.RFLAGS&FlagAC != 0
	switch u.sz[0] {
	case 4:
		raw, hit := c.mem.TryRead32(va, c.user, ac)
		if !hit {
			return v, false
		}
		e := raw >> 23 & 0xFF
		sign := uint16(raw>>31) << 15
		switch {
		case e == 0 && raw<<33 == 0:
			return f80{se: sign}, true
		case e == 0 || e == 0xFF:
			return v, false
		}
		return f80{man: 1<<63 | raw<<40, se: sign | uint16(e-127+16383)}, true
	case 8:
		raw, hit := c.mem.TryRead64(va, c.user, ac)
		if !hit {
			return v, false
		}
		e := raw >> 52 & 0x7FF
		sign := uint16(raw>>63) << 15
		switch {
		case e == 0 && raw<<1 == 0:
			return f80{se: sign}, true
		case e == 0 || e == 0x7FF:
			return v, false
		}
		return f80{man: 1<<63 | raw<<11, se: sign | uint16(e-1023+16383)}, true
	case 10:
		lo, hit := c.mem.TryRead64(va, c.user, ac)
		if !hit {
			return v, false
		}
		hi, hit := c.mem.TryRead16(mmu.VAddr(addr+8), c.user, ac)
		if !hit {
			return v, false
		}
		v = f80{man: lo, se: uint16(hi)}
		if lo == 0 && v.se&0x7FFF == 0 || f80Normal(&[2]uint64{lo, hi}) {
			return v, true
		}
	}
	return v, false
}

// x87ReadIntFast reads u's m16int, m32int or m64int operand through the TLB-hit path.
func (c *CPU) x87ReadIntFast(u *uop, addr uint64) (v f80, ok bool) {
	if c.memSlow || !canonical(addr) {
		return v, false
	}
	va, ac := mmu.VAddr(addr), c.RFLAGS&FlagAC != 0
	var raw uint64
	switch u.sz[0] {
	case 2:
		raw, ok = c.mem.TryRead16(va, c.user, ac)
		raw = uint64(int64(int16(raw)))
	case 4:
		raw, ok = c.mem.TryRead32(va, c.user, ac)
		raw = uint64(int64(int32(raw)))
	case 8:
		raw, ok = c.mem.TryRead64(va, c.user, ac)
	}
	return f80FromInt(int64(raw)), ok
}

// x87Addr is the address of u's memory operand in a lazy step or a full one (eaAny
// finds a lazy step's RIP for a RIP-relative operand).
func (c *CPU) x87Addr(u *uop) uint64 { return c.ea(u) }

// fldMFast is FLD m32fp/m64fp/m80fp.
func fldMFast(slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		n := (int(fsw>>11) + 7) & 7
		if !c.x87Ready() || c.FTW>>n&1 != 0 {
			return c.x87Slow(slow, u)
		}
		v, ok := c.x87ReadFast(u, c.x87Addr(u))
		if !ok {
			return c.x87Slow(slow, u)
		}
		c.FPR[n] = [2]uint64{v.man, uint64(v.se)}
		c.FTW |= 1 << n
		c.FSW = x87TopPush(fsw)
		return nil
	}
}

// fildMFast is FILD m16int/m32int/m64int.
func fildMFast(slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		n := (int(fsw>>11) + 7) & 7
		if !c.x87Ready() || c.FTW>>n&1 != 0 {
			return c.x87Slow(slow, u)
		}
		v, ok := c.x87ReadIntFast(u, c.x87Addr(u))
		if !ok {
			return c.x87Slow(slow, u)
		}
		c.FPR[n] = [2]uint64{v.man, uint64(v.se)}
		c.FTW |= 1 << n
		c.FSW = x87TopPush(fsw)
		return nil
	}
}

// fldConstFast is FLDZ and FLD1.
func fldConstFast(v f80, slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		n := (int(fsw>>11) + 7) & 7
		if !c.x87Ready() || c.FTW>>n&1 != 0 {
			return c.x87Slow(slow, u)
		}
		c.FPR[n] = [2]uint64{v.man, uint64(v.se)}
		c.FTW |= 1 << n
		c.FSW = x87TopPush(fsw)
		return nil
	}
}

// fstSTFast is FST/FSTP ST(i).
func fstSTFast(pop bool, slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		if !c.x87Ready() || c.FTW>>top&1 == 0 {
			return c.x87Slow(slow, u)
		}
		p := (top + int(u.r[0])) & 7
		c.FPR[p] = c.FPR[top]
		c.FTW |= 1 << p
		if pop {
			c.FTW &^= 1 << top
			c.FSW = x87TopPop(fsw)
		} else {
			c.FSW = fsw &^ fswC1
		}
		return nil
	}
}

// fstMFast is FST/FSTP m32fp/m64fp.
func fstMFast(pop bool, slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		if !c.x87Ready() || c.FTW>>top&1 == 0 {
			return c.x87Slow(slow, u)
		}
		r := &c.FPR[top]
		out, pe, c1, ok := f80ToFloat(f80{man: r[0], se: uint16(r[1])}, int(u.sz[0])*8, c.FCW>>10&3)
		if !ok || pe && c.FCW&fswPE == 0 {
			return c.x87Slow(slow, u)
		}
		if f := c.write(c.x87Addr(u), u.sz[0], out); f != nil {
			return f
		}
		c.x87Done(fsw, pe, c1, pop, top)
		return nil
	}
}

// fstpM80Fast is FSTP m80fp within a page, through the TLB-hit path.
func fstpM80Fast(slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		addr := c.x87Addr(u)
		if !c.x87Ready() || c.FTW>>top&1 == 0 || c.memSlow || !canonical(addr) || addr&0xFFF > 0xFF6 {
			return c.x87Slow(slow, u)
		}
		r := &c.FPR[top]
		ac := c.RFLAGS&FlagAC != 0
		if !c.mem.TryWrite64(mmu.VAddr(addr), r[0], c.user, ac) {
			return c.x87Slow(slow, u)
		}
		// The same page and TLB entry: the second part is a hit too.
		if !c.mem.TryWrite16(mmu.VAddr(addr+8), r[1]&0xFFFF, c.user, ac) {
			if f := c.write(addr+8, 2, r[1]&0xFFFF); f != nil {
				return f
			}
		}
		c.x87Done(fsw, false, false, true, top)
		return nil
	}
}

// x87Done writes FSW after a specialised instruction: PE when pe, C1 = c1, and ST(0)
// (physical register top) popped when pop.
func (c *CPU) x87Done(fsw uint16, pe, c1, pop bool, top int) {
	fsw &^= fswC1
	if pe {
		fsw |= fswPE
	}
	if c1 {
		fsw |= fswC1
	}
	if pop {
		c.FTW &^= 1 << top
		fsw = fsw&^0x3800 | (fsw+0x800)&0x3800
	}
	c.FSW = fsw
}

// fistMFast is FIST/FISTP m16int/m32int/m64int and FISTTP.
func fistMFast(pop, trunc bool, slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		if !c.x87Ready() || c.FTW>>top&1 == 0 {
			return c.x87Slow(slow, u)
		}
		rc := c.FCW >> 10 & 3
		if trunc {
			rc = 3
		}
		r := &c.FPR[top]
		out, pe, c1, ok := f80ToInt(f80{man: r[0], se: uint16(r[1])}, int(u.sz[0]), rc)
		if !ok || pe && c.FCW&fswPE == 0 {
			return c.x87Slow(slow, u)
		}
		if f := c.write(c.x87Addr(u), u.sz[0], out); f != nil {
			return f
		}
		c.x87Done(fsw, pe, c1, pop, top)
		return nil
	}
}

// fxchFast is FXCH ST(i) (i in u.aux).
func fxchFast(slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		p := (top + int(u.aux)) & 7
		if !c.x87Ready() || c.FTW>>top&(c.FTW>>p)&1 == 0 {
			return c.x87Slow(slow, u)
		}
		c.FPR[top], c.FPR[p] = c.FPR[p], c.FPR[top]
		c.FSW = fsw &^ fswC1
		return nil
	}
}

// fsignFast is FCHS (xor 0x8000) and FABS (clear 0x8000).
func fsignFast(xor, clear uint64, slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		if !c.x87Ready() || c.FTW>>top&1 == 0 {
			return c.x87Slow(slow, u)
		}
		c.FPR[top][1] = (c.FPR[top][1] ^ xor) &^ clear
		c.FSW = fsw &^ fswC1
		return nil
	}
}

// fsqrtFast is FSQRT of a positive normal ST(0).
func fsqrtFast(slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		r := &c.FPR[top]
		if !c.x87Ready() || c.FTW>>top&1 == 0 || c.FCW&0xF00 != 0x300 || !f80Normal(r) || r[1]&0x8000 != 0 {
			return c.x87Slow(slow, u)
		}
		v, fl, c1, ok := x87FastSqrt(f80{man: r[0], se: uint16(r[1])})
		if !ok || fl != 0 && c.FCW&fswPE == 0 {
			return c.x87Slow(slow, u)
		}
		*r = [2]uint64{v.man, uint64(v.se)}
		c.x87Done(fsw, fl != 0, c1, false, top)
		return nil
	}
}

// farithFast is FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR (and the popping and integer forms) of
// normal operands; u.aux holds the destination and source stack indexes (dst<<3 | src,
// src 7 with a memory operand, which no register form has as a source besides
// ST(7) with a destination ST(0); u.r tells them apart at translation).
func farithFast(name string, u *uop, slow handler) handler {
	base := name[1:]
	integer := base[0] == 'I'
	if integer {
		base = base[1:]
	}
	pop := base[len(base)-1] == 'P'
	if pop {
		base = base[:len(base)-1]
	}
	op := map[string]int{"ADD": opAdd, "SUB": opSub, "SUBR": opSubR, "MUL": opMul, "DIV": opDiv, "DIVR": opDivR}[base]
	rev := op == opSubR || op == opDivR
	switch op {
	case opSubR:
		op = opSub
	case opDivR:
		op = opDiv
	}
	switch {
	case u.nargs == 0:
		u.aux = 1<<3 | 0
	case u.kind[0] == kMem:
		if integer && u.sz[0] != 2 && u.sz[0] != 4 || !integer && u.sz[0] != 4 && u.sz[0] != 8 {
			return nil
		}
		return farithMemFast(op, rev, integer, slow)
	case u.nargs == 1:
		u.aux = u.r[0] & 7
	default:
		u.aux = (u.r[0]&7)<<3 | u.r[1]&7
	}
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		pd, ps := (top+int(u.aux>>3))&7, (top+int(u.aux&7))&7
		rd, rs := &c.FPR[pd], &c.FPR[ps]
		if !c.x87Ready() || c.FCW&0xF00 != 0x300 || c.FTW>>pd&(c.FTW>>ps)&1 == 0 || !f80Normal(rd) || !f80Normal(rs) {
			return c.x87Slow(slow, u)
		}
		a, b := f80{man: rd[0], se: uint16(rd[1])}, f80{man: rs[0], se: uint16(rs[1])}
		if rev {
			a, b = b, a
		}
		r, fl, c1, ok := x87FastArith(op, a, b)
		if !ok || fl != 0 && c.FCW&fswPE == 0 {
			return c.x87Slow(slow, u)
		}
		*rd = [2]uint64{r.man, uint64(r.se)}
		c.x87Done(fsw, fl != 0, c1, pop, top)
		return nil
	}
}

// farithMemFast is the m32fp/m64fp (m16int/m32int) form of farithFast: ST(0) op m.
func farithMemFast(op int, rev, integer bool, slow handler) handler {
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		rd := &c.FPR[top]
		if !c.x87Ready() || c.FCW&0xF00 != 0x300 || c.FTW>>top&1 == 0 || !f80Normal(rd) {
			return c.x87Slow(slow, u)
		}
		var b f80
		var ok bool
		if integer {
			b, ok = c.x87ReadIntFast(u, c.x87Addr(u))
		} else {
			b, ok = c.x87ReadFast(u, c.x87Addr(u))
		}
		if !ok || b.se&0x7FFF == 0 {
			return c.x87Slow(slow, u)
		}
		a := f80{man: rd[0], se: uint16(rd[1])}
		if rev {
			a, b = b, a
		}
		r, fl, c1, ok := x87FastArith(op, a, b)
		if !ok || fl != 0 && c.FCW&fswPE == 0 {
			return c.x87Slow(slow, u)
		}
		*rd = [2]uint64{r.man, uint64(r.se)}
		c.x87Done(fsw, fl != 0, c1, false, top)
		return nil
	}
}

// fcomFast is the FCOM/FUCOM family (register and m32fp/m64fp) and FCOMI/FUCOMI of
// zero, normal and infinite operands.
func fcomFast(name string, u *uop, slow handler) handler {
	eflags := name == "FCOMI" || name == "FCOMIP" || name == "FUCOMI" || name == "FUCOMIP"
	pops := 0
	switch name {
	case "FCOMP", "FUCOMP", "FCOMIP", "FUCOMIP":
		pops = 1
	case "FCOMPP", "FUCOMPP":
		pops = 2
	}
	memOp := u.nargs > 0 && u.kind[u.nargs-1] == kMem
	if memOp && u.sz[u.nargs-1] != 4 && u.sz[u.nargs-1] != 8 {
		return nil
	}
	if memOp && u.nargs != 1 {
		return nil
	}
	u.aux = 1
	if u.nargs > 0 && !memOp {
		u.aux = u.r[u.nargs-1] & 7
	}
	return func(c *CPU, u *uop) *Fault {
		fsw := c.FSW
		top := int(fsw>>11) & 7
		if !c.x87Ready() || c.FTW>>top&1 == 0 {
			return c.x87Slow(slow, u)
		}
		a := f80{man: c.FPR[top][0], se: uint16(c.FPR[top][1])}
		var b f80
		if memOp {
			var ok bool
			if b, ok = c.x87ReadFast(u, c.x87Addr(u)); !ok {
				return c.x87Slow(slow, u)
			}
		} else {
			p := (top + int(u.aux)) & 7
			if c.FTW>>p&1 == 0 {
				return c.x87Slow(slow, u)
			}
			b = f80{man: c.FPR[p][0], se: uint16(c.FPR[p][1])}
		}
		if !x87Ordinary(a) || !x87Ordinary(b) {
			return c.x87Slow(slow, u)
		}
		res := x87Order(a, b)
		if eflags {
			var fl uint64
			switch res {
			case -1:
				fl = FlagCF
			case 0:
				fl = FlagZF
			}
			c.setFlagsBits(fl, FlagZF|FlagPF|FlagCF|FlagOF|FlagSF|FlagAF)
		} else {
			fsw &^= fswC3 | fswC2 | fswC1 | fswC0
			switch res {
			case -1:
				fsw |= fswC0
			case 0:
				fsw |= fswC3
			}
		}
		for i := 0; i < pops; i++ {
			c.FTW &^= 1 << ((int(fsw>>11) & 7) & 7)
			fsw = fsw&^0x3800 | (fsw+0x800)&0x3800
		}
		c.FSW = fsw
		return nil
	}
}

// x87Ordinary reports whether v is a zero, a normal value or an infinity (an operand
// that compares without an exception).
func x87Ordinary(v f80) bool {
	e := v.se & 0x7FFF
	switch {
	case e == 0:
		return v.man == 0
	case e == 0x7FFF:
		return v.man == 1<<63
	}
	return v.man>>63 != 0
}

// x87Order compares a with b, neither a NaN nor unsupported: -1, 0 or 1. A denormal
// (and a pseudo-denormal, exponent 0 with the integer bit set) has the scale of
// exponent 1.
func x87Order(a, b f80) int {
	if a.man == 0 && b.man == 0 {
		return 0 // zeros of either sign
	}
	as, bs := a.sign(), b.sign()
	if as != bs {
		if as {
			return -1
		}
		return 1
	}
	ae, be := a.se&0x7FFF, b.se&0x7FFF
	if ae == 0 {
		ae = 1
	}
	if be == 0 {
		be = 1
	}
	m := 0
	switch {
	case ae < be || ae == be && a.man < b.man:
		m = -1
	case ae > be || a.man > b.man:
		m = 1
	}
	if as {
		m = -m
	}
	return m
}

// f80ToFloat rounds v (zero or normal) to single (bits 32) or double (64) with the
// rounding control rc: the result bits, whether it is inexact (PE) and rounded up in
// magnitude (C1); ok=false when the result is not a zero or normal value of the format
// (or v is neither).
func f80ToFloat(v f80, bits int, rc uint16) (out uint64, pe, c1, ok bool) {
	fb, emax := uint(52), 1023
	if bits == 32 {
		fb, emax = 23, 127
	}
	neg := v.sign()
	sign := uint64(v.se>>15) << uint(bits-1)
	e := int(v.se & 0x7FFF)
	if e == 0 {
		return sign, false, false, v.man == 0
	}
	if e == 0x7FFF || v.man>>63 == 0 {
		return 0, false, false, false
	}
	ue := e - 16383
	if ue < 1-emax || ue > emax {
		return 0, false, false, false
	}
	drop := 63 - fb
	keep := v.man >> drop
	if rem := v.man << (64 - drop); rem != 0 {
		pe = true
		switch rc {
		case 0:
			c1 = rem > 1<<63 || rem == 1<<63 && keep&1 != 0
		case 1:
			c1 = neg
		case 2:
			c1 = !neg
		}
		if c1 {
			keep++
			if keep>>(fb+1) != 0 {
				keep >>= 1
				ue++
				if ue > emax {
					return 0, false, false, false
				}
			}
		}
	}
	return sign | uint64(ue+emax)<<fb | keep&(1<<fb-1), pe, c1, true
}

// f80ToInt rounds v (zero or normal) to a signed integer of size bytes with the
// rounding control rc (3 truncates): the result, PE and C1 as f80ToFloat; ok=false when
// it is out of range (or v is neither zero nor normal).
func f80ToInt(v f80, size int, rc uint16) (out uint64, pe, c1, ok bool) {
	e := int(v.se & 0x7FFF)
	if e == 0 {
		return 0, false, false, v.man == 0
	}
	if e == 0x7FFF || v.man>>63 == 0 {
		return 0, false, false, false
	}
	ue := e - 16383
	if ue > 62 {
		return 0, false, false, false
	}
	// ip is the integer part; frac the fraction with its round bit at bit 63 and any
	// bit below it as sticky.
	var ip, frac uint64
	switch {
	case ue >= 0:
		ip, frac = v.man>>uint(63-ue), v.man<<uint(ue+1)
	case ue == -1:
		frac = v.man
	case ue > -65:
		frac = v.man>>uint(-ue-1) | 1
	default:
		frac = 1
	}
	neg := v.sign()
	if frac != 0 {
		pe = true
		switch rc {
		case 0:
			c1 = frac > 1<<63 || frac == 1<<63 && ip&1 != 0
		case 1:
			c1 = neg
		case 2:
			c1 = !neg
		}
		if c1 {
			ip++
		}
	}
	lim := uint64(1) << uint(8*size-1)
	if ip > lim || ip == lim && !neg {
		return 0, false, false, false
	}
	if neg {
		ip = -ip
	}
	return ip & sizeMask[size], pe, c1, true
}
