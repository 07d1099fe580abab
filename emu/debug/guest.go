package debug

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/debug/record"
	"github.com/kppemu/kppemu/emu/scenario"
	"github.com/kppemu/kppemu/kernel/abi"
)

// kdbg reads the kernel's debugger data block (kernel/kdbg.c): the list
// heads and field offsets of its module and process structures.
func (s *Session) kdbg() ([]uint64, error) {
	a, err := s.m.Symbols().Address("kdbg_data")
	if err != nil {
		return nil, errors.New("the kernel has no kdbg_data symbol (a kernel built without the debugger data block)")
	}
	w := make([]uint64, abi.KdbgWords)
	for i := range w {
		if w[i], err = s.readU64(a + 8*uint64(i)); err != nil {
			return nil, fmt.Errorf("kdbg_data: %w (the kernel may not have mapped itself yet)", err)
		}
	}
	if w[abi.KdbgMagicIdx] != abi.KdbgMagic {
		return nil, fmt.Errorf("kdbg_data at %#x has magic %#x, not %#x", a, w[abi.KdbgMagicIdx], uint64(abi.KdbgMagic))
	}
	return w, nil
}

// maxListWalk bounds a walk of a guest list (a corrupted list may loop).
const maxListWalk = 1024

func (s *Session) cmdLsmod(string) error {
	k, err := s.kdbg()
	if err != nil {
		return err
	}
	p, err := s.readU64(k[abi.KdbgModuleList])
	if err != nil {
		return fmt.Errorf("module_list: %w", err)
	}
	s.printf("%-20s %-18s %-10s %s\n", "Name", "Base", "Size", "Args")
	n := 0
	for ; p != 0 && n < maxListWalk; n++ {
		name, err := s.readString(p+k[abi.KdbgModuleNameOff], int(min(k[abi.KdbgModuleNameMax], 256)))
		if err != nil {
			return fmt.Errorf("module at %#x: %w", p, err)
		}
		base, _ := s.readU64(p + k[abi.KdbgModuleBaseOff])
		pages, _ := s.readU64(p + k[abi.KdbgModulePagesOff])
		args, _ := s.readString(p+k[abi.KdbgModuleArgsOff], int(min(k[abi.KdbgModuleArgsMax], 512)))
		s.printf("%-20s 0x%016x %#-10x %s\n", name, base, pages*4096, args)
		if p, err = s.readU64(p + k[abi.KdbgModuleNextOff]); err != nil {
			return fmt.Errorf("module list: %w", err)
		}
	}
	if n == 0 {
		s.printf("(no drivers loaded)\n")
	}
	if n == maxListWalk {
		s.printf("(stopped after %d entries: the list may loop)\n", n)
	}
	return nil
}

var procStates = map[uint32]string{abi.ProcStateRunning: "running", abi.ProcStateExited: "exited"}

func (s *Session) cmdPs(string) error {
	k, err := s.kdbg()
	if err != nil {
		return err
	}
	head := k[abi.KdbgProcessList]
	link, err := s.readU64(head)
	if err != nil {
		return fmt.Errorf("process_list: %w", err)
	}
	cr3 := s.cpu().CR3 &^ 0xFFF
	s.printf("  %-5s %-6s %-8s %-7s %-18s %s\n", "PID", "Parent", "State", "Threads", "CR3", "Name")
	n := 0
	for ; link != head && link != 0 && n < maxListWalk; n++ {
		p := link - k[abi.KdbgProcessLinkOff]
		pid, err := s.readU32(p + k[abi.KdbgProcessPidOff])
		if err != nil {
			return fmt.Errorf("process at %#x: %w", p, err)
		}
		parent, _ := s.readU32(p + k[abi.KdbgProcessParentOff])
		state, _ := s.readU32(p + k[abi.KdbgProcessStateOff])
		threads, _ := s.readU32(p + k[abi.KdbgProcessThreadsOff])
		pcr3, _ := s.readU64(p + k[abi.KdbgProcessCR3Off])
		prot, _ := s.readU32(p + k[abi.KdbgProcessProtOff])
		name, _ := s.readString(p+k[abi.KdbgProcessNameOff], abi.ProcessNameMax)
		mark := " "
		if pcr3&^0xFFF == cr3 && pid != 0 {
			mark = "*"
		}
		st := procStates[state]
		if st == "" {
			st = fmt.Sprint(state)
		}
		if prot&1 != 0 {
			name += " (protected)"
		}
		s.printf("%s %-5d %-6d %-8s %-7d 0x%016x %s\n", mark, pid, parent, st, threads, pcr3, name)
		if link, err = s.readU64(link); err != nil {
			return fmt.Errorf("process list: %w", err)
		}
	}
	if n == maxListWalk {
		s.printf("(stopped after %d entries: the list may loop)\n", n)
	}
	return nil
}

