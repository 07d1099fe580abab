package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
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

// jitMarkers are what a test file that runs guest code contains: a machine,
// the CPU test environment, a scenario or bench run, or the kppemu binary.
var jitMarkers = []string{"emu.New(", "newTestEnv(", "New(Config{", "RunJob", "RunAll", "RunKppemu(", "kppemu(t,", "accelcheck.New("}

// Every package whose tests run guest code is in the Makefile's JIT_PKGS,
// so that `make test` runs it in the translating tier too.
func TestJITPackagesCovered(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	text := strings.ReplaceAll(string(mk), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, "JIT_PKGS := "); ok {
			for _, p := range strings.Fields(rest) {
				listed[strings.TrimPrefix(p, "./")] = true
			}
		}
	}
	if len(listed) == 0 {
		t.Fatal("no JIT_PKGS line in the Makefile")
	}
	var missing []string
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range jitMarkers {
			if bytes.Contains(b, []byte(m)) {
				dir, _ := filepath.Rel("../..", filepath.Dir(path))
				if !listed[filepath.ToSlash(dir)] {
					missing = append(missing, fmt.Sprintf("%s (%s: %s)", dir, filepath.Base(path), m))
				}
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Fatalf("packages whose tests run guest code are missing from JIT_PKGS in the Makefile:\n%s", strings.Join(missing, "\n"))
	}
}
