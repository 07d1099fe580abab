package abi

import (
	"bytes"
	"os"
	"testing"

	"github.com/kppemu/kppemu/kernel/abi/internal/cheader"
)

// TestHeaderFresh fails when kernel/include/kpp/abi.h differs from what
// `go generate ./kernel/abi` writes.
func TestHeaderFresh(t *testing.T) {
	want, err := cheader.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../include/kpp/abi.h")
	if err != nil {
		t.Fatalf("%v (run `go generate ./kernel/abi`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("kernel/include/kpp/abi.h is stale: run `go generate ./kernel/abi`")
	}
}

func TestEventLayout(t *testing.T) {
	if EventHeaderSize+8*EventMaxArgs >= EventMaxLength {
		t.Fatal("event header and arguments do not fit a record")
	}
	if EventMagic != 0x4550504B {
		t.Fatal("magic changed")
	}
}
