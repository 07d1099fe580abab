package dev

import "sort"

// The functions of QEMU 7.2's pc machine (i440FX + PIIX3, started with
// -nic none) with the registers SeaBIOS leaves before a -kernel boot, as
// a probe image read them:
//
//	00:00.0 8086:1237 i440FX host bridge   class 060000 rev 02
//	00:01.0 8086:7000 PIIX3 ISA bridge     class 060100 rev 00, multi-function
//	00:01.1 8086:7010 PIIX3 IDE            class 010180 rev 00, BAR4 bus-master I/O (16)
//	00:01.3 8086:7113 PIIX4 ACPI/PM        class 068000 rev 03, pin A, line 9 (SCI)
//	00:02.0 1234:1111 standard VGA         class 030000 rev 02, BAR0 16 MiB prefetchable,
//	                                       BAR2 4 KiB, ROM 64 KiB
//
// every one with subsystem 1af4:1100 and command 0x0103 (I/O, memory,
// SERR: SeaBIOS sets them on every function). Optional functions (such as
// pci-testdev) take the next free slots.
//
// The PIIX4 function decodes the ACPI PM registers at PMBA (register 0x40,
// bits 15:6) while PMREGMISC (0x80) bit 0 is set: the firmware leaves
// PMBA = ACPIPMBase, which the FADT names. Registers with no behaviour
// here keep what the guest writes (PAM, SMRAM, PIRQ routing, SMBus base).
// The IDE bus-master range and the VGA BARs decode nothing: no IDE
// controller or VGA memory is behind them, so their addresses read 0 (bus
// memory) or all-ones (ports) where QEMU's devices answer.
const (
	PCIVendorIntel   = 0x8086
	PCIVendorQEMU    = 0x1234
	PCIVendorRedHat  = 0x1B36
	PCISubsysVendor0 = 0x1AF4 // Red Hat (virtio), QEMU's subsystem vendor
	PCISubsys0       = 0x1100

	// PCIWindowEnd is the top of bus memory the firmware hands out (the
	// I/O APIC sits there); PCIIOStart is its first I/O BAR address.
	PCIWindowEnd = 0xFEC00000
	PCIIOStart   = 0xC000

	piix4PMBA      = 0x40
	piix4PMRegMisc = 0x80
	piix4PMIOMask  = 0xFFC0
)

// pciConfig returns a header: IDs, class, revision, header type, the
// subsystem IDs, status and the firmware's command value.
func pciConfig(vendor, device uint16, class uint32, rev, hdr uint8, status uint16) [PCIConfigSpace]byte {
	var c [PCIConfigSpace]byte
	putLE(c[PCIVendorID:], uint64(vendor))
	putLE(c[PCIDeviceID:PCIDeviceID+2], uint64(device))
	putLE(c[PCICommand:PCICommand+2], PCICmdIO|PCICmdMemory|PCICmdSERR)
	putLE(c[PCIStatus:PCIStatus+2], uint64(status))
	c[PCIRevision] = rev
	c[PCIProgIF] = byte(class)
	c[PCISubclass] = byte(class >> 8)
	c[PCIClassCode] = byte(class >> 16)
	c[PCIHeaderType] = hdr
	putLE(c[PCISubsysVendor:PCISubsysVendor+2], PCISubsysVendor0)
	putLE(c[PCISubsysID:PCISubsysID+2], PCISubsys0)
	return c
}

// setBytes stores bytes at off.
func setBytes(c *[PCIConfigSpace]byte, off int, b ...byte) { copy(c[off:], b) }

