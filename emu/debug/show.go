package debug

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// MSR numbers the console shows.
const (
	msrAPICBase     = 0x1B
	msrSysenterCS   = 0x174
	msrSysenterESP  = 0x175
	msrSysenterEIP  = 0x176
	msrPAT          = 0x277
	msrEFER         = 0xC0000080
	msrSTAR         = 0xC0000081
	msrLSTAR        = 0xC0000082
	msrCSTAR        = 0xC0000083
	msrFMASK        = 0xC0000084
	msrFSBase       = 0xC0000100
	msrGSBase       = 0xC0000101
	msrKernelGSBase = 0xC0000102
	msrTSCAux       = 0xC0000103
)

var flagNames = []struct {
	bit  uint64
	name string
}{
	{cpu.FlagID, "ID"}, {cpu.FlagVIP, "VIP"}, {cpu.FlagVIF, "VIF"}, {cpu.FlagAC, "AC"}, {cpu.FlagVM, "VM"},
	{cpu.FlagRF, "RF"}, {cpu.FlagNT, "NT"}, {cpu.FlagOF, "OF"}, {cpu.FlagDF, "DF"}, {cpu.FlagIF, "IF"},
	{cpu.FlagTF, "TF"}, {cpu.FlagSF, "SF"}, {cpu.FlagZF, "ZF"}, {cpu.FlagAF, "AF"}, {cpu.FlagPF, "PF"},
	{cpu.FlagCF, "CF"},
}

// decodeFlags renders RFLAGS as "[ IF ZF PF ] iopl=0".
func decodeFlags(f uint64) string {
	var on []string
	for _, n := range flagNames {
		if f&n.bit != 0 {
			on = append(on, n.name)
		}
	}
	return fmt.Sprintf("[ %s ] iopl=%d", strings.Join(on, " "), f>>12&3)
}

func bitNames(v uint64, names map[uint]string) string {
	var on []string
	for bit := 63; bit >= 0; bit-- {
		if v&(1<<uint(bit)) != 0 {
			if n, ok := names[uint(bit)]; ok {
				on = append(on, n)
			}
		}
	}
	return "[ " + strings.Join(on, " ") + " ]"
}

var (
	cr0Names  = map[uint]string{0: "PE", 1: "MP", 2: "EM", 3: "TS", 4: "ET", 5: "NE", 16: "WP", 18: "AM", 29: "NW", 30: "CD", 31: "PG"}
	cr4Names  = map[uint]string{0: "VME", 1: "PVI", 2: "TSD", 3: "DE", 4: "PSE", 5: "PAE", 6: "MCE", 7: "PGE", 8: "PCE", 9: "OSFXSR", 10: "OSXMMEXCPT", 11: "UMIP", 16: "FSGSBASE", 18: "OSXSAVE", 20: "SMEP", 21: "SMAP"}
	eferNames = map[uint]string{0: "SCE", 8: "LME", 10: "LMA", 11: "NXE"}
)

// segDesc describes a segment's hidden part.
func segDesc(sg cpu.Segment) string {
	a := sg.Attr
	var kind string
	switch {
	case a&0x80 == 0:
		kind = "not present"
	case a&0x10 == 0:
		kind = fmt.Sprintf("system type %#x", a&0xF)
	case a&0x8 != 0:
		kind = "code"
		if a&0x2 != 0 {
			kind += " RX"
		} else {
			kind += " X"
		}
		if a&0x2000 != 0 {
			kind += " L"
		} else if a&0x4000 != 0 {
			kind += " D"
		}
	default:
		kind = "data"
		if a&0x2 != 0 {
			kind += " RW"
		} else {
			kind += " R"
		}
		if a&0x4000 != 0 {
			kind += " B"
		}
	}
	return fmt.Sprintf("base=%#x limit=%#x attr=0x%04x (%s, dpl %d)", sg.Base, sg.Limit, a, kind, a>>5&3)
}

