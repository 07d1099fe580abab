package cpu

// FuzzExecuteStates: any byte stream executed from one of three starting states, for a
// bounded budget, ends in an architectural outcome (an Exit reason, possibly after
// exceptions, halts or a triple fault), never a Go panic (ExitShutdown) or a hang.
//
// The starting state is chosen by len(code) % 5: 64-bit long mode at CPL 0 with 4-level
// paging, the same at CPL 3, 32-bit protected mode without paging (the Multiboot entry
// state), compatibility mode at CPL 3 (a 32-bit code segment under long mode), or
// real-address mode with 16-bit code (every interrupt vector resuming one byte on).
// General registers point into mapped data so memory operands mostly succeed.
//
// It is the CPU's one fuzz target (it covers the CPL 0 and CPL 3 long-mode runs a
// separate target used to make). The seed corpus is committed in
// testdata/fuzz/FuzzExecute and is generated
// by `go test ./cpu/ -run TestWriteFuzzCorpus -args -writecorpus`: instructions of every
// differential form plus hand-written system sequences. Plain `go test` runs every corpus
// entry through this target too.

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kppemu/kppemu/internal/cputime"
)

const fuzzCorpusDir = "testdata/fuzz/FuzzExecute"

var flagWriteCorpus = flag.Bool("writecorpus", false, "regenerate cpu/testdata/fuzz/FuzzExecute")

func FuzzExecuteStates(f *testing.F) {
	for _, seed := range readFuzzCorpus(f, fuzzCorpusDir) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code []byte) { fuzzRun(t, code) })
}

// watchCPU calls stop once the calling goroutine has used more than limit
// of CPU time (it stays locked to its OS thread until the returned function
// is called, on the same goroutine): the hang guard of a fuzz run, counted
// in CPU time, which a loaded host does not stretch as it stretches wall
// time.
func watchCPU(limit time.Duration, stop func()) (end func()) {
	runtime.LockOSThread()
	endGuard := cputime.Guard(cputime.CurrentThread(), limit, stop)
	return func() {
		endGuard()
		runtime.UnlockOSThread()
	}
}

// fuzzStates is the number of starting states.
const fuzzStates = 5

// fuzzRun executes code from the state selected by len(code)%fuzzStates.
func fuzzRun(t *testing.T, code []byte) {
	if len(code) == 0 || len(code) > 4096 {
		return
	}
	e := fuzzEnv(t, code)
	var hung atomic.Bool
	c := e.c
	defer watchCPU(10*time.Second, func() { hung.Store(true); c.RequestExit() })()
	for lap := 0; lap < 4; lap++ {
		ex := c.Run(500)
		if hung.Load() {
			t.Fatalf("run took more than 10 s of CPU time (RIP %#x) for code % x", c.RIP, code)
		}
		switch ex.Reason {
		case ExitShutdown:
			t.Fatalf("internal error: %s\ncode % x", ex.Diag, code)
		case ExitTripleFault, ExitDeadHalt:
			return
		case ExitHalt:
			// HLT with interrupts enabled: nothing will wake it here.
			return
		}
	}
}

// fuzzEnv builds the CPU and memory fuzzRun starts code (1 to 4096 bytes) from: the
// state len(code)%fuzzStates selects, the code loaded, registers pointing into data,
// fuzzKnobs applied.
func fuzzEnv(t *testing.T, code []byte) *testEnv {
	var e *testEnv
	switch len(code) % fuzzStates {
	case 0:
		e = newTestEnv(t, 0)
	case 1:
		e = newTestEnv(t, 3)
	case 2:
		e = newTestEnv32(t)
	case 4:
		e = newTestEnvReal(t)
		// Every vector: push bp; mov bp, sp; inc word [bp+2]; pop bp; iret.
		e.load(tRealStub, []byte{0x55, 0x89, 0xE5, 0xFF, 0x46, 0x02, 0x5D, 0xCF})
	default:
		e = newTestEnv(t, 3)
		s := e.c.Snapshot()
		s.Seg[CS] = segFromDesc(selUCode32|3, descUCode32)
		e.c.Restore(s)
	}
	if st := len(code) % fuzzStates; st != 2 && st != 4 {
		fuzzResumingStubs(e)
	}
	e.code(code...)
	if len(code)%fuzzStates == 4 {
		e.c.RIP = tRealIP
	}
	for i := range e.c.GPR {
		if i != RSP {
			e.c.GPR[i] = tData + 0x1000*uint64(i)
		}
	}
	e.c.GPR[RCX] = 7 // keeps REP and LOOP short
	for i := range e.c.XMM {
		e.c.XMM[i] = [2]uint64{0x3FF0000000000000 + uint64(i), 0x7FF8000000000000 - uint64(i)}
	}
	fuzzKnobs(e, code)
	return e
}

