package cpu

// State is the architectural state of the CPU: plain exported data, gob-encodable, with no
// caches in it. Snapshot returns it (lazy flags materialised into RFLAGS), Restore loads it
// and drops every cache.
type State struct {
	GPR    [16]uint64 // RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 (x86 encoding order)
	RIP    uint64
	RFLAGS uint64 // authoritative except for the arithmetic flags while lazy flags are pending

	Seg  [6]Segment // ES CS SS DS FS GS (x86 encoding order), with hidden descriptor parts
	GDTR DTR
	IDTR DTR
	LDTR Segment
	TR   Segment

	CR0, CR2, CR3, CR4, CR8 uint64
	DR                      [8]uint64 // DR0-DR7 (DR4/DR5 alias DR6/DR7 when CR4.DE=0)
	EFER                    uint64
	XCR0                    uint64
	PKRU                    uint32 // protection-key rights (RDPKRU/WRPKRU)

	// Model-specific registers the CPU implements itself (platform MSRs go to Config.MSR).
	STAR, LSTAR, CSTAR, FMASK uint64
	KernelGSBase              uint64
	TSCAux                    uint64
	TSCOffset                 uint64 // IA32_TSC writes set Clock+offset
	SysenterCS                uint64
	SysenterESP, SysenterEIP  uint64
	PAT                       uint64
	MiscEnable                uint64
	K7Perf                    [8]uint64  // MSR C001_0000..C001_0007: accepted and stored, no effect
	FeatureControl            uint64     // IA32_FEATURE_CONTROL
	MTRRDefType               uint64     // IA32_MTRR_DEF_TYPE
	MTRRFixed                 [11]uint64 // the fixed-range MTRRs: 64K_00000, 16K_80000/A0000, 4K_C0000..F8000
	MTRRVar                   [16]uint64 // IA32_MTRR_PHYSBASE0/PHYSMASK0 .. PHYSBASE7/PHYSMASK7

	// SSE / x87 state saved by FXSAVE.
	XMM   [16][2]uint64
	MXCSR uint32
	FCW   uint16 // x87 control word
	FSW   uint16 // x87 status word
	FTW   uint8  // abridged tag word (FXSAVE format)
	// FPR holds the eight physical x87 registers (significand, sign and exponent);
	// ST(i) is FPR[(TOP+i) mod 8] (State.ST). FXSAVE, FNSAVE and XSAVE store them in
	// stack order.
	FPR [8][2]uint64
	// XInit: the XSAVE components (bit 0 x87, bit 1 SSE, bit 9 PKRU) XRSTOR last put in their initial
	// configuration; XSAVE reports them not in use while they still are (xsave.go).
	XInit uint64

	Clock   uint64 // guest nanoseconds; RDTSC returns Clock + TSCOffset
	Instret uint64 // retired instructions

	CPL         uint8
	IntrShadow  bool // STI / MOV SS shadow: no interrupt before the next instruction completes
	SSShadow    bool // the shadow comes from MOV SS / POP SS: it holds back debug traps too
	Halted      bool
	WaitSIPI    bool   // after INIT: halted until a start-up IPI (StartupIPI)
	Shutdown    bool   // after a triple fault: only Reset or Restore leaves it
	ShutdownMsg string // the triple-fault diagnosis
	NMIBlocked  bool   // between NMI delivery and the next IRET
	PendingNMI  bool
	INTRLine    bool   // level of the INTR input
	IGNNE       bool   // IGNNE# input asserted: a pending x87 exception does not signal FERR#
	RandState   uint64 // RDRAND/RDSEED generator state (seeded from Config.Seed)
}

// Segment is a segment register (or LDTR/TR) with its hidden descriptor cache.
// Attr holds descriptor bits 40..47 in its low byte (type, S, DPL, P) and bits
// 52..55 (AVL, L, D/B, G) in bits 12..15, like VMX access rights.
type Segment struct {
	Selector uint16
	Base     uint64
	Limit    uint32 // byte granular (already scaled when G=1)
	Attr     uint16
}

// DTR is GDTR or IDTR.
type DTR struct {
	Base  uint64
	Limit uint16
}

// Segment attribute bits (Attr).
const (
	attrType    = 0x000F
	attrS       = 0x0010 // code/data (not system)
	attrDPLMask = 0x0060
	attrP       = 0x0080
	attrAVL     = 0x1000
	attrL       = 0x2000 // 64-bit code segment
	attrDB      = 0x4000 // default operation size 32 / big stack
	attrG       = 0x8000
)

// Segment register indices.
const (
	ES = 0
	CS = 1
	SS = 2
	DS = 3
	FS = 4
	GS = 5
)

// GPR indices.
const (
	RAX = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

// RFLAGS bits (SDM Vol. 1 §3.4.3).
const (
	FlagCF   = 1 << 0
	flagRsv1 = 1 << 1 // always 1
	FlagPF   = 1 << 2
	FlagAF   = 1 << 4
	FlagZF   = 1 << 6
	FlagSF   = 1 << 7
	FlagTF   = 1 << 8
	FlagIF   = 1 << 9
	FlagDF   = 1 << 10
	FlagOF   = 1 << 11
	FlagIOPL = 3 << 12
	FlagNT   = 1 << 14
	FlagRF   = 1 << 16
	FlagVM   = 1 << 17
	FlagAC   = 1 << 18
	FlagVIF  = 1 << 19
	FlagVIP  = 1 << 20
	FlagID   = 1 << 21

	// flagsArith are the status flags the lazy-flags machinery computes.
	flagsArith = FlagCF | FlagPF | FlagAF | FlagZF | FlagSF | FlagOF
	// flagsWritable are the bits software can ever set.
	flagsWritable = flagsArith | FlagTF | FlagIF | FlagDF | FlagIOPL | FlagNT | FlagRF | FlagAC | FlagID
)

// Control-register and EFER bits.
const (
	CR0PE = 1 << 0
	CR0MP = 1 << 1
	CR0EM = 1 << 2
	CR0TS = 1 << 3
	CR0ET = 1 << 4
	CR0NE = 1 << 5
	CR0WP = 1 << 16
	CR0AM = 1 << 18
	CR0NW = 1 << 29
	CR0CD = 1 << 30
	CR0PG = 1 << 31

	CR4VME        = 1 << 0
	CR4PVI        = 1 << 1
	CR4TSD        = 1 << 2
	CR4DE         = 1 << 3
	CR4PSE        = 1 << 4
	CR4PAE        = 1 << 5
	CR4MCE        = 1 << 6
	CR4PGE        = 1 << 7
	CR4PCE        = 1 << 8
	CR4OSFXSR     = 1 << 9
	CR4OSXMMEXCPT = 1 << 10
	CR4UMIP       = 1 << 11
	CR4FSGSBASE   = 1 << 16
	CR4OSXSAVE    = 1 << 18
	CR4SMEP       = 1 << 20
	CR4SMAP       = 1 << 21
	CR4PKE        = 1 << 22

	EFERSCE = 1 << 0
	EFERLME = 1 << 8
	EFERLMA = 1 << 10
	EFERNXE = 1 << 11
)

// Exception vectors.
const (
	VecDE  = 0
	VecDB  = 1
	VecNMI = 2
	VecBP  = 3
	VecOF  = 4
	VecBR  = 5
	VecUD  = 6
	VecNM  = 7
	VecDF  = 8
	VecTS  = 10
	VecNP  = 11
	VecSS  = 12
	VecGP  = 13
	VecPF  = 14
	VecMF  = 16
	VecAC  = 17
	VecMC  = 18
	VecXM  = 19
)
