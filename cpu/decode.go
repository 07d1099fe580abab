package cpu

// Decoding and the decode cache. This is the only file that imports x86asm.
//
// How to add instructions (an ALU or SSE group, ...): create a file named by instruction
// group and register a translator per x86asm mnemonic from its init():
//
//	func init() {
//		register("ADC", xlateADC)        // the mnemonic as x86asm prints it (x86asm.Op.String())
//	}
//
//	// xlateADC picks the handler for the decoded form; false means #UD.
//	func xlateADC(u *uop, d *decodeInfo) bool {
//		switch {
//		case u.kind[0] == kReg && u.kind[1] == kReg: u.fn = adcRR
//		...
//		}
//		return u.fn != nil
//	}
//
//	// adcRR is ADC r, r (SDM Vol. 2A "ADC").
//	func adcRR(c *CPU, u *uop) *Fault { ...; return nil }
//
// The translator receives a uop whose operands are already packed (see uop below): for
// argument i (Intel order: destination first) kind[i] says register, memory, immediate,
// relative target, segment/control/debug/XMM register; r[i] is its register number; sz[i]
// its size in bytes. At most one argument is memory; its effective address is computed by
// c.ea(u). Immediates are sign-extended as encoded (u.imm: the first, u.imm2: the second).
// A translator runs once per cached instruction, so it may be slow; a handler runs on every
// execution, so it must not allocate, type-switch or defer.
//
// A handler returns nil, or a *Fault from the raise helpers (c.ud(), c.gp(code), ...)
// or from the memory helpers; the run loop then rolls RIP back to the instruction and
// delivers the exception. When a handler runs, c.RIP already points at the next
// instruction (branches overwrite it) and c.ip0 holds the instruction's own RIP.
// Handlers must check everything that can fault before changing architectural state.
// A handler that wants to run again (a long REP string operation done in chunks so that
// interrupts and the budget are honoured between chunks) sets c.RIP = c.ip0 and returns
// nil: the same instruction executes again on the next iteration of the run loop.
//
// Helper index (see the files for details):
//
//	operands   c.reg/c.setReg, c.ea (linear), c.offset (no segment), c.linear(seg, off),
//	           c.readArg/c.writeArg, c.read/c.write (1,2,4,8 bytes), c.readBuf/c.writeBuf,
//	           c.read128/c.write128, c.push/c.pop, c.stackAddrSize, c.strStep(size)
//	flags      flags.go: setFlagsAdd/Sub/Logic/Inc/Dec/Lazy, setFlagsBits, cf/zf/sf/of/pf/af,
//	           cond(cc), Flags(), writeFlagsRaw (IF/TF-aware), popFlagsMask (POPF rules)
//	faults     c.ud(), c.gp(code), c.ss(code), c.raise(vec), c.raiseCode(vec, code),
//	           c.sseCheck(), c.fpuCheck()
//	sizes      sizeMask[size], u.osize, u.asize, u.sz[i]; u.aux is free for translators

import (
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/hashicorp/go-hclog"
	"github.com/kppemu/kppemu/mmu"
	"golang.org/x/arch/x86/x86asm"
)

// handler executes one decoded instruction.
type handler func(c *CPU, u *uop) *Fault

// translator turns a decoded instruction into a handler (sets u.fn and any operand fields
// it wants); false means the form is not implemented (#UD).
type translator func(u *uop, d *decodeInfo) bool

// Argument kinds (uop.kind).
const (
	kNone  uint8 = iota
	kReg         // general register; r = 0..15, or 0x10|n for AH,CH,DH,BH (n = 0..3)
	kMem         // memory operand: see ea
	kImm         // immediate: imm for the first, imm2 for the second
	kRel         // relative branch target: imm holds the displacement from the next RIP
	kSeg         // segment register ES..GS = 0..5
	kCR          // control register 0..15
	kDR          // debug register 0..15
	kXMM         // XMM register 0..15
	kMMX         // MMX register 0..7
	kST          // x87 register 0..7
	kOther       // anything else (GDTR, ...); translators normally reject it
)

// Effective-address forms (uop.eaForm).
const (
	eaDisp      = iota // disp
	eaBase             // base + disp
	eaBaseIndex        // base + index<<scale + disp
	eaIndex            // index<<scale + disp
	eaRIP              // next RIP + disp
)

