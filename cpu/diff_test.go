package cpu

// Differential tests: every ring-3-runnable instruction form the CPU implements runs on the host
// CPU (cpu/internal/native) and in this emulator from the same registers and memory, and
// the results must agree: all GPRs, RIP, RFLAGS (the arithmetic flags the SDM defines for
// the form, and DF), XMM0-15, MXCSR and the scratch and stack memory.
//
// How it works. Generators (diffgen_*_test.go) build one case at a time: machine code
// from the encoder in diffenc_test.go, random and edge operands, and the set of flags and
// register bits the SDM leaves undefined for that case (diffflags_test.go). Memory
// operands address a scratch region at native.Base, which the host maps at that address
// and this test maps at the same virtual address (user, 4-level paging) in a CPL-3
// long-mode test environment, where everything else is supervisor-only. The emulator runs
// the snippet first, from RIP = native.CodeAddr until RIP reaches its end; if it takes an
// exception the case is reported without running it on the host (a host fault would kill
// the test process). Otherwise the host runs it through a generated prologue and
// epilogue and the two final states are compared. Besides single instructions, "CHAIN"
// forms follow every integer form with a flag reader, so readers see pending lazy flags.
//
// What the host cannot run at CPL 3 without dying (#DE, #UD from LOCK) is checked in the
// emulator alone (TestDiffDivideError, TestDiffLockUD).
//
// Reproducing: the run prints its seed; `go test ./cpu/ -run 'TestDiff/NAME' -args -seed N`
// replays the same cases for that form (each form has its own stream derived from the
// seed and its name; a "/" in a form name is a subtest level for -run). `-args -long`
// runs ten times as many cases (`-diffcases N` sets the total); -diffv logs every
// mismatch instead of the first three per form. KPPEMU_REQUIRE_NATIVE=1 turns a host
// that cannot run snippets into a failure instead of a skip.
//
// Forms the emulator does not implement (#UD where the host executes) fail unless
// listed in diffKnownGaps (with diffStrictUnimplemented false they are only listed).
// Because the emulator runs first, a #UD case is not run on the host; every form was
// checked to run on the host when it was added (a host #UD would kill the process).

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kppemu/kppemu/cpu/internal/native"
	"github.com/kppemu/kppemu/mmu"
)

var (
	flagDiffLong  = flag.Bool("long", false, "differential tests: run 10x more cases")
	flagDiffSeed  = flag.Uint64("seed", diffDefaultSeed, "differential tests: seed")
	flagDiffV     = flag.Bool("diffv", false, "differential tests: log every mismatch")
	flagDiffCases = flag.Int("diffcases", 0, "differential tests: total cases (0: default)")
)

// diffDefaultCases is the number of cases of a plain `go test ./cpu/` run.
const diffDefaultCases = 250000

// diffDefaultSeed is the seed of a plain run.
const diffDefaultSeed = 20261123

// diffStrictUnimplemented makes unimplemented forms fail (unless listed in diffKnownGaps).
var diffStrictUnimplemented = true

// diffKnownGaps lists forms (by name) the emulator is known not to implement yet; they
// are reported but do not fail even in strict mode. Keep it short.
var diffKnownGaps = map[string]string{}

// diffReported lists forms (name patterns) whose mismatches have been reported to the
// instruction's owner (cpu/testdata/diff-findings.md) and are not fixed yet: they are
// logged loudly but do not fail, so the tree stays green while the fix is made. An entry
// none of whose forms mismatches any more is reported as STALE in the log.
var diffReported = []struct{ pattern, why string }{}

func reportedWhy(name string) string {
	if i := reportedIndex(name); i >= 0 {
		return diffReported[i].why
	}
	return ""
}

func reportedIndex(name string) int {
	for i, r := range diffReported {
		if regexp.MustCompile(r.pattern).MatchString(name) {
			return i
		}
	}
	return -1
}

