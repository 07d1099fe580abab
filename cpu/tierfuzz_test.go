package cpu

// The execution tiers against each other. Every test here runs the same code from the
// same state on one CPU per tier and compares, after each of several runs with the same
// budgets, the whole outcome: the Run exit, the architectural state (registers, flags,
// Clock and Instret included), the port I/O and the interrupt acknowledgements, and
// after the last run all of RAM. The reference is the interpreter one instruction at a time (block
// dispatch off); the others are the interpreter's block dispatch and, where the host
// can run it, the translating tier. They are written against the Accel API only, so
// they hold whatever the translator covers: code it does not translate runs in the
// interpreter, and the outcome must not change either way.
//
// The fuzz targets (random code, self-modifying code, page-crossing instructions,
// faults at each position of a block) run their committed corpora in testdata/fuzz
// under plain `go test`, and for longer with `make fuzz-long`.

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tierSide is one tier a comparison runs.
type tierSide struct {
	name  string
	accel Accel
	step  bool // block dispatch off
	// eager: the translating tier runs a translation at its first dispatch (rather
	// than interpreting that run and committing translations in batches), so that code
	// that runs once, up to a fault say, runs translated.
	eager bool
}

var (
	jitOnce sync.Once
	jitErr  error
)

// jitAvailable reports whether this host and build run the translating tier (and if
// not, why).
func jitAvailable() error {
	jitOnce.Do(func() {
		c := New(Config{})
		jitErr = c.SetAccel(AccelJIT)
	})
	return jitErr
}

// comparedTiers are the tiers the comparisons run, the reference first.
func comparedTiers() []tierSide {
	tiers := []tierSide{{"step", AccelInterp, true, false}, {"interp", AccelInterp, false, false}}
	if jitAvailable() == nil {
		tiers = append(tiers, tierSide{"jit", AccelJIT, false, true})
	}
	return tiers
}

// TestTierPairs says which tiers the comparisons of this file run here.
func TestTierPairs(t *testing.T) {
	var names []string
	for _, s := range comparedTiers() {
		names = append(names, s.name)
	}
	if err := jitAvailable(); err != nil {
		t.Logf("comparing %s; not jit: %v", strings.Join(names, ", "), err)
	} else {
		t.Logf("comparing %s", strings.Join(names, ", "))
	}
	if len(names) < 2 {
		t.Fatalf("fewer than two tiers to compare: %v", names)
	}
}

// skipSecondPass skips a comparison of every tier in a test run whose environment
// selects the translating tier: the comparison sets each CPU's tier itself, so it is
// the same in every pass, and `make test` has run it in the interpreter's.
func skipSecondPass(t *testing.T) {
	if a, err := AccelFromEnv(); err == nil && a != AccelInterp {
		t.Skipf("%s=%v: this test compares every tier whatever the environment says; it runs with %s=interp",
			AccelEnv, a, AccelEnv)
	}
}

// tierRun is one tier's CPU and what it did.
type tierRun struct {
	side  tierSide
	e     *testEnv
	exits []Exit
}

// runTiers builds one environment per tier with build (which must build the same one
// each time), then runs each through budgets, comparing them after every run (RAM
// after the last). It stops
// early when the reference stops for good (a dead halt, a triple fault, a HLT nothing
// will wake). It fails the test on the first difference, naming the input.
func runTiers(t *testing.T, input []byte, build func() *testEnv, budgets []uint64) {
	t.Helper()
	skipSecondPass(t)
	var runs []*tierRun
	for _, side := range comparedTiers() {
		e := build()
		if err := e.c.SetAccel(side.accel); err != nil {
			t.Fatalf("tier %s: %v", side.name, err)
		}
		e.c.SetBlockDispatch(!side.step)
		e.c.jit.eager = side.eager
		runs = append(runs, &tierRun{side: side, e: e})
	}
	var hung atomic.Bool
	defer watchCPU(20*time.Second, func() {
		hung.Store(true)
		for _, r := range runs {
			r.e.c.RequestExit()
		}
	})()
	for lap, budget := range budgets {
		for _, r := range runs {
			ex := r.e.c.Run(budget)
			if ex.Reason == ExitShutdown {
				t.Fatalf("tier %s: internal error: %s\ninput % x", r.side.name, ex.Diag, input)
			}
			r.exits = append(r.exits, ex)
		}
		if hung.Load() {
			t.Fatalf("runs took more than 20 s of CPU time; input % x", input)
		}
		ref := runs[0]
		last := lap == len(budgets)-1
		switch ref.exits[lap].Reason {
		case ExitTripleFault, ExitDeadHalt, ExitHalt:
			last = true
		}
		for _, r := range runs[1:] {
			if d := diffTierRuns(ref, r, last); d != "" {
				t.Fatalf("tiers %s and %s differ after run %d (budgets %v):\n%s\ninput % x",
					r.side.name, ref.side.name, lap, budgets[:lap+1], d, input)
			}
		}
		if last {
			return
		}
	}
}