// uop is a translated instruction: its handler and packed operands.
type uop struct {
	fn   handler
	imm  uint64 // first immediate (sign-extended as encoded) or relative displacement
	imm2 uint64 // second immediate (ENTER level, far pointer offset)
	disp uint64 // memory displacement (sign-extended)

	len   uint8    // instruction length in bytes
	osize uint8    // operand size in bytes (x86asm DataSize/8)
	asize uint8    // address size in bytes (2, 4, 8)
	nargs uint8    // number of arguments
	kind  [3]uint8 // argument kinds (k*)
	r     [3]uint8 // register numbers by argument
	sz    [3]uint8 // argument sizes in bytes (memory: the memory operand size)

	// Memory operand.
	eaForm uint8
	base   uint8 // GPR number
	index  uint8 // GPR number
	scale  uint8 // shift count 0..3
	seg    uint8 // segment register (default or override)
	segOvr bool  // segment came from an override prefix (or is fixed, as ES for string dst)
	addSeg bool  // add the segment base: always outside 64-bit mode, FS/GS in 64-bit mode
	// eaFlat: a 64-bit address without a segment base or RIP; ea computes it as
	// base&bmask + (index&imask)<<scale + disp, without switching on eaForm.
	eaFlat       bool
	bmask, imask uint64

	// Prefixes.
	lock  bool
	rep   bool // F3
	repne bool // F2
	rexW  bool

	aux uint8 // free for translators: sub-operation, condition code, ...
	op  uint16
	// lazy: the handler reads RIP, ip0, Clock and Instret only after c.syncLazy (its
	// slow path), so a block may run it without setting them first (block.go).
	lazy bool

	// In a block's copy of a fused pair (block.go): the conditional branch, and the
	// first instruction's own handler when fn runs both. In an SSE form with a
	// specialised handler (hot_sse.go, never part of a fused pair), inner is the general
	// handler, which fn runs for anything but the common case.
	pair  *uop
	inner handler

	// Decode-cache validation: gen is the codePage generation at which raw (the
	// instruction's bytes) was last checked against memory.
	gen uint32
	raw [15]byte // x86asm.Op, for diagnostics (opName)
}

// decodeInfo is what a translator may look at besides the uop.
type decodeInfo struct {
	bytes    []byte // the instruction's bytes
	mode     uint8  // 16, 32 or 64
	opcode   uint32 // opcode bytes, left aligned (first byte is opcode>>24)
	memBytes uint8  // size of the memory operand, when x86asm knows it
	name     string // mnemonic
}

// opByName maps x86asm mnemonics to their Op; built before any init() runs.
var opByName = func() map[string]x86asm.Op {
	m := make(map[string]x86asm.Op)
	for i := 1; i < 4096; i++ {
		s := x86asm.Op(i).String()
		if len(s) >= 3 && s[:3] == "Op(" {
			continue
		}
		m[s] = x86asm.Op(i)
	}
	return m
}()

var translators [4096]translator

// register installs t as the translator of mnemonic name (as x86asm.Op.String() spells
// it, e.g. "ADD", "MOVZX", "JNE", "PXOR"). Call it from init(). Registering a name twice or
// an unknown name is a programming error and panics at start-up.
func register(name string, t translator) {
	op, ok := opByName[name]
	if !ok {
		panic("cpu: register: unknown x86asm mnemonic " + name)
	}
	if translators[op] != nil {
		panic("cpu: register: duplicate translator for " + name)
	}
	translators[op] = t
}

// opName returns the mnemonic of a uop (diagnostics).
func opName(u *uop) string { return x86asm.Op(u.op).String() }

// Ops the block builder looks at (block.go).
var (
	opCMP  = uint16(x86asm.CMP)
	opJMP  = uint16(x86asm.JMP)
	opPUSH = uint16(x86asm.PUSH)
	opPOP  = uint16(x86asm.POP)
	opTEST = uint16(x86asm.TEST)
	opADD  = uint16(x86asm.ADD)
	opSUB  = uint16(x86asm.SUB)
	opAND  = uint16(x86asm.AND)
	opOR   = uint16(x86asm.OR)
	opXOR  = uint16(x86asm.XOR)
	opADC  = uint16(x86asm.ADC)
	opSBB  = uint16(x86asm.SBB)
	opINC  = uint16(x86asm.INC)
	opDEC  = uint16(x86asm.DEC)

	// Ops whose commonest forms have specialised handlers (hot.go).
	opMOV    = uint16(x86asm.MOV)
	opMOVZX  = uint16(x86asm.MOVZX)
	opMOVSXD = uint16(x86asm.MOVSXD)
	opNOT    = uint16(x86asm.NOT)
	opLEA    = uint16(x86asm.LEA)
	opNOP    = uint16(x86asm.NOP)
	opSHL    = uint16(x86asm.SHL)
	opSHR    = uint16(x86asm.SHR)
	opSAR    = uint16(x86asm.SAR)
	opROL    = uint16(x86asm.ROL)
	opROR    = uint16(x86asm.ROR)

	// blockEnders are the control transfers and the instructions that stop or trap:
	// nothing after them in the page is decoded into the same block.
	blockEnders = func() (t [4096]bool) {
		for _, n := range []string{"JMP", "CALL", "RET", "LJMP", "LCALL", "LRET", "IRET", "IRETD",
			"IRETQ", "INT", "INTO", "SYSCALL", "SYSRET", "SYSENTER", "SYSEXIT", "HLT", "UD0", "UD1",
			"UD2", "LOOP", "LOOPE", "LOOPNE", "JCXZ", "JECXZ", "JRCXZ", "JO", "JNO", "JB", "JAE", "JE",
			"JNE", "JBE", "JA", "JS", "JNS", "JP", "JNP", "JL", "JGE", "JLE", "JG"} {
			if op, ok := opByName[n]; ok {
				t[op] = true
			}
		}
		return t
	}()
	jccOps = func() (t [4096]bool) {
		for _, n := range []string{"JO", "JNO", "JB", "JAE", "JE", "JNE", "JBE", "JA", "JS", "JNS",
			"JP", "JNP", "JL", "JGE", "JLE", "JG"} {
			t[opByName[n]] = true
		}
		return t
	}()
)