// Where the shared region lives in the emulator's physical memory.
const (
	diffPT     = 0xEF0000 // page table mapping native.Base..+RegionSize
	diffFrames = 0xF00000 // physical frames of the region, in order
	diffMirPD  = 0xEE0000 // page directory and table of the scratch mirrors
	diffMirPT  = 0xEE1000
	diffFSBase = 0x00007F3A12345000 // the emulator's FS base in the differential test
)

// dcase is one generated test case.
type dcase struct {
	code   []byte
	in     native.State
	flags  uint64     // arithmetic flags whose values are defined (compared)
	ignore [16]uint64 // GPR bits whose values are undefined (not compared)
	main   int        // offset of the instruction under test in code
	mainN  int        // its length
	memOp  uint64     // address of its memory operand, or 0
	memIgn []memRange // memory whose contents are undefined or model-specific (not compared)
	bitIgn []memBits  // single bits of memory that are not compared
	x87Tol x87Tol     // x87 registers compared within a tolerance (transcendental results)
	xmmTol xmmTol     // single-precision lanes compared within a tolerance (RCP/RSQRT)
}

// memRange is a range of the shared region, as offsets from native.MemAddr.
type memRange struct{ off, n int }

// memBits is a set of bits of one byte of the snippet's memory.
type memBits struct {
	off  int
	mask byte
}

// dform is one instruction form with its generator.
type dform struct {
	name   string
	mnem   string // x86asm mnemonic of the instruction under test (encoder check)
	weight int    // relative number of cases
	cases  int    // a fixed number of cases instead (times 10 with -long)
	need   string // host CPU feature required ("", "popcnt", "lzcnt", "bmi1", "cx16", "lahf", "movbe")
	// blocks: each case runs on the emulator a second time as whole blocks (one Run of
	// the case's instruction count), which must end in the same state.
	blocks bool
	gen    func(g *dgen)
}

// diffEnv is the emulator side.
type diffEnv struct {
	e    *testEnv
	base State
	ram  []byte
	out  native.State
}

func newDiffEnv(t testing.TB) *diffEnv {
	e := newTestEnv(t, 3)
	flags := uint64(0x7) // P RW US
	e.poke64(0x3000+8*(native.Base>>21), diffPT|flags)
	// The host's context block and its prologue and epilogue are not the snippet's:
	// absent here, so a snippet that reaches them faults in the emulator and never
	// runs on the host, where it would corrupt the way back to Go.
	for i := uint64(0); i < native.RegionSize/4096; i++ {
		if a := native.Base + i*4096; a >= native.MemAddr+native.MemSize && a < native.CodeAddr || a >= native.CodeAddr+4096 {
			continue
		}
		e.poke64(diffPT+8*(native.Base>>12&511+i), (diffFrames+i*4096)|flags)
	}
	// The scratch mirrors: both lie at the same offset in their 1 GiB, so they share
	// one page directory and table.
	for _, m := range []uint64{native.Mirror32, native.Mirror64} {
		e.poke64(0x2000+8*(m>>30&511), diffMirPD|flags)
		e.poke64(diffMirPD+8*(m>>21&511), diffMirPT|flags)
		for i := uint64(0); i < native.ScratchSize/4096; i++ {
			e.poke64(diffMirPT+8*(m>>12&511+i), (diffFrames+i*4096)|flags)
		}
	}
	// Everything but the shared region is supervisor-only, so a user access outside it
	// faults in the emulator as it would on the host.
	for p := uint64(0); p < tRAM/4096; p++ {
		a := uint64(0x4000 + 8*p)
		e.poke64(a, e.read64(a)&^4)
	}
	e.m.FlushTLB()
	d := &diffEnv{e: e, ram: e.m.RAM()}
	d.base = e.c.Snapshot()
	// The host's DS, ES, FS and GS selectors (0 on Linux): MOV r/m, Sreg and PUSH FS/GS
	// read them. The bases stay 0 (FS's base on the host is never used by the snippets).
	for i, sel := range hostDataSel {
		d.base.Seg[[]int{ES, DS, FS, GS}[i]].Selector = sel
	}
	// XSAVE enabled for x87 and SSE state, as the host's kernel enables it (its XCR0 has
	// more bits; the generators never request those).
	d.base.CR4 |= CR4OSXSAVE
	d.base.XCR0 = 3
	// A FS base unlike the host's (FS-relative operands reach the region through
	// native.State.FSPatches, filled per side).
	d.base.Seg[FS].Base = diffFSBase
	e.c.Restore(d.base)
	return d
}