// diffTierRuns describes how r's outcome differs from ref's ("" when it does not); RAM
// is compared when withRAM is set (reading all of it is most of a comparison's cost, so
// runTiers compares it after the last run only).
func diffTierRuns(ref, r *tierRun, withRAM bool) string {
	var out []string
	a, b := ref.exits[len(ref.exits)-1], r.exits[len(r.exits)-1]
	if a.Reason != b.Reason || a.Watch != b.Watch {
		out = append(out, fmt.Sprintf("exit: %v %q | %v %q", b.Reason, b.Diag, a.Reason, a.Diag))
	}
	out = append(out, diffStates(r.e.c.Snapshot(), ref.e.c.Snapshot())...)
	ra, rb := r.e.m.RAM(), ref.e.m.RAM()
	if withRAM && !bytes.Equal(ra, rb) {
		for p := 0; p < len(ra) && len(out) < 24; p += 4096 {
			if !bytes.Equal(ra[p:p+4096], rb[p:p+4096]) {
				i := p
				for ra[i] == rb[i] {
					i++
				}
				end := min(i+8, p+4096)
				out = append(out, fmt.Sprintf("RAM at %#x: % x | % x", i, ra[i:end], rb[i:end]))
			}
		}
	}
	if !reflect.DeepEqual(r.e.bus.outs, ref.e.bus.outs) {
		out = append(out, fmt.Sprintf("port output: %v | %v", r.e.bus.outs, ref.e.bus.outs))
	}
	if r.e.intr.acks != ref.e.intr.acks {
		out = append(out, fmt.Sprintf("interrupt acknowledgements: %d | %d", r.e.intr.acks, ref.e.intr.acks))
	}
	return strings.Join(out, "\n")
}

// diffStates lists the fields (array elements by index) in which a and b differ.
func diffStates(a, b State) []string {
	var out []string
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := 0; i < va.NumField(); i++ {
		fa, fb := va.Field(i), vb.Field(i)
		if reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			continue
		}
		name := va.Type().Field(i).Name
		if fa.Kind() == reflect.Array {
			for j := 0; j < fa.Len(); j++ {
				if !reflect.DeepEqual(fa.Index(j).Interface(), fb.Index(j).Interface()) {
					elem := fmt.Sprintf("%s[%d]", name, j)
					if name == "GPR" {
						elem = gprNames[j]
					}
					out = append(out, fmt.Sprintf("%s: %#x | %#x", elem, fa.Index(j).Interface(), fb.Index(j).Interface()))
				}
			}
			continue
		}
		out = append(out, fmt.Sprintf("%s: %#v | %#v", name, fa.Interface(), fb.Interface()))
	}
	return out
}

// lapBudgets turns input bytes into run budgets: uneven, so that runs end inside
// blocks, at their edges and in the middle of fused pairs.
func lapBudgets(b []byte) []uint64 {
	budgets := []uint64{1, 7, 64, 500, 333}
	for i := range budgets {
		if i < len(b) {
			budgets[i] += uint64(b[i]) % 97
		}
	}
	return budgets
}

// FuzzTierCode: any byte stream, from any of the five starting states of
// FuzzExecuteStates (with its knobs: single-step, a pending interrupt, alignment
// checks, hardware breakpoints), runs the same in every tier. Its corpus is
// FuzzExecuteStates' (every differential instruction form and the system sequences)
// plus testdata/fuzz/FuzzTierCode.
func FuzzTierCode(f *testing.F) {
	for _, seed := range readFuzzCorpus(f, fuzzCorpusDir) {
		f.Add(seed)
	}
	f.Fuzz(tierCodeCase)
}

// Self-modifying code.
//
// The program is: patches, each an INC of one byte of the body (through RIP-relative
// addressing, or through the high alias of the same physical page, so that the write
// reaches the code through another linear address), then the body (the fuzzer's bytes),
// then a JMP back to the patches. Every lap round the loop rewrites the body before it
// runs again, and the patches sit in the block that runs the body, so a write lands in
// the block being executed, in the instruction after it, or in one that ran before.

// smcProgram builds the program of FuzzTierSMC from its input: byte 0 holds the number
// of patches (low 2 bits, plus one) and whether they go through the alias (bit 2); then
// one byte per patch, the patched offset in the body; the rest is the body.
func smcProgram(in []byte) []byte {
	if len(in) < 2 {
		return nil
	}
	n := int(in[0]&3) + 1
	alias := in[0]&4 != 0
	if len(in) < 1+n+1 {
		return nil
	}
	offs, body := in[1:1+n], in[1+n:]
	patchLen := 6
	if alias {
		patchLen = 12
	}
	bodyAt := uint64(tCode) + uint64(n*patchLen)
	var p []byte
	for i, o := range offs {
		target := bodyAt + uint64(int(o)%len(body))
		if alias {
			// mov rax, imm64 (the high alias); inc byte [rax]
			p = append(p, 0x48, 0xB8)
			p = binary.LittleEndian.AppendUint64(p, tHigh+target)
			p = append(p, 0xFE, 0x00)
		} else {
			// inc byte [rip+disp32]
			next := uint64(tCode) + uint64((i+1)*patchLen)
			p = append(p, 0xFE, 0x05)
			p = binary.LittleEndian.AppendUint32(p, uint32(target-next))
		}
	}
	p = append(p, body...)
	// jmp rel32 to the first patch
	p = append(p, 0xE9)
	return binary.LittleEndian.AppendUint32(p, uint32(-int32(len(p)+4)))
}

