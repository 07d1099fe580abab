package mmu

import "encoding/binary"

// Paging-structure entry bits (SDM 4.3, 4.4, 4.5; tables 4-4..4-20).
const (
	pteP   = 1 << 0 // present
	pteRW  = 1 << 1 // read/write
	pteUS  = 1 << 2 // user/supervisor
	pteA   = 1 << 5 // accessed
	pteD   = 1 << 6 // dirty (leaf only)
	ptePS  = 1 << 7 // page size (PDPTE/PDE); PAT in a 4 KiB PTE
	pteG   = 1 << 8 // global (leaf only, with CR4.PGE)
	pteXD  = 1 << 63
	pteA8  = uint8(pteA)
	pteAD8 = uint8(pteA | pteD)

	// addrMask selects the address field of a 64-bit entry: bits M-1:12.
	addrMask = physAddrMask &^ pageMask
	// rsvdPhys is the reserved high physical-address bits 51:M of a
	// 4-level entry (bits 62:52 are ignored without protection keys).
	rsvdPhys = (uint64(1)<<52 - 1) &^ physAddrMask
	// rsvdPhysPAE is bits 62:M, reserved in PAE-paging entries.
	rsvdPhysPAE = (uint64(1)<<63 - 1) &^ physAddrMask
	// rsvdPDPTEPAE is the reserved bits of a PAE PDPTE register besides the
	// high address bits: 2:1 and 8:5, plus 63 (SDM table 4-8).
	rsvdPDPTEPAE = 0x6 | 0x1E0 | 1<<63

	rsvdLarge1G = (uint64(1)<<30 - 1) &^ (1<<13 - 1) // bits 29:13 of a 1 GiB PDPTE
	rsvdLarge2M = (uint64(1)<<21 - 1) &^ (1<<13 - 1) // bits 20:13 of a 2 MiB PDE
	// rsvdLarge4M is bit 21 of a 32-bit-paging 4 MiB PDE: with PSE-36 and
	// MAXPHYADDR 40, bits 20:13 hold physical-address bits 39:32.
	rsvdLarge4M = 1 << 21
)

// walkResult is a successful translation.
type walkResult struct {
	pa     uint64 // physical address of va (full, with the offset)
	shift  uint8  // log2 of the mapping's size (12 for 4 KiB)
	global bool
	pk     uint32 // pkBit of the key for a data access to a user page under CR4.PKE, else 0
}

// walk translates va for an access of kind acc in privilege class cls
// (SDM 4.3-4.6). It returns a #PF error code (non-zero) on failure. With
// setAD it sets accessed flags in every entry used (non-leaf entries as
// they are walked, the leaf only when the access is permitted) and the
// dirty flag of the leaf on a write, as hardware does (SDM 4.8).
func (m *MMU) walk(va uint64, acc Access, cls int, setAD bool) (walkResult, uint32) {
	switch m.mode {
	case Mode4Level:
		return m.walk4(va, acc, cls, setAD)
	case ModePAE:
		return m.walkPAE(va, acc, cls, setAD)
	case Mode32:
		return m.walk32(va, acc, cls, setAD)
	}
	return walkResult{pa: va, shift: 12}, 0
}

// walk4 is 4-level paging (SDM 4.5).
func (m *MMU) walk4(va uint64, acc Access, cls int, setAD bool) (walkResult, uint32) {
	rsvd := rsvdPhys
	if !m.nxe {
		rsvd |= pteXD
	}
	return m.walkTables(va, m.ctl.CR3&addrMask, 39, rsvd, acc, cls, setAD)
}

// walkPAE is PAE paging (SDM 4.4): the PDPTE comes from the PDPTE
// registers loaded at the last CR3 write.
func (m *MMU) walkPAE(va uint64, acc Access, cls int, setAD bool) (walkResult, uint32) {
	va &= 0xFFFFFFFF
	pdpte := m.pdpte[va>>30]
	if pdpte&pteP == 0 {
		return walkResult{}, m.faultCode(acc, cls, 0)
	}
	if pdpte&(rsvdPDPTEPAE|rsvdPhysPAE) != 0 {
		// Real hardware refuses such a PDPTE at MOV CR3 (#GP); the CPU can
		// check with PAEPDPTEsValid. Here the walk reports it.
		return walkResult{}, m.faultCode(acc, cls, PFPresent|PFReserved)
	}
	rsvd := rsvdPhysPAE
	if !m.nxe {
		rsvd |= pteXD
	}
	return m.walkTables(va, pdpte&addrMask, 21, rsvd, acc, cls, setAD)
}

