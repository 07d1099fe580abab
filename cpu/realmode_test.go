package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Real-mode test layout: CS = 0xFFFF (base 0xFFFF0) so that IP 0x10 is tCode; data and
// stack segments at 0; the IVT at 0 with every vector pointing at tRealStub (0x0F00:0).
const (
	tRealCS   = 0xFFFF
	tRealIP   = tCode - 0xFFFF0
	tRealStub = 0xF000
)

// newTestEnvReal returns a CPU in real-address mode with 64 KiB segments.
func newTestEnvReal(t *testing.T) *testEnv {
	e := newTestEnv32(t)
	s := e.c.Snapshot()
	s.CR0 = CR0ET
	for i := range s.Seg {
		s.Seg[i] = Segment{Limit: 0xFFFF, Attr: attrP | attrS | 0x3}
	}
	s.Seg[CS] = Segment{Selector: tRealCS, Base: tRealCS << 4, Limit: 0xFFFF, Attr: attrP | attrS | 0xB}
	s.IDTR = DTR{Base: 0, Limit: 0x3FF}
	s.RIP = tRealIP
	s.GPR[RSP] = 0x7000
	e.c.Restore(s)
	// Every vector: hlt at 0x0F00:0.
	var ivt [1024]byte
	for v := 0; v < 256; v++ {
		ivt[4*v+2], ivt[4*v+3] = 0x00, 0x0F
	}
	e.load(0, ivt[:])
	e.load(tRealStub, []byte{0xF4})
	return e
}

// codeReal writes b at tCode and points IP there (CS:IP = FFFF:0010).
func (e *testEnv) codeReal(b ...byte) {
	e.load(tCode, b)
	e.c.RIP = tRealIP
}

// TestRealModeINT: INT n pushes FLAGS, CS, IP (16 bits each), clears IF/TF, and IRET
// returns with the flags restored; 16-bit addressing reaches SS through BP.
func TestRealModeINT(t *testing.T) {
	e := newTestEnvReal(t)
	// Handler at 0x0F00:0x10: add ax, 0x2222; iret.
	e.load(tRealStub+0x10, []byte{0x05, 0x22, 0x22, 0xCF})
	e.load(0x80*4, []byte{0x10, 0x00, 0x00, 0x0F})
	// sti; mov ax, 0x1111; int 0x80; pushf; pop bx; mov bp, 0x100; mov [bp+si+2], ax; hlt
	e.codeReal(0xFB, 0xB8, 0x11, 0x11, 0xCD, 0x80, 0x9C, 0x5B, 0xBD, 0x00, 0x01,
		0x89, 0x42, 0x02, 0xF4)
	e.c.GPR[RSI] = 0x10
	s := e.c.Snapshot()
	s.Seg[SS] = Segment{Selector: 0x3000, Base: 0x30000, Limit: 0xFFFF, Attr: attrP | attrS | 0x3}
	s.RIP = tRealIP
	e.c.Restore(s)
	e.mustHalt(100)
	require.Equal(t, uint64(0x3333), e.c.GPR[RAX]&0xFFFF)
	require.NotZero(t, e.c.GPR[RBX]&FlagIF, "IRET restored IF")
	require.Equal(t, uint32(0x3333), e.read32(0x30000+0x112)&0xFFFF, "BP-based address in SS")
	require.Equal(t, uint16(tRealCS), e.c.Seg[CS].Selector)
}

// TestRealModeException: #DE goes through IVT entry 0 with no error code; the frame is
// IP (of the faulting DIV), CS, FLAGS.
func TestRealModeException(t *testing.T) {
	e := newTestEnvReal(t)
	// xor bl, bl; div bl
	e.codeReal(0x30, 0xDB, 0xF6, 0xF3)
	ex := e.run(10)
	require.Equal(t, ExitDeadHalt, ex.Reason)
	require.Equal(t, uint64(tRealStub+1), e.c.LinearRIP())
	sp := e.c.GPR[RSP] & 0xFFFF
	require.Equal(t, uint64(0x7000-6), sp)
	frame := e.read32(sp)
	require.Equal(t, uint32(tRealIP+2), frame&0xFFFF, "IP of the DIV")
	require.Equal(t, uint32(tRealCS), frame>>16)
}