// FuzzTierSMC: code that rewrites itself as it runs (see smcProgram) runs the same in
// every tier, at CPL 0 with exceptions resuming one byte on.
func FuzzTierSMC(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0xB0, 0x01, 0x90, 0x90})                         // inc the imm8 of mov al, 1
	f.Add([]byte{0x05, 0x00, 0x02, 0x48, 0x83, 0xC0, 0x01, 0x90})             // through the alias: opcode and imm of add rax, 1
	f.Add([]byte{0x03, 0x00, 0x01, 0x02, 0x03, 0x90, 0x90, 0x90, 0x90})       // four patches on NOPs, which become XCHGs
	f.Add([]byte{0x01, 0x05, 0x00, 0x31, 0xC0, 0x74, 0x02, 0xEB, 0x00})       // a branch's target moves
	f.Add([]byte{0x06, 0x00, 0x04, 0xB9, 0x02, 0x00, 0x00, 0x00, 0xE2, 0xFE}) // loop count and a LOOP
	f.Fuzz(tierSMCCase)
}

// pte is the physical address of the page-table entry that maps linear address a
// (low or high alias: both go through the same page table) in a testEnv.
func pte(a uint64) uint64 { return 0x4000 + 8*(a&(tRAM-1)>>12) }

// FuzzTierPageCross: code that starts within 15 bytes of a page's end, so that
// instructions cross into the next page, which may be absent or not executable; at CPL
// 0 or 3. Byte 0: bits 0-3 how far before the boundary the code starts (1 to 16), bit
// 4 the next page absent, bit 5 the next page NX, bit 6 CPL 3, bit 7 exceptions resume
// one byte on (else they halt).
func FuzzTierPageCross(f *testing.F) {
	f.Add([]byte{0x02, 0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8, 0xF4})             // mov rax, imm64 across
	f.Add([]byte{0x13, 0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8, 0xF4})             // ... into an absent page
	f.Add([]byte{0x24, 0x90, 0x48, 0x8B, 0x84, 0x24, 0, 1, 0, 0, 0xF4})       // mov rax, [rsp+0x100] into an NX page
	f.Add([]byte{0x41, 0x66, 0x0F, 0x3A, 0x0F, 0xC1, 0x08, 0xEB, 0xF8})       // CPL 3, palignr; a jump back
	f.Add([]byte{0x81, 0xF3, 0x48, 0xA5, 0x0F, 0x05, 0xE8, 0, 0, 0, 0, 0xC3}) // rep movsq, syscall, call/ret
	f.Add([]byte{0x90, 0x74, 0x02, 0x0F, 0x0B, 0xEB, 0xFA, 0x90, 0x90, 0x90}) // resume through an absent page
	f.Fuzz(tierPageCrossCase)
}

// Faults at each position of a block.
//
// A block of instructions that each access memory once through their own base register
// (and register-only instructions between them); the base register of the Nth access
// points at a page that is absent, read-only or (at CPL 3) supervisor-only, possibly a
// few bytes before it so that the access straddles the boundary. The fault must leave
// what the instructions before it did, and nothing of the faulting one.

// faultBases are the base registers of the accesses, one per memory instruction.
var faultBases = []int{RBX, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15}

