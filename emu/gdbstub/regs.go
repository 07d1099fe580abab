package gdbstub

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/kppemu/kppemu/cpu"
)

// The register layout is gdb's for i386:x86-64 (features
// org.gnu.gdb.i386.core, .sse and .segments), whatever mode the CPU is in:
// in 32-bit code the upper halves are simply the registers' upper halves.
// Control registers and EFER follow in a feature of their own, read-only.

// regKind says where a register lives in cpu.State.
type regKind int

const (
	rGPR regKind = iota
	rRIP
	rFlags
	rSeg
	rST
	rFPUCtl
	rXMM
	rMXCSR
	rSegBase
	rSys
)

type regDef struct {
	name  string
	bits  int
	kind  regKind
	index int    // GPR/segment/ST/XMM/FPU-control/sys index
	typ   string // target.xml type
	group string
	feat  int // 0 core, 1 sse, 2 segments, 3 sys
}

// gdb's order of the general registers, as indices into cpu.State.GPR.
var gprOrder = [16]int{cpu.RAX, cpu.RBX, cpu.RCX, cpu.RDX, cpu.RSI, cpu.RDI, cpu.RBP, cpu.RSP,
	cpu.R8, cpu.R9, cpu.R10, cpu.R11, cpu.R12, cpu.R13, cpu.R14, cpu.R15}

