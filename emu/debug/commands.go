package debug

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// command is one console verb.
type command struct {
	name    string
	aliases []string
	usage   string
	help    string
	run     func(s *Session, args string) error
}

func (s *Session) initCommands() {
	cmds := []*command{
		{name: "stepi", aliases: []string{"s", "si", "step"}, usage: "stepi [N]",
			help: "Execute N instructions (default 1), into calls and interrupt handlers.", run: (*Session).cmdStep},
		{name: "nexti", aliases: []string{"n", "ni", "next"}, usage: "nexti [N]",
			help: "Execute N instructions, running a CALL to its return.", run: (*Session).cmdNext},
		{name: "continue", aliases: []string{"c", "cont"}, usage: "continue",
			help: "Run until a breakpoint, a watchpoint, a stop of the machine or Ctrl-C.", run: (*Session).cmdContinue},
		{name: "finish", usage: "finish",
			help: "Run until the current function returns (frame-pointer walk) and print RAX.", run: (*Session).cmdFinish},
		{name: "until", aliases: []string{"u"}, usage: "until ADDR|SYM",
			help: "Run until ADDR is reached (or another breakpoint).", run: (*Session).cmdUntil},
		{name: "break", aliases: []string{"b", "br"}, usage: "break ADDR|SYM[+OFF] [if EXPR]",
			help: "Set a breakpoint (host-side: guest memory is not written). With `if EXPR` it stops only\nwhen EXPR is not zero, e.g. `b pg_bugcheck if rdi == 0x109`.", run: (*Session).cmdBreak},
		{name: "tbreak", usage: "tbreak ADDR|SYM[+OFF] [if EXPR]",
			help: "Set a breakpoint that is deleted when it is hit.", run: (*Session).cmdTbreak},
		{name: "delete", aliases: []string{"d"}, usage: "delete [N...]",
			help: "Delete breakpoints and watchpoints N (all of them without N).", run: (*Session).cmdDelete},
		{name: "watch", usage: "watch r|w|rw ADDR [LEN]",
			help: "Stop when an instruction reads (r), writes (w) or touches (rw) [ADDR, ADDR+LEN)\n(LEN defaults to 8).", run: (*Session).cmdWatch},
		{name: "info", aliases: []string{"i"}, usage: "info break|cpus|tab VADDR|idt|gdt|tss|msr|lapic|pic|pit|devices|registers",
			help: "Show machine state: breakpoints, the processors, a page walk, descriptor tables, MSRs,\ndevices.", run: (*Session).cmdInfo},
		{name: "cpu", aliases: []string{"thread"}, usage: "cpu [N]",
			help: "Select processor N for regs, set, x, disas, bt, info tab, stepi and nexti (a stop\nselects the processor that stopped); without N, show the selected one. stepi runs\nthe selected processor alone, so stepping is deterministic; continue runs them all.", run: (*Session).cmdCPU},
		{name: "regs", aliases: []string{"r", "registers"}, usage: "regs",
			help: "Show the registers: GPRs, RFLAGS decoded, segments with their hidden parts,\ncontrol registers, EFER and the MSRs the kernel sets up.", run: (*Session).cmdRegs},
		{name: "set", usage: "set REG = EXPR | set syntax intel|att",
			help: "Set a register (rax..r15, eax.., rip, rflags, cr0/2/3/4/8, efer, fs_base, gs_base,\nkernel_gs_base), or the disassembly syntax.", run: (*Session).cmdSet},
		{name: "x", usage: "x[/NUF] ADDR",
			help: "Examine guest-virtual memory: N units of U (b, h, w, g) in format F (x, d, u, o, t,\nc, a: address with symbol, i: instructions, s: string). The last format is kept.", run: (*Session).cmdX},
		{name: "xp", usage: "xp[/NUF] PADDR",
			help: "Examine guest-physical memory (like x).", run: (*Session).cmdXP},
		{name: "disas", aliases: []string{"disassemble", "dis"}, usage: "disas [ADDR|SYM] [N]",
			help: "Disassemble N instructions (default 10) at ADDR (default RIP), annotated with symbols.", run: (*Session).cmdDisas},
		{name: "bt", aliases: []string{"backtrace", "where"}, usage: "bt [N]",
			help: "Backtrace by walking frame pointers: module!symbol+off for each frame.", run: (*Session).cmdBt},
		{name: "print", aliases: []string{"p"}, usage: "print EXPR",
			help: "Evaluate an expression: hex, decimal and the symbol it points into.", run: (*Session).cmdPrint},
		{name: "type", usage: "type TEXT",
			help: "Send TEXT to the guest's serial port (\\r, \\n, \\t and \\xHH escapes), e.g. `type lsmod\\r`.", run: (*Session).cmdType},
		{name: "lsmod", usage: "lsmod",
			help: "List the guest's loaded drivers, read from the kernel's module list.", run: (*Session).cmdLsmod},
		{name: "ps", usage: "ps",
			help: "List the guest's processes, read from the kernel's process list.", run: (*Session).cmdPs},
		{name: "pg", usage: "pg",
			help: "PatchGuard as the host saw it in events: arming, schedule, regions, passes.", run: (*Session).cmdPg},
		{name: "sym", usage: "sym NAME|ADDR",
			help: "Look a symbol up by name, or name an address.", run: (*Session).cmdSym},
		{name: "poke", usage: "poke ADDR BYTES",
			help: "Write bytes (hex: `90 90 c3` or `9090c3`) at a guest-virtual address, ignoring\nwrite protection, as a host write (logged by the recording).", run: (*Session).cmdPoke},
		{name: "time", usage: "time",
			help: "Show guest time and the number of instructions executed.", run: (*Session).cmdTime},
		{name: "events", usage: "events [N]",
			help: "Show the last N guest events (default 20; `events all`).", run: (*Session).cmdEvents},
		{name: "trace", usage: "trace on|off [FILE]",
			help: "Trace every instruction executed from now on (time, RIP, symbol, disassembly) to FILE\nor the console. Tracing runs the guest one instruction at a time.", run: (*Session).cmdTrace},
		{name: "record", usage: "record on|off",
			help: "Start or stop recording for reverse execution and whowrote.", run: (*Session).cmdRecord},
		{name: "reverse-stepi", aliases: []string{"rs", "rsi"}, usage: "reverse-stepi [N]",
			help: "Go back N instructions (recording).", run: (*Session).cmdReverseStep},
		{name: "reverse-continue", aliases: []string{"rc"}, usage: "reverse-continue",
			help: "Go back to the previous breakpoint or watchpoint hit (recording).", run: (*Session).cmdReverseContinue},
		{name: "whowrote", usage: "whowrote ADDR [LEN]",
			help: "The last instruction that wrote any byte of [ADDR, ADDR+LEN) (default 1 byte): time,\ninstruction count, RIP, CPL, module!symbol+off, the instruction, and the bytes it wrote\n(where, their previous and their new values).", run: (*Session).cmdWhoWrote},
		{name: "analyze", usage: "analyze",
			help: "Explain the stop: the bug check decoded, the faulting context and who wrote\nthe corrupted bytes.", run: (*Session).cmdAnalyze},
		{name: "layout", aliases: []string{"tui"}, usage: "layout",
			help: "Switch to the full-screen view (q or Ctrl-D there comes back).", run: (*Session).cmdLayout},
		{name: "source", usage: "source FILE",
			help: "Run the commands in FILE, one per line (# starts a comment); stops at the first error.", run: (*Session).cmdSource},
		{name: "help", aliases: []string{"h", "?"}, usage: "help [CMD]",
			help: "List the commands, or explain one.", run: (*Session).cmdHelp},
		{name: "quit", aliases: []string{"q", "exit"}, usage: "quit",
			help: "Leave the debugger.", run: func(s *Session, _ string) error { s.quit = true; return nil }},
	}
	s.commands = map[string]*command{}
	for _, c := range cmds {
		s.commands[c.name] = c
		s.names = append(s.names, c.name)
		for _, a := range c.aliases {
			s.commands[a] = c
			s.names = append(s.names, a)
		}
	}
	sort.Strings(s.names)
}