func (s *Session) cmdRegs(args string) error {
	if args != "" {
		return fmt.Errorf("regs takes no arguments (got %q)", args)
	}
	st := s.cpu().Snapshot()
	for i := 0; i < 16; i += 4 {
		for j := i; j < i+4; j++ {
			s.printf("%-4s 0x%016x  ", gprNames[j], st.GPR[j])
		}
		s.printf("\n")
	}
	s.printf("rip    0x%016x <%s>\n", st.RIP, s.name(s.rip()))
	s.printf("rflags 0x%016x %s\n", st.RFLAGS, decodeFlags(st.RFLAGS))
	for i, n := range segNames {
		s.printf("%s 0x%04x %s\n", n, st.Seg[i].Selector, segDesc(st.Seg[i]))
	}
	s.printf("ldtr 0x%04x %s\n", st.LDTR.Selector, segDesc(st.LDTR))
	s.printf("tr   0x%04x %s\n", st.TR.Selector, segDesc(st.TR))
	s.printf("gdtr base=%#x limit=%#x  idtr base=%#x limit=%#x\n", st.GDTR.Base, st.GDTR.Limit, st.IDTR.Base, st.IDTR.Limit)
	s.printf("cr0 0x%016x %s\n", st.CR0, bitNames(st.CR0, cr0Names))
	s.printf("cr2 0x%016x  cr3 0x%016x  cr8 %#x\n", st.CR2, st.CR3, st.CR8)
	s.printf("cr4 0x%016x %s\n", st.CR4, bitNames(st.CR4, cr4Names))
	s.printf("efer %#x %s  cpl %d  mode %d-bit\n", st.EFER, bitNames(st.EFER, eferNames), st.CPL, s.cpu().Mode())
	s.printf("fs_base 0x%016x  gs_base 0x%016x  kernel_gs_base 0x%016x\n", st.Seg[cpu.FS].Base, st.Seg[cpu.GS].Base, st.KernelGSBase)
	s.printf("lstar 0x%016x <%s>  star 0x%016x  fmask %#x\n", st.LSTAR, s.name(st.LSTAR), st.STAR, st.FMASK)
	return nil
}

// msrList is every MSR the console shows (info msr).
func (s *Session) msrList() []struct {
	idx  uint32
	name string
	v    uint64
} {
	st := s.cpu().Snapshot()
	apic, _ := s.lapic().ReadMSR(msrAPICBase)
	return []struct {
		idx  uint32
		name string
		v    uint64
	}{
		{msrAPICBase, "IA32_APIC_BASE", apic},
		{msrSysenterCS, "IA32_SYSENTER_CS", st.SysenterCS},
		{msrSysenterESP, "IA32_SYSENTER_ESP", st.SysenterESP},
		{msrSysenterEIP, "IA32_SYSENTER_EIP", st.SysenterEIP},
		{msrPAT, "IA32_PAT", st.PAT},
		{msrEFER, "IA32_EFER", st.EFER},
		{msrSTAR, "IA32_STAR", st.STAR},
		{msrLSTAR, "IA32_LSTAR", st.LSTAR},
		{msrCSTAR, "IA32_CSTAR", st.CSTAR},
		{msrFMASK, "IA32_FMASK", st.FMASK},
		{msrFSBase, "IA32_FS_BASE", st.Seg[cpu.FS].Base},
		{msrGSBase, "IA32_GS_BASE", st.Seg[cpu.GS].Base},
		{msrKernelGSBase, "IA32_KERNEL_GS_BASE", st.KernelGSBase},
		{msrTSCAux, "IA32_TSC_AUX", st.TSCAux},
	}
}