// emuResult is what the emulator did with a case.
type emuResult struct {
	vector int // exception vector taken, or -1
	exit   string
	rip    uint64
	steps  uint64 // instructions run
}

func (d *diffEnv) run(dc *dcase) emuResult {
	d.load(dc)
	end := uint64(native.CodeAddr + len(dc.code))
	res := emuResult{vector: -1, exit: "step limit (20000 instructions)"}
	c := d.e.c
	for i := 0; ; i++ {
		if c.RIP == end && c.CPL == 3 {
			res.exit = ""
			break
		}
		if i == 20000 {
			break
		}
		ex := c.Run(1)
		res.steps++
		if ex.Reason != ExitBudget {
			res.exit = ex.Reason.String()
			if ex.Reason == ExitShutdown {
				res.exit += ": " + ex.Diag
			}
			res.vector = d.e.vector()
			break
		}
	}
	res.rip = c.RIP
	d.collect()
	return res
}

// load sets the emulator up for case dc.
func (d *diffEnv) load(dc *dcase) {
	s := d.base
	s.GPR = dc.in.GPR
	s.RIP = native.CodeAddr
	s.RFLAGS = dc.in.RFLAGS&native.LoadFlags | 0x202
	s.XMM = dc.in.XMM
	s.MXCSR = dc.in.MXCSR
	memPhys := diffFrames + (native.MemAddr - native.Base)
	copy(d.ram[memPhys:memPhys+native.MemSize], dc.in.Mem[:])
	// The code page as the host has it: the snippet, then HLT (a #GP at CPL 3) where
	// the host has its closing JMP and fill, so running past the end faults on both.
	code := make([]byte, 4096)
	copy(code, dc.code)
	for _, p := range dc.in.FSPatches {
		binary.LittleEndian.PutUint64(code[p.Off:], p.Addr-diffFSBase)
	}
	for i := len(dc.code); i < len(code); i++ {
		code[i] = 0xF4
	}
	d.e.load(diffFrames+(native.CodeAddr-native.Base), code)
	d.e.c.Restore(s)
}

// collect copies the emulator's results into d.out.
func (d *diffEnv) collect() {
	c := d.e.c
	memPhys := diffFrames + (native.MemAddr - native.Base)
	o := &d.out
	o.GPR = c.GPR
	o.RFLAGS = c.Flags()
	o.XMM = c.XMM
	o.MXCSR = c.MXCSR
	copy(o.Mem[:], d.ram[memPhys:memPhys+native.MemSize])
}

