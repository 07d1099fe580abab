// Package hostio bounds what a machine's guest and its user can make the
// host do: output files with a size cap, a visible truncation marker and
// a count of what was dropped, whose write errors are reported instead of
// lost; input files whose size is checked before they are read; and limits
// on guest and host time. The CLI and the scenario runner share it.
package hostio

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sync"
)

// Default caps of the guest's output (`kppemu boot --serial-limit`,
// `--events-limit`): far more than any real session writes, small enough
// that a guest writing in a loop cannot fill the host's disk or memory.
const (
	DefaultSerialLimit = 256 << 20
	DefaultEventsLimit = 256 << 20
)

// Output is a buffered output file with a cap. Writes past the cap are
// dropped and counted; the first write that reaches it writes a marker
// instead. Write never fails, so that the device writing (a UART) cannot
// tell: the first error from the file is kept, passed to OnError once, and
// returned by Flush, Close and Err, and later writes are dropped.
//
// An Output may be written and flushed from several goroutines.
type Output struct {
	// Name says what goes where, for messages: "serial output to out.txt".
	Name string
	// Limit is the cap in bytes (0: none).
	Limit uint64
	// Records makes a write that does not fit whole be dropped whole (JSON
	// lines stay whole); otherwise the output is cut at exactly Limit.
	Records bool
	// Marker returns what to write when the cap is reached.
	Marker func(limit uint64) []byte
	// Trailer returns what Close writes after the output when something
	// was dropped: drops writes of bytes in all.
	Trailer func(drops, bytes uint64) []byte
	// OnError, if set, is called once with the first write error, outside
	// the Output's lock (it may call the Output's methods).
	OnError func(error)

	mu      sync.Mutex
	w       *bufio.Writer
	closer  io.Closer
	written uint64
	drops   uint64 // writes dropped in whole or in part
	dropped uint64 // bytes dropped
	full    bool
	err     error
	closed  bool
	report  bool // OnError is still to be called
}

// NewOutput returns an Output writing to w through a buffer; Close closes
// c when it is not nil.
func NewOutput(name string, w io.Writer, c io.Closer) *Output {
	return &Output{Name: name, w: bufio.NewWriterSize(w, 64<<10), closer: c}
}

// Create opens path for an Output ("-": standard output, not closed).
// what names the output in messages ("serial output").
func Create(what, path string) (*Output, error) {
	if path == "-" {
		return NewOutput(what+" to standard output", os.Stdout, nil), nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return NewOutput(what+" to "+path, f, f), nil
}

// Write implements io.Writer; it always reports success (see Output).
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.unlock()
	n := uint64(len(p))
	if o.err != nil || o.closed || o.full {
		o.drop(n)
		return len(p), nil
	}
	if o.Limit > 0 && o.written+n > o.Limit {
		keep := o.Limit - o.written
		if o.Records {
			keep = 0
		}
		o.write(p[:keep])
		o.drop(n - keep)
		o.full = true
		if o.Marker != nil {
			o.write(o.Marker(o.Limit))
		}
		return len(p), nil
	}
	o.write(p)
	return len(p), nil
}

func (o *Output) drop(n uint64) {
	o.drops++
	o.dropped += n
}

// write writes to the buffer and keeps the first error.
func (o *Output) write(p []byte) {
	if o.err != nil || len(p) == 0 {
		return
	}
	o.written += uint64(len(p))
	if _, err := o.w.Write(p); err != nil {
		o.fail(err)
	}
}

func (o *Output) fail(err error) {
	if o.err != nil {
		return
	}
	o.err = fmt.Errorf("writing %s: %w", o.Name, err)
	o.report = o.OnError != nil
}

// unlock releases the lock and then reports a new error.
func (o *Output) unlock() {
	report, err := o.report, o.err
	o.report = false
	o.mu.Unlock()
	if report {
		o.OnError(err)
	}
}

// Full reports whether the cap was reached. A writer of records may then
// skip making one and call Drop instead.
func (o *Output) Full() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.full
}

// Drop counts a record dropped without being written (see Full).
func (o *Output) Drop() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.drop(0)
}

// Flush writes the buffered bytes out; it returns the first error so far.
func (o *Output) Flush() error {
	o.mu.Lock()
	defer o.unlock()
	if o.err == nil {
		if err := o.w.Flush(); err != nil {
			o.fail(err)
		}
	}
	return o.err
}

// Err returns the first write error (nil: none so far).
func (o *Output) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// Truncated reports whether the cap was reached, and how many writes and
// bytes were dropped.
func (o *Output) Truncated() (full bool, drops, bytes uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.full, o.drops, o.dropped
}

// Close writes the trailer (when something was dropped), flushes and
// closes the file. It returns the first error of the Output's life; calling
// it again returns the same.
func (o *Output) Close() error {
	o.mu.Lock()
	defer o.unlock()
	if o.closed {
		return o.err
	}
	o.closed = true
	if o.full && o.Trailer != nil {
		o.write(o.Trailer(o.drops, o.dropped))
	}
	if o.err == nil {
		if err := o.w.Flush(); err != nil {
			o.fail(err)
		}
	}
	if o.closer != nil {
		if err := o.closer.Close(); err != nil && o.err == nil {
			o.fail(err)
		}
	}
	return o.err
}

// Summary is a one-line note on what the cap dropped ("" when nothing);
// flag names the option that sets the cap.
func (o *Output) Summary(flag string) string {
	full, drops, bytes := o.Truncated()
	if !full {
		return ""
	}
	what := fmt.Sprintf("%d byte(s)", bytes)
	if o.Records {
		what = fmt.Sprintf("%d record(s)", drops)
	}
	return fmt.Sprintf("%s truncated at %s (%s): %s dropped", o.Name, FormatSize(o.Limit), flag, what)
}

// WriteThrough returns a writer into the Output (the cap applies) that
// flushes after every write: for interactive output such as a debugger's
// prompt.
func (o *Output) WriteThrough() io.Writer { return writeThrough{o} }

type writeThrough struct{ o *Output }

func (w writeThrough) Write(p []byte) (int, error) {
	n, _ := w.o.Write(p)
	if err := w.o.Flush(); err != nil {
		return n, err
	}
	return n, nil
}

// ErrWriter passes writes on to W until one fails; from then on it writes
// nothing and returns that first error, which Err keeps: a report printed
// in many small writes checks for an error once, at its end.
type ErrWriter struct {
	W   io.Writer
	Err error
}

func (e *ErrWriter) Write(p []byte) (int, error) {
	if e.Err != nil {
		return 0, e.Err
	}
	n, err := e.W.Write(p)
	if err != nil {
		e.Err = err
	}
	return n, err
}