// faultForms are instruction templates: opcode bytes (after an optional REX) whose
// ModRM byte is completed with the base register ([base+disp8]) or, for register forms,
// with RAX, RCX or RDX (never a base register), and followed by tail. mem: the form
// accesses memory once (size bytes; 0: not checked); write: that access writes. A
// string form (reg strForm|index) is MOV index, base, then the opcode bytes, a string
// instruction that accesses [index] (no displacement); the fault is the string
// instruction's.
var faultForms = []struct {
	rexW  bool
	op    []byte
	reg   byte // ModRM.reg (register or /digit)
	tail  []byte
	mem   bool
	write bool
	size  uint64
}{
	{true, []byte{0x8B}, 0, nil, true, false, 8},                      // mov rax, [b+d]
	{true, []byte{0x89}, 1, nil, true, true, 8},                       // mov [b+d], rcx
	{true, []byte{0x01}, 2, nil, true, true, 8},                       // add [b+d], rdx
	{true, []byte{0x03}, 0, nil, true, false, 8},                      // add rax, [b+d]
	{false, []byte{0xC6}, 0, []byte{0x5A}, true, true, 1},             // mov byte [b+d], 0x5a
	{true, []byte{0x83}, 7, []byte{0x07}, true, false, 8},             // cmp qword [b+d], 7
	{false, []byte{0xFF}, 0, nil, true, true, 4},                      // inc dword [b+d]
	{false, []byte{0x0F, 0xB7}, 0, nil, true, false, 2},               // movzx eax, word [b+d]
	{true, []byte{0x87}, 0, nil, true, true, 8},                       // xchg [b+d], rax
	{false, []byte{0xFF}, 6, nil, true, false, 8},                     // push qword [b+d]
	{false, []byte{0x8F}, 0, nil, true, true, 8},                      // pop qword [b+d]
	{true, []byte{0x0F, 0xB1}, 1, nil, true, true, 8},                 // cmpxchg [b+d], rcx
	{true, []byte{0x0F, 0xC1}, 2, nil, true, true, 8},                 // xadd [b+d], rdx
	{false, []byte{0x0F, 0xBA}, 5, []byte{0x03}, true, true, 0},       // bts dword [b+d], 3
	{true, []byte{0x01}, 1, nil, false, false, 0},                     // add r, rcx
	{true, []byte{0x31}, 0, nil, false, false, 0},                     // xor r, rax
	{true, []byte{0x11}, 1, nil, false, false, 0},                     // adc r, rcx
	{true, []byte{0xC1}, 4, []byte{0x03}, false, false, 0},            // shl r, 3
	{true, []byte{0xF7}, 4, nil, true, false, 8},                      // mul qword [b+d]
	{true, []byte{0xD3}, 4, nil, true, true, 8},                       // shl qword [b+d], cl
	{true, []byte{0x0F, 0xA4}, 2, []byte{0x05}, true, true, 8},        // shld [b+d], rdx, 5
	{true, []byte{0x0F, 0xBC}, 0, nil, true, false, 8},                // bsf rax, [b+d]
	{true, []byte{0xF0, 0x01}, 2, nil, true, true, 8},                 // lock add [b+d], rdx
	{false, []byte{0xF0, 0x0F, 0xC1}, 1, nil, true, true, 4},          // lock xadd [b+d], ecx
	{false, []byte{0xF7}, 6, nil, true, false, 4},                     // div dword [b+d]
	{true, []byte{0xAD}, strForm | RSI, nil, true, false, 8},          // mov rsi, b; lodsq
	{false, []byte{0xAE}, strForm | RDI, nil, true, false, 1},         // mov rdi, b; scasb
	{false, []byte{0xA7}, strForm | RSI, nil, true, false, 4},         // mov rsi, b; cmpsd (and [rdi])
	{true, []byte{0xAB}, strForm | RDI, nil, true, true, 8},           // mov rdi, b; stosq
	{false, []byte{0xD9}, 7, nil, true, true, 2},                      // fnstcw [b+d] (a helper exit in the translating tier)
	{true, []byte{0x0F, 0xC3}, 1, nil, true, true, 8},                 // movnti [b+d], rcx (a helper exit)
	{false, []byte{0xD9}, 5, nil, true, false, 2},                     // fldcw [b+d] (a helper exit)
	{false, []byte{0xF3, 0x0F, 0x6F}, 0, nil, true, false, 16},        // movdqu xmm0, [b+d]
	{false, []byte{0x0F, 0x11}, 1, nil, true, true, 16},               // movups [b+d], xmm1
	{false, []byte{0xF2, 0x0F, 0x58}, 2, nil, true, false, 8},         // addsd xmm2, [b+d]
	{false, []byte{0xF2, 0x0F, 0x11}, 0, nil, true, true, 8},          // movsd [b+d], xmm0
	{true, []byte{0xF2, 0x0F, 0x2A}, 1, nil, true, false, 8},          // cvtsi2sd xmm1, qword [b+d]
	{false, []byte{0x66, 0x0F, 0x2E}, 0, nil, true, false, 8},         // ucomisd xmm0, [b+d]
	{false, []byte{0x66, 0x0F, 0xEF}, 0, nil, false, false, 0},        // pxor xmm0, xmm0-2
	{false, []byte{0xF2, 0x0F, 0x59}, 1, nil, false, false, 0},        // mulsd xmm1, xmm0-2
	{false, []byte{0x66, 0x0F, 0x7E}, 2, nil, true, true, 4},          // movd [b+d], xmm2
	{false, []byte{0xF3, 0x0F, 0x7E}, 1, nil, true, false, 8},         // movq xmm1, [b+d]
	{false, []byte{0xF7}, 3, nil, true, true, 4},                      // neg dword [b+d]
	{true, []byte{0xF7}, 2, nil, true, true, 8},                       // not qword [b+d]
	{false, []byte{0xFE}, 1, nil, true, true, 1},                      // dec byte [b+d]
	{false, []byte{0x66, 0x81}, 0, []byte{0x34, 0x12}, true, true, 2}, // add word [b+d], 0x1234
	{false, []byte{0x28}, 1, nil, true, true, 1},                      // sub byte [b+d], cl
	{false, []byte{0x66, 0x89}, 2, nil, true, true, 2},                // mov word [b+d], dx
	{true, []byte{0x0F, 0xBF}, 0, nil, true, false, 2},                // movsx rax, word [b+d]
	{true, []byte{0x0F, 0x4C}, 0, nil, true, false, 8},                // cmovl rax, [b+d]
	{true, []byte{0x0F, 0xAF}, 2, nil, true, false, 8},                // imul rdx, [b+d]
	{false, []byte{0x8A}, 1, nil, true, false, 1},                     // mov cl, [b+d]
	{true, []byte{0x11}, 0, nil, true, true, 8},                       // adc [b+d], rax
	{false, []byte{0xF0, 0xFF}, 0, nil, true, true, 4},                // lock inc dword [b+d]
	{true, []byte{0xF3, 0x0F, 0xB8}, 0, nil, true, false, 8},          // popcnt rax, [b+d]
	{false, []byte{0x00}, 4, nil, false, false, 0},                    // add r8 (AL, CL, DL), ah
}

