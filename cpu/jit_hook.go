package cpu

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/kppemu/kppemu/cpu/jit"
	"github.com/kppemu/kppemu/mmu"
)

// The translating tier (AccelJIT).
//
// A decoded block (block.go) is translated to amd64 code the first time the run loop
// dispatches it with the tier on, and the interpreter runs it that time: the code is
// only staged in the arena (jit.Buffer), and the next dispatch of any staged block
// commits everything staged since (one mprotect for the batch) before it runs. Chain
// links and jump-cache entries are only made to translations about to run, so
// committed code never reaches staged code. The translation hangs off the block, so it lives and
// dies with it: a write to the block's page, a mode change or a decode-cache flush
// drops the block and with it the translation. The generated code reads and writes the
// guest registers, RIP and RFLAGS in the CPU struct directly, probes the MMU's TLB
// inline for memory operands, and returns to Go (jitDispatch) with an exit code:
//
//   - jitExitEnd: the block ran to its end; RIP is the next instruction's.
//   - jitExitSlow: an instruction needs the interpreter (a TLB miss, a page-crossing,
//     MMIO or code-page access, a non-canonical address, ...): nothing of it has
//     happened; RIP points at it and it runs through execOne, which takes the fault,
//     fills the TLB, invalidates code or ends the slice exactly as the interpreter
//     does.
//
// Instruction counting is exact: a translation runs only when the whole block fits
// the budget (else the interpreter steps), and an exit in the middle gives back the
// instructions that did not run. Clock and Instret advance by what ran. Generated code
// never reads the lazy flags: they are materialised into RFLAGS before it runs, and it
// leaves RFLAGS complete. Guest code that sets pending work can only do so through an
// instruction the translator leaves to the interpreter.
//
// The tier steps aside (the interpreter runs) outside 64-bit mode and while anything
// watches individual instructions or accesses: host breakpoints, watchpoints, debug
// registers and alignment checking (all of which force the checking paths).

// Exit codes of generated code.
const (
	jitExitEnd  = 0
	jitExitSlow = 1
	// jitExitHelper: the instruction at RIP runs through the interpreter (execOne, as
	// for jitExitSlow), and when it leaves nothing for the run loop to do (no fault, no
	// jump, nothing pending, the same mode and code) generated code goes on after it at
	// jitState.resume, with RIP at jitState.resumeRIP.
	jitExitHelper = 2
)

// jitArenaSize is the code arena of one processor; when it is full every translation
// is dropped and translation starts over.
const jitArenaSize = 32 << 20

// jitState is the translating tier's part of the CPU. The fields up to flagSlot are read
// and written by generated code (at fixed offsets from the CPU pointer).
type jitState struct {
	tlbX     uintptr // TLB array for instruction fetches
	flagSlot uint64  // the guest's arithmetic flags while generated code runs
	jcBase   uintptr // &jcache[0]
	tlbR     uintptr // TLB array for data reads
	tlbW     uintptr // TLB array for data writes
	pkR      uint32  // protection keys that deny reads (mmu.MMU.PKDeny)
	pkW      uint32  // protection keys that deny writes
	// A helper exit's way back: the code after the instruction, and its RIP.
	resume    uintptr
	resumeRIP uint64
	// entryBudget is the budget of the last entry into generated code (RDTSC counts
	// the instructions run since from it).
	entryBudget uint64
	// The TLB arrays of CPL 0 and CPL 3 (RFLAGS.AC clear), which SYSCALL and SYSRET
	// switch to.
	tlbSup, tlbUsr jitTLBSet
	// What the system instructions of jit_xlate_sysreg.go read: the MMU's TLB arrays,
	// the span of its large pages and its victim flag (for INVLPG), the port bus's map
	// (0: none), and the CPUID results the interpreter computed.
	tlbBase, largeSpan, victims, portMap uintptr
	cpuids                               [jitCPUIDSets]jitCPUID

	buf   *jit.Buffer
	asm   jit.Asm
	x     xlator
	arena []jitBlock // translations are handed out from chunks, like blocks

	// jcache maps linear addresses to the checked entry of their translation, for
	// returns and indirect jumps (filled on every dispatch from Go).
	jcache []jitJC
	jcPage []*codePage // the code page behind each entry, kept alive for its checked entry

	// Chaining: a block that ends with a jump to a known target returns the address of
	// the jump's rel32 field (a site) the first time; the next dispatch, if it is of
	// the target with nothing run in between, links the site to the target's code.
	sites       map[uintptr]jitSite // unlinked slots by address
	slots       [][]uintptr         // chunks of link slots (generated code holds their addresses)
	slotFree    []uintptr
	linkSite    uintptr
	linkRIP     uint64
	linkInstret uint64
	keep        []*codePage // code pages whose generation linked code reads

	// eager (tests): a translation is committed and runs at its first dispatch, so that
	// code that runs once (a fault at its first run, say) runs translated.
	eager bool

	prof *JITProfile // when not nil, counts what the interpreter runs (jit_profile.go)

	// Counters for tests and profiles.
	translated, untranslatable, entries, slowExits, links, ran, commits, helpers, resumes uint64
}

