package hostio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func serialOutput(w *bytes.Buffer, limit uint64) *Output {
	o := NewOutput("serial output", w, nil)
	o.Limit = limit
	o.Marker = func(l uint64) []byte { return []byte("[cut at " + FormatSize(l) + "]") }
	o.Trailer = func(d, b uint64) []byte { return []byte(fmt.Sprintf("[%d writes, %d bytes dropped]", d, b)) }
	return o
}

// A guest writing one byte at a time forever gets Limit bytes, the
// marker, and at Close the count of what was dropped; memory stays flat.
func TestOutputCap(t *testing.T) {
	var buf bytes.Buffer
	o := serialOutput(&buf, 10)
	for i := 0; i < 1000; i++ {
		if n, err := o.Write([]byte{'a' + byte(i%26)}); n != 1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	want := "abcdefghij[cut at 10 bytes][990 writes, 990 bytes dropped]"
	if buf.String() != want {
		t.Fatalf("output %q, want %q", buf.String(), want)
	}
	if s := o.Summary("--serial-limit"); !strings.Contains(s, "990 byte(s) dropped") || !strings.Contains(s, "--serial-limit") {
		t.Fatalf("summary %q", s)
	}
}

// With Records, a write that does not fit is dropped whole.
func TestOutputRecords(t *testing.T) {
	var buf bytes.Buffer
	o := serialOutput(&buf, 10)
	o.Records = true
	o.Write([]byte("1234\n"))
	o.Write([]byte("5678\n"))
	o.Write([]byte("9abc\n"))
	o.Close()
	if got := buf.String(); got != "1234\n5678\n[cut at 10 bytes][1 writes, 5 bytes dropped]" {
		t.Fatalf("output %q", got)
	}
}

// A full disk: the first error is kept, reported once through OnError,
// and returned by Flush and Close; Write itself never fails.
func TestOutputWriteError(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("/dev/full:", err)
	}
	o := NewOutput("serial output to /dev/full", full, full)
	var calls atomic.Int32
	o.OnError = func(err error) {
		calls.Add(1)
		_ = o.Err() // callbacks may use the Output
	}
	for i := 0; i < 200000; i++ {
		if _, err := o.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	err = o.Close()
	if err == nil || !strings.Contains(err.Error(), "serial output to /dev/full") || !strings.Contains(err.Error(), "no space") {
		t.Fatalf("Close = %v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("OnError called %d times", calls.Load())
	}
}

func TestReadFileLimits(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("hello"), 0o644)
	if b, err := ReadFile(small, 5, "kernel", "RAM"); err != nil || string(b) != "hello" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if _, err := ReadFile(small, 4, "kernel", "the guest's RAM"); err == nil || !strings.Contains(err.Error(), "refused before reading") {
		t.Fatalf("oversized file: %v", err)
	}
	// A sparse 2 GiB file is refused from its size: nothing is read.
	big := filepath.Join(dir, "big")
	f, _ := os.Create(big)
	if err := f.Truncate(2 << 30); err != nil {
		t.Skip(err)
	}
	f.Close()
	_, err := ReadFile(big, 128<<20, "kernel", "the guest's 128 MiB of RAM")
	if err == nil || !strings.Contains(err.Error(), "2 GiB, larger than the guest's 128 MiB of RAM") {
		t.Fatalf("2 GiB file: %v", err)
	}
	// An endless device is read only up to the limit.
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := ReadFile("/dev/zero", 1<<20, "kernel", "the guest's RAM")
		if err == nil || !strings.Contains(err.Error(), "more than 1 MiB") {
			t.Fatalf("/dev/zero: %v", err)
		}
	}
	if _, err := ReadFile(dir, 1, "driver", "x"); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("directory: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "none"), 1, "driver", "x"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSizes(t *testing.T) {
	for _, c := range []struct {
		in   string
		unit uint64
		want uint64
	}{{"256M", 1, 256 << 20}, {"1G", 1, 1 << 30}, {"64KiB", 1, 64 << 10}, {"100", 1, 100}, {"128", 1 << 20, 128 << 20}, {"0", 1, 0}} {
		if got, err := ParseSize(c.in, c.unit); err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v", c.in, got, err)
		}
	}
	for _, bad := range []string{"", "x", "-1", "99999999999T"} {
		if _, err := ParseSize(bad, 1); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	if s := FormatSize(3 << 29); s != "1.5 GiB" {
		t.Errorf("FormatSize = %q", s)
	}
}

func TestLimits(t *testing.T) {
	if err := CheckGuestTime("--max-time", 100000*time.Hour); err == nil || !strings.Contains(err.Error(), "at most 24h0m0s") {
		t.Errorf("100000h: %v", err)
	}
	if err := CheckGuestTime("--max-time", 30*time.Second); err != nil {
		t.Error(err)
	}
	if err := CheckRuns("--repeat", 1_000_000_000_000); err == nil {
		t.Error("10^12 runs accepted")
	}
	stopped := make(chan struct{})
	w := StartWallLimit(time.Millisecond, func() { close(stopped) })
	<-stopped
	if !w.Hit() {
		t.Error("Hit = false after the stop")
	}
	w.Stop()
	none := StartWallLimit(0, func() { t.Error("a zero limit fired") })
	none.Stop()
	if none.Hit() {
		t.Error("zero limit hit")
	}
}

// ErrWriter keeps the first write error and writes nothing after it.
func TestErrWriter(t *testing.T) {
	var b bytes.Buffer
	w := &ErrWriter{W: &b}
	fmt.Fprint(w, "one ")
	if w.Err != nil || b.String() != "one " {
		t.Fatalf("after a good write: %q, %v", b.String(), w.Err)
	}
	full := &ErrWriter{W: &limitWriter{w: &b, n: 2}}
	fmt.Fprint(full, "ab")
	fmt.Fprint(full, "cd")
	fmt.Fprint(full, "ef")
	if !errors.Is(full.Err, errFull) || b.String() != "one ab" {
		t.Fatalf("past the failing write: %q, %v", b.String(), full.Err)
	}
}

var errFull = errors.New("no space left")

// limitWriter accepts n bytes, then fails.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, errFull
	}
	l.n -= len(p)
	return l.w.Write(p)
}
