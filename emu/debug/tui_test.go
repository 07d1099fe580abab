package debug

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/stretchr/testify/require"
)

// screenText returns the simulated screen's characters, row by row.
func screenText(sc tcell.SimulationScreen) string {
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
	return b.String()
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
	go func() { done <- s.runTUI(sc) }()
	waitScreen := func(want string) string {
		t.Helper()
		deadline := time.Now().Add(time.Minute) // a guard against a hang, not a timing
		for {
			txt := screenText(sc)
			if strings.Contains(txt, want) {
				return txt
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %q on the screen:\n%s", want, txt)
			}
			time.Sleep(10 * time.Millisecond)
		}
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
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("the view did not close on q")
	}
	require.Equal(t, putc+2, s.cpu().RIP)
}