// PCMachineFunctions returns the pc machine's functions with pm as the
// PIIX4's power-management registers, then extra (optional functions,
// already in their slots), with BAR addresses assigned as SeaBIOS assigns
// them.
func PCMachineFunctions(pm PortDevice, extra ...*PCIFunction) []*PCIFunction {
	host := pciConfig(PCIVendorIntel, 0x1237, 0x060000, 0x02, 0x00, 0x0000)
	setBytes(&host, 0x57, 0x10)                                     // DRAMC
	setBytes(&host, 0x59, 0x10, 0x11, 0x11, 0x11, 0x11, 0x11, 0x33) // PAM0-6
	setBytes(&host, 0x72, 0x0A)                                     // SMRAM

	isa := pciConfig(PCIVendorIntel, 0x7000, 0x060100, 0x00, 0x80, 0x0200)
	setBytes(&isa, 0x4C, 0x4D, 0x00, 0x03)       // IORT, XBCS
	setBytes(&isa, 0x60, 0x0A, 0x0A, 0x0B, 0x0B) // PIRQRC A-D
	setBytes(&isa, 0x69, 0x02)                   // TOM
	setBytes(&isa, 0x70, 0x80)                   // MBIRQ0
	setBytes(&isa, 0x76, 0x0C, 0x0C)             // MBDMA
	setBytes(&isa, 0x78, 0x02)                   // PCSC
	setBytes(&isa, 0xA0, 0x08)                   // SMICNTL
	setBytes(&isa, 0xA8, 0x0F)                   // SMIREQ

	ide := pciConfig(PCIVendorIntel, 0x7010, 0x010180, 0x00, 0x00, 0x0280)
	setBytes(&ide, 0x40, 0x00, 0x80, 0x00, 0x80) // IDETIM primary, secondary

	acpi := pciConfig(PCIVendorIntel, 0x7113, 0x068000, 0x03, 0x00, 0x0280)
	acpi[PCIInterruptPin] = 1
	acpi[PCIInterruptLine] = 9
	setBytes(&acpi, piix4PMBA, (ACPIPMBase|1)&0xFF, ACPIPMBase>>8)
	setBytes(&acpi, 0x5B, 0x02)
	setBytes(&acpi, 0x5F, 0x90)
	setBytes(&acpi, 0x63, 0x60)
	setBytes(&acpi, 0x67, 0x08)
	setBytes(&acpi, piix4PMRegMisc, 0x01)
	setBytes(&acpi, 0x90, 0x01, 0x07) // SMBBA 0x700
	setBytes(&acpi, 0xD2, 0x09)       // SMBHSTCFG

	vga := pciConfig(PCIVendorQEMU, 0x1111, 0x030000, 0x02, 0x00, 0x0000)

	var none [PCINumBARs]PCIBAR
	ideBARs := none
	ideBARs[4] = PCIBAR{Size: 16, IO: true}
	vgaBARs := none
	vgaBARs[0] = PCIBAR{Size: 16 << 20, Prefetch: true}
	vgaBARs[2] = PCIBAR{Size: 4 << 10}
	vgaBARs[PCIROMSlot] = PCIBAR{Size: 64 << 10}

	pmFn := NewPCIFunction("piix4-pm", 1, 3, acpi, none)
	pmFn.extra = func(c *[PCIConfigSpace]byte) []pciRegion {
		if c[piix4PMRegMisc]&1 == 0 || pm == nil {
			return nil
		}
		base := getLE(c[piix4PMBA:piix4PMBA+4]) & piix4PMIOMask
		return []pciRegion{{name: "acpi-pm", io: true, base: base, size: ACPIPMSize, ports: pm}}
	}
	fns := []*PCIFunction{
		NewPCIFunction("i440fx", 0, 0, host, none),
		NewPCIFunction("piix3", 1, 0, isa, none),
		NewPCIFunction("piix3-ide", 1, 1, ide, ideBARs),
		pmFn,
		NewPCIFunction("vga", 2, 0, vga, vgaBARs),
	}
	fns = append(fns, extra...)
	sort.SliceStable(fns, func(i, j int) bool { return fns[i].Slot() < fns[j].Slot() })
	AssignBARsLikeSeaBIOS(fns)
	return fns
}

// AssignBARsLikeSeaBIOS writes into fns' BAR registers the addresses
// SeaBIOS gives them. Every BAR of a kind is an entry; entries are taken
// largest first (ties in slot and BAR order). I/O entries follow one
// another from PCIIOStart. Memory has two regions, prefetchable and not
// (ROMs are not); the one whose largest entry is smaller goes at the top,
// ending at or below PCIWindowEnd at the alignment of its largest entry,
// the other right below it the same way; entries follow one another
// upward from each region's base.
func AssignBARsLikeSeaBIOS(fns []*PCIFunction) {
	type entry struct {
		f *PCIFunction
		i int
	}
	var io, mem, pref []entry
	for _, f := range fns {
		for i, b := range f.BARs {
			switch {
			case b.Size == 0:
			case b.IO:
				io = append(io, entry{f, i})
			case b.Prefetch:
				pref = append(pref, entry{f, i})
			default:
				mem = append(mem, entry{f, i})
			}
		}
	}
	bySize := func(es []entry) {
		sort.SliceStable(es, func(a, b int) bool { return es[a].f.BARs[es[a].i].Size > es[b].f.BARs[es[b].i].Size })
	}
	sum := func(es []entry) (s, align uint64) {
		align = 1
		for _, e := range es {
			sz := uint64(e.f.BARs[e.i].Size)
			s += sz
			align = max(align, sz)
		}
		return s, align
	}
	place := func(es []entry, base uint64) {
		for _, e := range es {
			o := barOffset(e.i)
			b := e.f.BARs[e.i]
			var flags uint32 // the ROM stays disabled
			switch {
			case b.IO:
				flags = pciBARIO
			case b.Prefetch:
				flags = pciBARPrefetch
			}
			if e.i == PCIROMSlot {
				flags = 0
			}
			putLE(e.f.Config[o:o+4], uint64(uint32(base)|flags))
			base += uint64(b.Size)
		}
	}
	for _, es := range [][]entry{io, mem, pref} {
		bySize(es)
	}
	place(io, PCIIOStart)
	top, bottom := pref, mem
	_, memAlign := sum(mem)
	if _, prefAlign := sum(pref); memAlign < prefAlign {
		top, bottom = mem, pref
	}
	s, a := sum(top)
	topBase := (PCIWindowEnd - s) &^ (a - 1)
	s, a = sum(bottom)
	place(top, topBase)
	place(bottom, (topBase-s)&^(a-1))
	for _, f := range fns {
		f.resetCfg = f.Config
	}
}