// fuzzResumingStubs rewrites the long-mode exception stubs to resume one byte after the
// faulting RIP (add rsp, 8 for vectors with an error code; inc qword [rsp]; iretq), so a
// fault does not end the run: execution continues mid-instruction, through more decoder
// paths, until the budget runs out or delivery itself fails.
func fuzzResumingStubs(e *testEnv) {
	for v := 0; v < 256; v++ {
		var stub []byte
		if v < 32 && hasErrorCode(uint8(v)) {
			stub = append(stub, 0x48, 0x83, 0xC4, 0x08)
		}
		stub = append(stub, 0x48, 0xFF, 0x04, 0x24, 0x48, 0xCF)
		e.load(tStubs+16*uint64(v), stub)
	}
}

// fuzzKnobs varies the starting state with the last byte of longer inputs: single-step
// (TF), a pending external interrupt with IF=1, a misaligned stack, alignment checking
// (AC with CR0.AM), and a hardware execution breakpoint and data watchpoint (DR0/DR1, DR7).
func fuzzKnobs(e *testEnv, code []byte) {
	if len(code) < 16 {
		return
	}
	k := code[len(code)-1]
	s := e.c.Snapshot()
	if k&1 != 0 {
		s.RFLAGS |= FlagTF
	}
	if k&2 != 0 {
		s.RFLAGS |= FlagIF
		s.INTRLine = true
	}
	if k&4 != 0 {
		s.GPR[RSP] -= 3
	}
	if k&8 != 0 {
		s.RFLAGS |= FlagAC
		s.CR0 |= CR0AM
	}
	if k&16 != 0 {
		s.DR[0] = s.RIP + uint64(k>>5)
		s.DR[1] = tData + 0x40
		s.DR[7] = 1<<0 | 1<<2 | 3<<20 | 3<<22 // L0 exec; L1 read/write, 4 bytes
	}
	e.c.Restore(s)
}

// readFuzzCorpus reads the byte-slice inputs of a `go test fuzz v1` corpus directory.
func readFuzzCorpus(tb testing.TB, dir string) [][]byte {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out [][]byte
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "[]byte(") && strings.HasSuffix(line, ")") {
				s, err := strconv.Unquote(line[len("[]byte(") : len(line)-1])
				if err != nil {
					tb.Fatalf("%s: %v", ent.Name(), err)
				}
				out = append(out, []byte(s))
			}
		}
	}
	return out
}

// TestFuzzCorpusPresent keeps the committed corpus from silently disappearing.
func TestFuzzCorpusPresent(t *testing.T) {
	if n := len(readFuzzCorpus(t, fuzzCorpusDir)); n < 100 {
		t.Fatalf("%s has %d entries; regenerate with -run TestWriteFuzzCorpus -args -writecorpus", fuzzCorpusDir, n)
	}
}