var gprNames = [16]string{"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

// fpuCtl are the x87 control registers after st0-st7.
const (
	fFCTRL = iota
	fFSTAT
	fFTAG
	fFISEG
	fFIOFF
	fFOSEG
	fFOOFF
	fFOP
)

// sys registers.
const (
	sCR0 = iota
	sCR2
	sCR3
	sCR4
	sCR8
	sEFER
)

// regs is the register table, in gdb's register numbers.
var regs = func() []regDef {
	var r []regDef
	for i, n := range gprNames {
		t := "int64"
		if n == "rbp" || n == "rsp" {
			t = "data_ptr"
		}
		r = append(r, regDef{name: n, bits: 64, kind: rGPR, index: gprOrder[i], typ: t})
	}
	r = append(r, regDef{name: "rip", bits: 64, kind: rRIP, typ: "code_ptr"})
	r = append(r, regDef{name: "eflags", bits: 32, kind: rFlags, typ: "i386_eflags"})
	for _, s := range []struct {
		n string
		i int
	}{{"cs", cpu.CS}, {"ss", cpu.SS}, {"ds", cpu.DS}, {"es", cpu.ES}, {"fs", cpu.FS}, {"gs", cpu.GS}} {
		r = append(r, regDef{name: s.n, bits: 32, kind: rSeg, index: s.i, typ: "int32"})
	}
	for i := range 8 {
		r = append(r, regDef{name: fmt.Sprintf("st%d", i), bits: 80, kind: rST, index: i, typ: "i387_ext"})
	}
	for i, n := range []string{"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"} {
		r = append(r, regDef{name: n, bits: 32, kind: rFPUCtl, index: i, typ: "int", group: "float"})
	}
	for i := range 16 {
		r = append(r, regDef{name: fmt.Sprintf("xmm%d", i), bits: 128, kind: rXMM, index: i, typ: "vec128", feat: 1})
	}
	r = append(r, regDef{name: "mxcsr", bits: 32, kind: rMXCSR, typ: "i386_mxcsr", group: "vector", feat: 1})
	r = append(r, regDef{name: "fs_base", bits: 64, kind: rSegBase, index: cpu.FS, typ: "int", feat: 2})
	r = append(r, regDef{name: "gs_base", bits: 64, kind: rSegBase, index: cpu.GS, typ: "int", feat: 2})
	for i, n := range []string{"cr0", "cr2", "cr3", "cr4", "cr8", "efer"} {
		r = append(r, regDef{name: n, bits: 64, kind: rSys, index: i, typ: "int", group: "system", feat: 3})
	}
	return r
}()

// regBytes is the size of the 'g' packet's register block.
var regBytes = func() int {
	n := 0
	for _, d := range regs {
		n += d.bits / 8
	}
	return n
}()

// getReg appends register d of s to out, little-endian.
func getReg(s *cpu.State, d regDef, out []byte) []byte {
	var v uint64
	switch d.kind {
	case rGPR:
		v = s.GPR[d.index]
	case rRIP:
		v = s.RIP
	case rFlags:
		v = s.RFLAGS
	case rSeg:
		v = uint64(s.Seg[d.index].Selector)
	case rST:
		// Stack order: st(i) is physical register (TOP+i) mod 8.
		r := s.ST(d.index)
		out = binary.LittleEndian.AppendUint64(out, r[0])
		return binary.LittleEndian.AppendUint16(out, uint16(r[1]))
	case rFPUCtl:
		switch d.index {
		case fFCTRL:
			v = uint64(s.FCW)
		case fFSTAT:
			v = uint64(s.FSW)
		case fFTAG:
			v = uint64(fullTagWord(s))
		}
	case rXMM:
		out = binary.LittleEndian.AppendUint64(out, s.XMM[d.index][0])
		return binary.LittleEndian.AppendUint64(out, s.XMM[d.index][1])
	case rMXCSR:
		v = uint64(s.MXCSR)
	case rSegBase:
		v = s.Seg[d.index].Base
	case rSys:
		v = [...]uint64{s.CR0, s.CR2, s.CR3, s.CR4, s.CR8, s.EFER}[d.index]
	}
	if d.bits == 32 {
		return binary.LittleEndian.AppendUint32(out, uint32(v))
	}
	return binary.LittleEndian.AppendUint64(out, v)
}

// setReg stores register d from b (exactly d.bits/8 bytes) into s.
func setReg(s *cpu.State, d regDef, b []byte) error {
	if len(b) != d.bits/8 {
		return fmt.Errorf("register %s takes %d bytes, got %d", d.name, d.bits/8, len(b))
	}
	var v uint64
	if d.bits == 32 {
		v = uint64(binary.LittleEndian.Uint32(b))
	} else if d.bits == 64 {
		v = binary.LittleEndian.Uint64(b)
	}
	switch d.kind {
	case rGPR:
		s.GPR[d.index] = v
	case rRIP:
		s.RIP = v
	case rFlags:
		// Reserved bit 1 stays set; the others keep their architectural meaning.
		s.RFLAGS = s.RFLAGS&^0xFFFFFFFF | v&0x3F7FD7 | 2
	case rSeg:
		// Only the visible selector: the hidden descriptor part stays as
		// the CPU loaded it.
		s.Seg[d.index].Selector = uint16(v)
	case rST:
		*s.ST(d.index) = [2]uint64{binary.LittleEndian.Uint64(b), uint64(binary.LittleEndian.Uint16(b[8:]))}
	case rFPUCtl:
		switch d.index {
		case fFCTRL:
			s.FCW = uint16(v)
		case fFSTAT:
			s.FSW = uint16(v)
		case fFTAG:
			// gdb's full tag word to FXSAVE's abridged one: empty (11) or not.
			var t uint8
			for i := range 8 {
				if v>>(2*i)&3 != 3 {
					t |= 1 << i
				}
			}
			s.FTW = t
		}
	case rXMM:
		s.XMM[d.index][0] = binary.LittleEndian.Uint64(b)
		s.XMM[d.index][1] = binary.LittleEndian.Uint64(b[8:])
	case rMXCSR:
		s.MXCSR = uint32(v)
	case rSegBase:
		s.Seg[d.index].Base = v
	case rSys:
		cur := [...]uint64{s.CR0, s.CR2, s.CR3, s.CR4, s.CR8, s.EFER}[d.index]
		if v != cur {
			return fmt.Errorf("register %s is read-only here", d.name)
		}
	}
	return nil
}

// fullTagWord expands FXSAVE's abridged tag byte into the x87 tag word:
// per physical register 00 valid, 01 zero, 10 special, 11 empty. Tags are
// by physical register, as FPR is.
func fullTagWord(s *cpu.State) uint16 {
	var w uint16
	for i := range 8 {
		tag := uint16(3)
		if s.FTW>>i&1 != 0 {
			r := s.FPR[i]
			mant, exp := r[0], uint16(r[1])&0x7FFF
			switch {
			case exp == 0x7FFF:
				tag = 2
			case exp == 0 && mant == 0:
				tag = 1
			case exp == 0 || mant>>63 == 0:
				tag = 2 // denormal or unnormal
			default:
				tag = 0
			}
		}
		w |= tag << (2 * i)
	}
	return w
}

// targetXML is the target description served through qXfer:features:read.
var targetXML = func() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
<architecture>i386:x86-64</architecture>
<feature name="org.gnu.gdb.i386.core">
<flags id="i386_eflags" size="4">
<field name="CF" start="0" end="0"/><field name="" start="1" end="1"/>
<field name="PF" start="2" end="2"/><field name="AF" start="4" end="4"/>
<field name="ZF" start="6" end="6"/><field name="SF" start="7" end="7"/>
<field name="TF" start="8" end="8"/><field name="IF" start="9" end="9"/>
<field name="DF" start="10" end="10"/><field name="OF" start="11" end="11"/>
<field name="NT" start="14" end="14"/><field name="RF" start="16" end="16"/>
<field name="VM" start="17" end="17"/><field name="AC" start="18" end="18"/>
<field name="VIF" start="19" end="19"/><field name="VIP" start="20" end="20"/>
<field name="ID" start="21" end="21"/>
</flags>
`)
	feats := []string{"", `</feature>
<feature name="org.gnu.gdb.i386.sse">
<vector id="v8bf16" type="bfloat16" count="8"/>
<vector id="v8h" type="ieee_half" count="8"/>
<vector id="v4f" type="ieee_single" count="4"/>
<vector id="v2d" type="ieee_double" count="2"/>
<vector id="v16i8" type="int8" count="16"/>
<vector id="v8i16" type="int16" count="8"/>
<vector id="v4i32" type="int32" count="4"/>
<vector id="v2i64" type="int64" count="2"/>
<union id="vec128">
<field name="v8_bfloat16" type="v8bf16"/><field name="v8_half" type="v8h"/>
<field name="v4_float" type="v4f"/><field name="v2_double" type="v2d"/>
<field name="v16_int8" type="v16i8"/><field name="v8_int16" type="v8i16"/>
<field name="v4_int32" type="v4i32"/><field name="v2_int64" type="v2i64"/>
<field name="uint128" type="uint128"/>
</union>
<flags id="i386_mxcsr" size="4">
<field name="IE" start="0" end="0"/><field name="DE" start="1" end="1"/>
<field name="ZE" start="2" end="2"/><field name="OE" start="3" end="3"/>
<field name="UE" start="4" end="4"/><field name="PE" start="5" end="5"/>
<field name="DAZ" start="6" end="6"/><field name="IM" start="7" end="7"/>
<field name="DM" start="8" end="8"/><field name="ZM" start="9" end="9"/>
<field name="OM" start="10" end="10"/><field name="UM" start="11" end="11"/>
<field name="PM" start="12" end="12"/><field name="FZ" start="15" end="15"/>
</flags>
`, `</feature>
<feature name="org.gnu.gdb.i386.segments">
`, `</feature>
<feature name="org.kppemu.x86.sys">
`}
	feat := 0
	for i, d := range regs {
		if d.feat != feat {
			feat = d.feat
			b.WriteString(feats[feat])
		}
		fmt.Fprintf(&b, `<reg name="%s" bitsize="%d" type="%s" regnum="%d"`, d.name, d.bits, d.typ, i)
		if d.group != "" {
			fmt.Fprintf(&b, ` group="%s"`, d.group)
		}
		b.WriteString("/>\n")
	}
	b.WriteString("</feature>\n</target>\n")
	return b.String()
}()
