package scenario

import "github.com/kppemu/kppemu/emu"

// The symbol machinery lives in package emu (the machine keeps its
// resolver in step with the guest's module-loaded events); these names
// keep the scenario code reading as before.
type (
	// Symbol is a named guest address.
	Symbol = emu.Symbol
	// Symbols is one image's symbol table.
	Symbols = emu.Symbols
	// Resolver names guest addresses as module!symbol+offset.
	Resolver = emu.Resolver
)

// KernelSymbols reads the function and object symbols of a kernel ELF file.
func KernelSymbols(kernel []byte) (*Symbols, error) { return emu.KernelSymbols(kernel) }

// DriverSymbols returns a driver object's symbols laid out at base as the
// guest loader places it.
func DriverSymbols(obj []byte, base uint64) (*Symbols, error) { return emu.DriverSymbols(obj, base) }
