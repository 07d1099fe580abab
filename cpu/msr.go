package cpu

// RDMSR / WRMSR and the MSRs the CPU implements itself (SDM Vol. 4). Platform MSRs
// (IA32_APIC_BASE, ...) go to Config.MSR.
//
// An MSR that neither implements reads as zero and ignores writes, as on QEMU's TCG
// (7.2, -cpu max), the machine images are written against: test kernels read MSRs a
// CPU model may lack (IA32_PLATFORM_ID, IA32_SPEC_CTRL, IA32_ARCH_CAPABILITIES, the
// performance counters, model-specific ranges, arbitrary indices up to 0xFFFFFFFF) and
// get 0 there, not #GP. Implemented MSRs keep the SDM's #GP for reserved bits and
// read-only registers.

// MSR indices.
const (
	msrTSC          = 0x10
	msrAPICBase     = 0x1B // IA32_APIC_BASE, served by the platform
	msrCoreThreads  = 0x35 // MSR_CORE_THREAD_COUNT
	msrBIOSSignID   = 0x8B // IA32_BIOS_SIGN_ID: the microcode revision
	msrSysenterCS   = 0x174
	msrSysenterESP  = 0x175
	msrSysenterEIP  = 0x176
	msrMiscEnable   = 0x1A0
	msrMCGCap       = 0x179
	msrMCGStatus    = 0x17A
	msrPAT          = 0x277
	msrEFER         = 0xC0000080
	msrSTAR         = 0xC0000081
	msrLSTAR        = 0xC0000082
	msrCSTAR        = 0xC0000083
	msrFMASK        = 0xC0000084
	msrFSBase       = 0xC0000100
	msrGSBase       = 0xC0000101
	msrKernelGSBase = 0xC0000102
	msrTSCAux       = 0xC0000103
	msrK7PerfFirst  = 0xC0010000
	msrK7PerfLast   = 0xC0010007
	eferWritable    = EFERSCE | EFERLME | EFERNXE
)

func init() {
	register("RDMSR", func(u *uop, d *decodeInfo) bool { u.fn = rdmsr; return true })
	register("WRMSR", func(u *uop, d *decodeInfo) bool { u.fn = wrmsr; return true })
}

// rdmsr is RDMSR: EDX:EAX = MSR[ECX].
func rdmsr(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	v, ok := c.ReadMSR(uint32(c.GPR[RCX]))
	if !ok {
		return c.gp(0)
	}
	c.GPR[RAX] = v & 0xFFFFFFFF
	c.GPR[RDX] = v >> 32
	return nil
}

// wrmsr is WRMSR: MSR[ECX] = EDX:EAX.
func wrmsr(c *CPU, u *uop) *Fault {
	if c.CPL != 0 {
		return c.gp(0)
	}
	v := c.GPR[RDX]<<32 | c.GPR[RAX]&0xFFFFFFFF
	if !c.WriteMSR(uint32(c.GPR[RCX]), v) {
		return c.gp(0)
	}
	return nil
}