// jitJC is a jump-cache entry (generated code reads lin at +0 and entry at +8).
type jitJC struct {
	lin   uint64
	entry uintptr
}

// jitJCSize is the number of jump-cache entries (a power of two).
const jitJCSize = 4096

// jcEmpty marks a free jump-cache slot: a non-canonical address, which generated code
// never looks up (a target is canonical before the lookup), where 0 would match a jump
// to address 0 and enter code at address 0 of the host.
const jcEmpty = 1 << 63

// jitClearJC empties the jump cache.
func (c *CPU) jitClearJC() {
	for i := range c.jit.jcache {
		c.jit.jcache[i] = jitJC{lin: jcEmpty}
	}
}

// jcIndex is the jump-cache slot of linear address lin (generated code hashes alike).
func jcIndex(lin uint64) uint64 { return (lin ^ lin>>12) & (jitJCSize - 1) }

// jitSite is a chain jump's slot not linked yet.
type jitSite struct {
	slot *uintptr
	from uint64 // linear page of the block it ends
}

// jitBlock is the translation of a block.
type jitBlock struct {
	entry  uintptr   // code address; 0: nothing at the start of the block is translated
	xentry uintptr   // checked entry for chains from another page
	page   *codePage // the code page the block was translated from
	epoch  uint64    // arena epoch of entry
	lin    uint64    // linear address the block was translated at (RIP-relative operands and branch targets depend on it)
	cnt    uint64    // guest instructions the code runs to its end
	in     []jitIn   // chain slots linked to this translation
}

// jitIn is a chain slot linked to a translation, with the stub it jumped to before.
type jitIn struct {
	slot *uintptr
	stub uintptr
	from uint64
}

// jitUnlink makes translation x unreachable from other generated code, for a block
// that is dropped while its page's generation stays (codePage.drop): the chain slots
// linked to it go back to their stubs, which ask Go to link them again, and its
// jump-cache entry is emptied. Only dispatch from Go (jitDispatch) reached it besides,
// through the block.
func (c *CPU) jitUnlink(x *jitBlock) {
	if x == nil || c.jit.buf == nil || x.epoch != c.jit.buf.Epoch() {
		return // the arena was reset since: nothing links to it
	}
	for _, in := range x.in {
		*in.slot = in.stub
		c.jit.sites[uintptr(unsafe.Pointer(in.slot))] = jitSite{slot: in.slot, from: in.from}
	}
	x.in = nil
	if jc := jcIndex(x.lin); x.xentry != 0 && c.jit.jcache[jc].entry == x.xentry {
		c.jit.jcache[jc] = jitJC{lin: jcEmpty}
		c.jit.jcPage[jc] = nil
	}
}

