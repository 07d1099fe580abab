package debug

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kppemu/kppemu/emu"
)

// fakeEnv has two registers, two symbols and memory that reads its address.
type fakeEnv struct{}

func (fakeEnv) reg(n string) (uint64, bool) {
	switch n {
	case "rax":
		return 0x10, true
	case "rsp":
		return 0x8000, true
	}
	return 0, false
}

func (fakeEnv) sym(n string) (uint64, error) {
	switch n {
	case "kmain":
		return 0xffffffff80100000, nil
	case "hello!driver_entry":
		return 0xffffffffa0000040, nil
	}
	return 0, errors.New("no symbol " + n)
}

func (fakeEnv) mem(a uint64) (uint64, error) {
	if a >= 0x100000 {
		return 0, errors.New("cannot access")
	}
	return a + 1, nil
}

func TestExpr(t *testing.T) {
	cases := []struct {
		src  string
		want uint64
	}{
		{"1+2*3", 7}, {"(1+2)*3", 9}, {"0x10 << 4", 0x100}, {"1 << 64", 0}, {"-1", ^uint64(0)},
		{"~0 >> 60", 0xF}, {"rax + $rsp", 0x8010}, {"kmain+0x10", 0xffffffff80100010},
		{"hello!driver_entry", 0xffffffffa0000040}, {"*rsp", 0x8001}, {"[rsp+8]", 0x8009},
		{"rax == 0x10 && rsp > 1", 1}, {"rax != 16 || 0", 0}, {"!rax", 0}, {"7 % 4", 3},
		{"1_000", 1000}, {"0b101 | 0o10", 13}, {"5 & 3 ^ 1", 0}, {"2 <= 2", 1}, {"3 >= 4", 0},
		{"0 && *0x200000", 0}, // && short-circuits: the bad read is never made
	}
	for _, c := range cases {
		v, err := evalExpr(c.src, fakeEnv{})
		require.NoError(t, err, c.src)
		require.Equal(t, c.want, v, c.src)
	}
	for _, bad := range []string{"", "1 +", "(1", "[1", "1 2", "0xg", "nosuch", "$nosuch", "1/0", "1%0", "*0x200000", "#", "1 ++ ) 2"} {
		_, err := evalExpr(bad, fakeEnv{})
		require.Error(t, err, bad)
	}
}

// FuzzExpr: no input makes the expression parser or evaluator panic or
// recurse without bound.
func FuzzExpr(f *testing.F) {
	for _, s := range []string{"1+2*3", "kmain+0x10", "[rsp+8] == 0x109 && rdi", "((((1))))", "-~!*rax",
		"hello!driver_entry + 4", "1 << 63 >> 1", "0x_1", "$rip", "a.b!c", "[", "*", "0o777 % 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := parseExpr(src)
		if err != nil {
			return
		}
		_, _ = n.eval(fakeEnv{})
	})
}

// FuzzExec: no command line makes the console fail with an internal
// error (a recovered panic). Commands that run the guest without a bound
// or touch files are left out; the rest run on the test guest.
func FuzzExec(f *testing.F) {
	for _, s := range []string{"regs", "x/4xg $rsp", "xp/2b 0", "disas putc 3", "info tab putc", "info gdt",
		"info idt", "info tss", "b putc if rax == 1", "watch rw 0x1000 8", "delete 1", "set rax = 5",
		"print [rsp]+1", "sym putc", "poke hexdigits 30", "events 3", "pg", "lsmod", "bt 3", "s 2", "n", "help x",
		"x/s msg_hello", "x/3c hexdigits", "x/2a $rsp", "type ab\\x41", "info break", "set syntax att", "time"} {
		f.Add(s)
	}
	k, err := os.ReadFile(testGuest)
	if err != nil {
		f.Fatal(err)
	}
	m, err := emu.New(emu.Config{Seed: 1, MemBytes: emu.MinMemBytes})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := m.Boot(emu.BootImage{Path: "guest.elf", Kernel: k}); err != nil {
		f.Fatal(err)
	}
	s, err := New(m, Config{})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Exec(io.Discard, "until putc"); err != nil {
		f.Fatal(err)
	}
	base, err := m.Snapshot()
	if err != nil {
		f.Fatal(err)
	}
	skip := map[string]bool{"c": true, "cont": true, "continue": true, "finish": true, "until": true, "u": true,
		"source": true, "trace": true, "q": true, "quit": true, "exit": true, "layout": true, "tui": true,
		"s": true, "si": true, "step": true, "stepi": true, "n": true, "ni": true, "next": true, "nexti": true,
		"record": true, "rc": true, "reverse-continue": true}
	f.Fuzz(func(t *testing.T, line string) {
		name, args := splitCommand(strings.TrimSpace(line))
		if skip[name] {
			// Stepping is allowed with small counts only.
			if (name == "s" || name == "n") && len(args) <= 1 {
				goto run
			}
			return
		}
	run:
		if err := m.Restore(base); err != nil {
			t.Fatal(err)
		}
		s.bps, s.watches = nil, nil
		s.syncBreakpoints()
		s.syncWatchpoints()
		err := s.Exec(io.Discard, line)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("%q: %v", line, err)
		}
	})
}
