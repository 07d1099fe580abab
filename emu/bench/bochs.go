package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kppemu/kppemu/images"
)

// Bochs cannot load a Multiboot image itself: the same kernel and initrd
// boot from a GRUB rescue ISO (grub-mkrescue, from grub-pc-bin, xorriso and
// mtools) whose grub.cfg holds the command line, one ISO per command line.
// Debian's Bochs has its debugger compiled in (an rc file with "c" starts
// the run) and its only display library without X is term, which needs a
// terminal: it runs under script(1). The serial port goes to a file; the
// kernel's power-off writes "Shutdown" to port 0x8900, which ends Bochs.
//
// Bochs's clocks (PIT, local-APIC timer, TSC) follow its instruction count
// (clock: sync=none) at its ips setting. The default, 4 million per second,
// gives a local-APIC timer base of 4 MHz, which the kernel's calibration
// refuses as implausible (it keeps the tick within a tenth to ten times its
// nominal length at a 1 GHz base), so the tick would last 2.5 s of PIT time
// and PatchGuard's NMI watchdog (PIT-driven) reports the missed passes
// (0x101). At 10^9 instructions per second Bochs's guest clock runs at
// kppemu's (one instruction per nanosecond): the same work sees the same
// timer interrupts on both.

// bochsTools are the programs a Bochs measurement needs.
var bochsTools = []string{"bochs", "grub-mkrescue", "xorriso", "mformat", "script"}

// BochsAvailable reports whether Bochs and the tools to boot it are installed
// (make bench-deps installs them).
func BochsAvailable() bool {
	for _, t := range bochsTools {
		if _, err := exec.LookPath(t); err != nil {
			return false
		}
	}
	for _, f := range []string{"/usr/share/bochs/BIOS-bochs-latest", "/usr/share/bochs/VGABIOS-lgpl-latest"} {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	return true
}

// bochsHalted is the kernel's last line when it stops (a bug check).
const bochsHalted = "*** system halted"

// bochsMachine makes and boots GRUB ISOs in its directory.
type bochsMachine struct {
	dir string
	n   int
}

// grubQuote quotes s as one word of grub.cfg (single quotes; a single quote
// inside becomes '\”).
func grubQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// grubWords quotes each space-separated word of cmdline on its own: GRUB
// joins the words with spaces, but puts double quotes around a word that
// holds a space.
func grubWords(cmdline string) string {
	var w []string
	for _, f := range strings.Fields(cmdline) {
		w = append(w, grubQuote(f))
	}
	return strings.Join(w, " ")
}

// iso writes a boot ISO whose kernel command line is cmdline. GRUB does not
// pass the file name as the first word of the command line as QEMU does, so
// it is written out.
func (b *bochsMachine) iso(cmdline string) (string, error) {
	b.n++
	root := filepath.Join(b.dir, fmt.Sprintf("iso%d", b.n))
	if err := os.MkdirAll(filepath.Join(root, "boot", "grub"), 0o755); err != nil {
		return "", err
	}
	cfg := "set timeout=0\nset default=0\nmenuentry kpp {\n" +
		"\tmultiboot /boot/kernel.elf /boot/kernel.elf " + grubWords(cmdline) + "\n" +
		"\tmodule /boot/initrd.tar initrd.tar\n\tboot\n}\n"
	for name, data := range map[string][]byte{"boot/kernel.elf": images.Kernel(),
		"boot/initrd.tar": images.Archive(), "boot/grub/grub.cfg": []byte(cfg)} {
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			return "", err
		}
	}
	out := filepath.Join(b.dir, fmt.Sprintf("boot%d.iso", b.n))
	cmd := exec.Command("grub-mkrescue", "-o", out, root)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("grub-mkrescue: %v: %s", err, bytes.TrimSpace(msg))
	}
	return out, os.RemoveAll(root)
}

// A window of a Bochs run: from the first time the serial output contains
// from to the first time it contains to.
type bochsWindow struct{ from, to string }

var (
	// shellWindow times a workload the shell runs: its first prompt (the
	// autorun command follows it) to the prompt that echoes the power-off.
	shellWindow = bochsWindow{"kpp> ", "kpp> poweroff"}
	// kernelWindow times a whole boot from the kernel's first output (the
	// firmware and GRUB are not in it; kppemu loads the kernel itself).
	kernelWindow = bochsWindow{"", "power off"}
)