// endsBlock reports whether u ends a block (block.go).
func endsBlock(u *uop) bool { return blockEnders[u.op&4095] }

// isJccOp reports whether op is a conditional near branch.
func isJccOp(op uint16) bool { return jccOps[op&4095] }

// Special forms that x86asm does not decode.
var (
	opCLAC     = uint16(4090) // private op numbers for diagnostics of our own forms
	opSTAC     = uint16(4091)
	opENDBR    = uint16(4092)
	opRDRAND64 = uint16(4093)
	opRDSEED   = uint16(4094)
	opRDPID    = uint16(4089)
	opSYSCALL  = uint16(4088) // SYSCALL outside 64-bit mode
	opRDPKRU   = uint16(4087)
	opWRPKRU   = uint16(4086)
	opFNENI    = uint16(4085) // FNENI, FNDISI, FNSETPM: 8087/80287 controls, no-ops since the 387
	opFSTP1    = uint16(4084) // D9 D8+i: FSTP ST(i) without the empty-register check
)

// Handlers for forms decoded here; set by the files that implement them.
var (
	hCLAC, hSTAC             handler
	hRDRAND, hRDSEED, hRDPID handler
	hSYSCALL                 handler
	hRDPKRU, hWRPKRU         handler
	hFNENI, hFSTP1           handler
)

// codePage holds the decoded instructions of one physical page, by page offset.
//
// A write to the page (reported by the MMU's code invalidator) bumps gen instead of
// dropping the entries: an entry whose gen is behind is revalidated against the bytes in
// memory on its next fetch (Blink's approach), so data that shares a page with code
// (drivers in pool memory) costs a byte compare per instruction, not a re-decode.
//
// A write drops only what was decoded from the bytes it wrote (drop), and one that
// touches none of the bytes decoded in the current generation (the bitmap used)
// leaves everything as it is; the generation changes only for a write into the first
// bytes of a page that instructions of another page run into (deps).
type codePage struct {
	pfn   uint64
	gen   uint32
	u     [4096]*uop
	blk   *[4096]*block // blocks by start offset (block.go), allocated on first use
	deps  []uint64      // pages holding instructions that continue into this page
	used  *[64]uint64   // bytes decoded in this generation (a superset), allocated on first use
	built []*block      // blocks built in this generation and not dropped
	quiet uint32        // writes in a row that touched no decoded byte
}

// quietWrites is how many writes in a row may miss a page's decoded code before the
// page gets a new generation and loses its code mark: data written often next to code
// then costs what it did when every write dropped the page's code (the stores after
// the first run on the fast path until code of the page runs again), not a slow
// store each time.
const quietWrites = 256

// use records that bytes [off, off+n) of the page (clipped to it) were decoded.
func (p *codePage) use(off, n uint64) {
	if p.used == nil {
		p.used = new([64]uint64)
	}
	for o, end := off, min(off+n, 4096); o < end; o++ {
		p.used[o/64] |= 1 << (o % 64)
	}
}

// touches reports whether any byte of [off, off+n) was decoded in this generation.
func (p *codePage) touches(off, n uint64) bool {
	if p.used == nil {
		return false
	}
	for o, end := off, min(off+n, 4096); o < end; o++ {
		if p.used[o/64]>>(o%64)&1 != 0 {
			return true
		}
	}
	return false
}

// addBlock records block b, just built, with the extent of its bytes.
func (p *codePage) addBlock(b *block) {
	lo, hi := uint64(b.off), min(uint64(b.off)+15, 4096) // an empty block: nothing decodes at off
	if len(b.ops) > 0 {
		lo, hi = 4096, 0
	}
	for i := range b.ops {
		op := &b.ops[i]
		s := uint64(b.off) + op.rel // the instruction's page offset (rel wraps for a jump back)
		e := s + uint64(op.u.len)
		if op.cnt == 2 && op.u.pair != nil {
			e += uint64(op.u.pair.len)
		}
		lo, hi = min(lo, s), max(hi, e)
	}
	b.lo, b.hi = uint16(lo), uint16(min(hi, 4096))
	p.use(lo, hi-lo)
	p.built = append(p.built, b)
}

// newGen starts a new generation of the page: everything decoded from it must be
// checked against memory before it runs again.
func (p *codePage) newGen() {
	p.gen++
	p.quiet = 0
	if p.used != nil {
		clear(p.used[:])
	}
	clear(p.built)
	p.built = p.built[:0]
}

// drop drops the cached instructions and blocks decoded from bytes [off, off+n) of
// the page (and unlinks their translations), leaving the rest of the page as it is.
func (c *CPU) drop(p *codePage, off, n uint64) {
	end := off + n
	keep := p.built[:0]
	for _, b := range p.built {
		if uint64(b.lo) < end && off < uint64(b.hi) {
			b.gen = p.gen - 1 // never the page's generation again
			if p.blk != nil && p.blk[b.off] == b {
				p.blk[b.off] = nil
			}
			c.jitUnlink(b.jit)
			continue
		}
		keep = append(keep, b)
	}
	clear(p.built[len(keep):])
	p.built = keep
	for o := max(off, 14) - 14; o < end && o < 4096; o++ {
		if u := p.u[o]; u != nil && o+uint64(u.len) > off {
			p.u[o] = nil
		}
	}
}

