package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// flatKernel is a Multiboot a.out-kludge image loaded at 1 MiB: the
// 32-byte header, then code (entered in 32-bit protected mode) and data.
func flatKernel(t *testing.T, code []byte) string {
	t.Helper()
	const base, flags = 0x100000, 0x00010003
	h := make([]byte, 32)
	le := binary.LittleEndian
	le.PutUint32(h[0:], 0x1BADB002)
	le.PutUint32(h[4:], flags)
	magic := uint32(0x1BADB002)
	le.PutUint32(h[8:], -(magic + flags))
	le.PutUint32(h[12:], base)    // header_addr
	le.PutUint32(h[16:], base)    // load_addr
	le.PutUint32(h[28:], base+32) // entry_addr
	p := filepath.Join(t.TempDir(), "kernel.bin")
	require.NoError(t, os.WriteFile(p, append(h, code...), 0o644))
	return p
}

// serialFlood writes 'A' to COM1 in a loop: mov $0x3f8,%dx; mov $'A',%al;
// 1: out %al,%dx; jmp 1b.
var serialFlood = []byte{0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee, 0xeb, 0xfd}

// eventFlood posts the same log record to the event port in a loop:
// mov $0xea0,%dx; mov $rec,%eax; 1: out %eax,%dx; jmp 1b; rec at +16.
func eventFlood() []byte {
	code := []byte{0x66, 0xba, 0xa0, 0x0e, 0xb8, 0x30, 0x00, 0x10, 0x00, 0xef, 0xeb, 0xfd, 0x90, 0x90, 0x90, 0x90}
	text := "event flood: the same log record forever"
	rec := make([]byte, 16)
	binary.LittleEndian.PutUint32(rec[0:], 0x4550504B)
	binary.LittleEndian.PutUint32(rec[4:], 15) // log
	binary.LittleEndian.PutUint32(rec[8:], uint32(16+len(text)))
	return append(append(code, rec...), text...)
}

// A guest that writes serial output in a loop gets --serial-limit bytes,
// a marker and a count of what was dropped: the file stays bounded.
func TestBootSerialFloodCapped(t *testing.T) {
	out := filepath.Join(t.TempDir(), "serial.txt")
	r := kppemu(t, "", "boot", "--kernel", flatKernel(t, serialFlood), "--max-time", "5ms",
		"--serial", out, "--serial-limit", "64K")
	require.Equal(t, 0, r.status, "stderr: %s", r.stderr)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Less(t, len(b), 64<<10+200, "serial output not capped")
	require.Equal(t, strings.Repeat("A", 64<<10), string(b[:64<<10]))
	require.Contains(t, string(b), "[kppemu: serial output truncated at 64 KiB (--serial-limit); the rest is dropped]")
	require.Regexp(t, `\[kppemu: \d+ byte\(s\) of serial output dropped\]`, string(b))
	require.Contains(t, r.stderr, "truncated at 64 KiB (--serial-limit)")
}

// A guest that floods the event port gets --events-limit bytes of JSON
// lines, then a "truncated" line, and at the end one with the count.
func TestBootEventFloodCapped(t *testing.T) {
	out := filepath.Join(t.TempDir(), "events.jsonl")
	r := kppemu(t, "", "boot", "--kernel", flatKernel(t, eventFlood()), "--max-time", "2ms",
		"--serial", "/dev/null", "--events", out, "--events-limit", "16K")
	require.Equal(t, 0, r.status, "stderr: %s", r.stderr)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Less(t, len(b), 16<<10+400)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var logs int
	var last jsonEvent
	for _, l := range lines {
		var e jsonEvent
		require.NoError(t, json.Unmarshal([]byte(l), &e), "a line is not whole JSON: %q", l)
		if e.Type == "log" {
			logs++
		}
		last = e
	}
	require.Greater(t, logs, 100)
	require.Equal(t, truncatedEventType, last.Type)
	require.Greater(t, last.Dropped, uint64(1000))
	require.Contains(t, r.stderr, "record(s) dropped")
}

// A write error on serial or event output is reported with a non-zero
// status, not lost.
func TestBootWriteErrors(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	r := kppemu(t, "", "boot", "--kernel", testGuest, "--max-time", "1s", "--serial", "/dev/full")
	require.Equal(t, exitHostError, r.status, "stderr: %s", r.stderr)
	require.Contains(t, r.stderr, "writing serial output to /dev/full: write /dev/full: no space left on device")

	r = kppemu(t, "", "boot", "--kernel", testGuest, "--max-time", "1s", "--serial", os.DevNull, "--events", "/dev/full")
	require.Equal(t, exitHostError, r.status, "stderr: %s", r.stderr)
	require.Contains(t, r.stderr, "writing events to /dev/full")
}