// TestRealModeFarAndProtected: a far jump in real mode, then PE set and a far jump into
// 32-bit protected mode, then PE cleared again from a 16-bit segment.
func TestRealModeFarAndProtected(t *testing.T) {
	e := newTestEnvReal(t)
	// jmp 0x1000:0x0005 (linear 0x10005): mov ax, cs; hlt
	e.codeReal(0xEA, 0x05, 0x00, 0x00, 0x10)
	e.load(0x10005, []byte{0x8C, 0xC8, 0xF4})
	e.mustHalt(10)
	require.Equal(t, uint64(0x1000), e.c.GPR[RAX]&0xFFFF)
	require.Equal(t, 16, e.c.Mode())

	// Into protected mode: lgdt [0x20] (at 0x1000:0x20); mov eax, cr0; or al, 1; mov cr0, eax;
	// jmp dword 0x40:0x10030 (32-bit code): hlt.
	e = newTestEnvReal(t)
	gdtr := []byte{0x4F, 0x00, tGDT & 0xFF, tGDT >> 8 & 0xFF, 0x00, 0x00}
	e.load(0x10020, gdtr)
	e.codeReal(0xB8, 0x00, 0x10, 0x8E, 0xD8, // mov ax, 0x1000; mov ds, ax
		0x0F, 0x01, 0x16, 0x20, 0x00, // lgdt [0x20]
		0x0F, 0x20, 0xC0, 0x0C, 0x01, 0x0F, 0x22, 0xC0, // mov eax, cr0; or al, 1; mov cr0, eax
		0x66, 0xEA, 0x30, 0x00, 0x01, 0x00, 0x40, 0x00) // jmp dword 0x40:0x10030
	e.load(0x10030, []byte{0xF4})
	e.mustHalt(20)
	require.False(t, e.c.RealMode())
	require.Equal(t, 32, e.c.Mode())
	require.Equal(t, uint16(0x40), e.c.Seg[CS].Selector)

	// Unreal: DS keeps the 4 GiB limit of the flat segment when PE is cleared; a
	// real-mode load of DS then changes only the base.
	s := e.c.Snapshot()
	s.Seg[DS] = segFromDesc(selKData, descKData)
	s.RIP = 0x10040
	s.Halted = false
	e.c.Restore(s)
	// mov eax, cr0; and al, 0xFE; mov cr0, eax; mov ax, 0; mov ds, ax; hlt
	e.load(0x10040, []byte{0x0F, 0x20, 0xC0, 0x24, 0xFE, 0x0F, 0x22, 0xC0,
		0x66, 0xB8, 0x00, 0x00, 0x8E, 0xD8, 0xF4})
	e.mustHalt(20)
	require.True(t, e.c.RealMode(), "CR0 %#x RIP %#x", e.c.CR0, e.c.RIP)
	require.Equal(t, uint32(0xFFFFFFFF), e.c.Seg[DS].Limit)
	require.Equal(t, uint64(0), e.c.Seg[DS].Base)
}

// TestInitSIPI: INIT leaves the processor waiting in real mode; a start-up IPI with
// vector 0x09 starts it at 0x0900:0000.
func TestInitSIPI(t *testing.T) {
	e := newTestEnv(t, 0)
	e.c.XMM[3] = [2]uint64{1, 2}
	e.c.InitReset()
	require.True(t, e.c.WaitSIPI)
	require.True(t, e.c.RealMode())
	require.Equal(t, [2]uint64{1, 2}, e.c.XMM[3], "INIT keeps the SSE state")
	require.Equal(t, uint64(cpuidSignature), e.c.GPR[RDX])
	require.False(t, e.c.StartupIPI(0x09) == false)
	require.False(t, e.c.StartupIPI(0x10), "a running processor ignores SIPI")
	require.Equal(t, uint64(0x9000), e.c.LinearRIP())
	e.load(0x9000, []byte{0x8C, 0xC8, 0xF4}) // mov ax, cs; hlt
	e.mustHalt(10)
	require.Equal(t, uint64(0x0900), e.c.GPR[RAX]&0xFFFF)
}