// enableJIT prepares the translating tier for SetAccel(AccelJIT).
func (c *CPU) enableJIT() error {
	if c.jit.buf != nil {
		return nil
	}
	buf, err := jit.NewBuffer(jitArenaSize)
	if err != nil {
		return err
	}
	c.jit.buf = buf
	c.jit.sites = make(map[uintptr]jitSite)
	c.jit.jcache = make([]jitJC, jitJCSize)
	c.jitClearJC()
	c.jit.jcPage = make([]*codePage, jitJCSize)
	c.jit.jcBase = uintptr(unsafe.Pointer(&c.jit.jcache[0]))
	if c.mem != nil {
		c.jit.tlbBase = uintptr(c.mem.TLBBase())
		c.jit.largeSpan = uintptr(c.mem.LargeSpan())
		c.jit.victims = uintptr(c.mem.VictimFlag())
	}
	if pm, ok := c.cfg.IO.(jitPorts); ok {
		c.jit.portMap = uintptr(unsafe.Pointer(pm.PortMap()))
	}
	c.jitClearCPUIDs()
	// The arena is unmapped when the CPU is garbage.
	runtime.AddCleanup(c, func(b *jit.Buffer) { b.Free() }, buf)
	return nil
}

// disableJIT releases what enableJIT prepared (SetAccel(AccelInterp)). Translations
// still attached to blocks become stale through the arena's epoch.
func (c *CPU) disableJIT() {
	if c.jit.buf != nil {
		c.jitReset()
	}
}

// jitDispatch runs the translation of block b (at RIP) with budget n instead of
// interpreting it and returns the budget left; false when b has no translation that
// fits, and the interpreter runs it.
func (c *CPU) jitDispatch(b *block, n uint64) (uint64, bool) {
	if c.accel != AccelJIT || !c.long || c.memSlow || len(c.bpPages) != 0 || c.jit.buf == nil {
		if c.jit.prof != nil {
			return c.jitProfRun(b, n, MissTierOff), true
		}
		return n, false
	}
	x := b.jit
	fresh := false
	if x == nil && !b.jitSeen && !c.jit.eager {
		// A block's first dispatch runs it in the interpreter: code that runs once
		// (a stub written, called and put back) is never translated.
		b.jitSeen = true
		k := min(n, b.cnt)
		if c.jit.prof != nil {
			return n - (k - c.jitProfRun(b, k, MissStaged)), true
		}
		return n - (k - c.runBlock(b, k)), true
	}
	if x == nil || x.epoch != c.jit.buf.Epoch() || x.lin != c.RIP {
		// A translation for another linear address: nothing may reach it once the
		// block holds the new one (a drop of the block finds only that).
		c.jitUnlink(x)
		x = c.jitTranslate(b)
		b.jit = x
		fresh = true
	}
	if x.entry == 0 || fresh && !c.jit.eager {
		// Nothing to translate at the start of this block, or its translation was just
		// staged: the interpreter runs this block, and only this block (its budget ends
		// with the block), so that the next one is dispatched here again.
		if x.entry == 0 && jitMissHook != nil {
			jitMissHook(&b.ops[0].u)
		}
		k := min(n, b.cnt)
		if p := c.jit.prof; p != nil {
			r := MissStaged
			if x.entry == 0 {
				r = MissUntranslated
				if _, short := p.shorts[c.RIP]; short {
					r = MissShort
				}
			}
			return n - (k - c.jitProfRun(b, k, r)), true
		}
		if x.entry == 0 {
			// Nothing to translate: the interpreter goes on by itself from this block to
			// the ones after it that have nothing translated either (jitStays).
			return c.runBlock(b, n), true
		}
		return n - (k - c.runBlock(b, k)), true
	}
	if x.cnt > n {
		if c.jit.prof != nil {
			return c.jitProfRun(b, n, MissBudget), true
		}
		return n, false
	}
	if !c.jit.buf.Executable(x.entry) {
		// A staged translation runs for the second time: everything staged since the
		// last commit becomes executable at once (one protection change for all).
		c.jit.commits++
		if err := c.jit.buf.Commit(); err != nil {
			c.log.Error("jit: committing code", "err", err)
			c.jitReset()
			return n, false
		}
	}
	c.materialize()
	ac := c.RFLAGS&FlagAC != 0
	c.jit.pkR, c.jit.pkW = c.mem.PKDeny()
	c.jit.tlbR = uintptr(c.mem.TLBTable(mmu.Read, c.user, ac))
	c.jit.tlbW = uintptr(c.mem.TLBTable(mmu.Write, c.user, ac))
	c.jit.tlbX = uintptr(c.mem.TLBExecTable(c.user))
	c.jit.tlbSup = jitTLBSet{uintptr(c.mem.TLBTable(mmu.Read, false, false)), uintptr(c.mem.TLBTable(mmu.Write, false, false)),
		uintptr(c.mem.TLBExecTable(false))}
	c.jit.tlbUsr = jitTLBSet{uintptr(c.mem.TLBTable(mmu.Read, true, false)), uintptr(c.mem.TLBTable(mmu.Write, true, false)),
		uintptr(c.mem.TLBExecTable(true))}
	var regs [4]uintptr // the registers the trampoline can preset: generated code presets none
	if c.jit.linkSite != 0 {
		c.jitLink(x)
	}
	c.jit.entries++
	jc := jcIndex(c.RIP)
	c.jit.jcache[jc] = jitJC{lin: c.RIP, entry: x.xentry}
	c.jit.jcPage[jc] = x.page
	c.jit.flagSlot = c.RFLAGS
	entry := x.entry
	var exit uint64
	for {
		var rest uint64
		c.jit.entryBudget = n
		exit, rest = jit.Enter(entry, uintptr(unsafe.Pointer(c)), n, &regs)
		c.RFLAGS = c.RFLAGS&^flagsArith | c.jit.flagSlot&flagsArith
		ran := n - rest
		c.jit.ran += ran
		c.Clock += ran
		c.Instret += ran
		n = rest
		if exit != jitExitHelper {
			break
		}
		if entry = c.jitHelper(); entry == 0 {
			return n - 1, true
		}
		n--
	}
	switch {
	case exit == jitExitSlow:
		if n > 0 {
			c.jit.slowExits++
			n--
			if c.jit.prof != nil {
				c.jitProfOne()
			} else {
				c.execOne()
			}
		}
	case exit > jitExitSlow:
		c.jit.linkSite, c.jit.linkRIP, c.jit.linkInstret = uintptr(exit), c.RIP, c.Instret
	}
	return n, true
}

