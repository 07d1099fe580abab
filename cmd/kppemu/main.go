// Command kppemu runs the kppemu x86-64 machine: `kppemu boot` boots a
// Multiboot kernel with driver modules, `kppemu images` lists the embedded
// guest images. The command is thin: flag parsing and wiring; the machine
// lives in package emu.
package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/internal/editdist"
)

// Exit statuses of the host's own outcomes. The guest's isa-debug-exit
// statuses are odd ((v<<1)|1, as on QEMU), so the host's are even.
const (
	exitOK          = 0
	exitHostError   = 2 // bad flags, unreadable or refused image, I/O error
	exitTripleFault = 4
	exitDeadHalt    = 6  // HLT with interrupts disabled and no NMI routed: the guest can never continue
	exitCPUError    = 8  // the CPU stopped on an internal error
	exitWallLimit   = 10 // --max-wall: host time ran out before the guest finished
	exitDiverged    = 12 // --accel-check: the two execution tiers' machines differed
	exitBugCheck    = 3  // a bug check without an isa-debug-exit status (the guest's own code for it)
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args))
}

// run executes the CLI and returns the process exit status.
func run(args []string) int {
	cli.FlagStringer = flagString
	stdout = &stdoutWriter{w: os.Stdout}
	var unknown string
	app := &cli.App{
		Writer:  stdout,
		Name:    "kppemu",
		Usage:   "a full-system x86-64 emulator for a PatchGuard guest kernel",
		Version: version(),
		Description: "kppemu boots a Multiboot v1 guest kernel on an emulated PC with virtual time:\n" +
			"one instruction is one nanosecond, so a given image, seed and input always run the same way.\n" +
			"`kppemu help COMMAND` (or `kppemu COMMAND --help`) describes a command.",
		Commands:       []*cli.Command{bootCommand(), runCommand(), reportCommand(), debugCommand(), disasmCommand(), imagesCommand(), signCommand(), benchCommand()},
		ExitErrHandler: func(*cli.Context, error) {},
		// `kppemu frob` and `kppemu help frob`: an error naming the commands.
		CommandNotFound: func(_ *cli.Context, name string) { unknown = name },
	}
	status := runApp(app, args, &unknown)
	// A command that failed has said why (its own write errors included);
	// one that succeeded but lost output fails here.
	if werr := stdout.failed(); werr != nil && status == exitOK {
		fmt.Fprintf(os.Stderr, "kppemu: writing to standard output: %v\n", werr)
		status = exitHostError
	}
	return status
}

// runApp runs the command line and returns its exit status.
func runApp(app *cli.App, args []string, unknownName *string) int {
	err := app.Run(args)
	unknown := *unknownName
	if unknown != "" && err == nil {
		var names []string
		for _, c := range app.VisibleCommands() {
			names = append(names, c.Name)
		}
		msg := fmt.Sprintf("unknown command %q", unknown)
		if hint := nearest(names, unknown); hint != "" {
			msg += fmt.Sprintf("; did you mean %q?", hint)
		}
		fmt.Fprintf(os.Stderr, "kppemu: %s (commands: %s; `kppemu help COMMAND` describes one)\n", msg, strings.Join(names, ", "))
		return exitHostError
	}
	if err == nil {
		return exitOK
	}
	var st *exitStatus
	if errors.As(err, &st) {
		if st.msg != "" {
			fmt.Fprintln(os.Stderr, "kppemu:", st.msg)
		}
		return st.code
	}
	fmt.Fprintln(os.Stderr, "kppemu:", err)
	return exitHostError
}

// exitStatus is a command's outcome with a status other than 0 or a
// message to print.
type exitStatus struct {
	code int
	msg  string
}

func (e *exitStatus) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }

// buildCommit is the commit `make build` stamps into the binary
// (-ldflags -X main.buildCommit=...); the Go toolchain's own VCS stamp is
// used when it is empty.
var buildCommit string

// version is `kppemu --version`: the module version, the commit the binary
// was built from, the Go version, and the embedded kernel's SHA-256 prefix
// (which guest this binary boots by default).
func version() string {
	v := "(devel)"
	kernel := fmt.Sprintf(", embedded kernel sha256 %x", sha256.Sum256(images.Kernel()))[:len(", embedded kernel sha256 ")+12]
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v + kernel
	}
	if info.Main.Version != "" {
		v = info.Main.Version
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if buildCommit != "" {
		rev, modified = buildCommit, ""
	}
	if len(rev) > 12 && !strings.Contains(rev, "-") {
		rev = rev[:12]
	}
	if rev != "" {
		v += " (commit " + rev + modified + ")"
	}
	return v + ", " + info.GoVersion + kernel
}

// nearest returns the name within edit distance 2 of s (or having it as a
// prefix), for "did you mean"; "" when none is that close.
func nearest(names []string, s string) string {
	best, bestD := "", 3
	for _, n := range names {
		if len(s) >= 2 && strings.HasPrefix(n, s) {
			return n
		}
		if d := editdist.Distance(n, s, bestD-1); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// urfaveFlagString is urfave/cli's own flag renderer, which flagString
// replaces.
var urfaveFlagString = cli.FlagStringer

// defaultSuffix is the "(default: V)" urfave/cli appends to a flag's help.
var defaultSuffix = regexp.MustCompile(`\s*\(default: ([^()]*)\)$`)

// flagString renders a flag's help line without a default that says
// nothing (false, 0, 0s, "") or that the usage text already explains.
func flagString(f cli.Flag) string {
	s := urfaveFlagString(f)
	m := defaultSuffix.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	value, usage := s[m[2]:m[3]], s[:m[0]]
	switch {
	case value == "false" || value == "0" || value == "0s" || value == `""` || value == "":
		return usage
	case strings.Contains(usage, "default") || strings.Contains(usage, "("+value+":"):
		return usage
	}
	return s
}