// strForm marks a string form of faultForms.
const strForm = 0x80

// faultBlock assembles a block from (form, displacement) pairs, then a HLT. It returns
// the code and, per memory instruction, its base register, displacement and offset in
// the code.
func faultBlock(pairs []byte) (code []byte, bases []int, disps, offs []uint64) {
	for i := 0; i+1 < len(pairs) && len(bases) < len(faultBases); i += 2 {
		f := faultForms[int(pairs[i])%len(faultForms)]
		disp := pairs[i+1] & 0x38
		var rm int
		if f.mem && f.reg&strForm != 0 {
			// mov index, base (89 /r), then the string instruction.
			rm = faultBases[len(bases)]
			bases = append(bases, rm)
			code = append(code, 0x48|byte(rm>>3&1)<<2, 0x89, 0xC0|byte(rm&7)<<3|f.reg&7)
			disps = append(disps, 0)
			offs = append(offs, uint64(len(code)))
			if f.rexW {
				code = append(code, 0x48)
			}
			code = append(code, f.op...)
			continue
		}
		if f.mem {
			rm = faultBases[len(bases)]
			bases = append(bases, rm)
			disps = append(disps, uint64(disp))
			offs = append(offs, uint64(len(code)))
		} else {
			rm = int(pairs[i+1]) % 3 // RAX, RCX or RDX
		}
		op := f.op
		if op[0] == 0xF0 || op[0] == 0x66 || op[0] == 0xF2 || op[0] == 0xF3 {
			code = append(code, op[0]) // LOCK and the mandatory prefixes go before REX
			op = op[1:]
		}
		rex := byte(0)
		if f.rexW {
			rex |= 0x48
		}
		if rm >= 8 {
			rex |= 0x41
		}
		if rex != 0 {
			code = append(code, rex)
		}
		code = append(code, op...)
		if f.mem {
			code = append(code, 0x40|f.reg<<3|byte(rm&7)) // [base+disp8]
			if rm&7 == 4 {
				code = append(code, 0x24) // SIB: base R12, no index
			}
			code = append(code, disp)
		} else {
			code = append(code, 0xC0|f.reg<<3|byte(rm&7))
		}
		code = append(code, f.tail...)
	}
	return append(code, 0xF4), bases, disps, offs
}

// Fault kinds of the faulting page.
const (
	faultAbsent   = iota // not present
	faultReadOnly        // R/W=0: writes fault (at CPL 0 too: CR0.WP is on)
	faultSuper           // U/S=0: every CPL 3 access faults
	faultKinds
)

// faultPage is the page that faults.
const faultPage = tData + 0x80000

// faultEnv builds the environment of a fault-position case: the block of pairs, the
// base registers pointing at their own data pages, the one of access index fault (if
// in range) such that the access starts back bytes before faultPage.
func faultEnv(t *testing.T, pairs []byte, fault int, kind int, back uint64, cpl uint8) *testEnv {
	code, bases, disps, _ := faultBlock(pairs)
	e := newTestEnv(t, cpl)
	if cpl == 3 || kind == faultReadOnly {
		// CR0.WP makes read-only pages read-only at CPL 0 too.
		s := e.c.Snapshot()
		s.CR0 |= CR0WP
		e.c.Restore(s)
	}
	v := e.read64(pte(faultPage))
	switch kind {
	case faultAbsent:
		v &^= 1
	case faultReadOnly:
		v &^= 2
	case faultSuper:
		v &^= 4
	}
	e.poke64(pte(faultPage), v)
	e.code(code...)
	for i := range e.c.GPR {
		if i != RSP {
			e.c.GPR[i] = 0x1111*uint64(i) + 0x8000000000000001
		}
	}
	for i, r := range bases {
		e.c.GPR[r] = tData + 0x1000*uint64(i) + 0x100
		if i == fault {
			e.c.GPR[r] = faultPage - back - disps[i]
		}
	}
	return e
}