// jitStays reports whether block b, starting at rip, would run in the interpreter if
// it were dispatched now: its translation is current and has nothing at its start (and
// no profile is taken, which counts every dispatch). The interpreter's block loop then
// goes on with it itself, as jitDispatch would have it run it.
func (c *CPU) jitStays(b *block, rip uint64) bool {
	x := b.jit
	return x != nil && x.entry == 0 && x.lin == rip && c.jit.prof == nil && c.jit.buf != nil &&
		x.epoch == c.jit.buf.Epoch()
}

// jitHelper runs the instruction of a helper exit (at RIP; the budget covers it) and
// returns where generated code goes on after it, or 0 when the run loop must take
// over: the instruction faulted or jumped, made work pending (an interrupt, a code
// write, a paging, mode or privilege change: see resync), or switched on what the tier
// stands aside for. These are the interpreter's own conditions for going on with a
// block (runChain); the translation's other inputs, the TLB arrays and protection-key
// masks, are read again when the instruction may have changed them.
func (c *CPU) jitHelper() uintptr {
	c.jit.helpers++
	resume, next := c.jit.resume, c.jit.resumeRIP
	user, ac := c.user, c.RFLAGS&FlagAC
	rip := c.RIP
	c.execOne()
	if p := c.jit.prof; p != nil {
		p.add(c.uopAt(rip), MissHelper, 1) // the fetch made its page the current one
	}
	if atomic.LoadUint32(&c.pending) != 0 || c.RIP != next || !c.long || c.memSlow || len(c.bpPages) != 0 {
		return 0
	}
	c.materialize()
	c.jit.flagSlot = c.RFLAGS
	if c.user != user || c.RFLAGS&FlagAC != ac {
		acOn := c.RFLAGS&FlagAC != 0
		c.jit.tlbR = uintptr(c.mem.TLBTable(mmu.Read, c.user, acOn))
		c.jit.tlbW = uintptr(c.mem.TLBTable(mmu.Write, c.user, acOn))
		c.jit.tlbX = uintptr(c.mem.TLBExecTable(c.user))
	}
	c.jit.pkR, c.jit.pkW = c.mem.PKDeny()
	c.jit.resumes++
	return resume
}