func (s *Session) cmdSet(args string) error {
	if f := strings.Fields(args); len(f) == 2 && (f[0] == "syntax" || f[0] == "disassembly-flavor") {
		switch f[1] {
		case "intel":
			s.cfg.ATT = false
		case "att":
			s.cfg.ATT = true
		default:
			return fmt.Errorf("set syntax: %q is not intel or att", f[1])
		}
		s.printf("Disassembly in %s syntax.\n", f[1])
		return nil
	}
	name, expr, ok := strings.Cut(args, "=")
	name = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "$")
	if !ok || name == "" || strings.TrimSpace(expr) == "" {
		return errors.New("usage: set REG = EXPR")
	}
	v, err := s.evalAddr(strings.TrimSpace(expr))
	if err != nil {
		return err
	}
	st := s.cpu().Snapshot()
	switch {
	case gprIndex[name] != 0 || name == "rax":
		st.GPR[gprIndex[name]] = v
	case gpr32Index[name] != 0 || name == "eax":
		st.GPR[gpr32Index[name]] = v & 0xFFFFFFFF
	default:
		switch name {
		case "rip", "pc", "eip":
			st.RIP = v
		case "rflags", "eflags":
			st.RFLAGS = v&0x3F7FD5 | 2
		case "cr0":
			st.CR0 = v
		case "cr2":
			st.CR2 = v
		case "cr3":
			st.CR3 = v
		case "cr4":
			st.CR4 = v
		case "cr8":
			st.CR8 = v & 0xF
		case "efer":
			st.EFER = v
		case "fs_base":
			st.Seg[cpu.FS].Base = v
		case "gs_base":
			st.Seg[cpu.GS].Base = v
		case "kernel_gs_base":
			st.KernelGSBase = v
		default:
			msg := fmt.Sprintf("set: no register %q", name)
			if sug := suggest(name, settable(), 3); len(sug) > 0 {
				msg += "; did you mean " + strings.Join(sug, ", ") + "?"
			}
			return errors.New(msg)
		}
	}
	s.cpu().Restore(st)
	if name == "cr8" {
		s.lapic().SetCR8(v & 0xF)
	}
	s.printf("%s = %#x\n", name, v)
	return nil
}

func settable() []string {
	out := append([]string(nil), gprNames[:]...)
	for n := range gpr32Index {
		out = append(out, n)
	}
	return append(out, "rip", "eip", "rflags", "eflags", "cr0", "cr2", "cr3", "cr4", "cr8", "efer", "fs_base", "gs_base", "kernel_gs_base")
}

// xFormat is x's /NUF.
type xFormat struct {
	count  uint64
	unit   int // 1, 2, 4, 8
	format byte
}

// parseX splits "/8xg ADDR" into its format and the address expression.
func (s *Session) parseX(args string) (xFormat, string, error) {
	f := s.lastX
	f.count = 1
	if strings.HasPrefix(args, "/") {
		spec, rest, _ := strings.Cut(args[1:], " ")
		args = strings.TrimSpace(rest)
		i := 0
		for i < len(spec) && spec[i] >= '0' && spec[i] <= '9' {
			i++
		}
		if i > 0 {
			n, err := strconv.ParseUint(spec[:i], 10, 64)
			if err != nil || n == 0 || n > 1<<16 {
				return f, "", fmt.Errorf("x: bad count %q (1 to 65536)", spec[:i])
			}
			f.count = n
		}
		for _, c := range spec[i:] {
			switch c {
			case 'b':
				f.unit = 1
			case 'h':
				f.unit = 2
			case 'w':
				f.unit = 4
			case 'g':
				f.unit = 8
			case 'x', 'd', 'u', 'o', 't', 'c', 'a', 'i', 's':
				f.format = byte(c)
			default:
				return f, "", fmt.Errorf("x: unknown size or format letter %q (sizes b h w g; formats x d u o t c a i s)", c)
			}
		}
	}
	if f.format == 'a' {
		f.unit = 8
	}
	if f.format == 'c' {
		f.unit = 1
	}
	if args == "" {
		return f, "", errors.New("usage: x[/NUF] ADDR")
	}
	return f, args, nil
}

func (s *Session) cmdX(args string) error  { return s.examine(args, false) }
func (s *Session) cmdXP(args string) error { return s.examine(args, true) }

