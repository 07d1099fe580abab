package debug

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/term"
)

// Prompt is the console's prompt.
const Prompt = "(kppemu) "

// ConsoleConfig wires the console to its input and output.
type ConsoleConfig struct {
	In  io.Reader
	Out io.Writer
	// Terminal is In's file descriptor when it is a terminal (line editing,
	// history, completion, Ctrl-C), or -1 for a script.
	Terminal int
	// HistoryFile keeps the history between sessions ("" : none).
	HistoryFile string
	// Layout runs the full-screen view until the user leaves it (nil: the
	// `layout` command says it is not available).
	Layout func(s *Session) error
	// Intro is printed before the first prompt.
	Intro string
}

// historySize bounds the persistent history.
const historySize = 1000

// RunConsole reads commands until quit or end of input. With a terminal,
// keys typed while the guest runs go to the guest's serial port, except
// Ctrl-C, which stops the guest. A script (no terminal) runs one command
// per line with plain output; it returns an error when a command failed.
func (s *Session) RunConsole(cfg ConsoleConfig) error {
	if cfg.Terminal < 0 {
		return s.runScript(cfg)
	}
	return s.runTerminal(cfg)
}

// runScript is the batch mode: each line is echoed after the prompt, then
// its output; a failing command prints "error: ..." and the script goes
// on.
func (s *Session) runScript(cfg ConsoleConfig) error {
	out := cfg.Out
	if cfg.Intro != "" {
		fmt.Fprint(out, cfg.Intro)
	}
	sc := bufio.NewScanner(cfg.In)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	failed := 0
	for n := 1; sc.Scan() && !s.quit; n++ {
		line := sc.Text()
		fmt.Fprintf(out, "%s%s\n", Prompt, line)
		if err := s.Exec(out, line); err != nil {
			fmt.Fprintf(out, "error: %v\n", err)
			failed++
		}
		if s.WantLayout() {
			fmt.Fprintln(out, "error: layout needs a terminal")
			failed++
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d command(s) failed", failed)
	}
	return nil
}

// keys routes the terminal's bytes: to the line editor at the prompt, to
// the guest while it runs (Ctrl-C interrupts it).
type keys struct {
	s       *Session
	running atomic.Bool
	lines   chan []byte
	mu      sync.Mutex
	pending []byte
	eof     atomic.Bool
}

const (
	keyCtrlC = 0x03
	keyCtrlU = 0x15
)

func (k *keys) pump(in io.Reader) {
	buf := make([]byte, 1024)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			b := append([]byte(nil), buf[:n]...)
			if k.running.Load() {
				var guest []byte
				for _, c := range b {
					if c == keyCtrlC {
						k.s.Interrupt()
					} else {
						guest = append(guest, c)
					}
				}
				if len(guest) > 0 {
					k.s.Type(guest)
				}
			} else {
				for i, c := range b {
					if c == keyCtrlC { // at the prompt: drop the line being typed
						b[i] = keyCtrlU
					}
				}
				k.lines <- b
			}
		}
		if err != nil {
			k.eof.Store(true)
			close(k.lines)
			return
		}
	}
}

// Read feeds the line editor.
func (k *keys) Read(p []byte) (int, error) {
	k.mu.Lock()
	if len(k.pending) > 0 {
		n := copy(p, k.pending)
		k.pending = k.pending[n:]
		k.mu.Unlock()
		return n, nil
	}
	k.mu.Unlock()
	b, ok := <-k.lines
	if !ok {
		return 0, io.EOF
	}
	n := copy(p, b)
	if n < len(b) {
		k.mu.Lock()
		k.pending = append(k.pending, b[n:]...)
		k.mu.Unlock()
	}
	return n, nil
}

type termIO struct {
	io.Reader
	io.Writer
}