const icInvalid = 1 // never a page-aligned linear address

// maxCodePages bounds the decode cache: 2048 pages of decoded code (8 MiB of guest code,
// 64 MiB of entry tables) before it is flushed.
const maxCodePages = 2048

// fetch returns the uop at the current RIP, decoding it on a cache miss.
func (c *CPU) fetch() (*uop, *Fault) {
	lin := c.RIP + c.icBase
	if lin&^0xFFF == c.icLin {
		if u := c.icPage.u[lin&0xFFF]; u != nil && u.gen == c.icPage.gen {
			return u, nil
		}
	}
	return c.fetchSlow(lin)
}

// fetchSlow translates the fetch address, switches the current code page and decodes the
// instruction if it is not cached.
func (c *CPU) fetchSlow(lin uint64) (*uop, *Fault) {
	if !c.long {
		lin &= 0xFFFFFFFF
	} else if !canonical(lin) {
		return nil, c.gp(0)
	}
	pa, b, mf := c.mem.Fetch(mmu.VAddr(lin), c.user)
	if mf != nil {
		return nil, c.pageFault(uint64(mf.Addr), mf.Code)
	}
	pfn := uint64(pa) >> 12
	p := c.setCodePage(lin, pfn)
	old := p.u[lin&0xFFF]
	if old != nil && old.gen == p.gen {
		return old, nil
	}
	var win [15]byte
	n := copy(win[:], b)
	var f2 *Fault
	pfn2 := ^uint64(0)
	// The next page only for an instruction that runs into it: translating
	// it sets its accessed bit (and may fault), which an instruction that
	// ends on this page must not do, as on the block path.
	if n < 15 && c.decode(win[:n], true) == nil {
		next := (lin | 0xFFF) + 1
		if !c.long {
			next &= 0xFFFFFFFF
		}
		pa2, b2, mf2 := c.mem.Fetch(mmu.VAddr(next), c.user)
		if mf2 != nil {
			f2 = &Fault{Vector: VecPF, HasCode: true, Code: mf2.Code, CR2: uint64(mf2.Addr)}
		} else {
			copy(win[n:], b2)
			pfn2 = uint64(pa2) >> 12
			n = 15
		}
	}
	if old != nil && int(old.len) <= n && string(old.raw[:old.len]) == string(win[:old.len]) {
		// Written page, unchanged instruction.
		old.gen = p.gen
		p.use(lin&0xFFF, uint64(old.len))
		if pfn2 != ^uint64(0) && int(lin&0xFFF)+int(old.len) > 4096 {
			c.mem.MarkCode(pfn2)
		}
		return old, nil
	}
	u := c.decode(win[:n], n < 15)
	if u == nil {
		// The instruction needs bytes from the unreadable next page.
		c.fault = *f2
		return nil, &c.fault
	}
	if int(lin&0xFFF)+int(u.len) > 4096 && pfn2 != ^uint64(0) {
		// The instruction continues into the next physical page: writes there must drop it.
		p2 := c.pages[pfn2]
		if p2 == nil {
			p2 = &codePage{pfn: pfn2}
			c.pages[pfn2] = p2
		}
		c.mem.MarkCode(pfn2)
		if !slices.Contains(p2.deps, pfn) {
			p2.deps = append(p2.deps, pfn)
		}
	}
	u.gen = p.gen
	copy(u.raw[:], win[:u.len])
	p.u[lin&0xFFF] = u
	p.use(lin&0xFFF, uint64(u.len))
	return u, nil
}

// invalidateCode is the MMU's code-write callback for n bytes written at offset off of
// page pfn: what was decoded from them (and the instructions of pages that run into the
// page, for a write at its start) must not run again unchecked. It keeps the page's
// code mark while the page still holds decoded code the write did not reach.
func (c *CPU) invalidateCode(pfn, off, n uint64) bool {
	p := c.pages[pfn]
	if p == nil {
		return false
	}
	changed := false
	if off < 15 {
		// An instruction of another page that runs into this one ends in its first
		// 14 bytes.
		for _, d := range p.deps {
			if q := c.pages[d]; q != nil {
				q.newGen()
				changed = true
			}
		}
	}
	keep := true
	if p.touches(off, n) {
		c.drop(p, off, n)
		p.quiet = 0
		changed = true
	} else if p.quiet++; p.quiet >= quietWrites {
		p.newGen()
		keep = false
		changed = true
	}
	if changed {
		// The instruction being executed may have written the block it belongs to.
		c.setPending(pendResync)
	}
	return keep
}

// flushDecode drops every decoded instruction (mode changes, Restore).
func (c *CPU) flushDecode() {
	if len(c.pages) > 0 {
		// Translations baked in a pointer to their page's generation: a new one makes
		// their checked entries fail, so none runs bytes RAM may no longer hold (a
		// restore puts back RAM behind the MMU's back).
		for _, p := range c.pages {
			p.gen++
		}
		c.pages = make(map[uint64]*codePage)
	}
	if c.jit.jcache != nil {
		c.jitClearJC()
		clear(c.jit.jcPage)
	}
	c.pageCache = [len(c.pageCache)]*codePage{}
	c.icPage = nil
	c.decEpoch++
	c.resync()
}