// fuzzSystemSeeds are hand-written system sequences (CPL 0 forms; at CPL 3 most #GP).
var fuzzSystemSeeds = [][]byte{
	{0x0F, 0x20, 0xC0, 0x0F, 0x22, 0xC0, 0xF4},                                     // mov rax,cr0; mov cr0,rax; hlt
	{0x0F, 0x20, 0xD8, 0x0F, 0x22, 0xD8, 0x0F, 0x20, 0xE0, 0x0F, 0x22, 0xE0},       // cr3, cr4 round trips
	{0x0F, 0x01, 0x13, 0x0F, 0x01, 0x1B, 0x0F, 0x01, 0x03, 0x0F, 0x01, 0x0B},       // lgdt/lidt/sgdt/sidt [rbx]
	{0xCD, 0x80, 0xCC, 0xCE, 0x0F, 0x0B},                                           // int 0x80; int3; into; ud2
	{0x0F, 0x05, 0x48, 0x0F, 0x07},                                                 // syscall; sysretq
	{0x48, 0xCF},                                                                   // iretq
	{0x6A, 0x08, 0x68, 0x00, 0x00, 0x10, 0x00, 0x48, 0xCB},                         // push cs/rip; retfq
	{0xFF, 0x2B, 0xFF, 0x1B},                                                       // jmp far [rbx]; call far [rbx]
	{0x8E, 0xD0, 0x17, 0x8E, 0xD8, 0x0F, 0xA1, 0x0F, 0xA9},                         // mov ss,ax; pop ss; mov ds,ax; pop fs; pop gs
	{0x0F, 0x00, 0xD8, 0x0F, 0x00, 0xD0, 0x0F, 0x00, 0xC8, 0x0F, 0x00, 0xC0},       // ltr/lldt/str/sldt ax
	{0xE4, 0x60, 0xE6, 0xE9, 0xEC, 0xEE, 0x66, 0xED, 0xEF, 0x6C, 0x6E, 0xF3, 0x6D}, // port I/O
	{0xB9, 0x80, 0x00, 0x00, 0xC0, 0x0F, 0x32, 0x0F, 0x30},                         // rdmsr/wrmsr EFER
	{0xB9, 0x1B, 0x00, 0x00, 0x00, 0x0F, 0x32, 0xB9, 0x10, 0x00, 0x00, 0x00, 0x0F, 0x30},
	{0x0F, 0xA2, 0x0F, 0x31, 0x0F, 0x01, 0xF9, 0x48, 0x0F, 0xC7, 0xF0, 0x0F, 0xC7, 0xF8},             // cpuid rdtsc rdtscp rdrand rdseed
	{0x31, 0xC9, 0x0F, 0x01, 0xD0, 0x0F, 0x01, 0xD1},                                                 // xgetbv; xsetbv
	{0x0F, 0xAE, 0x03, 0x0F, 0xAE, 0x0B, 0x48, 0x0F, 0xAE, 0x03, 0x48, 0x0F, 0xAE, 0x0B},             // fxsave/fxrstor
	{0x0F, 0x01, 0xF8, 0x0F, 0x01, 0xF8, 0x0F, 0x01, 0x3B, 0x0F, 0x09, 0x0F, 0x08, 0x0F, 0xAE, 0x3B}, // swapgs invlpg wbinvd invd clflush
	{0x0F, 0x01, 0xCB, 0x0F, 0x01, 0xCA, 0x0F, 0xAE, 0xE8, 0x0F, 0xAE, 0xF0, 0x0F, 0xAE, 0xF8},       // stac clac lfence mfence sfence
	{0xFA, 0xFB, 0xF4, 0x9C, 0x9D},                                                                   // cli sti hlt pushf popf
	{0x68, 0x00, 0x01, 0x00, 0x00, 0x9D, 0x90, 0x90},                                                 // popf with TF: single-step
	{0xF0, 0x01, 0xC0, 0xF0, 0x90, 0xC4, 0xE2},                                                       // lock on a register, lock nop, truncated VEX
	{0xF3, 0x0F, 0x1E, 0xFA, 0xF3, 0x90, 0x0F, 0x1F, 0x00, 0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
	{0x0F, 0x21, 0xF8, 0x0F, 0x23, 0xF8, 0x0F, 0x23, 0xC0, 0x0F, 0x21, 0xF0}, // DR7, DR0, DR6
	{0x44, 0x0F, 0x20, 0xC0, 0x44, 0x0F, 0x22, 0xC0},                         // cr8
	{0xE8, 0x00, 0x00, 0x00, 0x00, 0xC3, 0xC2, 0x08, 0x00, 0xC8, 0x10, 0x00, 0x02, 0xC9},
	{0xEB, 0xFE}, // jmp $ (budget exit)
	{0xF3, 0x48, 0xA5, 0xF3, 0xAA, 0xF2, 0xAE, 0xF3, 0xA6},                                           // rep string ops
	{0x48, 0x31, 0xD2, 0x48, 0xF7, 0xF2, 0x48, 0xC7, 0xC0, 0x00, 0x00, 0x00, 0x80, 0x99, 0xF7, 0xF9}, // #DE
	{0x0F, 0x01, 0xC1, 0x0F, 0x01, 0xD8, 0x0F, 0x37, 0x0F, 0x34, 0x0F, 0x35, 0x0F, 0xAA},             // vmcall etc.
	{0x62, 0xF1, 0x7C, 0x48, 0x10, 0x00, 0xC5, 0xF8, 0x77, 0xD9, 0xE8, 0xDF, 0xE0},                   // EVEX, VEX, x87
	{0x66, 0x0F, 0x38, 0x00, 0xC1, 0x66, 0x0F, 0x3A, 0x0F, 0xC1, 0x08, 0x0F, 0x0D, 0x08},             // SSSE3, prefetch
	{0xEA, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00, 0x9A, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00},             // far jmp/call ptr16:32 (32-bit)
	{0x60, 0x61, 0x27, 0x2F, 0x37, 0x3F, 0xD4, 0x0A, 0xD5, 0x0A, 0x62, 0x03, 0x63, 0xC0},             // 32-bit-only instructions
	{0x0F, 0x20, 0xE0, 0x83, 0xC8, 0x20, 0x0F, 0x22, 0xE0, 0xB9, 0x80, 0x00, 0x00, 0xC0, 0x0F, 0x32,
		0x0D, 0x00, 0x01, 0x00, 0x00, 0x0F, 0x30, 0xB8, 0x00, 0x10, 0x00, 0x00, 0x0F, 0x22, 0xD8,
		0x0F, 0x20, 0xC0, 0x0D, 0x00, 0x00, 0x00, 0x80, 0x0F, 0x22, 0xC0, 0xEA, 0x40, 0x00, 0x10, 0x00, 0x08, 0x00}, // to long mode
}

// TestWriteFuzzCorpus regenerates the committed seed corpus (only with -writecorpus).
func TestWriteFuzzCorpus(t *testing.T) {
	if !*flagWriteCorpus {
		t.Skip("regenerates testdata/fuzz/FuzzExecute; run with -args -writecorpus")
	}
	if err := os.RemoveAll(fuzzCorpusDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(fuzzCorpusDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var seeds [][]byte
	// Every differential form, three forms per entry, cycling through the states.
	forms := diffForms()
	for i := 0; i < len(forms); i += 3 {
		var code []byte
		for j := i; j < i+3 && j < len(forms); j++ {
			g := &dgen{r: rand.New(rand.NewPCG(formSeed(7, forms[j].name), 11))}
			g.newCase()
			forms[j].gen(g)
			code = append(code, g.c.code...)
		}
		code = append(code, 0xF4)
		seeds = append(seeds, padToState(code, len(seeds)%fuzzStates))
	}
	for k, s := range fuzzSystemSeeds {
		for st := 0; st < fuzzStates; st++ {
			seeds = append(seeds, padToState(append([]byte(nil), s...), (k+st)%fuzzStates))
		}
	}
	names := make([]string, 0, len(seeds))
	for i, s := range seeds {
		name := fmt.Sprintf("seed-%04d", i)
		names = append(names, name)
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
		if err := os.WriteFile(filepath.Join(fuzzCorpusDir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(names)
	t.Logf("wrote %d corpus entries", len(names))
}

// padToState appends NOPs until len(code)%fuzzStates selects state st.
func padToState(code []byte, st int) []byte {
	for len(code)%fuzzStates != st {
		code = append(code, 0x90)
	}
	return code
}
