package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kppemu/kppemu/cpu"
)

// accelFlag is --accel of boot, debug, run and bench (QEMU's -accel).
func accelFlag() cli.Flag {
	return &cli.StringFlag{Name: "accel", Usage: "execution tier `NAME`: interp (the interpreter) or jit " +
		"(the translating tier, linux/amd64 only) (default: $" + cpu.AccelEnv + ", else jit on linux/amd64 and interp elsewhere)"}
}

// accelName returns --accel checked ("" when not given: the machine takes
// $KPPEMU_ACCEL or cpu.DefaultAccel).
func accelName(c *cli.Context) (string, error) {
	s := c.String("accel")
	if s == "" {
		return "", nil
	}
	if _, err := cpu.ParseAccel(s); err != nil {
		return "", fmt.Errorf("--accel: %v", err)
	}
	return s, nil
}