// pgKinds names EvPGRegion argument 4.
var pgKinds = map[uint64]string{abi.PGKindMemory: "memory", abi.PGKindMSR: "msr", abi.PGKindCR: "cr",
	abi.PGKindLAPIC: "lapic", abi.PGKindDescReg: "descriptor-register", abi.PGKindCrossWalk: "cross-walk", abi.PGKindSealed: "sealed"}

var pgProfiles = map[uint64]string{abi.PGProfileFast: "fast", abi.PGProfileWindows: "windows", abi.PGProfileTest: "test"}

func (s *Session) cmdPg(string) error {
	var armed *emu.Event
	var regions []emu.Event
	passes, last := 0, emu.Event{}
	for i, e := range s.events {
		switch e.Type {
		case abi.EvPGArmed:
			armed = &s.events[i]
			regions = nil
		case abi.EvPGRegion:
			regions = append(regions, e)
		case abi.EvPGPass:
			passes++
			last = e
		}
	}
	if armed == nil && len(regions) == 0 {
		s.printf("PatchGuard has not announced itself yet (no pg-armed event).\n")
		return nil
	}
	if armed != nil && len(armed.Args) >= 5 {
		a := armed.Args
		s.printf("armed at %d ns: seed %#x, %d regions, %d contexts, profile %s, first pass %d ns after arming (at %d ns)\n",
			armed.Time, a[0], a[1], a[2], pgProfiles[a[3]], a[4], armed.Time+a[4])
	}
	if passes > 0 {
		s.printf("%d passes seen; the last at %d ns", passes, last.Time)
		if len(last.Args) >= 5 {
			s.printf(" (context %#x, %d regions, pass %d)", last.Args[0], last.Args[1], last.Args[4])
		}
		s.printf("\n")
	} else {
		s.printf("no pass reported (pass telemetry is off unless the kernel command line asks for it)\n")
	}
	s.printf("%-4s %-20s %-8s %-34s %s\n", "#", "Kind", "Size", "Type", "Where")
	for _, r := range regions {
		if len(r.Args) < 5 {
			continue
		}
		base, size, typ, kind, idx := r.Args[0], r.Args[1], r.Args[2], r.Args[3], r.Args[4]
		where := fmt.Sprintf("%#x", base)
		if kind == abi.PGKindMemory || kind == abi.PGKindSealed || kind == abi.PGKindCrossWalk || kind == abi.PGKindDescReg {
			where = fmt.Sprintf("%#x <%s>", base, s.name(base))
		}
		s.printf("%-4d %-20s %-8d %-34s %s\n", idx, pgKinds[kind], size, scenario.RegionTypeName(typ), where)
	}
	return nil
}

// formatWrite renders a whowrote answer.
func (s *Session) formatWrite(a uint64, w record.Write) string {
	var b strings.Builder
	if w.Host {
		fmt.Fprintf(&b, "%#x <%s> was last written by the host (a poke) at %d ns, instruction %d\n", a, s.name(a), w.Time, w.Instret)
	} else {
		text := "(no bytes)"
		if len(w.Insn) > 0 {
			mode := w.Mode
			if mode == 0 {
				mode = 64
			}
			text = s.disassembler().Decode(w.Insn, w.RIP, mode).Text
		}
		fmt.Fprintf(&b, "%#x <%s> was last written at %d ns, instruction %d, by\n", a, s.name(a), w.Time, w.Instret)
		who := fmt.Sprintf("CPL %d", w.CPL)
		if s.smp() {
			who = fmt.Sprintf("cpu %d, CPL %d", w.CPU, w.CPL)
		}
		fmt.Fprintf(&b, "  0x%016x <%s> (%s): %s\n", w.RIP, s.name(w.RIP), who, text)
	}
	if w.Off != 0 {
		fmt.Fprintf(&b, "  at %#x: old % x -> new % x\n", a+w.Off, w.Old, w.New)
	} else {
		fmt.Fprintf(&b, "  old % x -> new % x\n", w.Old, w.New)
	}
	return b.String()
}