// run boots iso on Bochs; Wall and CPU are the whole process's (with
// script's), the transcript is what the guest wrote to COM1. WinWall and
// WinCPU time win, observed on the serial file as Bochs writes it (every
// millisecond), so the firmware's and GRUB's boot (10-14 s) is not in it.
func (b *bochsMachine) run(iso string, win bochsWindow) (Boot, error) {
	serial := filepath.Join(b.dir, "serial.out")
	os.Remove(serial)
	rc := filepath.Join(b.dir, "bochsrc")
	// fastboot skips the BIOS's boot-menu wait (3 s of guest time).
	conf := "megs: 128\nromimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot\n" +
		"vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest\n" +
		"ata0-master: type=cdrom, path=" + iso + ", status=inserted\nboot: cdrom\n" +
		"display_library: term\ncom1: enabled=1, mode=file, dev=" + serial + "\n" +
		"log: " + filepath.Join(b.dir, "bochs.log") + "\nspeaker: enabled=0\nsound: driver=dummy\nclock: sync=none\ncpu: ips=1000000000\n"
	cont := filepath.Join(b.dir, "continue.rc")
	if err := os.WriteFile(rc, []byte(conf), 0o644); err != nil {
		return Boot{}, err
	}
	if err := os.WriteFile(cont, []byte("c\n"), 0o644); err != nil {
		return Boot{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-q", "-e", "-c",
		"stty rows 25 cols 80; exec bochs -q -f "+rc+" -rc "+cont, "/dev/null")
	cmd.Env = append(os.Environ(), "TERM=xterm")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Boot{}, err
	}
	// The watcher follows the serial file: it times the window and, as a
	// guest that stopped (a bug check halts it with interrupts masked)
	// never powers off, ends Bochs once the file shows the stop.
	var (
		halted   bool
		at       [2]struct{ wall, cpu time.Duration }
		seen     int
		finished = make(chan struct{})
		watched  = make(chan struct{})
	)
	go func() {
		defer close(watched)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var size int64 = -1
		for {
			select {
			case <-finished:
				return
			case <-t.C:
			}
			fi, err := os.Stat(serial)
			if err != nil || fi.Size() == size {
				continue
			}
			size = fi.Size()
			now, cpu := time.Since(start), treeCPU(cmd.Process.Pid)
			s, err := os.ReadFile(serial)
			if err != nil || len(s) == 0 {
				continue
			}
			for seen < 2 && strings.Contains(string(s), []string{win.from, win.to}[seen]) {
				at[seen].wall, at[seen].cpu = now, cpu
				seen++
			}
			if strings.Contains(string(s), bochsHalted) {
				halted = true
				cancel()
				return
			}
		}
	}()
	err := cmd.Wait()
	close(finished)
	<-watched
	bt := Boot{Wall: time.Since(start)}
	if cmd.ProcessState != nil {
		bt.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if seen == 2 {
		bt.WinWall, bt.WinCPU = at[1].wall-at[0].wall, at[1].cpu-at[0].cpu
	}
	s, rerr := os.ReadFile(serial)
	bt.Serial = string(s)
	if halted {
		return bt, fmt.Errorf("bochs: the guest stopped\n%s", tail(bt.Serial))
	}
	if ctx.Err() != nil {
		return bt, fmt.Errorf("bochs: timed out\n%s", tail(bt.Serial))
	}
	if rerr != nil {
		return bt, fmt.Errorf("bochs: no serial output (%v; %v)", rerr, err)
	}
	if !strings.Contains(bt.Serial, "power off") {
		return bt, fmt.Errorf("bochs: the guest did not power off\n%s", tail(bt.Serial))
	}
	return bt, nil
}

// treeCPU is the user + system time of process pid and its descendants so
// far (from /proc, in the kernel's 1/100 s clock ticks; 0 where it cannot
// be read).
func treeCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces) in
	// parentheses: state is the first, utime and stime the 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	var t time.Duration
	if len(f) > 12 {
		u, _ := strconv.ParseUint(f[11], 10, 64)
		s, _ := strconv.ParseUint(f[12], 10, 64)
		t = time.Duration(u+s) * (time.Second / 100)
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, c := range tasks {
		kids, _ := os.ReadFile(c)
		for _, k := range strings.Fields(string(kids)) {
			if n, err := strconv.Atoi(k); err == nil {
				t += treeCPU(n)
			}
		}
	}
	return t
}
