// Package abi is the contract between the kppemu host and its guest kernel:
// the event port and its record layout, event types, bug-check codes,
// PatchGuard region types, system-call numbers and status codes. Every value
// the guest and host share is defined here once; `go generate` writes the C
// view of it to kernel/include/kpp/abi.h.
package abi

//go:generate go run ./gen -o ../include/kpp/abi.h

// EventPort is the 32-bit I/O port the guest writes an event record's
// physical address to. QEMU's pc machine leaves it unassigned, so writes are
// ignored there and the same image runs on both machines.
const EventPort = 0x0EA0

// EventMagic starts every event record ("KPPE" little-endian).
const EventMagic = 0x4550504B

// Event record layout in guest physical memory (little-endian):
//
//	offset 0  u32 magic    EventMagic
//	offset 4  u32 type     one of the Ev* constants
//	offset 8  u32 length   total bytes of the record, header included
//	offset 12 u32 nargs    number of u64 arguments that follow
//	offset 16 u64 args[nargs]
//	then      text, up to length (NUL-terminated or running to length)
const (
	EventHeaderSize = 16
	EventMaxArgs    = 16
	EventMaxLength  = 4096
)

// Event types.
const (
	EvBootComplete   = 1 // args: version, memory KiB; text: banner
	EvShellReady     = 2 // no args
	EvModuleLoaded   = 3 // args: base, size; text: name
	EvModuleRefused  = 4 // args: status; text: name ": " reason
	EvModuleUnloaded = 5 // args: base; text: name
	EvBugCheck       = 6 // args: code, p1, p2, p3, p4
	EvProcessCreated = 7 // args: pid, parent; text: image
	EvProcessExited  = 8 // args: pid, status; text: image
	EvThreadCreated  = 9 // args: pid, tid
	EvThreadExited   = 10
	EvPGArmed        = 11 // args: seed, regions, contexts
	EvPGPass         = 12 // args: context, regions checked, guest ns, instructions
	EvPGRegion       = 13 // args: base, size, type
	EvAPIDenial      = 14 // args: api, policy, subject1, subject2; text: owner
	EvLog            = 15 // text only
)

// Bug-check codes (the Windows values, so a stop screen reads like one).
const (
	BugManuallyInitiated           = 0xE2
	BugUnexpectedKernelModeTrap    = 0x7F
	BugKmodeExceptionNotHandled    = 0x1E
	BugPageFaultInNonpagedArea     = 0x50
	BugIrqlNotLessOrEqual          = 0x0A
	BugCriticalStructureCorruption = 0x109
	BugDoubleFault                 = 0x08 // reported as 0x7F with p1 = 8, as Windows does
)
