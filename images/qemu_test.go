package images

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kppemu/kppemu/images/qemu"
)

// qemuSeed is the machine seed QEMU offers the guest (fw_cfg): the kernel
// draws its base from it, so that a stop screen naming a kernel address
// reads the same on every run.
const qemuSeed = 1

// bootQEMU runs the embedded kernel on QEMU with the given command line and
// modules (names of embedded images: "initrd" or a driver name, optionally
// followed by arguments); it skips when QEMU is missing unless
// KPPEMU_REQUIRE_QEMU=1.
func bootQEMU(t *testing.T, cmdline string, modules ...string) qemu.Result {
	t.Helper()
	return bootQEMUInput(t, cmdline, "", modules...)
}

// bootQEMUInput is bootQEMU with bytes typed into the serial port.
func bootQEMUInput(t *testing.T, cmdline, input string, modules ...string) qemu.Result {
	t.Helper()
	if !qemu.Available() {
		if os.Getenv(qemu.RequireEnv) == "1" {
			t.Fatalf("%s not found and %s=1", qemu.Binary, qemu.RequireEnv)
		}
		t.Skipf("%s not installed", qemu.Binary)
	}
	dir := t.TempDir()
	kernel, err := qemu.WriteTemp(dir, "kernel.elf", Kernel())
	if err != nil {
		t.Fatal(err)
	}
	var mods []qemu.Module
	for _, m := range modules {
		name, args, _ := strings.Cut(m, " ")
		var data []byte
		file := name + ".ko"
		if name == "initrd" {
			data, file = Archive(), "initrd.tar"
		} else if data, err = Driver(name); err != nil {
			t.Fatal(err)
		}
		p, err := qemu.WriteTemp(dir, file, data)
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, qemu.Module{Path: p, Args: args})
	}
	res, err := qemu.Run(context.Background(), qemu.Config{
		// QEMU's clock follows its instruction count: PatchGuard's watchdog
		// compares the tick with the TSC, and a loaded host that starves
		// QEMU's timer thread would otherwise look like a stopped tick.
		Kernel: kernel, Modules: mods, Append: cmdline, Input: input, ICount: true, Timeout: 90 * time.Second,
		Seed: qemu.SeedPtr(qemuSeed),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.TimedOut {
		t.Fatalf("QEMU timed out; serial:\n%s", res.Serial)
	}
	return res
}

// expectInOrder checks that each wanted string occurs in a line of the
// transcript, in order.
func expectInOrder(t *testing.T, serial string, want []string) {
	t.Helper()
	lines := qemu.Lines(serial)
	if i := qemu.InOrder(lines, want); i < len(want) {
		t.Errorf("serial output lacks %q (after %q); got:\n%s", want[i], want[:i], strings.Join(lines, "\n"))
	}
}

// kernelSymbol returns the address of a kernel symbol as a stop screen
// prints a parameter (0x and 16 hex digits), or "?" if it is missing.
func kernelSymbol(name string) string {
	f, err := elf.NewFile(bytes.NewReader(Kernel()))
	if err != nil {
		return "?"
	}
	syms, _ := f.Symbols()
	for _, s := range syms {
		if s.Name == name {
			return fmt.Sprintf("0x%016x", s.Value)
		}
	}
	return "?"
}

const (
	exitPowerOff = 1 // isa-debug-exit status of KPP_EXIT_POWER_OFF
	exitBugCheck = 3 // of KPP_EXIT_BUG_CHECK
)

func TestQEMUScripts(t *testing.T) {
	cases := []struct {
		name    string
		cmdline string
		modules []string
		want    []string
		exit    int
	}{
		{
			name: "boot", cmdline: "autorun=poweroff",
			want: []string{"kpp kernel 1.0.0", "boot: complete", "kpp> poweroff", "power off"},
			exit: exitPowerOff,
		},
		{
			name: "load-unload", cmdline: "autorun=lsmod;load hello x y;lsmod;mem;call hello 0 are you there;call hello 1;unload hello;lsmod;poweroff",
			modules: []string{"initrd"},
			want: []string{
				"boot: module archive", "kpp> lsmod", "no modules loaded",
				"hello: driver hello, args \"x y\"", "load: hello loaded at 0xffffffffa0000000",
				"hello                0xffffffffa0000000", "tag Helo: 1 block(s)",
				"hello: ping \"are you there\"", "call: hello[0] returned 0x00000000",
				"call: hello has no dispatch routine 1",
				"hello: goodbye", "unload: hello unloaded", "no modules loaded", "power off",
			},
			exit: exitPowerOff,
		},
		{
			name: "boot-module", cmdline: "autorun=lsmod;poweroff", modules: []string{"hello a b"},
			want: []string{"hello: driver hello, args \"a b\"", "load: hello loaded", "kpp> lsmod", "hello ", "power off"},
			exit: exitPowerOff,
		},
		{
			name: "malformed",
			cmdline: "autorun=load bad_magic;load bad_machine;load bad_shoff;load bad_section;load bad_reloc_type;" +
				"load bad_reloc_offset;load bad_symbol_index;load bad_unresolved;load bad_noentry;" +
				"load bad_entryfail;load bad_oversize;load missing;load hello;load hello;lsmod;poweroff",
			modules: []string{"initrd"},
			want: []string{
				"load: bad_magic refused: bad ELF header (not an ELF file), status 0xc000007b",
				"load: bad_machine refused: bad ELF header (not an x86-64 relocatable object)",
				"load: bad_shoff refused: section out of range (section header table",
				"load: bad_section refused: section out of range (section 1 at 0x7ffffff0",
				"load: bad_reloc_type refused: unknown relocation type (type 23)",
				"load: bad_reloc_offset refused: relocation out of range (offset 0xfffff0",
				"load: bad_symbol_index refused: relocation out of range (symbol index 65535)",
				"load: bad_unresolved refused: unresolved import (ke_secret_routine), status 0xc000007a",
				"load: bad_noentry refused: no driver_entry",
				"bad_entryfail: failing on purpose",
				"load: bad_entryfail refused: driver_entry failed (status 0xc0000001)",
				"load: bad_oversize refused: image too large",
				"load: missing refused: not found, status 0xc0000034",
				"load: hello loaded",
				"load: hello refused: already loaded, status 0xc000010e",
				"hello ", "power off",
			},
			exit: exitPowerOff,
		},
		{
			name: "bugcheck-command", cmdline: "autorun=bugcheck 0xe2 1 2 3 4;poweroff",
			want: []string{
				"kpp> bugcheck 0xe2 1 2 3 4",
				"*** STOP: 0x000000e2 (0x0000000000000001,0x0000000000000002,0x0000000000000003,0x0000000000000004)",
				"*** MANUALLY_INITIATED_CRASH", "*** system halted",
			},
			exit: exitBugCheck,
		},
		{
			// At the link address (nokaslr), where the stop screen names
			// printk by its ELF value.
			name: "wx-text", cmdline: "nokaslr autorun=load wxtest text", modules: []string{"initrd"},
			want: []string{"wxtest: writing kernel text", "*** STOP: 0x00000050 (" + kernelSymbol("printk") + ",0x0000000000000001,0xffffffffa0",
				"*** PAGE_FAULT_IN_NONPAGED_AREA", "*** at wxtest+0x"},
			exit: exitBugCheck,
		},
		{
			name: "wx-data", cmdline: "autorun=load wxtest data", modules: []string{"initrd"},
			want: []string{"wxtest: executing data", "*** STOP: 0x00000050 (0xffffffffa0002000,0x000000000000000a,0xffffffffa0002000,0x0000000000000011)",
				"*** at wxtest+0x2000"},
			exit: exitBugCheck,
		},
		{
			name: "wx-rodata", cmdline: "autorun=load wxtest rodata", modules: []string{"initrd"},
			want: []string{"wxtest: writing read-only data", "*** STOP: 0x00000050 (0xffffffffa0001", ",0x0000000000000001,"},
			exit: exitBugCheck,
		},
		{
			name: "wx-report", cmdline: "autorun=load wxtest;poweroff", modules: []string{"initrd"},
			want: []string{"wxtest: kernel text R-X, own text R-X, data RW-, rodata R--", "power off"},
			exit: exitPowerOff,
		},
		{
			name: "fault-under-lock", cmdline: "autorun=load wxtest lockfault", modules: []string{"initrd"},
			want: []string{"wxtest: bad pointer to event_post", "*** STOP: 0x00000050 (0x0000000000000010,0x0000000000000000,",
				"*** PAGE_FAULT_IN_NONPAGED_AREA", "*** at kernel+0x", "*** system halted"},
			exit: exitBugCheck,
		},
		{
			// A152: TR loaded from a TSS descriptor written 8 KiB longer and
			// put back; the kernel's TSS carries a map of ones to its
			// limit, so the longer cached limit opens no port: the
			// program's IN still faults (it survived before).
			name: "tr-cached-limit", cmdline: "pg.profile=test autorun=start fault port;sleep 20;load attack_a152_tr_cache;sleep 4000;poweroff",
			modules: []string{"initrd"},
			want: []string{"attack_a152: TR loaded with the TSS limit 8 KiB longer; the GDT's descriptor put back as it was",
				"proc: pid 1 (fault) killed: general protection", "power off"},
			exit: exitPowerOff,
		},
		{
			name: "unload-cancels-timers", cmdline: "autorun=load ticktest leak;unload ticktest;sleep 200;timers;poweroff",
			modules: []string{"initrd"},
			want: []string{"ticktest: sampling 50 expirations", "unload: ticktest left 2 timer(s) or DPC(s) armed; cancelled",
				"unload: ticktest unloaded", "kpp> sleep 200", "kpp> timers", "power off"},
			exit: exitPowerOff,
		},
		{
			name: "stack-guard", cmdline: "autorun=load wxtest stack", modules: []string{"initrd"},
			want: []string{"wxtest: overflowing the stack", "*** STOP: 0x0000007f (0x0000000000000008,", "*** UNEXPECTED_KERNEL_MODE_TRAP"},
			exit: exitBugCheck,
		},
		{
			name: "usertest", cmdline: "autorun=usertest;usertest spin;usertest fault;usertest;poweroff",
			want: []string{
				"kpp> usertest", "usertest: hello from ring 3", "usertest: exit status 0x0 (ok)",
				"kpp> usertest spin", "usertest: hello from ring 3", "usertest: exit status 0x0 (ok)",
				"kpp> usertest fault", "usertest: ring-3 fault, vector 14, error 0x5, rip 0x4000", "usertest: program killed",
				"kpp> usertest", "usertest: exit status 0x0 (ok)", "power off",
			},
			exit: exitPowerOff,
		},
		{
			name: "syscall-load-driver", cmdline: "autorun=usertest load;lsmod;usertest load;poweroff",
			modules: []string{"initrd"},
			want: []string{
				"kpp> usertest load", "hello: driver hello, args \"from ring 3\"", "load: hello loaded",
				"usertest: exit status 0x0 (ok)", "hello                0xffffffffa0000000     8192  from ring 3",
				"load: hello refused: already loaded", "usertest: exit status 0xc000010e (FAIL)", "power off",
			},
			exit: exitPowerOff,
		},
		{
			name: "timer-regularity", cmdline: "autorun=load ticktest 30;sleep 1000;timers;unload ticktest;timers;poweroff",
			modules: []string{"initrd"},
			want: []string{"ticktest: sampling 30 expirations", "ticktest: 30 expirations, 0 irregular, 0 early: ok",
				"ticktest: one-shot fired 1 time(s), due 3 ticks after arming: ok",
				"timers: 2 armed", "unload: ticktest unloaded", "timers: 2 armed", "power off"},
			exit: exitPowerOff,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := bootQEMU(t, c.cmdline, c.modules...)
			expectInOrder(t, res.Serial, c.want)
			if res.ExitCode != c.exit {
				t.Errorf("exit status %d, want %d; serial:\n%s", res.ExitCode, c.exit, res.Serial)
			}
		})
	}
}

