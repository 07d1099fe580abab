package gdbstub

import (
	"bytes"
	"debug/elf"
)

func elfOpen(b []byte) (*elf.File, error) { return elf.NewFile(bytes.NewReader(b)) }
