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
	EvBootComplete   = 1  // args: version, memory KiB; text: banner
	EvShellReady     = 2  // no args
	EvModuleLoaded   = 3  // args: base, size; text: name
	EvModuleRefused  = 4  // args: status, reason (Refuse*); text: name ": " reason
	EvModuleUnloaded = 5  // args: base; text: name
	EvBugCheck       = 6  // args: code, p1, p2, p3, p4
	EvProcessCreated = 7  // args: pid, parent; text: image
	EvProcessExited  = 8  // args: pid, status; text: image
	EvThreadCreated  = 9  // args: pid, tid
	EvThreadExited   = 10 // args: pid, tid
	EvPGArmed        = 11 // args: seed, regions, contexts, profile (PGProfile*), first-pass delay ns
	EvPGPass         = 12 // args: context, regions checked, guest ns, instructions (TSC delta), pass number, trigger (PGTrigger*)
	EvPGRegion       = 13 // args: base, size, type, kind (PGKind*), region index
	EvAPIDenial      = 14 // args: api, policy, subject1, subject2; text: owner
	EvLog            = 15 // text only
	EvKernelBase     = 16 // args: address of the image's first byte (__kernel_start), slide from the link address
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
	BugBadPoolCaller               = 0xC2 // p1 = 7: bad free (p2 = header magic, p3 = address)
)

// Module refusal reasons: argument 2 of EvModuleRefused and the reason code
// the loader prints ("load: NAME refused: REASON").
const (
	RefuseNone         = 0
	RefuseBadHeader    = 1  // not an ELF64 x86-64 relocatable object
	RefuseSectionRange = 2  // a section header or section lies outside the image
	RefuseRelocRange   = 3  // a relocation's offset, symbol or value is out of range
	RefuseRelocType    = 4  // a relocation type the loader does not implement
	RefuseUnresolved   = 5  // an undefined symbol not in the export table
	RefuseOversize     = 6  // image or a section above the loader's limits
	RefuseNoEntry      = 7  // no driver_entry symbol
	RefuseEntryFailed  = 8  // driver_entry returned an error status
	RefuseDuplicate    = 9  // a module of that name is loaded already
	RefuseNotFound     = 10 // no boot module or archive member of that name
	RefuseNoMemory     = 11 // out of pool or frames
	RefuseSymbolRange  = 12 // the symbol table is malformed
	RefuseSignature    = 13 // signature missing or wrong (without testsigning) or malformed
	RefuseBlocked      = 14 // vetoed by a vendor image gate (vendorapi)
)

// DriverMaxImageSize bounds a driver image file and its loaded size.
const DriverMaxImageSize = 4 << 20

// Status codes (NTSTATUS values).
const (
	StatusSuccess                      = 0x00000000
	StatusUnsuccessful                 = 0xC0000001
	StatusNotImplemented               = 0xC0000002
	StatusAccessViolation              = 0xC0000005
	StatusInvalidParameter             = 0xC000000D
	StatusNoMemory                     = 0xC0000017
	StatusAccessDenied                 = 0xC0000022
	StatusObjectNameNotFound           = 0xC0000034
	StatusObjectNameCollision          = 0xC0000035
	StatusSectionTooBig                = 0xC0000040
	StatusProcedureNotFound            = 0xC000007A
	StatusInvalidImageFormat           = 0xC000007B
	StatusNotSupported                 = 0xC00000BB
	StatusImageAlreadyLoaded           = 0xC000010E
	StatusInvalidSystemService         = 0xC000001C
	StatusInvalidHandle                = 0xC0000008
	StatusInvalidImageHash             = 0xC0000428 // a driver's signature is missing or wrong
	StatusDriverBlocked                = 0xC000036B // a vendor image gate vetoed the load
	StatusFltInstanceAltitudeCollision = 0xC01C0011 // two vendor filters at one altitude
	StatusInvalidDeviceState           = 0xC0000184 // a vendor list changed from inside its own callback
	StatusInvalidCid                   = 0xC000000B // no process with that pid
	StatusConflictingAddresses         = 0xC0000018 // vm_alloc at an address already in use
	StatusBufferTooSmall               = 0xC0000023
	StatusProcessIsTerminating         = 0xC000010A
	StatusIllegalInstruction           = 0xC000001D // exit status of a process killed by #UD
	StatusIntegerDivideByZero          = 0xC0000094 // exit status of a process killed by #DE
	StatusPrivilegedInstruction        = 0xC0000096
	StatusInsufficientResources        = 0xC000009A
	StatusInvalidPageProtection        = 0xC0000045
	StatusProcessKilled                = 0xC000013A // exit status of a process ended by the shell's kill
)

