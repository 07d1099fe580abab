package debug

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
)

// This is the package's only user of x86asm: the console's and `kppemu
// disasm`'s disassembly, in Intel or AT&T syntax, with branch targets and
// RIP-relative operands named by symbol. The forms x86asm gets wrong are
// left to cpu.Disassemble, which knows how the CPU decodes them.

// decode decodes one instruction.
func decode(b []byte, mode int) (x86asm.Inst, error) {
	return x86asm.Decode(b, mode)
}

// isCall reports whether in is a CALL (near or far).
func isCall(in x86asm.Inst) bool { return in.Op == x86asm.CALL || in.Op == x86asm.LCALL }

// Disassembler renders instructions with symbols.
type Disassembler struct {
	// Name names an address ("" or a hex string when it has no symbol);
	// nil: addresses stay hex.
	Name func(addr uint64) (sym string, base uint64, ok bool)
	// ATT selects AT&T syntax.
	ATT bool
}

// Insn is one decoded instruction.
type Insn struct {
	Addr  uint64
	Bytes []byte
	Text  string
	Len   int
}

// Decode disassembles the instruction at the start of b, which sits at
// addr and decodes in mode (16, 32 or 64). Undecodable bytes give
// "(bad)" with length 1.
func (d Disassembler) Decode(b []byte, addr uint64, mode int) Insn {
	if len(b) == 0 {
		return Insn{Addr: addr, Text: "(no bytes)", Len: 0}
	}
	cpuText, n := cpu.Disassemble(b, mode)
	in, err := x86asm.Decode(b, mode)
	if err != nil || in.Len != n || in.Op == 0 || cpuText != x86asm.IntelSyntax(in, 0, nil) {
		// A form the CPU decodes itself (or nothing decodes).
		if n <= 0 || n > len(b) {
			n = 1
		}
		return Insn{Addr: addr, Bytes: b[:n], Text: cpuText, Len: n}
	}
	var sym x86asm.SymLookup
	if d.Name != nil {
		sym = func(a uint64) (string, uint64) {
			if name, base, ok := d.Name(a); ok {
				return name, base
			}
			return "", 0
		}
	}
	pc := addr // x86asm adds the instruction length itself for RIP-relative and branch targets
	var text string
	if d.ATT {
		text = x86asm.GNUSyntax(in, pc, sym)
	} else {
		text = x86asm.IntelSyntax(in, pc, sym)
	}
	return Insn{Addr: addr, Bytes: b[:in.Len], Text: text, Len: in.Len}
}

// Format renders an instruction line: address, <symbol>, bytes, text.
func (i Insn) Format(where string) string {
	hex := fmt.Sprintf("% x", i.Bytes)
	if len(hex) > 29 {
		hex = hex[:26] + "..."
	}
	if where != "" {
		where = " <" + where + ">"
	}
	return fmt.Sprintf("0x%016x%s:  %-30s %s", i.Addr, where, hex, i.Text)
}

// disassembler returns the session's disassembler.
func (s *Session) disassembler() Disassembler {
	res := s.m.Symbols()
	return Disassembler{ATT: s.cfg.ATT, Name: func(a uint64) (string, uint64, bool) {
		return symLookup(res, a)
	}}
}

// symLookup names a branch target for x86asm: module!symbol (kernel
// symbols bare) with its base.
func symLookup(res *emu.Resolver, a uint64) (string, uint64, bool) {
	mod, sym, hasSym, ok := res.Where(a)
	if !ok {
		return "", 0, false
	}
	if !hasSym {
		return mod + "!", sym.Addr, true
	}
	if mod == "kernel" {
		return sym.Name, sym.Addr, true
	}
	return mod + "!" + sym.Name, sym.Addr, true
}

// disasText disassembles the instruction at a guest-virtual address.
func (s *Session) disasText(a uint64) (string, int) {
	b := make([]byte, 15)
	n := s.readVirtPartial(a, b)
	if n == 0 {
		return "(not mapped)", 0
	}
	in := s.disassembler().Decode(b[:n], a, s.cpu().Mode())
	return in.Text, in.Len
}

// disasLine is one disassembly line; cur marks the next instruction.
func (s *Session) disasLine(a uint64, cur bool) (string, int) {
	b := make([]byte, 15)
	n := s.readVirtPartial(a, b)
	mark := "   "
	if cur {
		mark = "=> "
	}
	if n == 0 {
		return fmt.Sprintf("%s0x%016x <%s>:  (not mapped)", mark, a, s.name(a)), 0
	}
	in := s.disassembler().Decode(b[:n], a, s.cpu().Mode())
	return mark + in.Format(s.name(a)), in.Len
}

func (s *Session) cmdDisas(args string) error {
	f := strings.Fields(args)
	if len(f) > 2 {
		return fmt.Errorf("usage: disas [ADDR|SYM] [N]")
	}
	a, n := s.rip(), uint64(10)
	var err error
	if len(f) >= 1 {
		if a, err = s.evalAddr(f[0]); err != nil {
			return err
		}
	}
	if len(f) == 2 {
		if n, err = parseCount(f[1], 10); err != nil {
			return err
		}
		n = min(n, 10000)
	}
	if _, err := s.walk(a); err != nil {
		return fmt.Errorf("%#x is not mapped: %v", a, err)
	}
	rip := s.rip()
	res := s.m.Symbols()
	for i := uint64(0); i < n; i++ {
		if mod, sym, hasSym, ok := res.Where(a); ok && hasSym && sym.Addr == a {
			s.printf("%s!%s:\n", mod, sym.Name)
		}
		line, l := s.disasLine(a, a == rip)
		s.printf("%s\n", line)
		if l == 0 {
			break
		}
		a += uint64(l)
	}
	return nil
}