// walkTables walks tables of 8-byte entries (4-level and PAE paging) from
// the table at physical address table, whose entries map va bits
// top+8..top, down to the leaf. rsvd holds the reserved bits of every
// entry; the level adds its own (PS in a PML4E, the low bits of 1 GiB and
// 2 MiB pages).
func (m *MMU) walkTables(va, table uint64, top uint, rsvd uint64, acc Access, cls int, setAD bool) (walkResult, uint32) {
	allow := uint64(pteRW | pteUS) // AND of R/W and U/S over the levels
	var xd uint64                  // OR of XD over the levels
	for shift := top; ; shift -= 9 {
		ea := table | (va>>shift&511)*8
		e := m.readPTE(ea)
		if e&pteP == 0 {
			return walkResult{}, m.faultCode(acc, cls, 0)
		}
		r := rsvd
		leaf := shift == 12
		switch shift {
		case 39:
			r |= ptePS // PS is reserved in a PML4E
		case 30:
			if e&ptePS != 0 {
				r |= rsvdLarge1G
				leaf = true
			}
		case 21:
			if e&ptePS != 0 {
				r |= rsvdLarge2M
				leaf = true
			}
		}
		if e&r != 0 {
			return walkResult{}, m.faultCode(acc, cls, PFPresent|PFReserved)
		}
		allow &= e
		xd |= e
		if !leaf {
			if setAD && e&pteA == 0 {
				m.writePTEByte(ea, uint8(e)|pteA8)
			}
			table = e & addrMask
			continue
		}
		size := uint64(1) << shift
		// Protection keys (SDM 4.6.2): data accesses to user-mode
		// addresses take the key from leaf bits 62:59.
		var pk uint32
		pkFault := false
		if m.pke && acc != Exec && cls != clsDebug && allow&pteUS != 0 {
			pk = pkBit(e>>59&15, cls)
			pkFault = m.pkDeny(acc)&pk != 0
		}
		if ok := m.allowed(acc, cls, allow, m.nxe && xd&pteXD != 0); !ok || pkFault {
			bits := uint32(PFPresent)
			if pkFault {
				bits |= PFPK
			}
			return walkResult{}, m.faultCode(acc, cls, bits)
		}
		if setAD {
			m.setLeafAD(ea, e, acc)
		}
		return walkResult{
			pa:     e&addrMask&^(size-1) | va&(size-1),
			shift:  uint8(shift),
			global: m.pge && e&pteG != 0,
			pk:     pk,
		}, 0
	}
}

// walk32 is 32-bit paging (SDM 4.3), with 4 MiB pages when CR4.PSE=1
// (PSE-36: PDE bits 20:13 are physical-address bits 39:32).
func (m *MMU) walk32(va uint64, acc Access, cls int, setAD bool) (walkResult, uint32) {
	va &= 0xFFFFFFFF
	ea := m.ctl.CR3&0xFFFFF000 | (va>>22)*4
	pde := uint64(m.readPTE32(ea))
	if pde&pteP == 0 {
		return walkResult{}, m.faultCode(acc, cls, 0)
	}
	if m.pse && pde&ptePS != 0 {
		if pde&rsvdLarge4M != 0 {
			return walkResult{}, m.faultCode(acc, cls, PFPresent|PFReserved)
		}
		if !m.allowed(acc, cls, pde, false) {
			return walkResult{}, m.faultCode(acc, cls, PFPresent)
		}
		if setAD {
			m.setLeafAD(ea, pde, acc)
		}
		return walkResult{
			pa:     pde&0xFFC00000 | (pde>>13&0xFF)<<32 | va&0x3FFFFF,
			shift:  22,
			global: m.pge && pde&pteG != 0,
		}, 0
	}
	if setAD && pde&pteA == 0 {
		m.writePTEByte(ea, uint8(pde)|pteA8)
	}
	ea = pde&0xFFFFF000 | (va>>12&1023)*4
	pte := uint64(m.readPTE32(ea))
	if pte&pteP == 0 {
		return walkResult{}, m.faultCode(acc, cls, 0)
	}
	if !m.allowed(acc, cls, pde&pte, false) {
		return walkResult{}, m.faultCode(acc, cls, PFPresent)
	}
	if setAD {
		m.setLeafAD(ea, pte, acc)
	}
	return walkResult{
		pa:     pte&0xFFFFF000 | va&pageMask,
		shift:  12,
		global: m.pge && pte&pteG != 0,
	}, 0
}

