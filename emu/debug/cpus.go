package debug

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/kppemu/kppemu/cpu"
)

func (s *Session) cmdCPU(args string) error {
	if args == "" {
		s.printf("cpu %d of %d\n", s.sel, len(s.m.CPUs))
		s.printWhere()
		return nil
	}
	i, err := strconv.Atoi(args)
	if err != nil {
		return fmt.Errorf("cpu: %q is not a processor number (info cpus lists them)", args)
	}
	if err := s.SelectCPU(i); err != nil {
		return errors.New("cpu: " + err.Error())
	}
	s.printf("Selected cpu %d.\n", i)
	s.printWhere()
	return nil
}

// cpuMode names a processor's operating mode.
func cpuMode(c *cpu.CPU) string {
	switch {
	case c.CR0&cpu.CR0PE == 0:
		return "real 16-bit"
	case c.EFER&cpu.EFERLMA != 0 && c.Mode() == 64:
		return "long 64-bit"
	case c.EFER&cpu.EFERLMA != 0:
		return fmt.Sprintf("compat %d-bit", c.Mode())
	case c.RFLAGS&cpu.FlagVM != 0:
		return "virtual-8086"
	}
	return fmt.Sprintf("protected %d-bit", c.Mode())
}

// cpuState says whether a processor runs, halts or waits.
func cpuState(c *cpu.CPU) string {
	switch {
	case c.Shutdown:
		return "shut down"
	case c.WaitSIPI:
		return "wait-for-SIPI"
	case c.Halted && c.RFLAGS&cpu.FlagIF == 0:
		return "halted, IF=0"
	case c.Halted:
		return "halted"
	}
	return "running"
}

// infoCPUs lists the processors: APIC ID, mode, state and where each is.
func (s *Session) infoCPUs() error {
	s.printf("  CPU  APIC  %-17s %-14s RIP\n", "Mode", "State")
	for i, c := range s.m.CPUs {
		mark := " "
		if i == s.sel {
			mark = "*"
		}
		rip := c.LinearRIP()
		s.printf("%s %-4d %-5d %-17s %-14s %#016x <%s>\n", mark, i, s.m.LAPICs[i].State.ID, cpuMode(c), cpuState(c), rip, s.name(rip))
	}
	return nil
}
