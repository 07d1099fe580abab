package debug

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/internal/cputime"
)

// waitCPU bounds each of the view test's waits in CPU time (of this
// process): a guard against a hang, far above the milliseconds each takes.
const waitCPU = time.Minute

// screenText returns the simulated screen's characters, row by row. It
// runs on the view's event loop (through QueueUpdate), the goroutine that
// draws: tcell's simulated screen hands out its cells without a copy, so a
// read from anywhere else races with the next draw.
func screenText(t *testing.T, app *tview.Application, sc tcell.SimulationScreen, done <-chan error) string {
	t.Helper()
	got := make(chan string, 1)
	go app.QueueUpdate(func() {
		cells, w, h := sc.GetContents()
		var b strings.Builder
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := cells[y*w+x]
				if len(c.Runes) > 0 {
					b.WriteRune(c.Runes[0])
				} else {
					b.WriteByte(' ')
				}
			}
			b.WriteByte('\n')
		}
		got <- b.String()
	})
	select {
	case txt := <-got:
		return txt
	case err := <-done:
		t.Fatalf("the view ended while the test read the screen: %v", err)
		return ""
	}
}

// TestTUI drives the full-screen view on a simulated screen: the panels
// show the code at RIP and the registers; a command typed on its command
// line runs (stepping changes RIP); q leaves the view.
func TestTUI(t *testing.T) {
	s := guestSession(t)
	_ = transcript(t, s, "b putc", "c")
	putc, err := s.m.Symbols().Address("putc")
	require.NoError(t, err)
	sc := tcell.NewSimulationScreen("UTF-8")
	done := make(chan error, 1)
	started := make(chan *tview.Application, 1)
	go func() { done <- s.runTUI(sc, func(app *tview.Application) { started <- app }) }()
	app, ok := cputime.Receive(started, cputime.Self, waitCPU)
	require.True(t, ok, "the view did not initialise its screen")
	// The waits are guarded by this process's CPU time (the view and the
	// guest run here), which a loaded host does not stretch.
	waitScreen := func(want string) string {
		t.Helper()
		var txt string
		if !cputime.Until(func() bool {
			txt = screenText(t, app, sc, done)
			return strings.Contains(txt, want)
		}, 10*time.Millisecond, cputime.Self, waitCPU) {
			t.Fatalf("no %q on the screen after %v of CPU time:\n%s", want, waitCPU, txt)
		}
		return txt
	}
	waitScreen("kernel!putc+0x0")
	// The view initialises the screen at 80x25: make it larger.
	sc.SetSize(160, 50)
	require.NoError(t, sc.PostEvent(tcell.NewEventResize(160, 50)))
	txt := waitScreen("rflags")
	require.Contains(t, txt, "registers")
	require.Contains(t, txt, fmt.Sprintf("rip  0x%016x", putc))
	for _, r := range "stepi 2" {
		sc.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	sc.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	waitScreen(fmt.Sprintf("rip  0x%016x", putc+2)) // push rdx; push rax
	waitScreen("(kppemu) stepi 2")
	sc.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	sc.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	err, ok = cputime.Receive(done, cputime.Self, waitCPU)
	require.True(t, ok, "the view did not close on q")
	require.NoError(t, err)
	require.Equal(t, putc+2, s.cpu().RIP)
}