// InvalidateDecodeCache drops every decoded instruction (for host tools).
func (c *CPU) InvalidateDecodeCache() { c.flushDecode() }

// decode decodes the instruction at the start of win. short means win was cut by an
// unreadable page; decode returns nil when the instruction might need the missing bytes.
func (c *CPU) decode(win []byte, short bool) (u *uop) {
	if u := c.decodeSpecial(win); u != nil {
		return u
	}
	var alias [15]byte
	if c.aliasEncoding(win, alias[:]) {
		win = alias[:len(win)]
	}
	var inst x86asm.Inst
	var err error
	ok := func() (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		inst, err = x86asm.Decode(win, int(c.mode))
		return true
	}()
	if !ok || err != nil || inst.Op == 0 || inst.Len == 0 {
		if short {
			return nil
		}
		return c.udUop(win, 1, "(undecodable)")
	}
	u = &uop{len: uint8(inst.Len), op: uint16(inst.Op)}
	if !c.pack(u, &inst) {
		return c.udUop(win, inst.Len, inst.Op.String())
	}
	t := translators[inst.Op]
	if t == nil {
		return c.udUop(win, inst.Len, inst.Op.String())
	}
	d := decodeInfo{bytes: win[:inst.Len:inst.Len], mode: c.mode, opcode: inst.Opcode,
		memBytes: uint8(inst.MemBytes), name: inst.Op.String()}
	if !t(u, &d) || u.fn == nil {
		return c.udUop(win, inst.Len, inst.Op.String())
	}
	specialise(u)
	markLazy(u)
	flatEA(u)
	return u
}

// lockable lists the mnemonics that accept LOCK with a memory destination (SDM Vol. 2A "LOCK").
var lockable = map[x86asm.Op]bool{
	x86asm.ADD: true, x86asm.ADC: true, x86asm.AND: true, x86asm.BTC: true, x86asm.BTR: true,
	x86asm.BTS: true, x86asm.CMPXCHG: true, x86asm.CMPXCHG8B: true, x86asm.CMPXCHG16B: true,
	x86asm.DEC: true, x86asm.INC: true, x86asm.NEG: true, x86asm.NOT: true, x86asm.OR: true,
	x86asm.SBB: true, x86asm.SUB: true, x86asm.XOR: true, x86asm.XADD: true, x86asm.XCHG: true,
}

// pack fills u's operand fields from inst. false: the form is invalid (#UD).
func (c *CPU) pack(u *uop, inst *x86asm.Inst) bool {
	u.osize = uint8(inst.DataSize / 8)
	if u.osize == 0 {
		u.osize = 4
	}
	u.asize = uint8(inst.AddrSize / 8)
	for _, p := range inst.Prefix {
		if p == 0 {
			break
		}
		if p&x86asm.PrefixInvalid != 0 {
			return false // LOCK on a register destination and similar
		}
		if p&x86asm.PrefixIgnored != 0 {
			continue
		}
		switch {
		case p&0xFF == 0xF0:
			u.lock = true
		case p&0xFF == 0xF3:
			u.rep = p&x86asm.PrefixImplicit == 0
		case p&0xFF == 0xF2:
			u.repne = p&x86asm.PrefixImplicit == 0
		case p.IsREX():
			u.rexW = p&x86asm.PrefixREXW != 0
		}
	}
	nimm := 0
	hasMem := false
	for i, a := range inst.Args {
		if a == nil {
			break
		}
		if i >= 3 {
			return false
		}
		u.nargs++
		switch a := a.(type) {
		case x86asm.Reg:
			k, r, s := classifyReg(a)
			u.kind[i], u.r[i], u.sz[i] = k, r, s
		case x86asm.Mem:
			hasMem = true
			u.kind[i] = kMem
			u.sz[i] = uint8(inst.MemBytes)
			if !c.packMem(u, a, isMoffs(inst)) {
				return false
			}
		case x86asm.Imm:
			u.kind[i] = kImm
			if nimm == 0 {
				u.imm = uint64(int64(a))
			} else {
				u.imm2 = uint64(int64(a))
			}
			nimm++
			u.sz[i] = u.osize
		case x86asm.Rel:
			u.kind[i] = kRel
			u.imm = uint64(int64(a))
		default:
			return false
		}
	}
	if u.lock && (!hasMem || !lockable[inst.Op] || u.kind[0] != kMem) {
		return false
	}
	return true
}

// isMoffs reports whether inst is MOV with a moffs operand (A0-A3): its address
// is a full address-size offset, not a ModRM displacement.
func isMoffs(inst *x86asm.Inst) bool {
	return inst.Op == x86asm.MOV && inst.Opcode>>24 >= 0xA0 && inst.Opcode>>24 <= 0xA3
}

