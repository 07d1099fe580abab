package debug

import (
	"github.com/kppemu/kppemu/cpu"
	"github.com/kppemu/kppemu/emu"
	"github.com/kppemu/kppemu/emu/scenario"
	"github.com/kppemu/kppemu/kernel/abi"
)

// cmdAnalyze explains the stop the way WinDbg's !analyze -v does: the
// bug check decoded (for 0x109 the region type by name and the corrupted
// address as module!symbol+off), the faulting context (where the CPU is,
// the backtrace, the process) and, with a recording, who wrote the
// corrupted bytes.
func (s *Session) cmdAnalyze(string) error {
	bc, ok := s.m.BugCheck()
	if !ok {
		s.printf("No bug check.\n")
		if s.stopped {
			s.printf("The machine stopped: %s\n", s.lastStop)
		}
		s.printf("\nCONTEXT:\n")
		s.analyzeContext()
		return nil
	}
	code := uint64(0)
	if len(bc.Args) > 0 {
		code = bc.Args[0]
	}
	p := make([]uint64, 5)
	copy(p, bc.Args)
	name := bugCheckNames[code]
	if name == "" {
		name = "(unknown bug check)"
	}
	s.printf("BUGCHECK: %#x %s at %d ns\n\n", code, name, bc.Time)
	s.printf("Arguments:\n")
	var corrupted uint64
	var haveAddr bool
	switch code {
	case abi.BugCriticalStructureCorruption:
		typ := p[4]
		ctx, rec := p[1]-abi.PGContextKey, p[2]-abi.PGRecordKey
		s.printf("  Arg1: 0x%016x  PatchGuard context (decoded: %#x)\n", p[1], ctx)
		s.printf("  Arg2: 0x%016x  region record (decoded: %#x)\n", p[2], rec)
		switch kind := s.regionKind(typ, p[3]); kind {
		case abi.PGKindMSR:
			s.printf("  Arg3: 0x%016x  the MSR that changed\n", p[3])
		case abi.PGKindCR:
			reg := "cr"
			if p[3] == 7 {
				reg = "dr" // DR7, the breakpoint enables (A115)
			}
			s.printf("  Arg3: 0x%016x  the control register that changed (%s%d)\n", p[3], reg, p[3])
		case abi.PGKindLAPIC:
			s.printf("  Arg3: 0x%016x  the local-APIC register offset that changed\n", p[3])
		default:
			s.printf("  Arg3: 0x%016x  corrupted address: %s\n", p[3], s.name(p[3]))
			corrupted, haveAddr = p[3], true
		}
		s.printf("  Arg4: 0x%016x  region type: %s\n", typ, scenario.RegionTypeName(typ))
		s.printf("\nA protected kernel structure was modified; PatchGuard's check found it.\n")
	case abi.BugPageFaultInNonpagedArea:
		s.printf("  Arg1: 0x%016x  faulting address: %s\n", p[1], s.name(p[1]))
		s.printf("  Arg2: 0x%016x  access (0 read, 1 write, 10 execute)\n", p[2])
		s.printf("  Arg3: 0x%016x  faulting instruction: %s\n", p[3], s.name(p[3]))
		s.printf("  Arg4: 0x%016x\n", p[4])
	case abi.BugKmodeExceptionNotHandled, abi.BugUnexpectedKernelModeTrap:
		s.printf("  Arg1: 0x%016x  exception or trap number\n", p[1])
		s.printf("  Arg2: 0x%016x  %s\n", p[2], s.name(p[2]))
		s.printf("  Arg3: 0x%016x\n  Arg4: 0x%016x\n", p[3], p[4])
	default:
		for i := 1; i <= 4; i++ {
			s.printf("  Arg%d: 0x%016x  %s\n", i, p[i], s.name(p[i]))
		}
	}
	s.printf("\nCONTEXT (where the machine stopped):\n")
	s.analyzeContext()
	if haveAddr {
		s.printf("\nWHO WROTE %#x:\n", corrupted)
		w, err := s.rec.WhoWrote(corrupted, 1)
		if err != nil {
			s.printf("  %v\n", err)
		} else {
			s.printf("%s", s.formatWrite(corrupted, w))
		}
	}
	return nil
}

// regionKind finds the kind of the announced region of type typ that
// holds addr (PGKindMemory when none matches).
func (s *Session) regionKind(typ, addr uint64) uint64 {
	var kind uint64 = abi.PGKindMemory
	for _, e := range s.events {
		if e.Type != abi.EvPGRegion || len(e.Args) < 4 || e.Args[2] != typ {
			continue
		}
		base, size, k := e.Args[0], e.Args[1], e.Args[3]
		if k == abi.PGKindMSR || k == abi.PGKindCR || k == abi.PGKindLAPIC {
			if base == addr {
				return k
			}
			continue
		}
		if addr >= base && addr-base < max(size, 1) {
			return k
		}
	}
	return kind
}

// analyzeContext prints the CPU's place, the backtrace and the process.
func (s *Session) analyzeContext() {
	c := s.cpu()
	s.printf("  rip 0x%016x <%s>  cpl %d  rsp %#x  rbp %#x\n", c.RIP, s.name(s.rip()), c.CPL, c.GPR[cpu.RSP], c.GPR[cpu.RBP])
	line, _ := s.disasLine(s.rip(), true)
	s.printf("  %s\n", line)
	s.printf("  stack (frame pointers):\n")
	for i, f := range s.backtrace(16) {
		if f.entry != "" {
			s.printf("        <%s>\n", f.entry)
		}
		s.printf("    #%-2d 0x%016x %s\n", i, f.addr, s.name(f.addr))
	}
	if last := s.lastEvent(abi.EvModuleLoaded); last != nil {
		s.printf("  last driver loaded: %s at %#x (%d ns)\n", last.Text, last.Args[0], last.Time)
	}
}

func (s *Session) lastEvent(t uint32) *emu.Event {
	for i := len(s.events) - 1; i >= 0; i-- {
		if s.events[i].Type == t && len(s.events[i].Args) > 0 {
			return &s.events[i]
		}
	}
	return nil
}
