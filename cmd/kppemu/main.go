// Command kppemu runs the kppemu x86-64 machine: `kppemu boot` boots a
// Multiboot kernel with driver modules, `kppemu images` lists the embedded
// guest images. The command is thin: flag parsing and wiring; the machine
// lives in package emu.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

// Exit statuses of the host's own outcomes. The guest's isa-debug-exit
// statuses are odd ((v<<1)|1, as on QEMU), so the host's are even.
const (
	exitOK          = 0
	exitHostError   = 2 // bad flags, unreadable or refused image, I/O error
	exitTripleFault = 4
	exitDeadHalt    = 6  // HLT with interrupts disabled: the guest can never continue
	exitCPUError    = 8  // the CPU stopped on an internal error
	exitWallLimit   = 10 // --max-wall: host time ran out before the guest finished
	exitBugCheck    = 3  // a bug check without an isa-debug-exit status (the guest's own code for it)
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args))
}

// run executes the CLI and returns the process exit status.
func run(args []string) int {
	app := &cli.App{
		Name:  "kppemu",
		Usage: "a full-system x86-64 emulator for a PatchGuard guest kernel",
		Description: "kppemu boots a Multiboot v1 guest kernel on an emulated PC with virtual time:\n" +
			"one instruction is one nanosecond, so a given image, seed and input always run the same way.",
		Commands:        []*cli.Command{bootCommand(), runCommand(), reportCommand(), debugCommand(), disasmCommand(), imagesCommand(), signCommand(), benchCommand()},
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
	}
	err := app.Run(args)
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