// Fixed hardware the guest relies on (the same on QEMU's pc machine).
const (
	COM1Port          = 0x3F8
	COM1IRQ           = 4
	DebugExitPort     = 0xF4   // isa-debug-exit: a 32-bit write of v exits with status (v<<1)|1
	UnassignedPort    = 0xEA8  // no device on either machine: reads all ones (the sysloop benchmark)
	BochsShutdownPort = 0x8900 // Bochs, which has no isa-debug-exit, stops when "Shutdown" is written here
	ExitPowerOff      = 0      // halt/poweroff: exit status 1
	ExitBugCheck      = 1      // after a bug check's stop screen: exit status 3
	ExitTestFailed    = 2      // a test command failed: exit status 5
	PICMasterBase     = 0x20   // vectors of the remapped 8259 pair
	PICSlaveBase      = 0x28
	VecAPICTimer      = 0x40
	VecAPICError      = 0xFE
	VecSpurious       = 0xFF
	LAPICDefaultBase  = 0xFEE00000
	TickHz            = 100   // local APIC timer tick rate
	BenchIRQHz        = 10000 // PIT channel 0 rate of the irqloop benchmark (IRQ 0; the tick stays on the APIC timer)
)

// Guest virtual memory layout (4-level paging, 4 KiB pages).
const (
	KernelVirtBase  = 0xFFFFFFFF80000000 // kernel image at KernelVirtBase + physical
	KernelLoadAddr  = 0x00100000         // physical load address of the image
	DirectMapBase   = 0xFFFF800000000000 // all RAM, RW and NX, 2 MiB pages
	StackAreaBase   = 0xFFFFFFFF90000000 // kernel and IST stacks, a guard page below each
	MMIOAreaBase    = 0xFFFFFFFF9F000000 // device registers (local APIC)
	DriverAreaBase  = 0xFFFFFFFFA0000000 // loaded driver images (within 2 GiB of the kernel)
	DriverAreaSize  = 0x40000000
	KernelStackSize = 0x4000 // 16 KiB per kernel stack
)

// Segment selectors of the kernel's GDT (SYSCALL/SYSRET layout).
const (
	SelKernelCode = 0x08
	SelKernelData = 0x10
	SelUser32Code = 0x18
	SelUserData   = 0x20
	SelUserCode   = 0x28
	SelTSS        = 0x30
)

// Transcript rule: serial lines starting with TimingLinePrefix carry values
// that may differ between machines (timing, calibration, registers of a stop
// screen); parity tests drop them. Every other line must be identical. Lines
// end with "\r\n".
const TimingLinePrefix = "~ "

// Shell prompt and the text of the boot-complete banner's version.
const (
	KernelVersion = 0x00010000 // 1.0.0: major<<16 | minor<<8 | patch
	ShellPrompt   = "kpp> "
)

// PatchGuard region types (parameter 4 of bug check 0x109).
const (
	PGGenericData         = 0x00
	PGFunction            = 0x01
	PGIDT                 = 0x02
	PGGDT                 = 0x03
	PGProcessList         = 0x04
	PGHandleTableList     = 0x05
	PGDebugRoutine        = 0x06
	PGCriticalMSR         = 0x07
	PGObjectType          = 0x08
	PGInterruptDispatch   = 0x09 // the per-vector handler tables behind the IDT
	PGServiceTable        = 0x0A
	PGImportTable         = 0x0D
	PGControlRegister     = 0x15
	PGLocalAPIC           = 0x17
	PGNotificationCallout = 0x18
	PGLoadedModuleList    = 0x19
	PGDriverObject        = 0x1C
	PGProtectedProcess    = 0x1F
	PGCheckerContext      = 0x101
	PGPageTables          = 0x111 // ours: the page-table entries mapping protected regions, in every address space
	PGTaskState           = 0x112 // ours: the TSS body (RSP0, IST pointers, I/O-permission map)
)

// PatchGuard bug-check 0x109 parameters: P1 = context address + PGContextKey,
// P2 = region record address + PGRecordKey, P3 = the corrupted address (the
// first differing byte when the checker can know it, else the region start;
// for registers: the MSR index, CR number or LAPIC register offset), P4 =
// the region type (PG* above).
const (
	PGContextKey = 0xA3A03F5891C8B4E8
	PGRecordKey  = 0xB3B74BDEE4453415
)

// What the base and size of an EvPGRegion record name (argument 4). Only
// PGKindMemory regions are guest memory the host can watch for writers.
const (
	PGKindMemory    = 0 // base, size: guest-virtual bytes (hashed, validated or compared)
	PGKindMSR       = 1 // base: MSR index; size 0
	PGKindCR        = 2 // base: control-register number (7: DR7); size 0
	PGKindLAPIC     = 3 // base: local-APIC register offset; size 4
	PGKindDescReg   = 4 // base: the table the register points at (GDTR/IDTR, TR, LDTR); size 0
	PGKindCrossWalk = 5 // base: list head address; size 0 (list vs table cross-walk)
	PGKindSealed    = 6 // base, size: a mutable array updated through the sealing API
)

