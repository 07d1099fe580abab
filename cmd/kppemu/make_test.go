package main

import (
	"os/exec"
	"strings"
	"testing"
)

// `make run` executes the built binary: make reports kppemu's own exit
// status (2 for a host error here), where `go run` would have made it 1.
func TestMakeRunExitStatus(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	cmd := exec.Command("make", "--no-print-directory", "-C", "../..", "run", "ARGS=--mem=bogus")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("make run with a bad flag succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "bad memory size") || !strings.Contains(string(out), "Error 2") {
		t.Fatalf("make run did not show kppemu's message and exit status 2:\n%s", out)
	}
}