// FuzzTierFault: a block of memory instructions faulting at a chosen access (see
// faultBlock). Byte 0: the faulting access's index; byte 1: bits 0-1 the fault kind,
// bit 2 CPL 3, bits 3-5 how many bytes before the page the access starts (a straddling
// access); then (form, displacement) pairs.
func FuzzTierFault(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 8, 2, 16, 14, 0, 3, 0})
	f.Add([]byte{3, 1, 1, 0, 2, 8, 14, 1, 4, 0, 11, 8, 12, 0})
	f.Add([]byte{1, 4 | 2, 9, 0, 10, 8, 0, 0})
	f.Add([]byte{2, 0x18, 6, 0, 7, 0, 8, 0, 13, 0})
	f.Add([]byte{5, 1 | 0x28, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 15, 2, 16, 1, 17, 3})
	f.Fuzz(tierFaultCase)
}

// TestTierFaultEveryPosition: in one block of 12 memory instructions (reads, writes,
// read-modify-writes, stack pushes and pops, with register instructions between), the
// access at each position in turn faults, for each fault kind, at CPL 0 and 3, aligned
// and straddling the page boundary. Every tier must stop on the same page fault with the
// same state, and the fault must be precise: #PF at the faulting instruction with CR2
// at the access.
func TestTierFaultEveryPosition(t *testing.T) {
	faultEveryPosition(t, []byte{0, 0, 14, 0, 1, 8, 2, 16, 3, 0, 15, 1, 4, 0, 5, 8, 6, 0, 16, 2, 7, 0, 8, 0,
		9, 8, 17, 3, 10, 0, 11, 8, 12, 0, 13, 0}, 12)
}

// TestTierFaultEveryPositionALU is TestTierFaultEveryPosition with multiplies, shifts by
// CL, double shifts, bit scans, bit tests, exchanges and LOCK forms.
func TestTierFaultEveryPositionALU(t *testing.T) {
	faultEveryPosition(t, []byte{18, 0, 19, 8, 14, 0, 20, 16, 21, 0, 15, 1, 22, 8, 23, 0, 12, 8, 13, 0,
		8, 0, 17, 2, 19, 0, 22, 0}, 11)
}

// TestTierFaultEveryPositionString is TestTierFaultEveryPosition with the string
// instructions LODS, CMPS, SCAS and STOS (after the accesses through RSI and RDI as
// base registers, and CMPS, which reads [RDI] too, before the others change RDI).
func TestTierFaultEveryPositionString(t *testing.T) {
	faultEveryPosition(t, []byte{0, 0, 3, 8, 1, 0, 8, 0, 25, 0, 14, 0, 27, 0, 2, 8, 26, 0, 15, 1, 28, 0, 25, 0}, 10)
}

// TestTierFaultEveryPositionHelper is TestTierFaultEveryPosition with memory forms the
// translating tier hands to the interpreter in the middle of a block (helper exits:
// FNSTCW, MOVNTI, FLDCW) between translated ones.
func TestTierFaultEveryPositionHelper(t *testing.T) {
	faultEveryPosition(t, []byte{0, 0, 29, 8, 1, 0, 14, 0, 15, 1, 2, 8, 16, 2, 30, 0, 3, 0, 17, 3, 14, 0, 5, 8,
		6, 0, 31, 16, 7, 0, 15, 0, 8, 0}, 11)
}

// TestTierFaultEveryPositionNarrow is TestTierFaultEveryPosition with read-modify-writes
// of every size (NEG, NOT, DEC, ADD, SUB, ADC, LOCK INC), word stores, sign-extending
// and byte loads, CMOVcc and IMUL from memory, and 8-bit register arithmetic.
func TestTierFaultEveryPositionNarrow(t *testing.T) {
	faultEveryPosition(t, []byte{42, 0, 43, 8, 55, 1, 44, 0, 45, 16, 46, 0, 55, 2, 47, 8, 48, 0, 49, 8,
		50, 0, 51, 0, 52, 8, 53, 0}, 12)
}

// TestTierFaultEveryPositionSSE is TestTierFaultEveryPosition with SSE loads, stores,
// arithmetic, conversions and compares (translated, in the translating tier) between
// the integer forms.
func TestTierFaultEveryPositionSSE(t *testing.T) {
	faultEveryPosition(t, []byte{32, 0, 38, 1, 34, 8, 33, 0, 35, 8, 39, 2, 36, 0, 37, 8, 40, 0, 41, 8, 0, 0, 1, 8}, 10)
}