// TestQEMUInteractive types into the serial port: echo, backspace, Ctrl-U,
// an unknown command, CRLF line ends.
func TestQEMUInteractive(t *testing.T) {
	res := bootQEMUInput(t, "", "echo hx\x7fi there\r\nbogus\rlsmod xyz\x15lsmod\rpoweroff 2\r")
	expectInOrder(t, res.Serial, []string{
		"kpp> echo hx\b \bi there", "hi there", "kpp> bogus", "bogus: unknown command (try help)",
		"kpp> lsmod xyz" + strings.Repeat("\b \b", 9) + "lsmod", "no modules loaded", "kpp> poweroff 2", "power off",
	})
	if res.ExitCode != 5 {
		t.Errorf("exit status %d, want 5", res.ExitCode)
	}
}

// TestQEMUDeterministic boots the same script twice: apart from timing
// lines, the transcripts must be identical (what parity with kppemu needs).
func TestQEMUDeterministic(t *testing.T) {
	script := "autorun=load hello;load ticktest 10;sleep 300;lsmod;mem;load bad_reloc_type;unload hello;poweroff"
	a := qemu.Transcript(bootQEMU(t, script, "initrd").Serial)
	b := qemu.Transcript(bootQEMU(t, script, "initrd").Serial)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("transcripts differ:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}

// TestArchiveMatchesDrivers checks that initrd.tar holds exactly the
// embedded drivers (NAME.ko) and programs (NAME), byte for byte.
func TestArchiveMatchesDrivers(t *testing.T) {
	tr := tar.NewReader(bytes.NewReader(Archive()))
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(h.Name, ".ko")
		get := Driver
		if name == h.Name {
			get, name = Program, "program "+name
		}
		want, err := get(strings.TrimPrefix(name, "program "))
		if err != nil {
			t.Errorf("archive member %s is not an embedded driver or program", h.Name)
			continue
		}
		if !bytes.Equal(data, want) {
			t.Errorf("archive member %s differs from bin/drivers/%s", h.Name, h.Name)
		}
		if h.ModTime.Unix() != 0 || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("archive member %s has build-dependent metadata", h.Name)
		}
		seen[name] = true
	}
	for _, d := range Drivers() {
		if !seen[d] {
			t.Errorf("driver %s missing from the archive", d)
		}
	}
	for _, img := range List() {
		if img.Kind == KindProgram && !seen["program "+img.Name] {
			t.Errorf("program %s missing from the archive", img.Name)
		}
	}
}
