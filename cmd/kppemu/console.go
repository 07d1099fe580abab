package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/kppemu/kppemu/emu"
)

// ctrlA is the console escape character (as in QEMU: Ctrl-A X quits,
// Ctrl-A H prints the escapes, Ctrl-A Ctrl-A sends a Ctrl-A).
const ctrlA = 0x01

// escapeHelp is what Ctrl-A H prints (QEMU's wording where it has one).
const escapeHelp = "\r\nC-a h    print this help\r\n" +
	"C-a x    exit emulator\r\n" +
	"C-a c    stop the machine and open the debugger\r\n" +
	"C-a C-a  sends C-a\r\n"

// flusher is the serial output as the console sees it.
type flusher interface{ Flush() error }

// console connects the host's stdin to the guest's UART while the machine
// runs. stdin is read on its own goroutine; the bytes reach the UART on the
// machine's goroutine through the run loop's hooks. On a terminal, stdin
// is in raw mode and the guest's idle time is paced to the wall clock;
// so it is when a piped stdin stays open past the script window, so that
// input arriving later reaches a guest that is still there.
type console struct {
	m           *emu.Machine
	out         flusher
	notice      io.Writer // where the console's own notes go
	interactive bool
	paced       bool        // idle time follows the wall clock
	input       chan []byte // closed at EOF
	quit        chan struct{}
	restore     func()
	eof         bool
	flushed     uint64 // guest time of the last flush of serial output
	stopOnce    sync.Once
	debug       atomic.Bool // Ctrl-A C: open the debugger on the stopped machine
}

// debugWanted reports whether the user pressed Ctrl-A C.
func (c *console) debugWanted() bool { return c.debug.Load() }

// reader returns stdin's bytes as this console reads them (after the
// Ctrl-A escape), for a debugger console that takes over the terminal.
func (c *console) reader() io.Reader { return &chanReader{ch: c.input} }

// chanReader reads the chunks of a channel.
type chanReader struct {
	ch   chan []byte
	rest []byte
}

