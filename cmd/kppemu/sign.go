package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/emu/hostio"
	"github.com/kppemu/kppemu/images/sign"
)

// maxDriverFile bounds what sign reads: the default guest RAM.
const maxDriverFile = 128 << 20

// signCommand is `kppemu sign --key NAME FILE...`: add or replace a driver
// image's signature (docs/vendorapi.md "Signing"), or check it with --verify.
func signCommand() *cli.Command {
	var names []string
	for _, k := range sign.Keys {
		names = append(names, k.Name)
	}
	return &cli.Command{
		Name:      "sign",
		Usage:     "sign driver images with a vendor key the guest kernel trusts",
		ArgsUsage: "FILE...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key", Value: "kpp-test", Usage: "key name: " + strings.Join(names, ", ")},
			&cli.BoolFlag{Name: "verify", Usage: "check the signatures instead of writing them"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("sign: no driver image given")
			}
			for _, f := range c.Args().Slice() {
				b, err := hostio.ReadFile(f, maxDriverFile, "driver", "the "+hostio.FormatSize(maxDriverFile)+" a driver image may have")
				if err != nil {
					return err
				}
				if c.Bool("verify") {
					k, err := sign.Verify(b)
					if err != nil {
						return fmt.Errorf("%s: %v", f, err)
					}
					fmt.Fprintf(c.App.Writer, "%s: signed with %s\n", f, k)
					continue
				}
				out, err := sign.Sign(b, c.String("key"))
				if err != nil {
					return fmt.Errorf("%s: %v", f, err)
				}
				if err := os.WriteFile(f, out, 0o644); err != nil {
					return fmt.Errorf("writing the signed image: %w", err)
				}
				fmt.Fprintf(c.App.Writer, "%s: signed with %s\n", f, c.String("key"))
			}
			return nil
		},
	}
}