// uopAt returns the decoded instruction at rip in the current code page, or nil.
func (c *CPU) uopAt(rip uint64) *uop {
	if pg := c.icPage; pg != nil && (rip+c.icBase)&^0xFFF == c.icLin {
		if v := pg.u[rip&0xFFF]; v != nil && v.gen == pg.gen {
			return v
		}
	}
	return nil
}

// jitLink links the chain site that the last exit asked for to translation x, when x is
// what that jump reaches: the dispatch is of the site's target and nothing ran since.
func (c *CPU) jitLink(x *jitBlock) {
	site := c.jit.linkSite
	c.jit.linkSite = 0
	if c.jit.linkRIP != c.RIP || c.jit.linkInstret != c.Instret {
		return
	}
	s, ok := c.jit.sites[site]
	if !ok {
		return
	}
	target := x.entry
	if s.from != c.RIP&^0xFFF {
		target = x.xentry
		c.jit.keep = append(c.jit.keep, x.page)
	}
	x.in = append(x.in, jitIn{slot: s.slot, stub: *s.slot, from: s.from})
	*s.slot = target
	delete(c.jit.sites, site)
	c.jit.links++
}

// jitMissHook, when set (diagnostics), sees every instruction that the interpreter
// runs because the translator left it alone.
var jitMissHook func(u *uop)

// JITStats counts what the translating tier did (for profiles and tests).
type JITStats struct {
	Translated     uint64 // blocks translated
	Untranslatable uint64 // blocks whose first instruction is left to the interpreter
	Entries        uint64 // entries into generated code from Go
	SlowExits      uint64 // instructions handed to the interpreter by generated code
	Links          uint64 // jumps between blocks linked
	Ran            uint64 // instructions run by generated code
	Commits        uint64 // batches of staged code made executable
	Helpers        uint64 // helper exits (instructions generated code hands to the interpreter)
	Resumes        uint64 // helper exits after which generated code went on
	Protects       uint64 // protection changes of the code arena (mprotect calls)
	CodeBytes      int    // bytes of code in the arena
}

// JITStats returns the translating tier's counters.
func (c *CPU) JITStats() JITStats {
	j := &c.jit
	s := JITStats{Translated: j.translated, Untranslatable: j.untranslatable, Entries: j.entries,
		SlowExits: j.slowExits, Links: j.links, Ran: j.ran, Commits: j.commits,
		Helpers: j.helpers, Resumes: j.resumes}
	if j.buf != nil {
		s.CodeBytes = j.buf.Used()
		s.Protects = j.buf.Protects()
	}
	return s
}

// jitProfRun runs block b in the interpreter as the run loop would (runBlock), counting
// what ran for the profile.
func (c *CPU) jitProfRun(b *block, n uint64, r JITMissReason) uint64 {
	p := c.jit.prof
	stop := -1
	if r == MissShort {
		// The translation in front of the stop instruction is too short: that one is the
		// untranslated instruction.
		stop = int(p.shorts[c.RIP])
	}
	start := c.Instret
	rest := c.runBlock(b, n)
	p.block(b, r, c.Instret-start, stop)
	return rest
}

// jitProfOne runs the instruction at RIP, which generated code left to the interpreter,
// through execOne and counts it for the profile.
func (c *CPU) jitProfOne() {
	p := c.jit.prof
	rip := c.RIP
	r := MissSlowPath
	if p.stops[rip] {
		r = MissUntranslated
	}
	c.execOne()
	var u *uop
	if pg := c.icPage; pg != nil {
		if v := pg.u[rip&0xFFF]; v != nil && v.gen == pg.gen {
			u = v
		}
	}
	p.add(u, r, 1)
}
