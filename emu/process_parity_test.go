package emu

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"

	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/images/qemu"
	"github.com/kppemu/kppemu/kernel/abi"
)

// Ring-3 processes on both machines: each script runs programs
// from the module archive through the kernel shell on kppemu and on QEMU.
// The transcripts must match (timing lines aside), no script may bug-check,
// and each case checks what its programs prove on both machines' output.

// processRun is one machine's result.
type processRun struct {
	machine string
	serial  string
	status  int
	events  []Event // kppemu only
}

// bootProcesses boots the embedded kernel and archive with cmdline on
// kppemu (twice when deterministic: the serial output must repeat byte for
// byte) and, when it is installed, on QEMU.
func bootProcesses(t *testing.T, cmdline string, deterministic bool) []processRun {
	t.Helper()
	return bootProcessesWith(t, cmdline, images.Archive(), "", deterministic)
}

// bootProcessesWith is bootProcesses with a given archive and serial input.
func bootProcessesWith(t *testing.T, cmdline string, archive []byte, input string, deterministic bool) []processRun {
	t.Helper()
	var serial, logs bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: &logs})
	m, err := New(Config{Serial: &serial, Logger: logger})
	require.NoError(t, err)
	var events []Event
	cancel := m.Subscribe(func(e Event) { events = append(events, e) })
	defer cancel()
	_, err = m.Boot(BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: cmdline,
		Modules: []BootModule{{Cmdline: "initrd.tar", Data: archive}}})
	require.NoError(t, err)
	if input != "" {
		m.SerialInput([]byte(input))
	}
	stop := m.RunFor(parityGuestLimit)
	if stop.Reason != StopDebugExit {
		cpuGate(t, logs.String(), stop)
	}
	require.Equal(t, StopDebugExit, stop.Reason, "kppemu stopped by %v\n%s", stop, serial.String())
	runs := []processRun{{machine: "kppemu", serial: serial.String(), status: stop.Status, events: events}}
	if deterministic {
		// kppemu is deterministic: the same boot again gives the same
		// serial bytes, timing lines (preemption points) included.
		var again bytes.Buffer
		m2, err := New(Config{Serial: &again, Logger: logger})
		require.NoError(t, err)
		_, err = m2.Boot(BootImage{Path: "kernel.elf", Kernel: images.Kernel(), Append: cmdline,
			Modules: []BootModule{{Cmdline: "initrd.tar", Data: archive}}})
		require.NoError(t, err)
		if input != "" {
			m2.SerialInput([]byte(input))
		}
		m2.RunFor(parityGuestLimit)
		require.Equal(t, serial.String(), again.String(), "two kppemu runs differ")
	}

	if !qemu.Available() {
		if os.Getenv(qemu.RequireEnv) == "1" {
			t.Fatalf("%s not found and %s=1", qemu.Binary, qemu.RequireEnv)
		}
		t.Logf("%s not installed: kppemu only", qemu.Binary)
		return runs
	}
	dir := t.TempDir()
	kpath, err := qemu.WriteTemp(dir, "kernel.elf", images.Kernel())
	require.NoError(t, err)
	apath, err := qemu.WriteTemp(dir, "initrd.tar", archive)
	require.NoError(t, err)
	// Which program runs when depends on where the ticks fall: on QEMU they
	// follow its instruction count, so that a loaded host cannot starve the
	// tick (and with it the preemption the cases check).
	res, err := qemu.Run(context.Background(), qemu.Config{Kernel: kpath, Modules: []qemu.Module{{Path: apath}},
		Append: cmdline, Input: input, ICount: true, Timeout: 90 * time.Second, Seed: qemu.SeedPtr(0)})
	require.NoError(t, err)
	require.False(t, res.TimedOut, "QEMU timed out; serial:\n%s", res.Serial)
	runs = append(runs, processRun{machine: "qemu", serial: res.Serial, status: res.ExitCode})

	want, got := qemu.Transcript(res.Serial), qemu.Transcript(serial.String())
	if i, w, g := qemu.FirstDifference(want, got); i > 0 {
		t.Fatalf("transcripts differ at line %d:\nqemu:   %q\nkppemu: %q\n\nqemu:\n%s\n\nkppemu:\n%s",
			i, w, g, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	return runs
}

// lineIndex returns the index of the first (or last) line containing s, or -1.
func lineIndex(lines []string, s string, last bool) int {
	idx := -1
	for i, l := range lines {
		if strings.Contains(l, s) {
			idx = i
			if !last {
				break
			}
		}
	}
	return idx
}

func TestProcessParity(t *testing.T) {
	cases := []struct {
		name   string
		script string
		want   []string // in order, on unmarked or timing lines
		check  func(t *testing.T, r processRun)
	}{
		{
			// Two CPU-bound programs started together both make progress
			// before either finishes (the tick preempts them); init reports
			// in a fixed order, so the transcript does not depend on timing.
			name:   "preemption",
			script: "autorun=run init spin 12000000 a + spin 12000000 b;ps;poweroff",
			want: []string{
				"init: started 2 program(s)",
				"init: spin (pid 2) exited, status 0x",
				"init: spin (pid 3) exited, status 0x",
				"run: init (pid 1) exited, status 0x0",
			},
			check: func(t *testing.T, r processRun) {
				lines := qemu.Lines(r.serial)
				aFirst, aLast := lineIndex(lines, "~ spin 2 a: round 1/10", false), lineIndex(lines, "~ spin 2 a: round 10/10", true)
				bFirst, bLast := lineIndex(lines, "~ spin 3 b: round 1/10", false), lineIndex(lines, "~ spin 3 b: round 10/10", true)
				require.True(t, aFirst >= 0 && aLast >= 0 && bFirst >= 0 && bLast >= 0, "%s: missing progress lines:\n%s", r.machine, r.serial)
				require.True(t, bFirst < aLast && aFirst < bLast,
					"%s: the spins did not overlap (a %d..%d, b %d..%d):\n%s", r.machine, aFirst, aLast, bFirst, bLast, r.serial)
				sums := regexp.MustCompile(`init: spin \(pid \d\) exited, status (0x[0-9a-f]+)`).FindAllStringSubmatch(r.serial, -1)
				require.Len(t, sums, 2)
				require.Equal(t, sums[0][1], sums[1][1], "same work, same checksum")
				if r.events != nil {
					var created, exited int
					for _, e := range r.events {
						switch e.Type {
						case abi.EvProcessCreated:
							created++
						case abi.EvProcessExited:
							exited++
						}
					}
					require.Equal(t, 3, created, "process-created events")
					require.Equal(t, 3, exited, "process-exited events")
				}
			},
		},
		{
			name:   "bad-pointer",
			script: "autorun=run badptr;run hello after;ps;poweroff",
			want: []string{
				"badptr: write(kernel buffer)               0xc000000d invalid parameter",
				"badptr: write(unmapped buffer)             0xc0000005 access violation",
				"badptr: ok (0 wrong)",
				"run: badptr (pid 1) exited, status 0x0",
				"hello: argv[1] = \"after\"",
				"run: hello (pid 2) exited, status 0x0",
			},
		},
		{
			// Faulting programs die alone: the service started before keeps
			// running and answers the kill afterwards.
			name:   "user-fault",
			script: "autorun=start svc;sleep 50;run fault read;run fault stack;run fault ud;run fault gp;ps;kill 1;wait 1;poweroff",
			want: []string{
				"start: svc is pid 1",
				"proc: pid 2 (fault) killed: page fault (read, not present) at 0x0, rip 0x",
				"run: fault (pid 2) exited, status 0xc0000005",
				"proc: pid 3 (fault) killed: page fault (write, not present) at 0x7ffffffdf",
				"proc: pid 4 (fault) killed: invalid opcode",
				"run: fault (pid 4) exited, status 0xc000001d",
				"proc: pid 5 (fault) killed: general protection",
				"    1      0 running        1       0 ",
				"kill: pid 1 (svc) terminated",
				"wait: svc (pid 1) exited, status 0xc000013a",
			},
		},
		{
			// A handle without the terminate right cannot kill; one with it can.
			name:   "kill-access",
			script: "autorun=start svc;sleep 50;run kill -a query 1;run kill -a query+read+write 1;ps;run kill 1;ps;wait 1;poweroff",
			want: []string{
				"kill: open pid 1 with access 0x400: status 0x0 success",
				"kill: terminate pid 1: status 0xc0000022 access denied",
				"run: kill (pid 2) exited, status 0x3",
				"kill: terminate pid 1: status 0xc0000022 access denied",
				"    1      0 running        1       0 ",
				"kill: terminate pid 1: status 0x0 success",
				"kill: pid 1 exited, status 0x1",
				"    1      0 exited         0       0      0 svc",
				"wait: svc (pid 1) exited, status 0x1",
			},
		},
		{
			// Cross-process memory: VM write lands in the service's mailbox;
			// without the right the write is refused (the read still works
			// with VM read), and a duplicate cannot add rights.
			name:   "vm-write",
			script: "autorun=start svc;sleep 50;run inject 1 hello-from-inject;sleep 100;run inject -a read 1 nope;run inject -a query 1 nope;kill 1;poweroff",
			want: []string{
				"inject: open pid 1 with access 0x30: status 0x0 success",
				"inject: write \"hello-from-inject\" at 0x20000000: status 0x0 success",
				"inject: read back \"hello-from-inject\"",
				"inject: duplicate adding terminate: status 0xc0000022 access denied",
				"inject: write \"nope\" at 0x20000000: status 0xc0000022 access denied",
				"inject: read back \"hello-from-inject\"",
				"inject: write \"nope\" at 0x20000000: status 0xc0000022 access denied",
				"inject: read back: status 0xc0000022 access denied",
				"kill: pid 1 (svc) terminated",
			},
			// The service notices the new mailbox on its own schedule: on
			// QEMU, where the tick follows the host clock, its line can come
			// anywhere between the write and the kill.
			check: func(t *testing.T, r processRun) {
				write := strings.Index(r.serial, "inject: write \"hello-from-inject\" at 0x20000000: status 0x0 success")
				seen := strings.Index(r.serial, "~ svc 1: mailbox now \"hello-from-inject\"")
				kill := strings.Index(r.serial, "kill: pid 1 (svc) terminated")
				require.True(t, write >= 0 && seen > write && kill > seen,
					"the service reports the injected mailbox between the write and the kill:\n%s", r.serial)
			},
		},
		{
			// Process churn under PatchGuard's test profile (a pass every
			// 5-15 ms walks the process list, the PID table and the
			// handle-table list): no false positive.
			name: "patchguard",
			// Background programs print timing lines only; the foreground
			// ones run one at a time.
			script: "pg.profile=test autorun=start svc;start spin 4000000000 bg;run threads 4;run jit;run fault read;run badptr;" +
				"run spawn hello;run inject 1 pg;run init spin 100000 + spin 100000 + spin 100000 + spin 100000 + spin 100000;" +
				"kill 2;kill 1;wait 1;wait 2;pg;poweroff",
			want: []string{
				"pg: armed",
				"threads: 4 thread(s) done",
				"run: jit (pid 4) exited, status 0x0",
				"run: fault (pid 5) exited, status 0xc0000005",
				"badptr: ok (0 wrong)",
				"spawn: hello (pid 8) exited, status 0x0",
				"inject: read back \"pg\"",
				"init: started 5 program(s)",
				"run: init (pid 10) exited, status 0x0",
				"wait: svc (pid 1) exited, status 0xc000013a",
				"wait: spin (pid 2) exited, status 0xc000013a",
				"pg: armed",
			},
		},
		{
			// The read system call: the program gets the line typed on
			// the console.
			name:   "console-read",
			script: "autorun=run readln type-a-line;poweroff",
			want: []string{
				"type-a-line",
				"readln: \"typed on the console\" (20 bytes)",
				"run: readln (pid 1) exited, status 0x0",
			},
		},
		{
			// Query, set-name, suspend/resume and duplicate-into each need
			// their right; a suspended service stops beating until resumed.
			name: "process-rights",
			script: "autorun=start svc;sleep 250;run pctl query 1;run pctl -a suspend query 1;run pctl -a query name 1;" +
				"run pctl name 1 renamed;run pctl -a query resume 1;run pctl pause 1 400;sleep 250;run pctl -a query dup 1;" +
				"run pctl dup 1;ps;kill 1;wait 1;poweroff",
			want: []string{
				"pctl: pid 1 \"svc\" parent 0 threads 1 handles 0 pages 20",
				"pctl: query: status 0xc0000022 access denied",
				"pctl: set name: status 0xc0000022 access denied",
				"pctl: set name: status 0x0 success",
				"pctl: resume: status 0xc0000022 access denied",
				"pctl: suspend: status 0x0 success",
				"pctl: resume: status 0x0 success",
				"pctl: duplicate into it: status 0xc0000022 access denied",
				"pctl: pid 1 now holds handle 0x4 to pid 9",
				"    1      0 running        1       1     20 renamed",
				"wait: renamed (pid 1) exited, status 0xc000013a",
			},
			check: func(t *testing.T, r processRun) {
				lines := qemu.Lines(r.serial)
				suspended := lineIndex(lines, "pctl: suspend: status 0x0", false)
				resumed := lineIndex(lines, "pctl: resume: status 0x0", false)
				require.True(t, suspended > 0 && resumed > suspended)
				require.Greater(t, lineIndex(lines, "~ svc 1: heartbeat", false), 0, "%s: no heartbeat before", r.machine)
				require.Greater(t, lineIndex(lines, "~ svc 1: heartbeat", true), resumed, "%s: no heartbeat after the resume", r.machine)
				for _, l := range lines[suspended:resumed] {
					require.NotContains(t, l, "~ svc 1:", "%s: the service ran while suspended", r.machine)
				}
			},
		},
		{
			// Each user thread keeps its own SSE registers across switches.
			name:   "sse-state",
			script: "autorun=run init ssechk 1 + ssechk 2 + ssechk 3;poweroff",
			want: []string{
				"init: ssechk (pid 2) exited, status 0x0",
				"init: ssechk (pid 3) exited, status 0x0",
				"init: ssechk (pid 4) exited, status 0x0",
			},
		},
		{
			// The user-mode shell: typed lines run programs through spawn.
			name:   "user-shell",
			script: "autorun=run sh;poweroff",
			want: []string{
				"$ hello one two",
				"hello: argv[2] = \"two\"",
				"$ nosuch",
				"sh: nosuch: status 0xc0000034 not found",
				"$ fault read",
				"proc: pid 3 (fault) killed: page fault (read, not present) at 0x0",
				"sh: fault (pid 3) exited, status 0xc0000005",
				"$ exit 7",
				"run: sh (pid 1) exited, status 0x7",
			},
		},
		{
			name:   "rwx",
			script: "autorun=run jit;run jit nx;poweroff",
			want: []string{
				"jit: vm_alloc RWX: status 0x0 success",
				"jit: RWX code returned 0x1234",
				"jit: vm_protect RX: status 0x0 success",
				"jit: RX code returned 0x5678",
				"run: jit (pid 1) exited, status 0x0",
				"jit: calling code in a no-execute page",
				"proc: pid 2 (jit) killed: page fault (execute, protection) at 0x100002000, rip 0x100002000",
				"run: jit (pid 2) exited, status 0xc0000005",
			},
		},
		{
			name: "programs",
			script: "autorun=run hello a b;run spawn hello x;run threads 3;run ps;run loaddrv hello from-user;" +
				"run loaddrv -u hello;run fault div;run fault exec;run fault write;run fault kernel;ps;poweroff",
			want: []string{
				"hello: pid 1, main at 0x40001000, 2 argument(s)",
				"hello: argv[2] = \"b\"",
				"spawn: hello (pid 3) exited, status 0x0",
				"threads: 3 thread(s) done, total 600000",
				"hello: driver hello, args \"from-user\"",
				"loaddrv: load hello: status 0x0 success",
				"loaddrv: unload hello: status 0x0 success",
				"proc: pid 8 (fault) killed: divide error",
				"run: fault (pid 8) exited, status 0xc0000094",
				"killed: page fault (execute, protection)",
				"killed: page fault (write, protection)",
				"killed: page fault (read, not present) at 0xffffffff80000000",
				"    0      0 running        2       0      0 system",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			input := ""
			switch c.name {
			case "console-read":
				input = "typed on the console\r"
			case "user-shell":
				input = "hello one two\rnosuch\rfault read\rexit 7\r"
			}
			for _, r := range bootProcessesWith(t, c.script, images.Archive(), input, c.name == "preemption") {
				t.Run(r.machine, func(t *testing.T) {
					require.NotContains(t, r.serial, "*** STOP", "bug check")
					require.Equal(t, 1, r.status, "exit status (poweroff)")
					expectLines(t, r.serial, c.want)
					if c.check != nil {
						c.check(t, r)
					}
				})
			}
		})
	}
}

// expectLines checks that each wanted string occurs in a line, in order.
func expectLines(t *testing.T, serial string, want []string) {
	t.Helper()
	lines := qemu.Lines(serial)
	i := 0
	for _, l := range lines {
		if i < len(want) && strings.Contains(l, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("serial output lacks %q (after %d matches):\n%s", want[i], i, strings.Join(lines, "\n"))
	}
}

// TestProcessBadImages puts malformed programs into the module archive:
// the kernel refuses each with STATUS_INVALID_IMAGE_FORMAT, creates no
// process and keeps running programs.
func TestProcessBadImages(t *testing.T) {
	spin, err := images.Program("spin")
	require.NoError(t, err)
	hello, err := images.Program("hello") // a PIE
	require.NoError(t, err)
	f, err := elf.NewFile(bytes.NewReader(spin))
	require.NoError(t, err)
	le := binary.LittleEndian
	const phoff = 32 // e_phoff in the ELF64 header
	ph := int(le.Uint64(spin[phoff:]))
	var load int = -1 // offset of the first PT_LOAD header
	for i, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			load = ph + i*56
			break
		}
	}
	require.True(t, load > 0)
	mut := func(base []byte, fn func(b []byte)) []byte {
		b := bytes.Clone(base)
		fn(b)
		return b
	}
	bad := []struct {
		name string
		data []byte
	}{
		{"bad_empty", nil},
		{"bad_truncated", spin[:100]},
		{"bad_magic", mut(spin, func(b []byte) { b[0] = 0 })},
		{"bad_class", mut(spin, func(b []byte) { b[4] = 1 })},
		{"bad_type", mut(spin, func(b []byte) { le.PutUint16(b[16:], 1) })}, // ET_REL
		{"bad_phoff", mut(spin, func(b []byte) { le.PutUint64(b[phoff:], 1<<40) })},
		{"bad_phnum", mut(spin, func(b []byte) { le.PutUint16(b[56:], 0xFFFF) })},
		{"bad_offset", mut(spin, func(b []byte) { le.PutUint64(b[load+8:], 1<<40) })},  // p_offset
		{"bad_filesz", mut(spin, func(b []byte) { le.PutUint64(b[load+32:], 1<<40) })}, // p_filesz
		{"bad_kernel", mut(spin, func(b []byte) { le.PutUint64(b[load+16:], 0xFFFFFFFF80000000) })},
		{"bad_memsz", mut(spin, func(b []byte) { le.PutUint64(b[load+40:], 1<<46) })},
		{"bad_entry", mut(spin, func(b []byte) { le.PutUint64(b[24:], 0x10) })},
		{"bad_reloc", mut(hello, func(b []byte) {
			hf, err := elf.NewFile(bytes.NewReader(hello))
			require.NoError(t, err)
			s := hf.Section(".rela.dyn")
			require.NotNil(t, s, "hello has no .rela.dyn")
			le.PutUint32(b[s.Offset+8:], uint32(elf.R_X86_64_64))
		})},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tr := tar.NewReader(bytes.NewReader(images.Archive()))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		require.NoError(t, tw.WriteHeader(h))
		_, err = tw.Write(data)
		require.NoError(t, err)
	}
	var script []string
	var want []string
	for _, b := range bad {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: b.name, Mode: 0o644, Size: int64(len(b.data)),
			Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}))
		_, err := tw.Write(b.data)
		require.NoError(t, err)
		script = append(script, "run "+b.name)
		want = append(want, fmt.Sprintf("run: %s: status 0x%08x", b.name, abi.StatusInvalidImageFormat))
	}
	require.NoError(t, tw.Close())
	script = append(script, "run hello still-alive", "ps", "poweroff")
	want = append(want, "hello: argv[1] = \"still-alive\"", "run: hello (pid ", "    0      0 running        2       0      0 system")
	for _, r := range bootProcessesWith(t, "autorun="+strings.Join(script, ";"), buf.Bytes(), "", false) {
		t.Run(r.machine, func(t *testing.T) {
			require.NotContains(t, r.serial, "*** STOP", "bug check")
			require.Equal(t, 1, r.status, "exit status (poweroff)")
			expectLines(t, r.serial, want)
		})
	}
}