func (s *Session) examine(args string, phys bool) error {
	f, expr, err := s.parseX(args)
	if err != nil {
		return err
	}
	a, err := s.evalAddr(expr)
	if err != nil {
		return err
	}
	if !phys {
		s.memAddr, s.memSet = a, true
	}
	read := func(addr uint64, b []byte) error {
		if phys {
			if !s.readPhys(addr, b) {
				return fmt.Errorf("cannot access physical %#x: not RAM (RAM is [0, %#x))", addr, s.ramSize())
			}
			return nil
		}
		return s.readVirt(addr, b)
	}
	switch f.format {
	case 'i':
		if phys {
			return errors.New("xp: format i needs a virtual address (use x/i)")
		}
		s.lastX = f
		return s.cmdDisas(fmt.Sprintf("%#x %d", a, f.count))
	case 's':
		s.lastX = f
		for i := uint64(0); i < f.count; i++ {
			b := make([]byte, 256)
			if err := read(a, b[:1]); err != nil {
				return err
			}
			n := 0
			for n < len(b) && read(a+uint64(n), b[n:n+1]) == nil && b[n] != 0 {
				n++
			}
			s.printf("0x%016x: %q\n", a, b[:n])
			a += uint64(n) + 1
		}
		return nil
	}
	total := f.count * uint64(f.unit)
	if total > 1<<20 {
		return fmt.Errorf("x: %d bytes is more than 1 MiB", total)
	}
	buf := make([]byte, total)
	if err := read(a, buf); err != nil {
		return err
	}
	s.lastX = f
	perLine := 16 / f.unit
	if f.format == 'a' {
		perLine = 1
	}
	for i := uint64(0); i < f.count; i++ {
		if int(i)%perLine == 0 {
			if i > 0 {
				s.printf("\n")
			}
			s.printf("0x%016x:", a+i*uint64(f.unit))
		}
		off := i * uint64(f.unit)
		var v uint64
		switch f.unit {
		case 1:
			v = uint64(buf[off])
		case 2:
			v = uint64(binary.LittleEndian.Uint16(buf[off:]))
		case 4:
			v = uint64(binary.LittleEndian.Uint32(buf[off:]))
		case 8:
			v = binary.LittleEndian.Uint64(buf[off:])
		}
		s.printf(" %s", formatUnit(v, f, s))
	}
	s.printf("\n")
	return nil
}

func formatUnit(v uint64, f xFormat, s *Session) string {
	w := f.unit * 2
	switch f.format {
	case 'd':
		sh := 64 - 8*uint(f.unit)
		return strconv.FormatInt(int64(v<<sh)>>sh, 10)
	case 'u':
		return strconv.FormatUint(v, 10)
	case 'o':
		return "0" + strconv.FormatUint(v, 8)
	case 't':
		return fmt.Sprintf("%0*b", f.unit*8, v)
	case 'c':
		if v < 128 && unicode.IsPrint(rune(v)) {
			return fmt.Sprintf("%3d '%c'", v, rune(v))
		}
		return fmt.Sprintf("%3d '\\x%02x'", v, v)
	case 'a':
		return fmt.Sprintf("0x%016x <%s>", v, s.name(v))
	}
	return fmt.Sprintf("0x%0*x", w, v)
}

// cmdBt walks the frame-pointer chain: each frame's saved RBP at [rbp] and
// its return address at [rbp+8]. At a function's first instruction (push
// rbp not executed yet) the caller's return address is at [rsp], right
// after it at [rsp+8], and RBP still holds the caller's frame. The walk
// goes on through the kernel's interrupt, exception and system-call
// entries (see entryFrame), from the registers they saved.
func (s *Session) cmdBt(args string) error {
	limit := uint64(64)
	if args != "" {
		var err error
		if limit, err = parseCount(args, 64); err != nil {
			return err
		}
	}
	for i, f := range s.backtrace(int(min(limit, 1024))) {
		if f.entry != "" {
			s.printf("    <%s>\n", f.entry)
		}
		s.printf("#%-2d 0x%016x in %s\n", i, f.addr, s.name(f.addr))
	}
	return nil
}

// A btFrame is one frame of a backtrace: a code address (RIP for the
// innermost, a return address or an interrupted RIP for the others) and,
// for a frame the kernel entered through an interrupt, exception or system
// call, what entered it.
type btFrame struct {
	addr  uint64
	entry string
}

// The kernel's entry paths, as a debugger walks through them (kernel/isr.S,
// struct trap_frame in kpp/trap.h). isr_common pushes the general
// registers below the CPU's frame and calls trap_dispatch with RSP, so the
// trap frame starts 16 bytes above trap_dispatch's frame pointer (its
// saved RBP and return address); syscall_entry pushes the user RSP, RIP
// (RCX), RFLAGS (R11) and RBP, then calls the service, whose frame pointer
// is 16 bytes below the saved RBP.
const (
	isrEntrySym     = "isr_common"
	syscallEntrySym = "syscall_entry"

	trapFrameRBP    = 8 * 8
	trapFrameVector = 15 * 8
	trapFrameError  = 16 * 8
	trapFrameRIP    = 17 * 8
	trapFrameCS     = 18 * 8
	trapFrameRSP    = 20 * 8

	syscallFrameRBP = 0
	syscallFrameRIP = 16
	syscallFrameRSP = 24
)

