package debug

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/kppemu/kppemu/cpu"
)

// The full-screen view: disassembly around RIP, the registers (the ones
// the last command changed highlighted), the stack, a memory panel (at the
// last address x examined), the guest's serial console and the command
// line with its output. Commands run on their own goroutine, so Ctrl-C
// still reaches a running guest; keys typed while it runs go to the guest.

// tuiSerial collects serial output for the view.
type tuiSerial struct {
	mu   sync.Mutex
	buf  []byte
	next io.Writer // the console's own serial output, restored on leaving
}

func (t *tuiSerial) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 64<<10 {
		t.buf = t.buf[len(t.buf)-32<<10:]
	}
	t.mu.Unlock()
	return len(p), nil
}

func (t *tuiSerial) text() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.ReplaceAll(string(t.buf), "\r", "")
}

// RunTUI runs the full-screen view on the terminal until the user leaves
// it (q, quit, or Ctrl-D on an empty command line).
func (s *Session) RunTUI() error { return s.runTUI(nil, nil) }

// runTUI runs the view on screen (the terminal when nil). ready, when not
// nil, receives the application once the screen is initialised and before
// the view's event loop starts: the loop is the only goroutine that draws,
// so whatever reads the screen must do it through the application's
// QueueUpdate.
func (s *Session) runTUI(screen tcell.Screen, ready func(*tview.Application)) error {
	app := tview.NewApplication()
	if screen != nil {
		app.SetScreen(screen)
	}
	panel := func(title string) *tview.TextView {
		v := tview.NewTextView().SetDynamicColors(true).SetWrap(false)
		v.SetBorder(true).SetTitle(" " + title + " ")
		return v
	}
	disas, regs, stack, memory := panel("code"), panel("registers"), panel("stack"), panel("memory")
	serialV := panel("serial")
	serialV.SetWrap(true)
	output := panel("output")
	output.SetWrap(true)
	cmd := tview.NewInputField().SetLabel(Prompt)
	ser := &tuiSerial{next: s.cfg.Serial}
	s.m.SetSerialOutput(ser)
	defer func() {
		if s.cfg.Serial != nil {
			s.m.SetSerialOutput(s.cfg.Serial)
		}
	}()

	var prev cpu.State
	prev = s.cpu().Snapshot()
	var busy atomic.Bool
	var outMu sync.Mutex
	var outBuf strings.Builder

	refresh := func(changedFrom *cpu.State) {
		disas.SetText(s.tuiCode())
		regs.SetText(s.tuiRegs(changedFrom))
		stack.SetText(s.tuiStack())
		memory.SetText(s.tuiMemory())
		serialV.SetText(tview.Escape(ser.text()))
		serialV.ScrollToEnd()
		outMu.Lock()
		output.SetText(tview.Escape(outBuf.String()))
		outMu.Unlock()
		output.ScrollToEnd()
	}
	refresh(&prev)

	history := []string{}
	hpos := 0
	cmd.SetDoneFunc(func(key tcell.Key) {
		if key != tcell.KeyEnter || busy.Load() {
			return
		}
		line := cmd.GetText()
		cmd.SetText("")
		if strings.TrimSpace(line) == "" && len(history) > 0 {
			if name, _ := splitCommand(history[len(history)-1]); repeatable[name] {
				line = history[len(history)-1]
			}
		}
		if strings.TrimSpace(line) != "" {
			history = append(history, line)
		}
		hpos = len(history)
		if name, _ := splitCommand(strings.TrimSpace(line)); name == "q" || name == "quit" || name == "layout" || name == "tui" {
			app.Stop()
			return
		}
		busy.Store(true)
		before := s.cpu().Snapshot()
		go func() {
			var b strings.Builder
			err := s.Exec(&b, line)
			s.layout = false
			outMu.Lock()
			fmt.Fprintf(&outBuf, "%s%s\n%s", Prompt, line, b.String())
			if err != nil {
				fmt.Fprintf(&outBuf, "error: %v\n", err)
			}
			if outBuf.Len() > 64<<10 {
				rest := outBuf.String()[outBuf.Len()-32<<10:]
				outBuf.Reset()
				outBuf.WriteString(rest)
			}
			outMu.Unlock()
			// The next command may start only once the panels have been
			// read from the stopped machine: busy is cleared on the view's
			// goroutine, after the refresh.
			app.QueueUpdateDraw(func() {
				refresh(&before)
				busy.Store(false)
			})
		}()
	})
	app.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		switch {
		case ev.Key() == tcell.KeyCtrlC:
			if busy.Load() {
				s.Interrupt()
			} else {
				cmd.SetText("")
			}
			return nil
		case busy.Load():
			// The guest is running: keys go to its serial port.
			switch ev.Key() {
			case tcell.KeyRune:
				s.Type([]byte(string(ev.Rune())))
			case tcell.KeyEnter:
				s.Type([]byte("\r"))
			case tcell.KeyBackspace, tcell.KeyBackspace2:
				s.Type([]byte{0x7F})
			}
			return nil
		case ev.Key() == tcell.KeyCtrlD && cmd.GetText() == "":
			app.Stop()
			return nil
		case ev.Key() == tcell.KeyUp && len(history) > 0:
			hpos = max(0, hpos-1)
			cmd.SetText(history[hpos])
			return nil
		case ev.Key() == tcell.KeyDown:
			hpos = min(len(history), hpos+1)
			if hpos == len(history) {
				cmd.SetText("")
			} else {
				cmd.SetText(history[hpos])
			}
			return nil
		}
		return ev
	})
	top := tview.NewFlex().AddItem(disas, 0, 3, false).AddItem(regs, 0, 2, false)
	mid := tview.NewFlex().AddItem(stack, 0, 1, false).AddItem(memory, 0, 2, false)
	bottom := tview.NewFlex().AddItem(serialV, 0, 1, false).AddItem(output, 0, 1, false)
	root := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(top, 0, 3, false).AddItem(mid, 0, 2, false).AddItem(bottom, 0, 2, false).
		AddItem(cmd, 1, 0, true)
	app.SetRoot(root, true).SetFocus(cmd)
	if ready != nil {
		ready(app)
	}
	return app.Run()
}