// packMem fills the memory-operand fields. moffs marks the A0-A3 forms,
// whose offset is 64 bits wide with 64-bit addressing.
func (c *CPU) packMem(u *uop, m x86asm.Mem, moffs bool) bool {
	// x86asm reports a disp32 >= 2^31 as a positive Disp (it does not sign-extend it,
	// unlike disp8): the ModRM displacement is always a signed 32-bit value.
	u.disp = uint64(int64(int32(m.Disp)))
	if moffs && u.asize == 8 {
		u.disp = uint64(m.Disp)
	} else if u.asize == 4 {
		u.disp = uint64(uint32(m.Disp))
	} else if u.asize == 2 {
		// 16-bit addressing (BX/BP/SI/DI forms): the sum wraps at 64 KiB.
		u.disp = uint64(uint16(m.Disp))
	}
	hasBase := m.Base != 0
	hasIndex := m.Index != 0
	u.seg = DS
	switch {
	case m.Base == x86asm.RIP || m.Base == x86asm.EIP:
		u.eaForm = eaRIP
		hasBase = false
	case hasBase && hasIndex:
		u.eaForm = eaBaseIndex
	case hasBase:
		u.eaForm = eaBase
	case hasIndex:
		u.eaForm = eaIndex
	default:
		u.eaForm = eaDisp
	}
	if hasBase {
		k, r, _ := classifyReg(m.Base)
		if k != kReg {
			return false
		}
		u.base = r
		if r == RSP || r == RBP {
			u.seg = SS
		}
	}
	if hasIndex {
		k, r, _ := classifyReg(m.Index)
		if k != kReg {
			return false
		}
		u.index = r
		switch m.Scale {
		case 1:
			u.scale = 0
		case 2:
			u.scale = 1
		case 4:
			u.scale = 2
		case 8:
			u.scale = 3
		}
	}
	if m.Segment != 0 {
		k, r, _ := classifyReg(m.Segment)
		if k != kSeg {
			return false
		}
		u.seg = r
		u.segOvr = true
	}
	u.addSeg = c.mode != 64 || u.seg == FS || u.seg == GS
	return true
}

// classifyReg maps an x86asm register to (kind, number, size in bytes).
func classifyReg(r x86asm.Reg) (uint8, uint8, uint8) {
	switch {
	case r >= x86asm.AL && r <= x86asm.BL:
		return kReg, uint8(r - x86asm.AL), 1
	case r >= x86asm.AH && r <= x86asm.BH:
		return kReg, 0x10 | uint8(r-x86asm.AH), 1
	case r >= x86asm.SPB && r <= x86asm.R15B:
		return kReg, 4 + uint8(r-x86asm.SPB), 1
	case r >= x86asm.AX && r <= x86asm.R15W:
		return kReg, uint8(r - x86asm.AX), 2
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return kReg, uint8(r - x86asm.EAX), 4
	case r >= x86asm.RAX && r <= x86asm.R15:
		return kReg, uint8(r - x86asm.RAX), 8
	case r >= x86asm.ES && r <= x86asm.GS:
		return kSeg, uint8(r - x86asm.ES), 2
	case r >= x86asm.CR0 && r <= x86asm.CR15:
		return kCR, uint8(r - x86asm.CR0), 8
	case r >= x86asm.DR0 && r <= x86asm.DR15:
		return kDR, uint8(r - x86asm.DR0), 8
	case r >= x86asm.X0 && r <= x86asm.X15:
		return kXMM, uint8(r - x86asm.X0), 16
	case r >= x86asm.M0 && r <= x86asm.M7:
		return kMMX, uint8(r - x86asm.M0), 8
	case r >= x86asm.F0 && r <= x86asm.F7:
		return kST, uint8(r - x86asm.F0), 10
	}
	return kOther, 0, 0
}

// udUop returns a uop that raises #UD, logging the mnemonic and bytes once per mnemonic.
func (c *CPU) udUop(win []byte, n int, name string) *uop {
	if n < 1 || n > len(win) {
		n = 1
	}
	if !c.udSeen[name] && !c.quietUD {
		c.udSeen[name] = true
		c.log.Warn("unimplemented or invalid instruction: #UD", "mnemonic", name,
			"bytes", hex.EncodeToString(win[:n]), "rip", fmt.Sprintf("%#x", c.RIP))
	}
	return &uop{fn: handleUD, len: uint8(n)}
}

func handleUD(c *CPU, u *uop) *Fault { return c.ud() }

func handleNOP(c *CPU, u *uop) *Fault { return nil }