// allowed applies the access rights of SDM 4.6 to the combined R/W and U/S
// bits (allow) and execute-disable (xd) of a translation.
func (m *MMU) allowed(acc Access, cls int, allow uint64, xd bool) bool {
	if cls == clsDebug {
		return true
	}
	userPage := allow&pteUS != 0
	writable := allow&pteRW != 0
	if cls == clsUser {
		switch acc {
		case Write:
			return userPage && writable
		case Exec:
			return userPage && !xd
		}
		return userPage
	}
	switch acc {
	case Exec:
		// SMEP: no supervisor fetches from user pages (SDM 4.6.1).
		return !xd && !(userPage && m.smep)
	case Write:
		if userPage && m.smap && cls != clsSupAC {
			return false
		}
		return writable || !m.wp
	}
	// SMAP: supervisor data reads of user pages need RFLAGS.AC=1 and an
	// explicit access (implicit accesses arrive as clsSup).
	return !(userPage && m.smap && cls != clsSupAC)
}

// faultCode builds a #PF error code (SDM 4.7) from the P/RSVD bits.
func (m *MMU) faultCode(acc Access, cls int, bits uint32) uint32 {
	code := bits
	switch acc {
	case Write:
		code |= PFWrite
	case Exec:
		// I/D is reported only when fetches can fault for being fetches.
		if m.smep || m.nxe {
			code |= PFFetch
		}
	}
	if cls == clsUser {
		code |= PFUser
	}
	// Make the code non-zero even for a supervisor not-present read, so
	// callers can test code != 0; the marker bit is stripped by the caller.
	return code | faultMarker
}

// faultMarker marks a failed walk; it is not part of the error code.
const faultMarker = 1 << 31

// setLeafAD sets A (and D on a write) in the leaf entry at ea.
func (m *MMU) setLeafAD(ea, e uint64, acc Access) {
	want := pteA8
	if acc == Write {
		want = pteAD8
	}
	if uint8(e)&want != want {
		m.writePTEByte(ea, uint8(e)|want)
	}
}

// readPTE reads a 64-bit paging-structure entry at physical address ea.
func (m *MMU) readPTE(ea uint64) uint64 {
	if ea+8 <= uint64(len(m.ram)) && ea+8 > ea {
		return binary.LittleEndian.Uint64(m.ram[ea:])
	}
	b := m.pteBuf[:8]
	m.ReadPhys(PAddr(ea), b)
	return binary.LittleEndian.Uint64(b)
}

// readPTE32 reads a 32-bit paging-structure entry at physical address ea.
func (m *MMU) readPTE32(ea uint64) uint32 {
	if ea+4 <= uint64(len(m.ram)) {
		return binary.LittleEndian.Uint32(m.ram[ea:])
	}
	b := m.pteBuf[:4]
	m.ReadPhys(PAddr(ea), b)
	return binary.LittleEndian.Uint32(b)
}

// writePTEByte writes the low byte of an entry (where A and D live) through
// the physical write path, so code marks and MMIO are honoured.
func (m *MMU) writePTEByte(ea uint64, v uint8) {
	if ea < uint64(len(m.ram)) && m.fastWriteOK(ea/PageSize) {
		m.ram[ea] = v
		return
	}
	m.pteBuf[0] = v
	m.WritePhys(PAddr(ea), m.pteBuf[:1])
}

// loadPDPTEs loads the four PAE PDPTE registers from the table at CR3[31:5]
// (SDM 4.4.1).
func (m *MMU) loadPDPTEs() {
	base := m.ctl.CR3 & 0xFFFFFFE0
	for i := range m.pdpte {
		m.pdpte[i] = m.readPTE(base + uint64(i)*8)
	}
}

// PAEPDPTEsValid reports whether the four PDPTEs at cr3 (PAE paging) have no
// reserved bits set in present entries. A MOV to CR3 (or a CR0/CR4 write
// that enables PAE paging) with invalid PDPTEs must raise #GP(0) (SDM 4.4.1);
// the CPU checks this before calling SetControl.
func (m *MMU) PAEPDPTEsValid(cr3 uint64) bool {
	base := cr3 & 0xFFFFFFE0
	for i := range uint64(4) {
		e := m.readPTE(base + i*8)
		if e&pteP != 0 && e&(rsvdPDPTEPAE|rsvdPhysPAE) != 0 {
			return false
		}
	}
	return true
}