// runBlocks runs a case that d.run completed in steps instructions again, followed by a
// JMP out of the page (which ends a block), with one c.Run(steps+1) (so whole blocks
// run, their lazy steps included), and describes how its state (but for the JMP's RIP
// and count), memory and the end of the run differ from d.run's (d.out and want). A
// case with a memory operand runs twice: from a cold TLB (restoring a state flushes
// it), and with the operand's pages already in the TLB for reads and writes, as after
// an earlier access, so that the inline steps take their TLB-hit paths.
func (d *diffEnv) runBlocks(dc *dcase, steps uint64, want State) string {
	ref := d.out
	var diffs string
	for _, warm := range []bool{false, true} {
		if warm && dc.memOp == 0 {
			break
		}
		d.load(dc)
		d.e.load(diffFrames+(native.CodeAddr-native.Base)+uint64(len(dc.code)), []byte{0xE9, 0x00, 0x10, 0x00, 0x00})
		what := "blocks"
		if warm {
			what = "blocks, warm TLB"
			c := d.e.c
			for _, a := range []uint64{dc.memOp, dc.memOp + 15} {
				for _, acc := range []mmu.Access{mmu.Read, mmu.Write} {
					c.mem.Translate(mmu.VAddr(a), acc, c.user, c.RFLAGS&FlagAC != 0)
				}
			}
		}
		if ex := d.e.c.Run(steps + 1); ex.Reason != ExitBudget {
			diffs += fmt.Sprintf("  %s: exit %v (%s)\n", what, ex.Reason, ex.Diag)
		}
		d.collect()
		got := d.e.c.Snapshot()
		if end := uint64(native.CodeAddr + len(dc.code)); got.RIP == end+5+0x1000 {
			got.RIP = end
		}
		got.Clock--
		got.Instret--
		if got != want {
			diffs += fmt.Sprintf("  %s: state differs from one instruction at a time:\n    got  %+v\n    want %+v\n", what, got, want)
		}
		if d.out.GPR != ref.GPR || d.out.RFLAGS != ref.RFLAGS || d.out.XMM != ref.XMM || d.out.MXCSR != ref.MXCSR || d.out.Mem != ref.Mem {
			diffs += "  " + what + ": registers or memory differ from one instruction at a time\n"
		}
	}
	d.out = ref
	return diffs
}

// hostFeatures are the CPUID bits the generators depend on, read by running CPUID natively.
var hostFeatures = map[string]bool{}

func probeHost() error {
	var in, out native.State
	in.MXCSR = 0x1F80
	in.GPR[RSP] = native.StackAddr + 0x800
	cpuid := func(leaf, sub uint32) (eax, ebx, ecx, edx uint32) {
		in.GPR[RAX], in.GPR[RCX] = uint64(leaf), uint64(sub)
		if err := native.Run([]byte{0x0F, 0xA2}, &in, &out); err != nil {
			panic(err)
		}
		return uint32(out.GPR[RAX]), uint32(out.GPR[RBX]), uint32(out.GPR[RCX]), uint32(out.GPR[RDX])
	}
	if err := native.Available(); err != nil {
		return err
	}
	_, vb, vc, vd := cpuid(0, 0)
	hostFeatures["amd"] = vb == 0x68747541 && vd == 0x69746E65 && vc == 0x444D4163 // AuthenticAMD
	_, _, ecx1, _ := cpuid(1, 0)
	_, ebx7, _, _ := cpuid(7, 0)
	_, _, ecx81, _ := cpuid(0x80000001, 0)
	hostFeatures[""] = true
	hostGSZero = gsBaseZero()
	// mov eax, es; mov ecx, ds; mov edx, fs; mov ebx, gs
	in.GPR[RAX], in.GPR[RCX], in.GPR[RDX], in.GPR[RBX] = 0, 0, 0, 0
	if err := native.Run([]byte{0x8C, 0xC0, 0x8C, 0xD9, 0x8C, 0xE2, 0x8C, 0xEB}, &in, &out); err != nil {
		return err
	}
	hostDataSel = [4]uint16{uint16(out.GPR[RAX]), uint16(out.GPR[RCX]), uint16(out.GPR[RDX]), uint16(out.GPR[RBX])}
	hostFeatures["cx16"] = ecx1>>13&1 != 0
	hostFeatures["popcnt"] = ecx1>>23&1 != 0
	hostFeatures["movbe"] = ecx1>>22&1 != 0
	// MXCSR_MASK (FXSAVE bytes 28-31; 0 means the default 0xFFBF) says whether DAZ exists.
	in.GPR[RBX] = native.ScratchAddr
	if err := native.Run([]byte{0x0F, 0xAE, 0x03}, &in, &out); err != nil { // fxsave [rbx]
		return err
	}
	mask := uint32(out.Mem[28]) | uint32(out.Mem[29])<<8 | uint32(out.Mem[30])<<16 | uint32(out.Mem[31])<<24
	if mask == 0 {
		mask = 0xFFBF
	}
	hostFeatures["daz"] = mask&0x40 != 0
	hostFeatures["bmi1"] = ebx7>>3&1 != 0
	hostFeatures["lzcnt"] = ecx81>>5&1 != 0
	hostFeatures["lahf"] = ecx81&1 != 0
	hostFeatures["xsave"] = ecx1>>27&1 != 0 // OSXSAVE: the host kernel enabled it
	eaxD1, _, _, _ := cpuid(0xD, 1)
	hostFeatures["xsaveopt"] = hostFeatures["xsave"] && eaxD1&1 != 0
	return nil
}