// decodeSpecial recognises the encodings x86asm gets wrong: ENDBR64/32
// and the rest of the 0F 1E hint-NOP space with a register operand, CLAC/STAC, RDRAND with
// REX.W, RDSEED, RDPID and CLWB (#UD, not XSAVEOPT).
func (c *CPU) decodeSpecial(win []byte) *uop {
	i := 0
	rex := byte(0)
	opsize, f3 := false, false
	for i < len(win) && i < 14 {
		b := win[i]
		switch b {
		case 0x66:
			opsize = true
		case 0xF3:
			f3 = true
		case 0x67, 0xF0, 0xF2, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65:
		default:
			goto opcode
		}
		rex = 0
		i++
	}
	return nil
opcode:
	if c.mode == 64 && win[i]&0xF0 == 0x40 {
		rex = win[i]
		i++
	}
	if i+2 <= len(win) && win[i] == 0xDB && (win[i+1] == 0xE0 || win[i+1] == 0xE1 || win[i+1] == 0xE4) &&
		hFNENI != nil {
		return &uop{fn: hFNENI, len: uint8(i + 2), op: opFNENI}
	}
	if i+2 <= len(win) && win[i] == 0xD9 && win[i+1]&0xF8 == 0xD8 && hFSTP1 != nil {
		return &uop{fn: hFSTP1, len: uint8(i + 2), op: opFSTP1, nargs: 1, kind: [3]uint8{kST},
			r: [3]uint8{win[i+1] & 7}, sz: [3]uint8{10}}
	}
	if i+3 > len(win) || win[i] != 0x0F {
		return nil
	}
	op2, modrm := win[i+1], win[i+2]
	n := uint8(i + 3)
	switch {
	case op2 == 0x05 && c.mode != 64 && hSYSCALL != nil:
		// SYSCALL outside 64-bit mode, which x86asm refuses: the handler decides
		// by vendor (#UD on Intel).
		return &uop{fn: hSYSCALL, len: n - 1, op: opSYSCALL}
	case op2 == 0xAE && opsize && modrm < 0xC0 && (modrm>>3)&7 == 6:
		// CLWB (66 0F AE /6), which x86asm decodes as XSAVEOPT; not implemented.
		return c.udUop(win, len(win), "CLWB")
	case op2 == 0x1E && modrm >= 0xC0:
		// ENDBR64 (F3 0F 1E FA), ENDBR32 (F3 0F 1E FB), RDSSP: hint NOPs without CET.
		return &uop{fn: handleNOP, len: n, op: opENDBR}
	case op2 == 0x01 && (modrm == 0xEE || modrm == 0xEF) && hRDPKRU != nil:
		// RDPKRU (NP 0F 01 EE) / WRPKRU (NP 0F 01 EF): a 66, F2 or F3
		// prefix makes them #UD.
		for _, b := range win[:i] {
			if b == 0x66 || b == 0xF2 || b == 0xF3 {
				return c.udUop(win, len(win), "RDPKRU/WRPKRU with a 66/F2/F3 prefix")
			}
		}
		if modrm == 0xEE {
			return &uop{fn: hRDPKRU, len: n, op: opRDPKRU}
		}
		return &uop{fn: hWRPKRU, len: n, op: opWRPKRU}
	case op2 == 0x01 && modrm == 0xCA && hCLAC != nil:
		return &uop{fn: hCLAC, len: n, op: opCLAC}
	case op2 == 0x01 && modrm == 0xCB && hSTAC != nil:
		return &uop{fn: hSTAC, len: n, op: opSTAC}
	case op2 == 0xC7 && modrm >= 0xC0 && (modrm>>3)&7 == 6 && rex&8 != 0 && hRDRAND != nil:
		return &uop{fn: hRDRAND, len: n, op: opRDRAND64, osize: 8, kind: [3]uint8{kReg},
			r: [3]uint8{modrm&7 | (rex&1)<<3}, sz: [3]uint8{8}}
	case op2 == 0xC7 && modrm >= 0xC0 && (modrm>>3)&7 == 7 && f3 && hRDPID != nil:
		// RDPID r64 (F3 0F C7 /7): x86asm decodes nothing, and without F3 this is RDSEED.
		return &uop{fn: hRDPID, len: n, op: opRDPID, osize: 8, kind: [3]uint8{kReg},
			r: [3]uint8{modrm&7 | (rex&1)<<3}, sz: [3]uint8{8}}
	case op2 == 0xC7 && modrm >= 0xC0 && (modrm>>3)&7 == 7 && hRDSEED != nil:
		sz := uint8(4)
		if rex&8 != 0 {
			sz = 8
		} else if opsize {
			sz = 2
		}
		return &uop{fn: hRDSEED, len: n, op: opRDSEED, osize: sz, kind: [3]uint8{kReg},
			r: [3]uint8{modrm&7 | (rex&1)<<3}, sz: [3]uint8{sz}}
	}
	return nil
}