// backtrace returns the frames, innermost first (frame 0 is RIP).
func (s *Session) backtrace(limit int) []btFrame {
	c := s.cpu()
	return s.walkFrames(nil, btFrame{addr: s.rip()}, c.GPR[cpu.RSP], c.GPR[cpu.RBP], limit)
}

// walkFrames appends the frames from a code address with its RSP and RBP.
func (s *Session) walkFrames(frames []btFrame, first btFrame, rsp, rbp uint64, limit int) []btFrame {
	frames = append(frames, first)
	if _, sym, hasSym, ok := s.m.Symbols().Where(first.addr); ok && hasSym && len(frames) < limit {
		var b [1]byte
		slot, found := uint64(0), false
		switch {
		case first.addr == sym.Addr:
			slot, found = rsp, true
		case first.addr == sym.Addr+1 && s.readVirt(sym.Addr, b[:]) == nil && b[0] == 0x55:
			slot, found = rsp+8, true
		}
		if found {
			if ret, err := s.readU64(slot); err == nil {
				frames = append(frames, btFrame{addr: ret})
				if f, rsp2, rbp2, ok := s.entryFrame(ret, slot+8); ok && len(frames) < limit {
					return s.walkFrames(frames, f, rsp2, rbp2, limit)
				}
			}
		}
	}
	// Kernel code is in the upper half: a kernel frame whose return
	// address is not has left the kernel's stack (RBP still held a
	// value of the caller's, not a frame).
	kernel := first.addr >= 1<<63
	for len(frames) < limit && rbp != 0 {
		next, err1 := s.readU64(rbp)
		ret, err2 := s.readU64(rbp + 8)
		if err1 != nil || err2 != nil || ret == 0 || kernel && ret < 1<<63 {
			break
		}
		frames = append(frames, btFrame{addr: ret})
		if len(frames) < limit {
			if f, rsp2, rbp2, ok := s.entryFrame(ret, rbp+16); ok {
				return s.walkFrames(frames, f, rsp2, rbp2, limit)
			}
		}
		if next == 0 && kernel && len(frames) < limit {
			if more, rbp2, ok := s.overFrameless(ret, rbp+8, limit-len(frames)); ok && rbp2 > rbp {
				frames = append(frames, more...)
				rbp = rbp2
				continue
			}
		}
		if next <= rbp {
			break // the chain must go up the stack
		}
		rbp = next
	}
	return frames
}

// entryFrame recognises a return address into the kernel's interrupt or
// system-call entry; saved is where the entry's saved registers start. It
// returns the interrupted code's frame with its RSP and RBP; from ring 3
// the RBP is 0: programs keep no frame pointers, the walk ends there.
func (s *Session) entryFrame(ret, saved uint64) (f btFrame, rsp, rbp uint64, ok bool) {
	_, sym, hasSym, found := s.m.Symbols().Where(ret)
	if !found || !hasSym {
		return f, 0, 0, false
	}
	read := func(off uint64) uint64 {
		v, err := s.readU64(saved + off)
		if err != nil {
			ok = false
		}
		return v
	}
	ok = true
	switch sym.Name {
	case isrEntrySym:
		vec, code, cs := read(trapFrameVector), read(trapFrameError), read(trapFrameCS)
		f = btFrame{addr: read(trapFrameRIP), entry: fmt.Sprintf("%s, error %#x, from CPL %d", vectorName(vec), code, cs&3)}
		rsp, rbp = read(trapFrameRSP), read(trapFrameRBP)
		if cs&3 != 0 {
			rbp = 0
		}
	case syscallEntrySym:
		f = btFrame{addr: read(syscallFrameRIP), entry: "system call from CPL 3"}
		rsp = read(syscallFrameRSP)
	default:
		return f, 0, 0, false
	}
	return f, rsp, rbp, ok
}

