package emu

import (
	"encoding/binary"

	"github.com/kppemu/kppemu/emu/dev"
)

// ACPI tables as SeaBIOS leaves them on QEMU 7.2's pc machine for a -kernel
// boot (observed with a probe image): an ACPI 1.0 RSDP (revision 0, OEM
// "BOCHS ") in the BIOS area at 0xF59D0 pointing at an RSDT; the tables
// from the start of the top 128 KiB of RAM (the e820 reserved range): FACS,
// DSDT, FACP (FADT revision 1), APIC (MADT), WAET, then the RSDT itself.
//
// The FADT carries QEMU's PIIX4 values: SCI on IRQ 9, SMI command port
// 0xB2 with ACPI enable/disable 0xF1/0xF0, PM1a event block 0x600, PM1a
// control 0x604, the PM timer at 0x608 (24-bit), GPE0 at 0xAFE0, flags
// 0x80A5. The MADT lists one enabled local APIC per processor (ACPI ID =
// APIC ID = index), the I/O APIC (ID 0, 0xFEC00000, GSI base 0), QEMU's
// interrupt source overrides (ISA IRQ 0 -> GSI 2; IRQs 5, 9, 10 and 11
// level-triggered, active high) and a local APIC NMI on LINT1 for all
// processors.
//
// Differences from QEMU: no HPET table (this machine has no HPET; QEMU adds
// one unless started with hpet=off), and the DSDT holds only the \_S5
// package instead of QEMU's full AML namespace, so the tables after it sit
// at lower addresses than on QEMU.
const (
	acpiRSDPAddr = 0xF59D0
	acpiOEMID    = "BOCHS "
	acpiOEMTable = "BXPC    "
	acpiCreator  = "BXPC"
	acpiHdrLen   = 36
)

// acpiTable returns a table with its header (checksum filled in).
func acpiTable(sig string, rev byte, body []byte) []byte {
	t := make([]byte, acpiHdrLen, acpiHdrLen+len(body))
	copy(t[0:4], sig)
	binary.LittleEndian.PutUint32(t[4:], uint32(acpiHdrLen+len(body)))
	t[8] = rev
	copy(t[10:16], acpiOEMID)
	copy(t[16:24], acpiOEMTable)
	binary.LittleEndian.PutUint32(t[24:], 1)
	copy(t[28:32], acpiCreator)
	binary.LittleEndian.PutUint32(t[32:], 1)
	t = append(t, body...)
	t[9] = acpiChecksum(t)
	return t
}

func acpiChecksum(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return -s
}

// writeACPI lays the tables out in ram for a machine with ncpus processors.
func writeACPI(ram []byte, ncpus int) {
	mem := uint64(len(ram))
	if mem < acpiReserved+0x1000 || acpiRSDPAddr+20 > mem {
		return
	}
	base := mem - acpiReserved
	next := base
	place := func(b []byte) uint32 {
		at := next
		copy(ram[at:], b)
		next += uint64(len(b))
		return uint32(at)
	}

	// FACS: 64 bytes, no checksum.
	facs := make([]byte, 64)
	copy(facs, "FACS")
	binary.LittleEndian.PutUint32(facs[4:], 64)
	facsAddr := place(facs)

	// DSDT: Name (_S5, Package (4) {0, 0, 0, 0}).
	dsdtAddr := place(acpiTable("DSDT", 1, []byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0}))

	fadt := make([]byte, 0x74-acpiHdrLen)
	le32 := func(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off-acpiHdrLen:], v) }
	le16 := func(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off-acpiHdrLen:], v) }
	set := func(b []byte, off int, v byte) { b[off-acpiHdrLen] = v }
	le32(fadt, 36, facsAddr)
	le32(fadt, 40, dsdtAddr)
	set(fadt, 44, 1) // INT_MODEL
	le16(fadt, 46, 9)
	le32(fadt, 48, 0xB2)
	set(fadt, 52, 0xF1)
	set(fadt, 53, 0xF0)
	le32(fadt, 56, dev.ACPIPMBase)
	le32(fadt, 64, dev.ACPIPMBase+4)
	le32(fadt, 76, dev.ACPIPMTimer)
	le32(fadt, 80, 0xAFE0)
	set(fadt, 88, 4) // PM1_EVT_LEN
	set(fadt, 89, 2) // PM1_CNT_LEN
	set(fadt, 91, 4) // PM_TMR_LEN
	set(fadt, 92, 4) // GPE0_BLK_LEN
	le16(fadt, 96, 0x0FFF)
	le16(fadt, 98, 0x0FFF)
	set(fadt, 108, 0x32) // CENTURY
	le32(fadt, 112, 0x80A5)
	fadtAddr := place(acpiTable("FACP", 1, fadt))

	madt := binary.LittleEndian.AppendUint32(nil, 0xFEE00000)
	madt = binary.LittleEndian.AppendUint32(madt, 1) // PCAT_COMPAT
	for i := 0; i < ncpus; i++ {
		madt = append(madt, 0, 8, byte(i), byte(i), 1, 0, 0, 0)
	}
	madt = append(madt, 1, 12, 0, 0)
	madt = binary.LittleEndian.AppendUint32(madt, 0xFEC00000)
	madt = binary.LittleEndian.AppendUint32(madt, 0)
	override := func(src byte, gsi uint32, flags uint16) {
		madt = append(madt, 2, 10, 0, src)
		madt = binary.LittleEndian.AppendUint32(madt, gsi)
		madt = binary.LittleEndian.AppendUint16(madt, flags)
	}
	override(0, 2, 0)
	for _, irq := range []byte{5, 9, 10, 11} {
		override(irq, uint32(irq), 0x0D)
	}
	madt = append(madt, 4, 6, 0xFF, 0, 0, 1)
	madtAddr := place(acpiTable("APIC", 1, madt))

	waetAddr := place(acpiTable("WAET", 1, []byte{2, 0, 0, 0}))

	var rsdtBody []byte
	for _, a := range []uint32{fadtAddr, madtAddr, waetAddr} {
		rsdtBody = binary.LittleEndian.AppendUint32(rsdtBody, a)
	}
	rsdtAddr := place(acpiTable("RSDT", 1, rsdtBody))

	rsdp := make([]byte, 20)
	copy(rsdp, "RSD PTR ")
	copy(rsdp[9:15], acpiOEMID)
	binary.LittleEndian.PutUint32(rsdp[16:], rsdtAddr)
	rsdp[8] = acpiChecksum(rsdp)
	copy(ram[acpiRSDPAddr:], rsdp)
}