// aliasEncoding rewrites into out the encodings x86asm refuses although the
// hardware runs them as another, equivalent encoding of the same length, and
// reports whether it did:
//   - F3 with REX.B before 90 executes as XCHG r8-r15, rAX (x86asm decodes PAUSE).
//   - SAL (group-2 /6 of C0, C1, D0-D3) executes as SHL (/4) (SDM Vol. 2B "SAL/SAR/SHL/SHR").
//   - The multi-byte NOP 0F 1F with REX.W or ModRM.reg 1-7, the reserved-NOP
//     space 0F 19-0F 1D, 0F 18 /4-/7, 0F 1E with a memory
//     operand and 0F 0D /0 and /2-/7 are NOPs on CPUs without the features
//     that once claimed them (SDM Vol. 2B "NOP"; AMD APM "PREFETCH"): they become
//     0F 1F /0 with the same addressing form, so x86asm still computes the length.
//   - The x87 register forms the SDM leaves out but every x87 since the 387 runs as
//     another instruction: DF D0+i/D8+i (FSTP8/9) are FSTP ST(i) (DD D8+i), DD C8+i
//     (FXCH4) is FXCH (D9 C8+i), DC D0+i (FCOM2) is FCOM (D8 D0+i), DC D8+i and DE D0+i
//     (FCOMP3/5) are FCOMP (D8 D8+i). (D9 D8+i differs: decodeSpecial.)
func (c *CPU) aliasEncoding(win, out []byte) bool {
	i := 0
	for i < len(win) && i < 14 {
		switch win[i] {
		case 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65:
			i++
			continue
		}
		break
	}
	rexAt := -1
	if c.mode == 64 && i < len(win) && win[i]&0xF0 == 0x40 {
		rexAt = i
		i++
	}
	if i+1 >= len(win) {
		return false
	}
	op := win[i]
	if op >= 0xD9 && op <= 0xDF {
		m := win[i+1]
		var to [2]byte
		switch {
		case op == 0xDF && (m&0xF8 == 0xD0 || m&0xF8 == 0xD8):
			to = [2]byte{0xDD, 0xD8 | m&7}
		case op == 0xDD && m&0xF8 == 0xC8:
			to = [2]byte{0xD9, 0xC8 | m&7}
		case op == 0xDC && m&0xF8 == 0xD0:
			to = [2]byte{0xD8, 0xD0 | m&7}
		case op == 0xDC && m&0xF8 == 0xD8, op == 0xDE && m&0xF8 == 0xD0:
			to = [2]byte{0xD8, 0xD8 | m&7}
		default:
			return false
		}
		copy(out, win)
		out[i], out[i+1] = to[0], to[1]
		return true
	}
	switch {
	case op == 0xC0 || op == 0xC1 || (op >= 0xD0 && op <= 0xD3):
		if (win[i+1]>>3)&7 != 6 {
			return false
		}
		copy(out, win)
		out[i+1] = win[i+1]&^0x38 | 4<<3
		return true
	case op == 0x90 && rexAt >= 0 && win[rexAt]&1 != 0:
		// F3 REX.B 90 is XCHG r8, rAX, not PAUSE (x86asm says PAUSE): drop one F3 and
		// write 87 C0 (the same exchange with a ModRM), keeping the length.
		f3 := slices.Index(win[:rexAt], 0xF3)
		if f3 < 0 {
			return false
		}
		n := copy(out, win[:f3])
		n += copy(out[n:], win[f3+1:i])
		out[n], out[n+1] = 0x87, 0xC0
		copy(out[n+2:], win[i+1:])
		return true
	case op != 0x0F || i+2 >= len(win):
		return false
	}
	op2, reg := win[i+1], (win[i+2]>>3)&7
	switch {
	case op2 >= 0x19 && op2 <= 0x1F, op2 == 0x18 && reg >= 4, op2 == 0x1E && win[i+2] < 0xC0,
		op2 == 0x0D && reg != 1:
		copy(out, win)
		out[i+1] = 0x1F
		out[i+2] &^= 0x38 // NOP Ev is /0; the reg field does not change the length
		if rexAt >= 0 {
			out[rexAt] &^= 8
		}
		return true
	}
	return false
}

// Disassemble returns the x86asm Intel-syntax text of the instruction in b (host tools).
func Disassemble(b []byte, mode int) (text string, n int) {
	var win [15]byte
	copy(win[:], b)
	defer func() {
		if recover() != nil {
			text, n = "(bad)", 1
		}
	}()
	// The forms x86asm gets wrong, as the CPU decodes them.
	tmp := &CPU{mode: uint8(mode), log: hclog.NewNullLogger(), udSeen: map[string]bool{}}
	if u := tmp.decodeSpecial(win[:]); u != nil {
		switch u.op {
		case opENDBR:
			return "nop (endbr/hint)", int(u.len)
		case opCLAC:
			return "clac", int(u.len)
		case opSTAC:
			return "stac", int(u.len)
		case opRDRAND64:
			return "rdrand " + gpr64Names[u.r[0]&15], int(u.len)
		case opSYSCALL:
			return "syscall", int(u.len)
		case opRDPID:
			return "rdpid " + gpr64Names[u.r[0]&15], int(u.len)
		case opRDPKRU:
			return "rdpkru", int(u.len)
		case opWRPKRU:
			return "wrpkru", int(u.len)
		case opFNENI:
			return "fnop (fneni/fndisi/fnsetpm)", int(u.len)
		case opFSTP1:
			return fmt.Sprintf("fstp1 st%d", u.r[0]), int(u.len)
		case opRDSEED:
			return fmt.Sprintf("rdseed (%d-bit) r%d", 8*u.osize, u.r[0]&15), int(u.len)
		}
		return "(bad)", 1
	}
	var alias [15]byte
	if tmp.aliasEncoding(win[:], alias[:]) {
		win = alias
	}
	inst, err := x86asm.Decode(win[:], mode)
	if err != nil || inst.Op == 0 {
		return "(bad)", 1
	}
	return x86asm.IntelSyntax(inst, 0, nil), inst.Len
}

var gpr64Names = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

// registered reports whether mnemonic name has a translator (CPUID advertises features
// by what is actually implemented).
func registered(name string) bool {
	op, ok := opByName[name]
	return ok && translators[op] != nil
}

// Implemented returns the x86asm mnemonics that have a translator, sorted, plus the forms
// decoded here (ENDBR32/64, CLAC, STAC, RDSEED, RDRAND r64): the instruction coverage.
func Implemented() []string {
	var out []string
	for name, op := range opByName {
		if translators[op] != nil {
			out = append(out, name)
		}
	}
	out = append(out, "ENDBR32", "ENDBR64", "CLAC", "STAC", "RDSEED", "RDPID", "RDPKRU", "WRPKRU")
	if hFNENI != nil {
		out = append(out, "FNENI", "FNDISI", "FNSETPM", "FSTP1")
	}
	slices.Sort(out)
	return out
}