func (r *chanReader) Read(p []byte) (int, error) {
	if len(r.rest) == 0 {
		b, ok := <-r.ch
		if !ok {
			return 0, io.EOF
		}
		r.rest = b
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// stop ends the run: the machine stops and an idle wait for input ends.
// Safe from any goroutine.
func (c *console) stop() {
	c.stopOnce.Do(func() {
		close(c.quit)
		c.m.RequestStop()
	})
}

// flushEvery is how much guest time may pass between flushes of serial
// output while the guest is busy (it is flushed whenever the guest idles).
const flushEvery = 1_000_000

func newConsole(m *emu.Machine, out flusher, interactive bool, notice io.Writer) (*console, error) {
	c := &console{m: m, out: out, interactive: interactive, paced: interactive, notice: notice,
		input: make(chan []byte, 64), quit: make(chan struct{}), restore: func() {}}
	if interactive {
		fd := int(os.Stdin.Fd())
		st, err := term.MakeRaw(fd)
		if err != nil {
			return nil, err
		}
		c.restore = func() { _ = term.Restore(fd, st) }
	}
	go c.read()
	if !interactive {
		c.prefill()
	}
	m.SetHooks(emu.Hooks{Poll: func() { c.poll() }, Idle: c.idle})
	return c, nil
}

// scriptWait bounds how long a non-terminal stdin may take to deliver its
// script before the guest starts.
const scriptWait = time.Second

// prefill queues a scripted stdin on the UART before the guest runs: all
// of it up to EOF, or what arrives within scriptWait. The guest then sees
// the same input at the same guest time on every run, as QEMU's guests see
// a piped stdin. When stdin is still open after that, later input streams
// in as it comes, and the guest's idle time is paced to the wall clock as
// on a terminal: otherwise an idle guest would race through its guest time
// (and any --max-time) before the input arrived.
func (c *console) prefill() {
	timeout := time.NewTimer(scriptWait)
	defer timeout.Stop()
	for {
		select {
		case b, ok := <-c.input:
			if !ok {
				c.eof = true
				return
			}
			c.m.SerialInput(b)
		case <-timeout.C:
			c.paced = true
			fmt.Fprintf(c.notice, "kppemu: stdin still open after %v: the guest's idle time now follows the host clock "+
				"so that later input is delivered (close stdin for a reproducible run)\n", scriptWait)
			return
		}
	}
}

// reportUndelivered says how much input the guest never read: bytes still
// queued at the UART, and bytes that arrived after the machine stopped.
// Call it after the run, and only when no debugger took over stdin.
func (c *console) reportUndelivered(w io.Writer) {
	late := 0
	for !c.eof {
		select {
		case b, ok := <-c.input:
			if !ok {
				c.eof = true
				break
			}
			late += len(b)
			continue
		default:
		}
		break
	}
	queued := c.m.UART.Pending()
	if queued+late > 0 {
		fmt.Fprintf(w, "kppemu: %d byte(s) of input not read by the guest before it stopped (%d queued at the UART, %d arrived after)\n",
			queued+late, queued, late)
	}
}

// close puts the terminal back (idempotent).
func (c *console) close() {
	c.restore()
	c.restore = func() {}
}

// read copies stdin to the input channel, handling the Ctrl-A escape on a
// terminal.
func (c *console) read() {
	buf := make([]byte, 4096)
	esc := escape{help: func() { io.WriteString(stdout, escapeHelp) }}
	for {
		n, err := os.Stdin.Read(buf)
		if n > 0 {
			chunk := append([]byte(nil), buf[:n]...)
			if c.interactive {
				var quit, dbg bool
				chunk, quit, dbg = esc.filter(buf[:n])
				if quit {
					c.stop()
					return
				}
				if dbg {
					// Stop the machine; the debugger reads on through c.input.
					c.debug.Store(true)
					c.stop()
				}
			}
			if len(chunk) > 0 {
				c.input <- chunk
			}
		}
		if err != nil {
			close(c.input)
			return
		}
	}
}

// escape is the state of QEMU's console escape: Ctrl-A X quits, Ctrl-A C
// opens the debugger (QEMU's monitor key), Ctrl-A H calls help, Ctrl-A
// Ctrl-A sends one Ctrl-A, Ctrl-A and any other byte send both.
type escape struct {
	pending bool
	help    func() // nil: Ctrl-A H is ignored
}

// filter returns the bytes for the guest and whether the user asked to
// quit or to debug.
func (e *escape) filter(in []byte) (out []byte, quit, debug bool) {
	out = make([]byte, 0, len(in))
	for i, b := range in {
		switch {
		case e.pending && (b == 'x' || b == 'X'):
			e.pending = false
			return out, true, false
		case e.pending && (b == 'h' || b == 'H'):
			e.pending = false
			if e.help != nil {
				e.help()
			}
		case e.pending && (b == 'c' || b == 'C'):
			e.pending = false
			// What follows is the debugger's input.
			return append(out, in[i+1:]...), false, true
		case e.pending:
			e.pending = false
			if b != ctrlA {
				out = append(out, ctrlA)
			}
			out = append(out, b)
		case b == ctrlA:
			e.pending = true
		default:
			out = append(out, b)
		}
	}
	return out, false, false
}

// poll feeds pending input to the UART and flushes serial output; it
// reports whether it fed anything.
func (c *console) poll() bool {
	fed := false
	for !c.eof {
		select {
		case b, ok := <-c.input:
			if !ok {
				c.eof = true
				break
			}
			c.m.SerialInput(b)
			fed = true
			continue
		default:
		}
		break
	}
	if now := c.m.Now(); now-c.flushed >= flushEvery {
		c.flushed = now
		_ = c.out.Flush() // an error stops the machine through the output's OnError
	}
	return fed
}

// idle runs while the guest halts with interrupts enabled. On a terminal
// (or a piped stdin still open, see prefill) it lets the wall clock catch
// up with the guest's (waking early for input); otherwise guest time skips
// ahead at once.
func (c *console) idle(now, next uint64, ok bool) (uint64, bool) {
	_ = c.out.Flush()
	if c.poll() {
		return now, true
	}
	var timeout <-chan time.Time
	if ok {
		if !c.paced || c.eof && !c.interactive {
			return next, true
		}
		t := time.NewTimer(time.Duration(next - now))
		defer t.Stop()
		timeout = t.C
	} else if c.eof {
		return now, false
	}
	input := c.input
	if c.eof {
		input = nil
	}
	start := time.Now()
	select {
	case b, open := <-input:
		if !open {
			c.eof = true
		} else {
			c.m.SerialInput(b)
		}
	case <-c.quit:
	case <-timeout:
		return next, true
	}
	if !c.paced {
		return now, true
	}
	return now + uint64(time.Since(start)), true
}
