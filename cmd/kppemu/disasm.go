package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/emu/debug"
	"github.com/kppemu/kppemu/emu/hostio"
	"github.com/kppemu/kppemu/images"
	"github.com/kppemu/kppemu/kernel/abi"
)

func disasmCommand() *cli.Command {
	return &cli.Command{
		Name:      "disasm",
		Usage:     "disassemble a kernel or driver image with its symbols",
		ArgsUsage: "[SYMBOL[+OFF]|ADDR] [N]",
		Description: "Static disassembly: of one function (SYMBOL: to its end, or N instructions) or of all the\n" +
			"code. The kernel is shown at its link addresses, a driver at --base as the\n" +
			"guest's loader lays it out; a driver's relocations are not applied.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kernel", Usage: "kernel ELF `FILE` (default: the embedded kernel)"},
			&cli.StringFlag{Name: "driver", Usage: "driver: an embedded `NAME` or a FILE"},
			&cli.Uint64Flag{Name: "base", Value: abi.DriverAreaBase, Usage: "load `ADDRESS` of the driver (default: where the guest loads its first driver)"},
			&cli.BoolFlag{Name: "att", Usage: "AT&T syntax (default Intel)"},
		},
		Action: disasmAction,
	}
}

func disasmAction(c *cli.Context) error {
	if c.Args().Len() > 2 {
		return &exitStatus{exitHostError, "usage: kppemu disasm (--kernel FILE | --driver NAME|FILE) [SYMBOL|ADDR] [N]"}
	}
	if c.String("kernel") != "" && c.String("driver") != "" {
		return &exitStatus{exitHostError, "--kernel and --driver exclude each other"}
	}
	var img *debug.Image
	var err error
	switch d := c.String("driver"); {
	case d != "":
		var obj []byte
		if st, e := os.Stat(d); e == nil && !st.IsDir() {
			obj, err = hostio.ReadFile(d, maxDriverFile, "--driver", "the "+hostio.FormatSize(maxDriverFile)+" a driver image may have")
		} else if obj, err = images.Driver(d); err != nil {
			err = fmt.Errorf("--driver %s: no such file or embedded driver (embedded: %s)", d, strings.Join(images.Drivers(), ", "))
		}
		if err == nil {
			name := strings.TrimSuffix(d[strings.LastIndexByte(d, '/')+1:], ".ko")
			img, err = debug.DriverImage(name, obj, c.Uint64("base"))
		}
	default:
		k, path := images.Kernel(), defaultKernelPath
		if p := c.String("kernel"); p != "" {
			k, path = nil, p
			k, err = hostio.ReadFile(p, maxDriverFile, "--kernel", "the guest's "+hostio.FormatSize(maxDriverFile)+" of RAM")
		}
		if err == nil {
			img, err = debug.KernelImage(path, k)
		}
	}
	if err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	n := 0
	if c.Args().Len() == 2 {
		v, err := strconv.Atoi(c.Args().Get(1))
		if err != nil || v <= 0 {
			return &exitStatus{exitHostError, fmt.Sprintf("bad instruction count %q", c.Args().Get(1))}
		}
		n = v
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	if err := img.Disasm(w, c.Args().First(), n, c.Bool("att")); err != nil {
		return &exitStatus{exitHostError, err.Error()}
	}
	return nil
}