// PatchGuard profiles (kernel command line pg.profile=fast|windows|test) and
// trigger paths (EvPGPass argument 6).
const (
	PGProfileFast    = 0 // first pass U[2,4] s, then every U[1,3] s
	PGProfileWindows = 1 // first pass U[120,130] s, then every U[120,130] s
	PGProfileTest    = 2 // first pass U[10,20] ms, then every U[5,15] ms
	PGTriggerTimer   = 0 // the one-shot timer and its DPC
	PGTriggerPiggy   = 1 // the piggy-back on the 1 s housekeeping DPC
	PGTriggerRandom  = 2 // a pass the tick hook drew at random (fresh entropy each tick)
)

// System-call numbers (RAX at SYSCALL; arguments in RDI, RSI, RDX, R10, R8, R9).
const (
	SysExit               = 0
	SysWrite              = 1
	SysRead               = 2
	SysSpawn              = 3
	SysWait               = 4
	SysGetPid             = 5
	SysSleep              = 6
	SysYield              = 7
	SysOpenProcess        = 8
	SysDuplicateHandle    = 9
	SysClose              = 10
	SysTerminateProcess   = 11
	SysReadProcessMemory  = 12
	SysWriteProcessMemory = 13
	SysVMAlloc            = 14
	SysVMProtect          = 15
	SysVMFree             = 16
	SysLoadDriver         = 17
	SysUnloadDriver       = 18
	SysProcessList        = 19
	SysCreateThread       = 20 // (process handle, entry, arg, stack top) -> tid; needs ProcessCreateThread
	SysExitThread         = 21 // (status): ends the calling thread (the last one ends the process)
	SysQueryProcess       = 22 // (handle, *ProcessInfo) needs ProcessQueryInformation
	SysSuspendProcess     = 23 // (handle) needs ProcessSuspendResume
	SysResumeProcess      = 24 // (handle) needs ProcessSuspendResume
	SysSetProcessName     = 25 // (handle, name) needs ProcessSetInformation
	SysCount              = 26
)

// Process access rights: the granted-access mask of a process handle (the
// NT PROCESS_* values). Every system call that takes a handle checks the
// right it needs and fails with StatusAccessDenied without it.
const (
	ProcessTerminate        = 0x0001
	ProcessCreateThread     = 0x0002
	ProcessVMOperation      = 0x0008 // vm_alloc/vm_protect/vm_free in another process
	ProcessVMRead           = 0x0010
	ProcessVMWrite          = 0x0020
	ProcessDupHandle        = 0x0040 // duplicate_handle into that process
	ProcessSetInformation   = 0x0200
	ProcessQueryInformation = 0x0400
	ProcessSuspendResume    = 0x0800
	ProcessAllAccess        = 0x0E7B
)

// CurrentProcess is the pseudo-handle of the calling process (all access);
// a handle argument of 0 means the same where the call says so.
const CurrentProcess = 0xFFFFFFFFFFFFFFFF

// Memory protections of vm_alloc/vm_protect (combine; 0 = no access).
const (
	ProtRead  = 0x1
	ProtWrite = 0x2
	ProtExec  = 0x4
)

// User address-space layout (per process; the kernel half is shared).
const (
	UserBase        = 0x0000000000010000 // lowest mappable user address
	UserTop         = 0x0000800000000000 // first non-canonical address
	UserImageBase   = 0x0000000000400000 // where non-PIE programs are linked
	UserPIEBase     = 0x0000000040000000 // load bias of PIE programs
	UserAllocBase   = 0x0000000100000000 // vm_alloc without an address starts here
	UserStackTop    = 0x00007FFFFFFF0000 // initial RSP region (argv above it)
	UserStackSize   = 0x10000            // 64 KiB, with an unmapped guard page below
	UserMaxArgs     = 32                 // argv entries spawn accepts
	UserArgsMax     = 256                // bytes of the argument string
	UserMaxAlloc    = 0x1000000          // largest vm_alloc (16 MiB)
	ProcessNameMax  = 16                 // ProcessInfo.name, NUL included
	HandleTableSize = 64                 // handles per process
	PidTableSize    = 64                 // live processes (PID table slots)
	ThreadsPerProc  = 8
)