func (s *Session) runTerminal(cfg ConsoleConfig) error {
	old, err := term.MakeRaw(cfg.Terminal)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	restore := func() { _ = term.Restore(cfg.Terminal, old) }
	defer restore()
	k := &keys{s: s, lines: make(chan []byte, 16)}
	go k.pump(cfg.In)
	t := term.NewTerminal(termIO{k, cfg.Out}, Prompt)
	hist := newHistory(cfg.HistoryFile)
	t.History = hist
	if w, h, err := term.GetSize(cfg.Terminal); err == nil {
		_ = t.SetSize(w, h)
	}
	t.AutoCompleteCallback = func(line string, pos int, key rune) (string, int, bool) {
		if key != '\t' {
			return "", 0, false
		}
		return s.complete(t, line, pos)
	}
	if cfg.Intro != "" {
		fmt.Fprint(t, cfg.Intro)
	}
	last := ""
	for !s.quit {
		line, err := t.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				fmt.Fprintln(t)
				return nil
			}
			return err
		}
		if strings.TrimSpace(line) == "" {
			line = last // an empty line repeats a stepping command, as in gdb
		}
		if name, _ := splitCommand(strings.TrimSpace(line)); repeatable[name] {
			last = line
		} else {
			last = ""
		}
		k.running.Store(true)
		err = s.Exec(t, line)
		k.running.Store(false)
		if err != nil {
			fmt.Fprintf(t, "error: %v\n", err)
		}
		if s.WantLayout() {
			if cfg.Layout == nil {
				fmt.Fprintln(t, "error: the full-screen view is not available here")
				continue
			}
			restore()
			err := cfg.Layout(s)
			if _, e := term.MakeRaw(cfg.Terminal); e != nil {
				return e
			}
			if err != nil {
				fmt.Fprintf(t, "error: layout: %v\n", err)
			}
		}
	}
	return nil
}

var repeatable = map[string]bool{"s": true, "si": true, "stepi": true, "step": true, "n": true, "ni": true,
	"nexti": true, "next": true, "rs": true, "rsi": true, "reverse-stepi": true}

// complete completes the word at pos: a command name first, then
// symbols, registers and info subjects.
func (s *Session) complete(t *term.Terminal, line string, pos int) (string, int, bool) {
	start := strings.LastIndexAny(line[:pos], " \t*([+-") + 1
	word := line[start:pos]
	var cands []string
	if strings.TrimSpace(line[:start]) == "" {
		cands = s.names
	} else {
		first, _ := splitCommand(strings.TrimSpace(line))
		switch first {
		case "info", "i":
			cands = []string{"break", "tab", "idt", "gdt", "tss", "msr", "lapic", "pic", "pit", "devices", "registers"}
		case "help", "h":
			cands = s.names
		default:
			cands = s.symbolNames()
		}
	}
	var m []string
	for _, c := range cands {
		if strings.HasPrefix(c, word) {
			m = append(m, c)
		}
	}
	if len(m) == 0 {
		return "", 0, false
	}
	sort.Strings(m)
	m = dedup(m)
	fill := m[0]
	for _, c := range m[1:] {
		fill = commonPrefix(fill, c)
	}
	if len(m) == 1 && !strings.HasSuffix(fill, "!") {
		fill += " "
	}
	if fill == word && len(m) > 1 {
		// Nothing more to add: show the choices.
		show := m
		if len(show) > 60 {
			show = append(show[:60:60], fmt.Sprintf("... (%d more)", len(m)-60))
		}
		fmt.Fprintf(t, "%s\n", strings.Join(show, "  "))
		return line, pos, true
	}
	return line[:start] + fill + line[pos:], start + len(fill), true
}

func dedup(xs []string) []string {
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

// history is the line editor's history, kept in a file.
type history struct {
	path  string
	lines []string // oldest first
}

// maxHistoryFile bounds what is read of the history file.
const maxHistoryFile = 1 << 20

// readTail reads a file's last limit bytes (a file that cannot seek, such
// as a device, its first limit bytes).
func readTail(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		if _, err := f.Seek(st.Size()-limit, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(io.LimitReader(f, limit))
}

func newHistory(path string) *history {
	h := &history{path: path}
	if path == "" {
		return h
	}
	// The file keeps historySize lines; its last maxHistoryFile bytes are
	// plenty (whatever else the path names, /dev/zero included).
	if b, err := readTail(path, maxHistoryFile); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(l) != "" {
				h.lines = append(h.lines, l)
			}
		}
		if len(h.lines) > historySize {
			h.lines = h.lines[len(h.lines)-historySize:]
		}
	}
	return h
}

// Add records a line and appends it to the file.
func (h *history) Add(l string) {
	if strings.TrimSpace(l) == "" || len(h.lines) > 0 && h.lines[len(h.lines)-1] == l {
		return
	}
	h.lines = append(h.lines, l)
	if len(h.lines) > historySize {
		h.lines = h.lines[len(h.lines)-historySize:]
	}
	if h.path == "" {
		return
	}
	f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintln(f, l)
	f.Close()
}

func (h *history) Len() int { return len(h.lines) }

func (h *history) At(i int) string { return h.lines[len(h.lines)-1-i] }
