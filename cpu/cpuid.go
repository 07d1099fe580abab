package cpu

import (
	"math/bits"
	"sync"

	"github.com/kppemu/kppemu/mmu"
)

// CPUID: a GenuineIntel processor that advertises exactly what this core implements.
// Features that depend on instruction groups other files provide (SSE2, FXSAVE, CMOV,
// POPCNT, ...) are advertised only when their translators are registered.

func init() {
	register("CPUID", func(u *uop, d *decodeInfo) bool { u.fn = cpuid; return true })
}

// cpuid is CPUID: EAX/EBX/ECX/EDX = leaf EAX, subleaf ECX.
func cpuid(c *CPU, u *uop) *Fault {
	leaf, sub := uint32(c.GPR[RAX]), uint32(c.GPR[RCX])
	a, b, cx, d := c.CPUID(leaf, sub)
	if c.jit.buf != nil {
		c.jitCPUIDNote(leaf, sub, [4]uint32{a, b, cx, d})
	}
	c.GPR[RAX], c.GPR[RBX], c.GPR[RCX], c.GPR[RDX] = uint64(a), uint64(b), uint64(cx), uint64(d)
	return nil
}

// cpuidFeatures is computed once: the registry is complete after init.
type cpuidFeat struct{ ecx1, edx1, ebx7, ecx81, edx81 uint32 }

var (
	features     *cpuidFeat
	featuresOnce sync.Once
)

// hasXSAVE reports whether XSAVE is advertised (CR4.OSXSAVE may be set).
func hasXSAVE() bool {
	featuresOnce.Do(func() { features = computeFeatures() })
	return features.ecx1&(1<<26) != 0
}

// hasPKU reports whether protection keys are advertised (CR4.PKE may be set).
func hasPKU() bool { return hRDPKRU != nil && hWRPKRU != nil }

// hasFSGSBASE reports whether RDFSBASE & co. are advertised (CR4.FSGSBASE may be set).
func hasFSGSBASE() bool {
	featuresOnce.Do(func() { features = computeFeatures() })
	return features.ebx7&1 != 0
}

func bit(cond bool, n uint) uint32 {
	if cond {
		return 1 << n
	}
	return 0
}

func computeFeatures() *cpuidFeat {
	f := &cpuidFeat{}
	fx := registered("FXSAVE") && registered("FXRSTOR")
	sse := fx && registered("MOVAPS") && registered("ADDSS")
	sse2 := sse && registered("MOVDQA") && registered("ADDSD") && registered("PXOR")
	f.ecx1 = bit(true, 31) /* running under a hypervisor: leaf 0x40000000 */ | bit(registered("CMPXCHG16B"), 13) | bit(registered("POPCNT"), 23) | bit(registered("MOVBE"), 22) |
		bit(true, 30) /* RDRAND */ | bit(registered("XSAVE") && registered("XRSTOR"), 26)
	// FPU means the whole x87: loads, stores, arithmetic, comparisons and the
	// transcendental instructions.
	f.edx1 = bit(registered("FLD") && registered("FADD") && registered("FSIN") && registered("F2XM1"), 0) /* FPU */ | bit(true, 2) /* DE */ | bit(true, 3) /* PSE */ |
		bit(true, 4) /* TSC */ | bit(true, 5) /* MSR */ | bit(true, 6) /* PAE */ | bit(true, 7) /* MCE */ |
		bit(true, 14) /* MCA: IA32_MCG_CAP reports zero banks */ |
		bit(registered("CMPXCHG8B"), 8) | bit(true, 9) /* APIC */ | bit(true, 12) /* MTRR */ | bit(true, 13) /* PGE */ |
		bit(registered("CMOVE"), 15) | bit(true, 16) /* PAT */ | bit(true, 17) /* PSE-36 */ | bit(true, 19) /* CLFSH */ |
		bit(fx, 24) | bit(sse, 25) | bit(sse2, 26)
	f.ebx7 = bit(true, 7) /* SMEP */ | bit(true, 18) /* RDSEED */ | bit(true, 20) /* SMAP */ |
		bit(registered("RDFSBASE") && registered("WRGSBASE"), 0)
	f.ecx81 = bit(registered("LAHF") && registered("SAHF"), 0) | bit(registered("LZCNT"), 5) |
		bit(registered("PREFETCHW"), 8)
	f.edx81 = bit(true, 11) /* SYSCALL */ | bit(true, 20) /* NX */ | bit(true, 26) /* 1 GiB pages */ |
		bit(true, 27) /* RDTSCP */ | bit(true, 29) /* LM */
	return f
}

const brand = "kppemu virtual x86-64 CPU @ 1.00GHz"

// cpuidSignature is CPUID.1:EAX (family 6, model 0x3A, stepping 9), also EDX after INIT.
const cpuidSignature = 0x000306A9

// CPUID ranges: the basic leaves end at cpuidMaxBasic, the hypervisor leaves (as
// QEMU's TCG reports them: signature "TCGTCGTCGTCG", no hypervisor features) at
// cpuidMaxHyper, the extended ones at cpuidMaxExt.
const (
	cpuidMaxBasic = 0xD
	cpuidHyper    = 0x40000000
	cpuidMaxHyper = 0x40000001
	cpuidMaxExt   = 0x80000008
)

