// Command gen writes kernel/include/kpp/abi.h from package abi. It runs from
// `go generate ./kernel/abi` (working directory kernel/abi).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kppemu/kppemu/kernel/abi/internal/cheader"
)

func main() {
	out := flag.String("o", "../include/kpp/abi.h", "output header")
	dir := flag.String("dir", ".", "directory of package abi")
	flag.Parse()
	text, err := cheader.Generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, text, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