// hostDataSel are the host's ES, DS, FS and GS selectors.
var hostDataSel [4]uint16

// hostGSZero: the host's GS base is 0, so GS-override forms address the same memory.
var hostGSZero bool

// hostHas reports whether the host has feature need ("" always; others once probed).
func hostHas(need string) bool { return need == "" || hostFeatures[need] }

func needNative(t *testing.T) {
	t.Helper()
	if err := native.Available(); err != nil {
		if os.Getenv("KPPEMU_REQUIRE_NATIVE") == "1" {
			t.Fatalf("KPPEMU_REQUIRE_NATIVE=1 but: %v", err)
		}
		t.Skipf("host execution unavailable (%v); set KPPEMU_REQUIRE_NATIVE=1 to fail instead", err)
	}
	if len(hostFeatures) == 0 {
		if err := probeHost(); err != nil {
			t.Fatal(err)
		}
	}
}

// diffPristine is the initial scratch and stack memory (a fixed pattern).
var diffPristine = func() (m [native.MemSize]byte) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(m); i += 8 {
		binary.LittleEndian.PutUint64(m[i:], r.Uint64())
	}
	return
}()

// formSeed derives a form's random stream from the run seed and the form's name.
func formSeed(seed uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return seed ^ h.Sum64()
}

// newCase starts a case: random GPRs (RSP on the private stack), random arithmetic
// flags, random XMM, default MXCSR, pristine memory.
func (g *dgen) newCase() {
	c := &g.c
	c.code = c.code[:0]
	c.flags = flagsArith
	c.ignore = [16]uint64{}
	c.main, c.mainN, c.memOp = 0, 0, 0
	c.memIgn = c.memIgn[:0]
	c.bitIgn = c.bitIgn[:0]
	c.x87Tol = x87Tol{}
	c.xmmTol = xmmTol{}
	for i := range c.in.GPR {
		c.in.GPR[i] = g.val(8)
	}
	c.in.GPR[RSP] = native.StackAddr + 0x800
	c.in.RFLAGS = g.r.Uint64() & flagsArith
	for i := range c.in.XMM {
		c.in.XMM[i] = [2]uint64{g.val(8), g.val(8)}
	}
	c.in.MXCSR = 0x1F80
	c.in.Mem = diffPristine
	c.in.FSPatches = c.in.FSPatches[:0]
	g.used = 1 << RSP
	g.spFree = true
	g.mnem = ""
}

type formStats struct {
	cases, unimpl, mismatch int
	firstUnimpl             string
	examples                []string
}