// tuiCode disassembles around RIP: from the start of its function when
// that is close, so that the instructions before RIP decode correctly.
func (s *Session) tuiCode() string {
	rip := s.rip()
	start := rip
	if _, sym, hasSym, ok := s.m.Symbols().Where(rip); ok && hasSym && rip-sym.Addr <= 48 {
		start = sym.Addr
	}
	var b strings.Builder
	a := start
	for i := 0; i < 40; i++ {
		line, n := s.disasLine(a, a == rip)
		line = tview.Escape(line)
		if a == rip {
			line = "[black:yellow]" + line + "[-:-]"
		}
		b.WriteString(line + "\n")
		if n == 0 {
			break
		}
		a += uint64(n)
	}
	return b.String()
}

// tuiRegs shows the registers, highlighting those that differ from prev.
func (s *Session) tuiRegs(prev *cpu.State) string {
	st := s.cpu().Snapshot()
	var b strings.Builder
	hl := func(changed bool, text string) string {
		if changed {
			return "[yellow::b]" + text + "[-::-]"
		}
		return text
	}
	for i := 0; i < 16; i++ {
		fmt.Fprintf(&b, "%s\n", hl(prev != nil && prev.GPR[i] != st.GPR[i], fmt.Sprintf("%-4s 0x%016x", gprNames[i], st.GPR[i])))
	}
	fmt.Fprintf(&b, "%s\n", hl(prev != nil && prev.RIP != st.RIP, fmt.Sprintf("rip  0x%016x", st.RIP)))
	fmt.Fprintf(&b, "%s\n", hl(prev != nil && prev.RFLAGS != st.RFLAGS, fmt.Sprintf("rflags %#x %s", st.RFLAGS, tview.Escape(decodeFlags(st.RFLAGS)))))
	fmt.Fprintf(&b, "cs %#x ss %#x ds %#x cpl %d\n", st.Seg[cpu.CS].Selector, st.Seg[cpu.SS].Selector, st.Seg[cpu.DS].Selector, st.CPL)
	fmt.Fprintf(&b, "%s\n", hl(prev != nil && prev.CR3 != st.CR3, fmt.Sprintf("cr3 %#x", st.CR3)))
	fmt.Fprintf(&b, "cr0 %#x cr4 %#x efer %#x\n", st.CR0, st.CR4, st.EFER)
	fmt.Fprintf(&b, "time %d ns\n", s.m.Now())
	return b.String()
}

// tuiStack shows the qwords at RSP with their symbols.
func (s *Session) tuiStack() string {
	rsp := s.cpu().GPR[cpu.RSP]
	var b strings.Builder
	for i := uint64(0); i < 24; i++ {
		a := rsp + 8*i
		v, err := s.readU64(a)
		if err != nil {
			fmt.Fprintf(&b, "%#x: (not mapped)\n", a)
			break
		}
		n := s.name(v)
		if !strings.Contains(n, "!") {
			n = ""
		}
		fmt.Fprintf(&b, "%#x: 0x%016x %s\n", a, v, tview.Escape(n))
	}
	return b.String()
}

// tuiMemory shows 16 lines of hex and ASCII at the last address x
// examined (RSP before the first x).
func (s *Session) tuiMemory() string {
	a := s.memAddr
	if !s.memSet {
		a = s.cpu().GPR[cpu.RSP]
	}
	var b strings.Builder
	for l := uint64(0); l < 16; l++ {
		row := make([]byte, 16)
		if err := s.readVirt(a+16*l, row); err != nil {
			fmt.Fprintf(&b, "%#x: (not mapped)\n", a+16*l)
			break
		}
		ascii := make([]byte, 16)
		for i, c := range row {
			ascii[i] = '.'
			if c >= 0x20 && c < 0x7F {
				ascii[i] = c
			}
		}
		fmt.Fprintf(&b, "%#x: % x  %s\n", a+16*l, row, tview.Escape(string(ascii)))
	}
	return b.String()
}