// faultEveryPosition runs the block of pairs (see faultBlock), of n memory
// instructions, with the access at each position faulting in turn.
func faultEveryPosition(t *testing.T, pairs []byte, n int) {
	skipSecondPass(t)
	_, bases, _, offs := faultBlock(pairs)
	if len(bases) != n {
		t.Fatalf("%d memory instructions", len(bases))
	}
	var forms []int // the form of each memory instruction
	for i := 0; i+1 < len(pairs); i += 2 {
		if f := int(pairs[i]) % len(faultForms); faultForms[f].mem {
			forms = append(forms, f)
		}
	}
	for _, cpl := range []uint8{0, 3} {
		for kind := 0; kind < faultKinds; kind++ {
			if kind == faultSuper && cpl == 0 {
				continue
			}
			for _, back := range []uint64{0, 3} {
				for fault := range bases {
					name := fmt.Sprintf("cpl%d/kind%d/back%d/access%d", cpl, kind, back, fault)
					runTiers(t, []byte(name), func() *testEnv { return faultEnv(t, pairs, fault, kind, back, cpl) }, []uint64{100})

					// Precision, checked in the reference (the others equal it).
					e := faultEnv(t, pairs, fault, kind, back, cpl)
					e.c.SetBlockDispatch(false)
					e.run(100)
					f := faultForms[forms[fault]]
					faults := !(kind == faultReadOnly && !f.write) && (back == 0 || f.size > back)
					if f.size == 0 && back != 0 {
						continue // how much of the page it touches is the CPU's choice
					}
					if !faults {
						// The block runs to its HLT, which is #GP at CPL 3.
						want := -1
						if cpl == 3 {
							want = VecGP
						}
						if v := e.vector(); v != want {
							t.Fatalf("%s: vector %d, want %d", name, v, want)
						}
						continue
					}
					if v := e.vector(); v != VecPF {
						t.Fatalf("%s: vector %d, want #PF", name, v)
					}
					if got, want := e.read64(e.c.GPR[RSP]+8), uint64(tCode)+offs[fault]; got != want {
						t.Fatalf("%s: #PF frame RIP %#x, want %#x", name, got, want)
					}
					if e.c.CR2 != faultPage-back && e.c.CR2 != faultPage {
						t.Fatalf("%s: CR2 %#x, want %#x or %#x", name, e.c.CR2, faultPage-back, faultPage)
					}
				}
			}
		}
	}
}

// The comparison itself: a register, a RAM byte, port output and the exit are each
// reported.
func TestDiffTierRuns(t *testing.T) {
	code := []byte{0x90, 0xF4}
	build := func() *tierRun {
		e := newTestEnv(t, 0)
		e.code(code...)
		return &tierRun{side: tierSide{name: "x"}, e: e, exits: []Exit{e.c.Run(10)}}
	}
	a, b := build(), build()
	if d := diffTierRuns(a, b, true); d != "" {
		t.Fatalf("equal runs differ:\n%s", d)
	}
	b.e.c.GPR[RDX]++
	b.e.load(tData+5, []byte{1})
	b.e.bus.Out(0x80, 1, 7)
	b.exits[0].Reason = ExitBudget
	d := diffTierRuns(a, b, true)
	for _, want := range []string{"exit: ", "RDX: ", "RAM at 0x200005: ", "port output: "} {
		if !strings.Contains(d, want) {
			t.Errorf("the difference does not mention %q:\n%s", want, d)
		}
	}
}

var flagWriteTierCorpus = flag.Bool("writetiercorpus", false, "regenerate cpu/testdata/fuzz/FuzzTier{SMC,PageCross,Fault}")

// TestWriteTierCorpus regenerates the committed seed corpora of FuzzTierSMC,
// FuzzTierPageCross and FuzzTierFault (only with -writetiercorpus): differential
// instruction forms as self-modified bodies and as code across a page boundary under
// each page condition, and fault blocks under each fault kind, privilege and alignment.
func TestWriteTierCorpus(t *testing.T) {
	if !*flagWriteTierCorpus {
		t.Skip("regenerates testdata/fuzz/FuzzTier*; run with -args -writetiercorpus")
	}
	forms := diffForms()
	formCode := func(i int) []byte {
		g := &dgen{r: rand.New(rand.NewPCG(formSeed(13, forms[i].name), 5))}
		g.newCase()
		forms[i].gen(g)
		return g.c.code
	}
	r := rand.New(rand.NewPCG(12, 34))
	var smc, cross, fault [][]byte
	for i := 0; i < len(forms); i += len(forms) / 96 {
		code := formCode(i)
		// Page crossing: code 1 to 16 bytes before the boundary, every page condition.
		k := byte(i%16) | byte(len(cross)%8)<<4 | byte(len(cross)/8%2)<<7
		cross = append(cross, append([]byte{k}, append(code, 0xF4)...))
		// Self-modifying: 1 to 4 patches into the form's bytes, half through the alias.
		n := len(smc) % 4
		in := []byte{byte(n) | byte(len(smc)/4%2)<<2}
		for j := 0; j <= n; j++ {
			in = append(in, byte(r.IntN(len(code))))
		}
		smc = append(smc, append(in, code...))
	}
	for kind := 0; kind < faultKinds; kind++ {
		for cpl := 0; cpl < 2; cpl++ {
			for _, back := range []byte{0, 1, 4, 7} {
				for rep := 0; rep < 3; rep++ {
					in := []byte{byte(r.IntN(13)), byte(kind) | byte(cpl)<<2 | back<<3}
					for j := 0; j < 4+r.IntN(12); j++ {
						in = append(in, byte(r.IntN(len(faultForms))), byte(r.IntN(256)))
					}
					fault = append(fault, in)
				}
			}
		}
	}
	for name, seeds := range map[string][][]byte{"FuzzTierSMC": smc, "FuzzTierPageCross": cross, "FuzzTierFault": fault} {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%04d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: %d entries", dir, len(seeds))
	}
}