func TestDiff(t *testing.T) {
	needNative(t)
	total := diffDefaultCases
	if *flagDiffCases > 0 {
		total = *flagDiffCases
	}
	if *flagDiffLong {
		total *= 10
	}
	forms := diffForms()
	weights := 0
	for _, f := range forms {
		weights += f.weight
	}
	seed := *flagDiffSeed
	defaultRun := total == diffDefaultCases && seed == diffDefaultSeed
	t.Logf("differential test: seed %d (reproduce with -args -seed %d), %d cases over %d forms", seed, seed, total, len(forms))
	d := newDiffEnv(t)
	cov := newCoverage()
	start := time.Now()
	stats := make([]formStats, len(forms))
	ran, skipped := 0, []string{}
	for fi, f := range forms {
		if !hostHas(f.need) {
			skipped = append(skipped, f.name+" (host lacks "+f.need+")")
			continue
		}
		n := total * f.weight / weights
		if f.cases > 0 {
			n = f.cases * total / diffDefaultCases
		}
		if n < 1 {
			n = 1
		}
		st := &stats[fi]
		t.Run(f.name, func(t *testing.T) {
			g := &dgen{r: rand.New(rand.NewPCG(formSeed(seed, f.name), 0x9E3779B97F4A7C15))}
			var nout native.State
			for i := 0; i < n; i++ {
				g.newCase()
				f.gen(g)
				if g.c.mainN == 0 {
					g.c.mainN = len(g.c.code)
				}
				// The emulator runs first: user code may only touch the shared region there,
				// so an exception means the host would fault too (and a fault on the host
				// kills the test process); such a case is reported without running it natively.
				res := d.run(&g.c)
				var blockDiffs string
				if f.blocks && res.vector < 0 && res.exit == "" {
					blockDiffs = d.runBlocks(&g.c, res.steps, d.e.c.Snapshot())
				}
				st.cases++
				cov.record(&g.c)
				if res.vector == VecUD && !strings.HasPrefix(res.exit, "shutdown") {
					st.unimpl++
					if st.firstUnimpl == "" {
						st.firstUnimpl = describeCode(&g.c)
					}
					continue
				}
				var diffs string
				if res.vector >= 0 || res.exit != "" {
					diffs = compareDiff(&g.c, &nout, &d.out, res) + "  (not run on the host)\n"
				} else {
					var f *native.Fault
					if err := native.Run(g.c.code, &g.c.in, &nout); errors.As(err, &f) {
						diffs = fmt.Sprintf("  host: %v; emulator: no exception\n", f)
					} else if err != nil {
						t.Fatal(err)
					} else {
						diffs = compareDiff(&g.c, &nout, &d.out, res)
					}
				}
				diffs += blockDiffs
				if diffs != "" {
					st.mismatch++
					if len(st.examples) < 3 || *flagDiffV {
						ex := fmt.Sprintf("%s\n  input: %s\n%s", describeCode(&g.c), describeInput(&g.c), diffs)
						st.examples = append(st.examples, ex)
						if why := reportedWhy(f.name); why != "" {
							t.Logf("REPORTED mismatch #%d (case %d; %s): %s", st.mismatch, i, why, ex)
						} else {
							t.Errorf("mismatch #%d (case %d): %s", st.mismatch, i, ex)
						}
					}
				}
			}
			if st.unimpl > 0 {
				msg := fmt.Sprintf("unimplemented in the emulator (#UD) in %d of %d cases, e.g. %s", st.unimpl, st.cases, st.firstUnimpl)
				if why, ok := diffKnownGaps[f.name]; ok {
					t.Logf("known gap (%s): %s", why, msg)
				} else if diffStrictUnimplemented {
					t.Error(msg)
				} else {
					t.Log(msg)
				}
			}
		})
		ran += st.cases
	}
	el := time.Since(start)
	var unimpl, bad []string
	okForms := 0
	for fi, f := range forms {
		st := stats[fi]
		switch {
		case st.mismatch > 0:
			bad = append(bad, fmt.Sprintf("%s (%d/%d)", f.name, st.mismatch, st.cases))
		case st.unimpl > 0:
			unimpl = append(unimpl, f.name)
		case st.cases > 0:
			okForms++
		}
	}
	// An entry of diffReported none of whose forms mismatches any more is stale.
	hits := make([]int, len(diffReported))
	for fi, f := range forms {
		if i := reportedIndex(f.name); i >= 0 {
			hits[i] += stats[fi].mismatch + stats[fi].unimpl
		}
	}
	allRan := true
	for fi, f := range forms {
		if stats[fi].cases == 0 && hostHas(f.need) {
			allRan = false
		}
	}
	for i, h := range hits {
		if h == 0 && defaultRun && allRan {
			// Logged, not failed: a fix may be in a working tree before it is committed.
			t.Logf("STALE diffReported entry %q (%s): no form mismatches any more; remove it", diffReported[i].pattern, diffReported[i].why)
		}
	}
	sort.Strings(unimpl)
	t.Logf("%d cases in %v (%.0f cases/s); %d forms agree, %d mismatch, %d unimplemented, %d skipped",
		ran, el.Round(time.Millisecond), float64(ran)/el.Seconds(), okForms, len(bad), len(unimpl), len(skipped))
	if len(bad) > 0 {
		t.Logf("mismatching forms:\n  %s", strings.Join(bad, "\n  "))
	}
	if len(unimpl) > 0 {
		t.Logf("unimplemented forms (%d):\n  %s", len(unimpl), strings.Join(unimpl, "\n  "))
	}
	if len(skipped) > 0 {
		t.Logf("skipped forms:\n  %s", strings.Join(skipped, "\n  "))
	}
	if n := native.Retries(); n > 0 {
		t.Logf("%d host faults went away when the case was run again (see native.Attempts)", n)
	}
	logX87Tol(t)
	cov.report(t, enumerate(t), allRan)
}