func (s *Session) cmdHelp(args string) error {
	if args != "" {
		c, ok := s.commands[args]
		if !ok {
			return s.unknownCommand(args)
		}
		s.printf("%s\n%s\n", c.usage, c.help)
		if len(c.aliases) > 0 {
			s.printf("Aliases: %s\n", strings.Join(c.aliases, ", "))
		}
		return nil
	}
	seen := map[*command]bool{}
	var list []*command
	for _, n := range s.names {
		if c := s.commands[n]; !seen[c] {
			seen[c] = true
			list = append(list, c)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	for _, c := range list {
		first, _, _ := strings.Cut(c.help, "\n")
		s.printf("  %-34s %s\n", c.usage, first)
	}
	s.printf("Expressions: numbers, $reg or reg, symbols (kmain, hello!driver_entry), *ADDR or [ADDR]\n" +
		"(the u64 there), and C operators. An empty line repeats stepi/nexti on a terminal.\n")
	return nil
}

func (s *Session) cmdLayout(string) error {
	s.layout = true
	return nil
}

// maxSourceDepth bounds nested `source` commands.
const maxSourceDepth = 8

func (s *Session) cmdSource(args string) error {
	if args == "" {
		return errors.New("usage: source FILE")
	}
	if s.sourceDepth >= maxSourceDepth {
		return fmt.Errorf("source %s: nested more than %d deep", args, maxSourceDepth)
	}
	f, err := os.Open(args)
	if err != nil {
		return err
	}
	defer f.Close()
	s.sourceDepth++
	defer func() { s.sourceDepth-- }()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := s.out
	for n := 1; sc.Scan(); n++ {
		if err := s.Exec(w, sc.Text()); err != nil {
			s.out = w
			return fmt.Errorf("%s:%d: %w", args, n, err)
		}
		s.out = w
		if s.quit {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", args, err)
	}
	return nil
}

func (s *Session) cmdPrint(args string) error {
	if args == "" {
		return errors.New("usage: print EXPR")
	}
	v, err := s.evalAddr(args)
	if err != nil {
		return err
	}
	s.printf("%#x %d", v, int64(v))
	if n := s.name(v); strings.Contains(n, "!") {
		s.printf(" <%s>", n)
	}
	s.printf("\n")
	return nil
}

func (s *Session) cmdType(args string) error {
	if args == "" {
		return errors.New("usage: type TEXT")
	}
	b, err := unescape(args)
	if err != nil {
		return err
	}
	s.rec.Input(b)
	s.printf("Queued %d bytes for the serial port.\n", len(b))
	return nil
}

// unescape reads \r, \n, \t, \\ and \xHH.
func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 == len(s) {
			return nil, errors.New("type: a lone backslash at the end")
		}
		i++
		switch s[i] {
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+3 > len(s) {
				return nil, errors.New("type: \\x needs two hex digits")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, errors.New("type: \\x needs two hex digits")
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, fmt.Errorf("type: unknown escape \\%c", s[i])
		}
	}
	return out, nil
}
