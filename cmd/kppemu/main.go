// Command kppemu runs the kppemu x86-64 machine: `kppemu boot` boots a
// Multiboot kernel with driver modules, `kppemu images` lists the embedded
// guest images.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:  "kppemu",
		Usage: "a full-system x86-64 emulator for a PatchGuard guest kernel",
		Commands: []*cli.Command{
			{
				Name:  "boot",
				Usage: "boot a Multiboot kernel",
				Action: func(*cli.Context) error {
					return fmt.Errorf("boot: not implemented yet")
				},
			},
		},
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "kppemu:", err)
		os.Exit(1)
	}
}