// compareDiff returns a description of every difference, or "".
func compareDiff(dc *dcase, nat, emu *native.State, res emuResult) string {
	var b strings.Builder
	end := uint64(native.CodeAddr + len(dc.code))
	if res.vector >= 0 || res.exit != "" {
		fmt.Fprintf(&b, "  emulator stopped: exit %s, vector %d (%s), RIP %#x\n", res.exit, res.vector,
			vectorName(uint8(res.vector)), res.rip)
		return b.String()
	}
	if res.rip != end {
		fmt.Fprintf(&b, "  RIP: host %#x emu %#x\n", end, res.rip)
	}
	for i := range nat.GPR {
		m := ^dc.ignore[i]
		if nat.GPR[i]&m != emu.GPR[i]&m {
			fmt.Fprintf(&b, "  %s: host %#x emu %#x (input %#x)\n", gprName(i), nat.GPR[i], emu.GPR[i], dc.in.GPR[i])
		}
	}
	fm := dc.flags&flagsArith | FlagDF
	if nat.RFLAGS&fm != emu.RFLAGS&fm {
		fmt.Fprintf(&b, "  RFLAGS: host %s emu %s (compared: %s; input %s)\n", flagStr(nat.RFLAGS&fm),
			flagStr(emu.RFLAGS&fm), flagStr(fm), flagStr(dc.in.RFLAGS&(flagsArith|FlagDF)))
	}
	dc.xmmTol.apply(nat, emu)
	for i := range nat.XMM {
		if nat.XMM[i] != emu.XMM[i] {
			fmt.Fprintf(&b, "  XMM%d: host %016x_%016x emu %016x_%016x (input %016x_%016x)\n", i,
				nat.XMM[i][1], nat.XMM[i][0], emu.XMM[i][1], emu.XMM[i][0], dc.in.XMM[i][1], dc.in.XMM[i][0])
		}
	}
	if nat.MXCSR != emu.MXCSR {
		fmt.Fprintf(&b, "  MXCSR: host %#x emu %#x\n", nat.MXCSR, emu.MXCSR)
	}
	x87Note := dc.x87Tol.apply(nat, emu)
	for _, r := range dc.memIgn {
		copy(emu.Mem[r.off:r.off+r.n], nat.Mem[r.off:r.off+r.n])
	}
	for _, r := range dc.bitIgn {
		emu.Mem[r.off] = emu.Mem[r.off]&^r.mask | nat.Mem[r.off]&r.mask
	}
	if nat.Mem != emu.Mem {
		n := 0
		for i := range nat.Mem {
			if nat.Mem[i] != emu.Mem[i] {
				if n < 8 {
					fmt.Fprintf(&b, "  mem[%#x]: host %#02x emu %#02x (input %#02x)\n", native.MemAddr+i,
						nat.Mem[i], emu.Mem[i], dc.in.Mem[i])
				}
				n++
			}
		}
		if n > 8 {
			fmt.Fprintf(&b, "  ... %d bytes differ\n", n)
		}
		b.WriteString(x87Note)
	}
	return b.String()
}