// CPUID returns the CPUID leaf/subleaf values.
func (c *CPU) CPUID(leaf, sub uint32) (a, b, cx, d uint32) {
	featuresOnce.Do(func() { features = computeFeatures() })
	f := features
	// A leaf above its range's maximum returns the highest basic leaf (SDM Vol. 2A,
	// CPUID: "INPUT EAX = 0: Returns CPUID's Highest Value..."), as QEMU does.
	if leaf > cpuidMaxBasic && (leaf < cpuidHyper || leaf > cpuidMaxHyper) &&
		(leaf < 0x80000000 || leaf > cpuidMaxExt) {
		leaf = cpuidMaxBasic
	}
	switch leaf {
	case 0:
		if c.cfg.Vendor == VendorAMD {
			return cpuidMaxBasic, 0x68747541, 0x444D4163, 0x69746E65 // "AuthenticAMD"
		}
		return cpuidMaxBasic, 0x756E6547, 0x6C65746E, 0x49656E69 // "GenuineIntel"
	case 1:
		ecx := f.ecx1
		if c.CR4&CR4OSXSAVE != 0 && ecx&(1<<26) != 0 {
			ecx |= 1 << 27
		}
		ecx |= bit(c.cfg.X2APIC, 21) | bit(c.cfg.TSCDeadline, 24)
		// Family 6, model 0x3A, stepping 9; CLFLUSH line 64 bytes; the initial APIC ID
		// in bits 31:24. With more than one processor, bits 23:16 count the package's
		// logical processors and EDX.HTT says that field is valid (QEMU leaves both
		// clear for one).
		ebx, edx := uint32(0x800)|uint32(c.cfg.APICID)<<24, f.edx1
		// EDX.APIC follows IA32_APIC_BASE.EN: a globally disabled APIC is not
		// reported (SDM Vol. 3A §11.4.3; QEMU does the same).
		if c.cfg.MSR != nil && c.cfg.MSR.HasMSR(msrAPICBase) {
			if base, ok := c.cfg.MSR.ReadMSR(msrAPICBase); ok && base&(1<<11) == 0 {
				edx &^= 1 << 9
			}
		}
		if n := c.cpus(); n > 1 {
			ebx |= uint32(n) << 16
			edx |= 1 << 28
		}
		return cpuidSignature, ebx, ecx, edx
	case 7:
		if sub == 0 {
			// ECX bit 3 PKU, bit 4 OSPKE (CR4.PKE as the OS set it).
			return 0, f.ebx7, 1<<2 /* UMIP */ | bit(hasPKU(), 3) | bit(c.CR4&CR4PKE != 0, 4) |
				bit(hRDPID != nil, 22), 0
		}
		return 0, 0, 0, 0
	case 0xB:
		// Extended topology (SDM Vol. 2A, CPUID leaf 0BH): level 0 is the SMT level
		// (one thread per core), level 1 the core level (all processors in one
		// package); EDX is the x2APIC ID. QEMU reports this leaf whether or not
		// x2APIC is advertised.
		ecx, edx := sub&0xFF, uint32(c.cfg.APICID)
		switch sub {
		case 0:
			return 0, 1, ecx | 1<<8, edx
		case 1:
			return c.pkgShift(), uint32(c.cpus()), ecx | 2<<8, edx
		}
		return 0, 0, ecx, edx
	case 0xD:
		if f.ecx1&(1<<26) == 0 {
			return 0, 0, 0, 0
		}
		switch sub {
		case 0:
			// Supported XCR0 bits; the area size for the bits XCR0 enables and for
			// all supported ones (legacy area + header, PKRU at 0xA80).
			m := xcr0Supported()
			return uint32(m), xsaveSize(c.XCR0), xsaveSize(m), uint32(m >> 32)
		case 1:
			// XSAVEOPT; XGETBV with ECX = 1.
			return bit(registered("XSAVEOPT"), 0) | 1<<2, 0, 0, 0
		case 9:
			if hasPKU() {
				return xsPKRUSize, xsPKRU, 0, 0
			}
		}
		return 0, 0, 0, 0
	case cpuidHyper:
		return cpuidMaxHyper, 0x54474354, 0x43544743, 0x47435447 // "TCGTCGTCGTCG"
	case 0x80000000:
		return cpuidMaxExt, 0, 0, 0
	case 0x80000001:
		return 0, 0, f.ecx81, f.edx81
	case 0x80000002, 0x80000003, 0x80000004:
		var s [48]byte
		copy(s[:], brand)
		o := (leaf - 0x80000002) * 16
		w := func(i uint32) uint32 {
			return uint32(s[o+i]) | uint32(s[o+i+1])<<8 | uint32(s[o+i+2])<<16 | uint32(s[o+i+3])<<24
		}
		return w(0), w(4), w(8), w(12)
	case 0x80000006:
		return 0, 0, 0x01006040, 0 // 256 KiB L2, 64-byte lines
	case 0x80000007:
		return 0, 0, 0, 1 << 8 // invariant TSC: it is the virtual clock
	case 0x80000008:
		// MAXPHYADDR 40, 48-bit linear; ECX: APIC ID bits for the core number
		// (15:12) and the number of cores less one (7:0).
		return mmu.CPUIDAddressSizes, 0, c.pkgShift()<<12 | uint32(c.cpus()-1), 0
	}
	return 0, 0, 0, 0
}

// cpus is the number of processors in the package.
func (c *CPU) cpus() int {
	if c.cfg.CPUs < 1 {
		return 1
	}
	return c.cfg.CPUs
}

// pkgShift is the number of APIC ID bits that number the processors of the package
// (the core level's shift in leaf 0xB).
func (c *CPU) pkgShift() uint32 { return uint32(bits.Len(uint(c.cpus() - 1))) }