// vectorName names an interrupt vector: the exception's mnemonic or the
// number.
func vectorName(v uint64) string {
	names := [...]string{"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "", "#TS", "#NP", "#SS",
		"#GP", "#PF", "", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP"}
	if v < uint64(len(names)) && names[v] != "" {
		return fmt.Sprintf("exception %s (vector %d)", names[v], v)
	}
	return fmt.Sprintf("interrupt, vector %#x", v)
}

func (s *Session) cmdInfo(args string) error {
	what, rest, _ := strings.Cut(args, " ")
	rest = strings.TrimSpace(rest)
	switch what {
	case "break", "b", "breakpoints", "watch", "watchpoints":
		return s.infoBreak()
	case "tab":
		return s.infoTab(rest)
	case "idt":
		return s.infoIDT()
	case "gdt":
		return s.infoGDT()
	case "tss":
		return s.infoTSS()
	case "msr":
		for _, m := range s.msrList() {
			s.printf("0x%08x %-20s 0x%016x\n", m.idx, m.name, m.v)
		}
		return nil
	case "cpus", "threads":
		return s.infoCPUs()
	case "lapic":
		s.printf("%s\n", s.lapic().String())
		return nil
	case "pic":
		s.printf("%s\n", s.m.PIC.String())
		return nil
	case "pit":
		s.printf("%s\n", s.m.PIT.String())
		return nil
	case "devices":
		return s.infoDevices()
	case "registers", "regs", "r":
		return s.cmdRegs("")
	case "symbol", "sym":
		return s.cmdSym(rest)
	}
	msg := fmt.Sprintf("info: unknown subject %q", what)
	subjects := []string{"break", "tab", "idt", "gdt", "tss", "msr", "lapic", "pic", "pit", "devices", "registers"}
	if sug := suggest(what, subjects, 2); len(sug) > 0 && what != "" {
		msg += "; did you mean " + strings.Join(sug, ", ") + "?"
	}
	return errors.New(msg + " (info break|tab VADDR|idt|gdt|tss|msr|lapic|pic|pit|devices|registers)")
}

// pteFlags names a page-table entry's flags.
func pteFlags(e uint64, leaf, pse bool) string {
	var f []string
	add := func(bit uint64, n string) {
		if e&bit != 0 {
			f = append(f, n)
		}
	}
	add(1, "P")
	if e&2 != 0 {
		f = append(f, "RW")
	} else {
		f = append(f, "RO")
	}
	if e&4 != 0 {
		f = append(f, "US")
	} else {
		f = append(f, "S")
	}
	add(8, "PWT")
	add(0x10, "PCD")
	add(0x20, "A")
	if leaf {
		add(0x40, "D")
		if pse {
			f = append(f, "PS")
		}
		add(0x100, "G")
	}
	add(1<<63, "NX")
	return strings.Join(f, " ")
}

func (s *Session) infoTab(arg string) error {
	if arg == "" {
		return errors.New("usage: info tab VADDR")
	}
	va, err := s.evalAddr(arg)
	if err != nil {
		return err
	}
	c := s.cpu()
	if c.CR0&cpu.CR0PG == 0 {
		s.printf("paging is off: %#x is physical %#x\n", va, va)
		return nil
	}
	s.printf("%#x <%s>, cr3 %#x\n", va, s.name(va), c.CR3)
	w, werr := s.walk(va)
	for i, l := range w.levels {
		s.printf("%*s%s[%#x] @ phys %#x = 0x%016x  %s", 2*i, "", l.name, l.index, l.addr, l.entry, pteFlags(l.entry, l.leaf, l.leaf && l.name != "pte"))
		if !l.leaf && l.entry&1 != 0 {
			s.printf("  -> table %#x", l.entry&0x000FFFFFFFFFF000)
		}
		s.printf("\n")
	}
	if werr != nil {
		s.printf("not mapped: %v\n", werr)
		return nil
	}
	access := "read"
	if w.write {
		access += "/write"
	}
	if !w.nx {
		access += "/execute"
	}
	who := "supervisor"
	if w.user {
		who = "user and supervisor"
	}
	s.printf("=> physical %#x (%s page), %s, %s\n", w.pa, sizeName(w.size), access, who)
	return nil
}

func sizeName(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

var vectorNames = map[int]string{0: "#DE", 1: "#DB", 2: "NMI", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM",
	8: "#DF", 10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF", 16: "#MF", 17: "#AC", 18: "#MC", 19: "#XM"}

func (s *Session) infoIDT() error {
	st := s.cpu().Snapshot()
	long := st.EFER&cpu.EFERLMA != 0
	size := uint64(8)
	if long {
		size = 16
	}
	n := (uint64(st.IDTR.Limit) + 1) / size
	if n > 256 {
		n = 256
	}
	s.printf("idtr base=%#x limit=%#x (%d gates)\n", st.IDTR.Base, st.IDTR.Limit, n)
	shown := 0
	for v := uint64(0); v < n; v++ {
		b := make([]byte, size)
		if err := s.readVirt(st.IDTR.Base+v*size, b); err != nil {
			return fmt.Errorf("IDT entry %d: %v", v, err)
		}
		lo := binary.LittleEndian.Uint64(b)
		if lo>>47&1 == 0 {
			continue // not present
		}
		off := lo&0xFFFF | lo>>48<<16
		if long {
			off |= binary.LittleEndian.Uint64(b[8:]) << 32
		}
		sel, ist, typ, dpl := lo>>16&0xFFFF, lo>>32&7, lo>>40&0xF, lo>>45&3
		kind := map[uint64]string{0xE: "int", 0xF: "trap", 0x5: "task", 0x6: "int16", 0x7: "trap16"}[typ]
		s.printf("%3d %-4s 0x%016x sel=0x%02x %-5s dpl=%d", v, vectorNames[int(v)], off, sel, kind, dpl)
		if ist != 0 {
			s.printf(" ist=%d", ist)
		}
		s.printf("  %s\n", s.name(off))
		shown++
	}
	if shown == 0 {
		s.printf("(no present gates)\n")
	}
	return nil
}

func (s *Session) infoGDT() error {
	st := s.cpu().Snapshot()
	long := st.EFER&cpu.EFERLMA != 0
	s.printf("gdtr base=%#x limit=%#x\n", st.GDTR.Base, st.GDTR.Limit)
	for off := uint64(0); off+8 <= uint64(st.GDTR.Limit)+1 && off < 0x10000; off += 8 {
		var b [16]byte
		if err := s.readVirt(st.GDTR.Base+off, b[:8]); err != nil {
			return fmt.Errorf("GDT entry %#x: %v", off, err)
		}
		d := binary.LittleEndian.Uint64(b[:8])
		if d == 0 {
			s.printf("0x%04x null\n", off)
			continue
		}
		base := d>>16&0xFFFFFF | d>>56<<24
		limit := d&0xFFFF | d>>48&0xF<<16
		attr := uint16(d>>40&0xFF | d>>52&0xF<<12)
		if d>>55&1 != 0 {
			limit = limit<<12 | 0xFFF
		}
		system := attr&0x10 == 0
		if system && long && off+16 <= uint64(st.GDTR.Limit)+1 {
			if err := s.readVirt(st.GDTR.Base+off+8, b[8:]); err == nil {
				base |= uint64(binary.LittleEndian.Uint32(b[8:])) << 32
			}
		}
		sg := cpu.Segment{Selector: uint16(off), Base: base, Limit: uint32(limit), Attr: attr}
		desc := segDesc(sg)
		if system {
			desc += " " + map[uint16]string{2: "LDT", 9: "TSS (available)", 0xB: "TSS (busy)", 0xC: "call gate", 0xE: "interrupt gate", 0xF: "trap gate"}[attr&0xF]
		}
		s.printf("0x%04x 0x%016x %s\n", off, d, desc)
		if system && long {
			off += 8
		}
	}
	return nil
}

func (s *Session) infoTSS() error {
	st := s.cpu().Snapshot()
	if st.EFER&cpu.EFERLMA == 0 {
		return errors.New("info tss: the CPU is not in long mode (only the 64-bit TSS is decoded)")
	}
	base := st.TR.Base
	s.printf("tr 0x%04x base=%#x limit=%#x\n", st.TR.Selector, base, st.TR.Limit)
	b := make([]byte, 104)
	if err := s.readVirt(base, b); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		v := binary.LittleEndian.Uint64(b[4+8*i:])
		s.printf("rsp%d 0x%016x\n", i, v)
	}
	for i := 1; i <= 7; i++ {
		v := binary.LittleEndian.Uint64(b[36+8*(i-1):])
		if v != 0 {
			s.printf("ist%d 0x%016x\n", i, v)
		}
	}
	s.printf("iomap base %#x\n", binary.LittleEndian.Uint16(b[102:]))
	return nil
}

func (s *Session) infoDevices() error {
	for _, r := range s.m.Ports.Ranges() {
		s.printf("port 0x%04x-0x%04x %s\n", r.Base, uint32(r.Base)+uint32(r.Size)-1, r.Name)
	}
	s.printf("mmio 0x%08x-0x%08x local APIC\n", uint64(emu.LAPICBase), uint64(emu.LAPICBase+emu.LAPICSize-1))
	s.printf("ram  0x%08x-0x%08x %d MiB\n", 0, s.ramSize()-1, s.ramSize()>>20)
	return nil
}

func (s *Session) cmdSym(args string) error {
	if args == "" {
		return errors.New("usage: sym NAME|ADDR")
	}
	res := s.m.Symbols()
	if a, err := res.Address(args); err == nil && !looksNumeric(args) {
		mod, sym, hasSym, _ := res.Where(a)
		size := ""
		if hasSym && sym.Addr == a && sym.Size > 0 {
			size = fmt.Sprintf(", %d bytes", sym.Size)
		}
		s.printf("%s = %#x <%s>%s", args, a, s.name(a), size)
		if mod != "" && mod != "kernel" {
			s.printf(" in driver %s", mod)
		}
		s.printf("\n")
		return nil
	}
	a, err := s.evalAddr(args)
	if err != nil {
		return err
	}
	s.printf("%#x = %s\n", a, s.name(a))
	return nil
}

func looksNumeric(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func (s *Session) cmdPoke(args string) error {
	addrS, rest, _ := strings.Cut(args, " ")
	rest = strings.TrimSpace(rest)
	if addrS == "" || rest == "" {
		return errors.New("usage: poke ADDR BYTES (hex, e.g. `poke kmain 90 90` or `poke 0x1000 9090`)")
	}
	a, err := s.evalAddr(addrS)
	if err != nil {
		return err
	}
	h := strings.NewReplacer(" ", "", "0x", "", ",", "").Replace(rest)
	b, err := hex.DecodeString(h)
	if err != nil || len(b) == 0 {
		return fmt.Errorf("poke: %q is not hex bytes", rest)
	}
	if len(b) > 4096 {
		return fmt.Errorf("poke: %d bytes is more than 4096", len(b))
	}
	tmp := make([]byte, len(b))
	if err := s.readVirt(a, tmp); err != nil {
		return fmt.Errorf("poke: %w", err)
	}
	poke := s.rec.Poke
	if s.sel != 0 {
		// Through the selected processor's page tables (the write still
		// reaches the recording as host input).
		poke = func(va uint64, b []byte) error { return s.m.WriteVirtCPU(s.sel, va, b) }
	}
	if err := poke(a, b); err != nil {
		return fmt.Errorf("poke: %w", err)
	}
	s.printf("Wrote %d bytes at %#x <%s> (were % x)\n", len(b), a, s.name(a), tmp)
	return nil
}

func (s *Session) cmdTime(string) error {
	c := s.cpu()
	s.printf("guest time %d ns (%.6f s), %d instructions retired\n", s.m.Now(), float64(s.m.Now())/1e9, c.Instret)
	return nil
}

func (s *Session) cmdEvents(args string) error {
	n := 20
	switch args {
	case "":
	case "all":
		n = len(s.events)
	default:
		v, err := strconv.Atoi(args)
		if err != nil || v <= 0 {
			return fmt.Errorf("events: %q is not a count (or `all`)", args)
		}
		n = v
	}
	if len(s.events) == 0 {
		s.printf("No guest events yet.\n")
		return nil
	}
	start := max(0, len(s.events)-n)
	for _, e := range s.events[start:] {
		s.printf("%s\n", s.formatEvent(e))
	}
	if s.lost > 0 {
		s.printf("(%d later events were not kept)\n", s.lost)
	}
	return nil
}

func (s *Session) formatEvent(e emu.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%12d ns %-16s", e.Time, emu.EventTypeName(e.Type))
	for _, a := range e.Args {
		fmt.Fprintf(&b, " %#x", a)
	}
	if e.Text != "" {
		fmt.Fprintf(&b, " %q", e.Text)
	}
	if e.Type == abi.EvBugCheck {
		b.WriteString("  " + FormatBugCheck(e))
	}
	return b.String()
}