// ProcessInfo is the record process_list and query_process fill (64 bytes,
// little-endian): u32 pid, u32 parent, u32 state (ProcState*), u32 threads,
// u32 handles, u32 exit status, u64 flags (reserved), u64 pages (user pages
// mapped), char name[ProcessNameMax], u64 reserved.
const (
	ProcessInfoSize  = 64
	ProcStateRunning = 1
	ProcStateExited  = 2 // exited, not yet waited for
)

// Parameter 2 of bug check 0x50: the kind of access that faulted.
const (
	PFAccessRead    = 0
	PFAccessWrite   = 1
	PFAccessExecute = 10
)

// Vendor callback APIs (vendorapi/, docs/vendorapi.md). An EvAPIDenial record has
// args: api (API*), policy (Policy*), subject 1, subject 2; text: the policy
// owner (driver name) and a description. Subjects per policy: see below.
const (
	APIProcessNotify = 1 // process_notify_register (creation veto)
	APIThreadNotify  = 2 // thread_notify_register
	APIHandleFilter  = 3 // handle_filter_register
	APIMemoryFilter  = 4 // memory_filter_register
	APIImageNotify   = 5 // image_notify_register
	APIImageGate     = 6 // image_gate_register

	PolicyRegistration = 1 // a registration refused: subject 1 = status, 2 = callback address
	PolicyStripRights  = 2 // handle rights stripped: subject 1 = target pid, 2 = rights removed
	PolicyProcessVeto  = 3 // process creation vetoed: subject 1 = parent pid, 2 = status
	PolicyImageBlocked = 4 // image load vetoed: subject 1 = pid (0: driver), 2 = status
	PolicyMemory       = 5 // memory operation refused: subject 1 = target pid, 2 = operation (MemOp*)

	VendorMaxEntries = 64 // entries per callback list
)

// Memory-filter operations (memory_filter_register op mask).
const (
	MemOpAllocExec   = 0x1 // vm_alloc with ProtExec
	MemOpProtectExec = 0x2 // vm_protect to executable (or writable+executable)
	MemOpWriteOther  = 0x4 // write_process_memory into another process
	MemOpMapOther    = 0x8 // map into another process (vm_alloc/vm_protect through a handle)
)

// Handle-filter object types and operations.
const (
	ObjTypeProcess    = 1
	ObjTypeThread     = 2
	HandleOpCreate    = 0x1 // open_process / open_thread
	HandleOpDuplicate = 0x2 // duplicate_handle
)

// Driver signatures (`kppemu sign`): an ELF section SigSectionName (not allocated) of SigSize bytes: magic
// SigMagic (8 bytes), key name (SigKeyNameMax bytes, NUL-padded), then the
// HMAC-SHA-256 (32 bytes) over the whole file with those 32 bytes zeroed.
const (
	SigSectionName = ".kpp.sig"
	SigMagic       = "KPPSIG01"
	SigKeyNameMax  = 24
	SigSize        = 64
	SigMACOffset   = 32
)

// Debugger data: the kernel exports kdbg_data (kernel/kdbg.c), an array of
// KdbgWords u64 values at that symbol, so that a host debugger finds the
// kernel's module and process lists and the offsets of their fields without
// debug information. Word KdbgMagicIdx holds KdbgMagic; the Kdbg*Off words
// are byte offsets inside struct module or struct process; the *List words
// are addresses.
const (
	KdbgMagic             = 0x314742444B50504B // "KPPKDBG1"
	KdbgMagicIdx          = 0
	KdbgModuleList        = 1  // &module_list (struct module *): singly linked through next
	KdbgModuleNextOff     = 2  // struct module.next
	KdbgModuleNameOff     = 3  // char name[KdbgModuleNameMax]
	KdbgModuleNameMax     = 4  // MODULE_NAME_MAX
	KdbgModuleBaseOff     = 5  // u64 base
	KdbgModulePagesOff    = 6  // size_t pages
	KdbgModuleArgsOff     = 7  // char args[KdbgModuleArgsMax]
	KdbgModuleArgsMax     = 8  // MODULE_ARGS_MAX
	KdbgProcessList       = 9  // &process_list: circular list_link sentinel
	KdbgProcessLinkOff    = 10 // struct process.link
	KdbgProcessPidOff     = 11 // u32 pid
	KdbgProcessParentOff  = 12 // u32 parent
	KdbgProcessStateOff   = 13 // u32 state (ProcState*)
	KdbgProcessFlagsOff   = 14 // u32 flags (1: the system process)
	KdbgProcessCR3Off     = 15 // u64 cr3
	KdbgProcessThreadsOff = 16 // u32 nthreads
	KdbgProcessNameOff    = 17 // char name[ProcessNameMax]
	KdbgProcessProtOff    = 18 // u32 protection (1: protected)
	KdbgProcessExitOff    = 19 // u32 exit_status
	KdbgWords             = 20
)