var gprNames = [16]string{"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"}

func gprName(i int) string { return gprNames[i] }

func flagStr(f uint64) string {
	var s []string
	for _, x := range []struct {
		bit  uint64
		name string
	}{{FlagCF, "CF"}, {FlagPF, "PF"}, {FlagAF, "AF"}, {FlagZF, "ZF"}, {FlagSF, "SF"}, {FlagDF, "DF"}, {FlagOF, "OF"}} {
		if f&x.bit != 0 {
			s = append(s, x.name)
		}
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, "|")
}

// describeCode disassembles a case's code.
func describeCode(dc *dcase) string {
	var parts []string
	for off := 0; off < len(dc.code); {
		txt, n := Disassemble(dc.code[off:], 64)
		if n <= 0 {
			n = 1
		}
		if off+n > len(dc.code) {
			n = len(dc.code) - off
		}
		parts = append(parts, fmt.Sprintf("%s [%s]", txt, hex.EncodeToString(dc.code[off:off+n])))
		off += n
	}
	return strings.Join(parts, "; ")
}

// describeInput lists the input registers (GPRs, flags, and XMM registers the code names).
func describeInput(dc *dcase) string {
	var b strings.Builder
	for i, v := range dc.in.GPR {
		fmt.Fprintf(&b, "%s=%#x ", gprName(i), v)
	}
	fmt.Fprintf(&b, "flags=%s mxcsr=%#x", flagStr(dc.in.RFLAGS&(flagsArith|FlagDF)), dc.in.MXCSR)
	txt := describeCode(dc)
	for i := 15; i >= 0; i-- {
		name := fmt.Sprintf("XMM%d", i)
		if regexp.MustCompile(`\b` + name + `\b`).MatchString(strings.ToUpper(txt)) {
			fmt.Fprintf(&b, " xmm%d=%016x_%016x", i, dc.in.XMM[i][1], dc.in.XMM[i][0])
		}
	}
	if a := dc.memOp; a >= native.MemAddr && a < native.MemAddr+native.MemSize-16 {
		fmt.Fprintf(&b, " mem[%#x]=% x", a, dc.in.Mem[a-native.MemAddr:a-native.MemAddr+16])
	}
	return b.String()
}

// TestDiffHarness checks the emulator-side mapping of the shared region with a store and
// a load through it (independent of which instructions are implemented beyond MOV).
func TestDiffHarness(t *testing.T) {
	d := newDiffEnv(t)
	var dc dcase
	dc.in.MXCSR = 0x1F80
	dc.in.GPR[RSP] = native.StackAddr + 0x800
	dc.in.GPR[RBX] = native.ScratchAddr + 0x1000
	dc.in.GPR[RAX] = 0x1122334455667788
	dc.code = []byte{0x48, 0x89, 0x03, 0x48, 0x8B, 0x4B, 0x04} // mov [rbx], rax; mov rcx, [rbx+4]
	dc.in.Mem = diffPristine
	res := d.run(&dc)
	if res.vector >= 0 || res.rip != native.CodeAddr+7 {
		t.Fatalf("emulator: %+v", res)
	}
	if got := binary.LittleEndian.Uint64(d.out.Mem[0x1000:]); got != 0x1122334455667788 {
		t.Fatalf("stored %#x", got)
	}
	if want := 0x11223344 | binary.LittleEndian.Uint64(diffPristine[0x1008:])<<32; d.out.GPR[RCX] != want {
		t.Fatalf("rcx=%#x want %#x", d.out.GPR[RCX], want)
	}
}