// ReadMSR reads an MSR as RDMSR would (false: #GP). Also for debuggers and the machine.
func (c *CPU) ReadMSR(idx uint32) (uint64, bool) {
	switch idx {
	case msrTSC:
		return c.Clock + c.TSCOffset, true
	case msrCoreThreads:
		// Threads (15:0) and cores (31:16) of the package: one thread per core.
		return uint64(c.cpus())<<16 | uint64(c.cpus()), true
	case msrBIOSSignID:
		// The revision in bits 63:32 on Intel, in bits 31:0 on AMD, with QEMU's values.
		if c.cfg.Vendor == VendorAMD {
			return 0x01000065, true
		}
		return 0x1_0000_0000, true
	case msrSysenterCS:
		return c.SysenterCS, true
	case msrSysenterESP:
		return c.SysenterESP, true
	case msrSysenterEIP:
		return c.SysenterEIP, true
	case msrMCGCap, msrMCGStatus:
		return 0, true // no banks, no MCG_CTL; no machine check is ever in progress
	case msrMiscEnable:
		return c.MiscEnable, true
	case msrPAT:
		return c.PAT, true
	case msrEFER:
		return c.EFER, true
	case msrSTAR:
		return c.STAR, true
	case msrLSTAR:
		return c.LSTAR, true
	case msrCSTAR:
		return c.CSTAR, true
	case msrFMASK:
		return c.FMASK, true
	case msrFSBase:
		return c.Seg[FS].Base, true
	case msrGSBase:
		return c.Seg[GS].Base, true
	case msrKernelGSBase:
		return c.KernelGSBase, true
	case msrTSCAux:
		return c.TSCAux, true
	}
	if idx >= msrK7PerfFirst && idx <= msrK7PerfLast {
		return c.K7Perf[idx-msrK7PerfFirst], true
	}
	if v, ok := c.readMTRR(idx); ok {
		return v, true
	}
	if c.cfg.MSR != nil && c.cfg.MSR.HasMSR(idx) {
		return c.cfg.MSR.ReadMSR(idx)
	}
	return 0, true // not implemented: reads as zero
}

// WriteMSR writes an MSR as WRMSR would (false: #GP).
func (c *CPU) WriteMSR(idx uint32, v uint64) bool {
	switch idx {
	case msrTSC:
		c.TSCOffset = v - c.Clock
	case msrSysenterCS:
		c.SysenterCS = v & 0xFFFF
	case msrSysenterESP, msrSysenterEIP, msrLSTAR, msrCSTAR, msrFSBase, msrGSBase, msrKernelGSBase:
		if !canonical(v) {
			return false
		}
		switch idx {
		case msrSysenterESP:
			c.SysenterESP = v
		case msrSysenterEIP:
			c.SysenterEIP = v
		case msrLSTAR:
			c.LSTAR = v
		case msrCSTAR:
			c.CSTAR = v
		case msrFSBase:
			c.Seg[FS].Base = v
		case msrGSBase:
			c.Seg[GS].Base = v
		case msrKernelGSBase:
			c.KernelGSBase = v
		}
	case msrMCGCap:
		return false // read-only
	case msrMCGStatus:
		// RIPV/EIPV/MCIP only mean something while a machine check is in progress, and
		// none ever is: only 0 can be written.
		return v == 0
	case msrMiscEnable:
		c.MiscEnable = v
	case msrPAT:
		for i := 0; i < 8; i++ {
			switch (v >> (8 * i)) & 0xFF {
			case 0, 1, 4, 5, 6, 7:
			default:
				return false
			}
		}
		c.PAT = v
	case msrEFER:
		if v&^uint64(eferWritable|EFERLMA) != 0 {
			return false
		}
		// LME cannot change while paging is on (SDM Vol. 3A §10.8.5).
		if (v^c.EFER)&EFERLME != 0 && c.CR0&CR0PG != 0 {
			return false
		}
		c.EFER = c.EFER&EFERLMA | v&eferWritable
		c.pushControl()
	case msrSTAR:
		c.STAR = v
	case msrFMASK:
		c.FMASK = v & 0xFFFFFFFF
	case msrTSCAux:
		if v>>32 != 0 {
			return false
		}
		c.TSCAux = v
	case msrCoreThreads:
		return false // read-only
	case msrBIOSSignID:
		// Writing 0 before CPUID is how software asks for the revision: nothing to
		// load, the value stays.
	default:
		if idx >= msrK7PerfFirst && idx <= msrK7PerfLast {
			c.K7Perf[idx-msrK7PerfFirst] = v
			return true
		}
		if handled, ok := c.writeMTRR(idx, v); handled {
			return ok
		}
		if c.cfg.MSR != nil && c.cfg.MSR.HasMSR(idx) {
			return c.cfg.MSR.WriteMSR(idx, v)
		}
		// Not implemented: the write is ignored.
	}
	return true
}
