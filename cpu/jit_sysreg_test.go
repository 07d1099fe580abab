//go:build linux && amd64

package cpu

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"
	"unsafe"
)

// The system instructions of jit_xlate_sysreg.go in both tiers: random loops of CPUID
// (cached leaves, leaf 1, leaves whose results follow CR4 and XCR0, which the loops
// change), MOV from CR0-CR8, MOV to CR8 (the TPR as it is, another one, a #GP), IN and
// OUT at ports a device decodes and ports none does, and INVLPG of data pages, of the
// code's own page, of a page whose PTE the loop rewrote and of a 2 MiB page, at CPL 0
// and 3 with IOPL 0 or 3. Between runs the APIC's TPR changes behind the CPU's back (an
// MMIO write), and both tiers must agree after every run, the TPR hook's calls and the
// port accesses included.

// mapBus is a port bus with a map of the ports devices decode (jitPorts): ports
// 0x60-0x6F and 0x3F8-0x3FF read a value made of the port and size, the others all ones.
type mapBus struct {
	idx  [1 << 16]uint16
	ins  int
	outs []ioRec
}

func newMapBus() *mapBus {
	b := &mapBus{}
	for p := 0x60; p < 0x70; p++ {
		b.idx[p] = 1
	}
	for p := 0x3F8; p < 0x400; p++ {
		b.idx[p] = 2
	}
	return b
}

func (b *mapBus) PortMap() *[1 << 16]uint16 { return &b.idx }

func (b *mapBus) Decodes(port uint16, size int) bool {
	for k := 0; k < size; k++ {
		if b.idx[port+uint16(k)] != 0 {
			return true
		}
	}
	return false
}

func (b *mapBus) In(port uint16, size int) uint32 {
	if !b.Decodes(port, size) {
		return 0xFFFFFFFF
	}
	b.ins++
	return uint32(port)*0x10001 + uint32(size)
}

func (b *mapBus) Out(port uint16, size int, v uint32) {
	b.outs = append(b.outs, ioRec{port, size, v})
}

// sysRegGen writes the programs.
type sysRegGen struct {
	r   *rand.Rand
	out []byte
}

func (g *sysRegGen) emit(b ...byte) { g.out = append(g.out, b...) }

func (g *sysRegGen) imm32(v uint32) { g.out = binary.LittleEndian.AppendUint32(g.out, v) }

// The PTE of the page at tData+0x1000 (identity-mapped page tables at 0x4000).
const sysRegPTE = 0x4000 + 8*((tData+0x1000)>>12)