// Output written to a standard output that fails (a full disk) ends in a
// message and status 2, whichever command wrote it.
func TestStdoutWriteErrors(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	drv := filepath.Join(t.TempDir(), "hello.ko")
	b, err := os.ReadFile("../../images/bin/drivers/hello.ko")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(drv, b, 0o644))
	for _, args := range [][]string{
		{"--version"},
		{"help", "run"},
		{"boot", "--help"},
		{"boot", "--device", "help"},
		{"disasm", "--kernel", testGuest},
		{"sign", "--verify", drv},
		{"debug", "--kernel", testGuest, "--no-record"},
	} {
		cmd := exec.Command(kppemuBinary(t), args...)
		cmd.Stdin = strings.NewReader("info registers\n")
		cmd.Stdout = full
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		require.Equal(t, exitHostError, cmd.ProcessState.ExitCode(), "kppemu %v; stderr: %s", args, stderr.String())
		require.Contains(t, stderr.String(), "no space left on device", "kppemu %v", args)
		require.NotContains(t, stderr.String(), "panic", "kppemu %v", args)
	}
}

// disasm reads a kernel or driver file up to the guest's RAM size.
func TestDisasmBoundedRead(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	for _, flag := range []string{"--kernel", "--driver"} {
		r := kppemu(t, "", "disasm", flag, "/dev/zero")
		require.Equal(t, exitHostError, r.status, "stderr: %s", r.stderr)
		require.Contains(t, r.stderr, flag+" /dev/zero: more than 128 MiB", flag)
		require.Contains(t, r.stderr, "refused after reading that much", flag)
	}
}

// Files are checked against guest RAM before they are read; guest time
// is bounded.
func TestBootInputLimits(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.elf")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(2<<30)) // sparse: nothing to read
	f.Close()
	r := kppemu(t, "", "boot", "--kernel", big)
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "--kernel "+big+": 2 GiB, larger than the guest's 128 MiB of RAM; refused before reading it")

	r = kppemu(t, "", "boot", "--driver", big)
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "refused before reading it")

	if _, err := os.Stat("/dev/zero"); err == nil {
		r = kppemu(t, "", "boot", "--kernel", "/dev/zero", "--mem", "16M")
		require.Equal(t, exitHostError, r.status)
		require.Contains(t, r.stderr, "--kernel /dev/zero: more than 16 MiB, larger than the guest's 16 MiB of RAM")
	}

	r = kppemu(t, "", "boot", "--max-time", "100000h")
	require.Equal(t, exitHostError, r.status)
	require.Contains(t, r.stderr, "--max-time 100000h0m0s: at most 24h0m0s of guest time")
}

// --max-wall stops a guest that would run (nearly) forever, with its own
// exit status and the guest time it reached.
func TestBootMaxWall(t *testing.T) {
	r := kppemu(t, "", "boot", "--kernel", flatKernel(t, serialFlood), "--serial", os.DevNull,
		"--serial-limit", "1K", "--max-wall", "300ms")
	require.Equal(t, exitWallLimit, r.status, "stderr: %s", r.stderr)
	require.Contains(t, r.stderr, "stopped by --max-wall 300ms of host time, at ")
}

// Input that arrives after the script window reaches the guest: kppemu
// says it now paces the guest's idle time to the host clock, and the guest
// (which would otherwise have run through its --max-time at once) is still
// there to echo it.
func TestBootLateInput(t *testing.T) {
	cmd := exec.Command(kppemuBinary(t), "boot", "--kernel", testGuest, "--append", "echo",
		"--max-time", "2m", "--max-wall", "10m")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	defer stdin.Close()
	var out bytes.Buffer
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	var notes []string
	for sc.Scan() {
		notes = append(notes, sc.Text())
		if strings.Contains(sc.Text(), "stdin still open") {
			break
		}
	}
	require.NotEmpty(t, notes, "kppemu ended without saying it waits for more input")
	require.Contains(t, notes[len(notes)-1], "the guest's idle time now follows the host clock")
	_, err = io.WriteString(stdin, "late\rq")
	require.NoError(t, err)
	rest, _ := io.ReadAll(stderr)
	err = cmd.Wait()
	require.Equal(t, 1, cmd.ProcessState.ExitCode(), "%v; stderr %s", err, rest)
	require.Contains(t, out.String(), "late\r\nbye")
}

// kppemu sign on a driver whose section name table size was bit-flipped:
// an error naming the header and its offset, status 2, no panic.
func TestSignMalformedDriver(t *testing.T) {
	b, err := os.ReadFile("../../images/bin/drivers/hello.ko")
	require.NoError(t, err)
	le := binary.LittleEndian
	shoff, shstrndx := le.Uint64(b[0x28:]), uint64(le.Uint16(b[0x3E:]))
	le.PutUint64(b[shoff+shstrndx*64+32:], 0x10000)
	p := filepath.Join(t.TempDir(), "bad.ko")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	r := kppemu(t, "", "sign", p)
	require.Equal(t, exitHostError, r.status, "stderr: %s", r.stderr)
	require.Regexp(t, `bad\.ko: section header \d+ at offset 0x[0-9a-f]+: data \[0x[0-9a-f]+, \+0x10000\) beyond the end of the file`, r.stderr)
	require.NotContains(t, r.stderr, "panic")
}