// tierCodeCase is one input of the fuzz target of that name.
func tierCodeCase(t *testing.T, code []byte) {
	if len(code) == 0 || len(code) > 4096 {
		return
	}
	runTiers(t, code, func() *testEnv { return fuzzEnv(t, code) }, lapBudgets(code))
}

// tierSMCCase is one input of the fuzz target of that name.
func tierSMCCase(t *testing.T, in []byte) {
	prog := smcProgram(in)
	if prog == nil || len(prog) > 4096 {
		return
	}
	runTiers(t, in, func() *testEnv {
		e := newTestEnv(t, 0)
		fuzzResumingStubs(e)
		e.code(prog...)
		e.c.GPR[RCX] = 7
		return e
	}, lapBudgets(in[1:]))
}

// tierPageCrossCase is one input of the fuzz target of that name.
func tierPageCrossCase(t *testing.T, in []byte) {
	if len(in) < 2 || len(in) > 256 {
		return
	}
	k, code := in[0], in[1:]
	start := uint64(tCode) + 0x1000 - uint64(k&15) - 1
	next := uint64(tCode) + 0x1000
	runTiers(t, in, func() *testEnv {
		cpl := uint8(0)
		if k&0x40 != 0 {
			cpl = 3
		}
		e := newTestEnv(t, cpl)
		if k&0x80 != 0 {
			fuzzResumingStubs(e)
		}
		e.load(start, code)
		v := e.read64(pte(next))
		if k&0x10 != 0 {
			v &^= 1
		}
		if k&0x20 != 0 {
			v |= 1 << 63
		}
		e.poke64(pte(next), v)
		e.c.RIP = start
		for i := range e.c.GPR {
			if i != RSP {
				e.c.GPR[i] = tData + 0x1000*uint64(i)
			}
		}
		e.c.GPR[RCX] = 3
		return e
	}, lapBudgets(code))
}

// tierFaultCase is one input of the fuzz target of that name.
func tierFaultCase(t *testing.T, in []byte) {
	if len(in) < 4 || len(in) > 64 {
		return
	}
	pairs := in[2:]
	_, bases, _, _ := faultBlock(pairs)
	kind := int(in[1]&3) % faultKinds
	cpl := uint8(0)
	if in[1]&4 != 0 {
		cpl = 3
	}
	back := uint64(in[1] >> 3 & 7)
	fault := int(in[0]) % (len(bases) + 1) // len(bases): no access faults
	runTiers(t, in, func() *testEnv {
		return faultEnv(t, pairs, fault, kind, back, cpl)
	}, []uint64{uint64(len(bases)) + 40})
}

var flagTierRandom = flag.Duration("tierrandom", 0, "run TestTierRandom for this long")

// TestTierRandom (only with -tierrandom DURATION) mutates the committed corpora of the
// four FuzzTier targets at random (bytes flipped, inserted, deleted; a fixed seed, so a
// failure repeats) and runs each mutant through its target until the time is up: a
// quick hunt for differences between the tiers without the fuzzing engine's coverage
// pass over every corpus entry first.
func TestTierRandom(t *testing.T) {
	if *flagTierRandom <= 0 {
		t.Skip("a long random hunt; run with -args -tierrandom 60s")
	}
	skipSecondPass(t)
	targets := []struct {
		name string
		run  func(*testing.T, []byte)
	}{
		{"FuzzTierSMC", tierSMCCase}, {"FuzzTierPageCross", tierPageCrossCase},
		{"FuzzTierFault", tierFaultCase}, {"FuzzTierCode", tierCodeCase},
	}
	corpora := make([][][]byte, len(targets))
	for i, tg := range targets {
		dir := filepath.Join("testdata", "fuzz", tg.name)
		if tg.name == "FuzzTierCode" {
			dir = fuzzCorpusDir
		}
		corpora[i] = readFuzzCorpus(t, dir)
		if len(corpora[i]) == 0 {
			t.Fatalf("no corpus in %s", dir)
		}
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	seed := r.Uint64()
	t.Logf("seed %#x", seed)
	r = rand.New(rand.NewPCG(seed, 2))
	end := time.Now().Add(*flagTierRandom)
	n := 0
	for ; time.Now().Before(end); n++ {
		i := r.IntN(len(targets))
		in := bytes.Clone(corpora[i][r.IntN(len(corpora[i]))])
		for m := 1 + r.IntN(4); m > 0 && len(in) > 0; m-- {
			at := r.IntN(len(in))
			switch r.IntN(3) {
			case 0:
				in[at] = byte(r.Uint32())
			case 1:
				in = append(in[:at], append([]byte{byte(r.Uint32())}, in[at:]...)...)
			default:
				in = append(in[:at], in[at+1:]...)
			}
		}
		targets[i].run(t, in)
		if t.Failed() {
			t.Fatalf("%s input %q", targets[i].name, in)
		}
	}
	t.Logf("%d mutants", n)
}