func (g *sysRegGen) insn(cpl0 bool) {
	switch g.r.Intn(16) {
	case 0, 1: // mov eax, leaf; mov ecx, sub; cpuid
		leaves := []uint32{0, 0, 1, 7, 0xD, 0xD, 0x80000000, 0x80000001, 0x40000000, 0x80000008, 0xB, 0x12345678}
		g.emit(0xB8)
		g.imm32(leaves[g.r.Intn(len(leaves))])
		g.emit(0xB9)
		g.imm32(uint32(g.r.Intn(2)))
		g.emit(0x0F, 0xA2)
	case 2: // mov rax/rdx, crN
		cr := []byte{0xC0, 0xD0, 0xD8, 0xE0}[g.r.Intn(4)] // cr0, cr2, cr3, cr4 into rax
		if g.r.Intn(2) == 0 {
			g.emit(0x44, 0x0F, 0x20, 0xC2) // mov rdx, cr8
		} else {
			g.emit(0x0F, 0x20, cr)
		}
	case 3: // mov rax, cr8; mov cr8, rax (the TPR as it is)
		g.emit(0x44, 0x0F, 0x20, 0xC0, 0x44, 0x0F, 0x22, 0xC0)
	case 4: // mov eax, v; mov cr8, rax (another priority, now and then a #GP)
		v := uint32(g.r.Intn(16))
		if g.r.Intn(40) == 0 {
			v = 16
		}
		g.emit(0xB8)
		g.imm32(v)
		g.emit(0x44, 0x0F, 0x22, 0xC0)
	case 5: // in al/ax/eax, imm8
		port := []byte{0x80, 0xE0, 0x60, 0x6E, 0x5F, 0xEF}[g.r.Intn(6)]
		g.emit([]byte{0xE4, 0xE5, 0x66}[g.r.Intn(3)])
		if g.out[len(g.out)-1] == 0x66 {
			g.emit(0xE5)
		}
		g.emit(port)
	case 6: // mov edx, port; in/out al/ax/eax, dx
		port := []uint32{0xEA8, 0x3F8, 0x3F7, 0xFFFF, 0xFFFE, 0x60, 0x1234}[g.r.Intn(7)]
		g.emit(0xBA)
		g.imm32(port)
		op := []byte{0xEC, 0xED, 0xEE, 0xEF}[g.r.Intn(4)]
		if g.r.Intn(3) == 0 {
			g.emit(0x66)
		}
		g.emit(op)
	case 7: // out imm8, al/eax
		g.emit([]byte{0xE6, 0xE7}[g.r.Intn(2)], []byte{0x80, 0x61, 0xE9}[g.r.Intn(3)])
	case 8: // invlpg [r15+disp8]: a data page
		g.emit(0x41, 0x0F, 0x01, 0x7F, []byte{0x00, 0x10, 0x40, 0xF8}[g.r.Intn(4)])
	case 9: // invlpg [rip]: the code's own page (or the one after it)
		g.emit(0x0F, 0x01, 0x3D)
		g.imm32([]uint32{0, 0x800, 0x1000}[g.r.Intn(3)])
	case 10: // mov rax, [r15+0x1000]: a read through the PTE the loop rewrites
		g.emit(0x49, 0x8B, 0x87)
		g.imm32(0x1000)
	case 11: // xor qword [PTE], 0x5000 (another frame); mov rax, [r15+0x1000]; invlpg [r15+0x1000]
		if !cpl0 {
			return
		}
		g.emit(0x48, 0x81, 0x34, 0x25)
		g.imm32(sysRegPTE)
		g.imm32(0x5000)
		g.emit(0x49, 0x8B, 0x87)
		g.imm32(0x1000)
		if g.r.Intn(3) > 0 {
			g.emit(0x41, 0x0F, 0x01, 0xBF)
			g.imm32(0x1000)
		}
	case 12: // mov rax, 0xE01000; invlpg [rax]; mov rax, [rax]: the 2 MiB page
		g.emit(0xB8)
		g.imm32(0xE01000 + uint32(g.r.Intn(4))*0x1000)
		g.emit(0x0F, 0x01, 0x38, 0x48, 0x8B, 0x00)
	case 13: // mov rax, cr4; btc rax, PKE (or OSXSAVE); mov cr4, rax; cpuid leaf 7 follows PKE
		bit := byte(18)
		if hasPKU() {
			bit = 22
		}
		g.emit(0x0F, 0x20, 0xE0, 0x48, 0x0F, 0xBA, 0xF8, bit, 0x0F, 0x22, 0xE0)
		g.emit(0xB8, 7, 0, 0, 0, 0x31, 0xC9, 0x0F, 0xA2) // mov eax, 7; xor ecx, ecx; cpuid
	case 14: // xor ecx, ecx; xor edx, edx; mov eax, 1 or 3; xsetbv; cpuid leaf 0xD follows XCR0
		g.emit(0x31, 0xC9, 0x31, 0xD2, 0xB8)
		v := []uint32{1, 3}[g.r.Intn(2)]
		if hasPKU() && g.r.Intn(2) == 0 {
			v |= xcr0PKRU // a larger XSAVE area
		}
		g.imm32(v)
		g.emit(0x0F, 0x01, 0xD1)
		g.emit(0xB8, 0xD, 0, 0, 0, 0x31, 0xC9, 0x0F, 0xA2) // mov eax, 0xD; xor ecx, ecx; cpuid
	default: // add rbx, rax; xor rsi, rdx; rdtscp
		g.emit(0x48, 0x01, 0xC3, 0x48, 0x31, 0xD6)
		if g.r.Intn(2) == 0 {
			g.emit(0x0F, 0x01, 0xF9)
		}
	}
}

// program writes a few counted loops (R14) of random instructions, then HLT.
func (g *sysRegGen) program(cpl0 bool) {
	for k := 0; k < 3; k++ {
		g.emit(0x41, 0xBE, byte(1+g.r.Intn(30)), 0, 0, 0) // mov r14d, n
		top := len(g.out)
		for i := 0; i < 2+g.r.Intn(10); i++ {
			g.insn(cpl0)
		}
		g.emit(0x41, 0xFF, 0xCE) // dec r14d
		d := int32(top - (len(g.out) + 6))
		g.emit(0x0F, 0x85)
		g.imm32(uint32(d))
	}
	g.emit(0xF4)
}

func TestJITSysRegInstructions(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 60
	}
	var ran, helpers uint64
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		cpl := uint8(0)
		if seed%4 == 3 {
			cpl = 3
		}
		g := &sysRegGen{r: r}
		g.program(cpl == 0)
		p := newJITPair(t, cpl)
		p.envs[1].c.jit.eager = seed%2 == 0
		var buses [2]*mapBus
		var tprs [2]uint32
		var hooks [2]int
		for i, e := range p.envs {
			buses[i] = newMapBus()
			e.c.cfg.IO = buses[i]
			if i == 1 {
				e.c.jit.portMap = uintptr(unsafe.Pointer(buses[i].PortMap())) // as enableJIT finds it
			}
			i := i
			e.c.SetTPRHook(func(v uint8) { tprs[i] = uint32(v) << 4; hooks[i]++ })
			e.c.SetTPRView(&tprs[i])
			// A 2 MiB page at 14 MiB, mapping physical 4 MiB.
			e.poke64(0x3000+8*7, 0x400000|0x87)
		}
		p.setup(g.out, r, r.Uint64())
		for _, e := range p.envs {
			s := e.c.Snapshot()
			if seed%8 == 7 {
				s.RFLAGS |= 3 << 12 // IOPL 3: ring 3 may use the ports
			}
			s.CR4 |= CR4OSXSAVE
			e.c.Restore(s)
		}
		for total := 0; total < 4000; {
			if r.Intn(4) == 0 {
				// The APIC's TPR written through MMIO: CR8 follows its class.
				v := uint32(r.Intn(256))
				for i, e := range p.envs {
					tprs[i] = v
					e.c.CR8 = uint64(v >> 4)
				}
			}
			budget := uint64(1 + r.Intn(60))
			if r.Intn(2) == 0 {
				budget = uint64(50 + r.Intn(400))
			}
			var ex [2]Exit
			for i, e := range p.envs {
				ex[i] = e.c.Run(budget)
			}
			if ex[0].Reason != ex[1].Reason {
				t.Fatalf("seed %d: exit %v (interp) vs %v (jit)", seed, ex[0], ex[1])
			}
			p.compare(fmt.Sprintf("seed %d after %d+%d", seed, total, budget))
			if tprs[0] != tprs[1] || hooks[0] != hooks[1] {
				t.Fatalf("seed %d: TPR %#x/%#x, hook called %d/%d times", seed, tprs[0], tprs[1], hooks[0], hooks[1])
			}
			if buses[0].ins != buses[1].ins || fmt.Sprint(buses[0].outs) != fmt.Sprint(buses[1].outs) {
				t.Fatalf("seed %d: port reads %d/%d, writes %v / %v", seed, buses[0].ins, buses[1].ins, buses[0].outs, buses[1].outs)
			}
			total += int(budget)
			if ex[0].Reason != ExitBudget {
				break
			}
		}
		st := p.envs[1].c.JITStats()
		ran += st.Ran
		helpers += st.Helpers
	}
	t.Logf("%d instructions in generated code, %d helper exits", ran, helpers)
	if ran < uint64(seeds)*100 {
		t.Fatalf("only %d instructions ran in generated code", ran)
	}
}
