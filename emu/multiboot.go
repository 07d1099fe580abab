package emu

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// Multiboot v1 (Multiboot Specification 0.6.96) as qemu-system-x86_64
// -kernel loads it. The layout of everything the loader writes follows
// QEMU's hw/i386/multiboot.c and its multiboot.bin option ROM, so that the
// same image sees the same addresses on both machines:
//
//   - the kernel at its load address (a.out-kludge fields, or ELF PT_LOAD
//     segments at p_paddr with their bss zeroed);
//   - from the kernel's end rounded up to a page (relative to its lowest
//     address): the module list, the module command lines, the kernel command
//     line "<kernel path> <append>" and the boot loader name, then each module
//     on its own page-aligned range;
//   - the memory map at 0x9000 and the information structure at 0x9500.
//
// The order of the writes is QEMU's too: its option ROM writes the memory
// map and the information structure first and then copies the kernel, the
// module list, the command lines and the modules as one page-padded buffer
// from the kernel's lowest address. A kernel that loads over 0x9000-0x9700
// (at 32 KiB, say) therefore boots, and its own bytes (or the buffer's zero
// padding) replace the information structure, exactly as on QEMU; EBX
// still holds 0x9500. The command lines and modules always follow the
// kernel, so they never overlap a loaded segment.
//
// QEMU refuses ELF64 kernels; this loader accepts them too.
const (
	// MultibootHeaderMagic starts the header in the image.
	MultibootHeaderMagic = 0x1BADB002
	// MultibootBootMagic is EAX at the kernel's entry.
	MultibootBootMagic = 0x2BADB002
	// MultibootSearchLimit: the header lies in the image's first 8 KiB.
	MultibootSearchLimit = 8192

	// MultibootMmapAddr and MultibootInfoAddr are where QEMU's option ROM
	// leaves the memory map and the information structure (EBX at entry).
	MultibootMmapAddr = 0x9000
	MultibootInfoAddr = 0x9500
	// multibootGDTAddr holds a flat GDT matching the entry segments
	// (selector 0x08 code, 0x10 data), for kernels that reload a segment
	// register before loading their own GDT. It is where QEMU's option ROM
	// leaves GDTR (base 0xCA2B8, limit 0x27, observed on QEMU 7.2), in the
	// ROM area below 1 MiB that no e820 entry offers as RAM, so a kernel
	// loaded low cannot overwrite it.
	multibootGDTAddr  = 0xCA2B8
	multibootGDTLimit = 0x27
	// multibootAreaEnd bounds the area the loader writes below the kernel.
	multibootAreaEnd = 0x9700

	// BootloaderName is the boot_loader_name the guest sees (QEMU's says
	// "qemu": guests should not print it on lines that must match).
	BootloaderName = "kppemu"

	// Header flags.
	mbHeaderPageAlign = 1 << 0
	mbHeaderMemInfo   = 1 << 1
	mbHeaderVideo     = 1 << 2
	mbHeaderAout      = 1 << 16

	// Information structure flags this loader sets (QEMU's set).
	MultibootInfoMem        = 1 << 0
	MultibootInfoBootDevice = 1 << 1
	MultibootInfoCmdline    = 1 << 2
	MultibootInfoMods       = 1 << 3
	MultibootInfoMmap       = 1 << 6
	MultibootInfoLoaderName = 1 << 9

	mbInfoSize   = 88
	mbModSize    = 16
	mbMmapEntry  = 24 // size field (20) + base, length, type
	mbBootDevice = 0x8000FFFF

	pageSize = 4096
)

// Memory map facts of QEMU's pc machine with SeaBIOS as its e820 table
// reports them for RAM below 3 GiB: the EBDA below 640 KiB, the BIOS at
// 0xF0000, the top 128 KiB of RAM (ACPI tables), the BIOS flash below
// 4 GiB, and the reserved HyperTransport range of -cpu max.
const (
	ebdaBase        = 0x9FC00
	biosBase        = 0xF0000
	biosSize        = 0x10000
	highMemBase     = 0x100000
	acpiReserved    = 0x20000
	flashBase       = 0xFFFC0000
	flashSize       = 0x40000
	htBase          = 0xFD00000000
	htSize          = 0x300000000
	memLowerKiB     = ebdaBase / 1024 // 639, as QEMU reports it
	MinMemBytes     = 2 << 20
	MaxMemBytes     = 3 << 30
	e820RAM         = 1
	e820Reserved    = 2
	elfLoadSegment  = 1 // PT_LOAD
	elfMachine386   = 3
	elfMachineX8664 = 62
)

// MemoryRegion is one entry of the Multiboot memory map.
type MemoryRegion struct {
	Base, Length uint64
	Type         uint32 // 1 = available RAM, 2 = reserved
}

// MemoryMap returns the memory map the guest sees for memBytes of RAM.
func MemoryMap(memBytes uint64) []MemoryRegion {
	return []MemoryRegion{
		{0, ebdaBase, e820RAM},
		{ebdaBase, 0xA0000 - ebdaBase, e820Reserved},
		{biosBase, biosSize, e820Reserved},
		{highMemBase, memBytes - acpiReserved - highMemBase, e820RAM},
		{memBytes - acpiReserved, acpiReserved, e820Reserved},
		{flashBase, flashSize, e820Reserved},
		{htBase, htSize, e820Reserved},
	}
}

// BootModule is a Multiboot module to load.
type BootModule struct {
	// Cmdline is the module's command line as the guest sees it: the file
	// name and, after a space, its arguments (QEMU's -initrd "file args").
	Cmdline string
	// Data is the module's contents.
	Data []byte
}

// BootImage is what a Multiboot loader is given: the kernel file, the
// command line and the modules.
type BootImage struct {
	// Path names the kernel in errors and is the first token of the
	// command line the guest sees.
	Path   string
	Kernel []byte
	// Append is the rest of the kernel command line.
	Append  string
	Modules []BootModule
}

// LoadedModule is where the loader put a module.
type LoadedModule struct {
	Start, End uint32 // [Start, End): the module's bytes
	Cmdline    string
}

// BootInfo describes a loaded Multiboot image.
type BootInfo struct {
	Entry       uint32 // EIP at entry
	InfoAddr    uint32 // EBX at entry
	KernelStart uint32 // lowest loaded address
	KernelEnd   uint32 // end of the kernel including bss
	Format      string // "a.out-kludge", "elf32" or "elf64"
	Cmdline     string
	Modules     []LoadedModule
	MemLower    uint32 // KiB
	MemUpper    uint32 // KiB
	MemoryMap   []MemoryRegion
}

// LoadError is a refused image or module: File names it, Problem says why.
type LoadError struct {
	File    string
	Problem string
}

func (e *LoadError) Error() string { return e.File + ": " + e.Problem }

// segment is one piece of the kernel to place in RAM.
type segment struct {
	paddr       uint64
	data        []byte // file bytes
	memsz       uint64 // data plus zeroed bss
	vaddr       uint64
	description string
}

// LoadMultiboot loads img into ram (guest-physical address 0 upward) as
// QEMU's Multiboot loader does and returns where everything went. It
// writes RAM directly: call it before the CPU has run (no decoded code to
// invalidate). Malformed images are refused with a *LoadError; ram is then
// partly written.
func LoadMultiboot(ram []byte, img BootImage) (*BootInfo, error) {
	fail := func(format string, args ...any) error {
		return &LoadError{File: img.Path, Problem: fmt.Sprintf(format, args...)}
	}
	memBytes := uint64(len(ram))
	if memBytes < MinMemBytes || memBytes > MaxMemBytes {
		return nil, fail("RAM size %d is outside [%d, %d]", memBytes, uint64(MinMemBytes), uint64(MaxMemBytes))
	}
	k := img.Kernel
	hdr, ok, err := findMultibootHeader(k)
	if err != nil {
		return nil, fail("%v", err)
	}
	if !ok && len(k) >= 4 && string(k[:4]) == "\x7fELF" {
		// A truncated ELF file loses its header first: say so.
		if _, _, _, err := elfSegments(k); err != nil {
			return nil, fail("no Multiboot header in the first %d bytes; %v", MultibootSearchLimit, err)
		}
	}
	if !ok {
		return nil, fail("no Multiboot header (magic %#x with a valid checksum) in the first %d bytes", MultibootHeaderMagic, MultibootSearchLimit)
	}
	flags := binary.LittleEndian.Uint32(k[hdr+4:])

	var segs []segment
	var entry uint64
	info := &BootInfo{InfoAddr: MultibootInfoAddr}
	if flags&mbHeaderAout != 0 {
		info.Format = "a.out-kludge"
		segs, entry, err = aoutSegments(k, hdr)
	} else {
		segs, entry, info.Format, err = elfSegments(k)
	}
	if err != nil {
		return nil, fail("%v", err)
	}
	if len(segs) == 0 {
		return nil, fail("nothing to load")
	}

	// Every segment must lie in RAM and clear of the other segments.
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].paddr < segs[j].paddr })
	low, high := ^uint64(0), uint64(0)
	for i, s := range segs {
		end := s.paddr + s.memsz
		if end < s.paddr || end > memBytes {
			return nil, fail("%s [%#x, %#x) lies outside RAM (%d MiB)", s.description, s.paddr, s.paddr+s.memsz, memBytes>>20)
		}
		if i > 0 {
			p := segs[i-1]
			if p.paddr+p.memsz > s.paddr {
				return nil, fail("%s [%#x, %#x) overlaps %s [%#x, %#x)", s.description, s.paddr, end, p.description, p.paddr, p.paddr+p.memsz)
			}
		}
		low = min(low, s.paddr)
		high = max(high, end)
	}
	if entry > 0xFFFFFFFF {
		return nil, fail("entry point %#x is not a 32-bit physical address", entry)
	}
	info.Entry = uint32(entry)
	info.KernelStart, info.KernelEnd = uint32(low), uint32(high)

	// QEMU's layout after the kernel: module list, command lines, loader
	// name, page-aligned; then the modules, each page-aligned.
	nmods := uint64(len(img.Modules))
	cmdlineLen := uint64(len(img.Path)+1) + uint64(len(img.Append)+1)
	if nmods > 0 {
		for _, m := range img.Modules {
			cmdlineLen += uint64(len(m.Cmdline)) + 1 // "m1 args,m2" plus its NUL
		}
	}
	modList := low + pageAlign(high-low)
	cmdlines := modList + nmods*mbModSize
	loaderName := cmdlines + cmdlineLen
	next := pageAlign(loaderName + uint64(len(BootloaderName)+1) - low)
	next += low
	if next > memBytes {
		return nil, fail("the kernel [%#x, %#x) and its command lines do not fit in RAM (%d MiB)", low, high, memBytes>>20)
	}
	type placed struct {
		start uint64
		data  []byte
	}
	mods := make([]placed, 0, nmods)
	for i, m := range img.Modules {
		start := next
		end := start + uint64(len(m.Data))
		if end > memBytes || end < start {
			return nil, &LoadError{File: moduleFile(m.Cmdline), Problem: fmt.Sprintf("module %d (%d bytes at %#x) does not fit in RAM (%d MiB)", i+1, len(m.Data), start, memBytes>>20)}
		}
		if end > 0xFFFFFFFF {
			return nil, &LoadError{File: moduleFile(m.Cmdline), Problem: fmt.Sprintf("module %d ends above 4 GiB", i+1)}
		}
		mods = append(mods, placed{start, m.Data})
		next = low + pageAlign(end-low)
	}

	// Now write: nothing above failed, so RAM is only touched for a good
	// image. The memory map, the information structure and the entry GDT
	// go first; the kernel buffer [low, next) comes after and wins where
	// they overlap.
	info.MemoryMap = MemoryMap(memBytes)
	info.MemLower = memLowerKiB
	info.MemUpper = uint32((memBytes - acpiReserved - highMemBase) / 1024)
	cmdAddr := uint32(cmdlines)
	for _, m := range img.Modules {
		cmdAddr += uint32(len(m.Cmdline)) + 1
	}
	writeMultibootInfo(ram, info, cmdAddr, uint32(nmods), uint32(modList), uint32(loaderName))

	clear(ram[low:next])
	for _, s := range segs {
		copy(ram[s.paddr:], s.data)
		clear(ram[s.paddr+uint64(len(s.data)) : s.paddr+s.memsz])
	}
	strs := cmdlines
	putString := func(s string) uint32 {
		at := strs
		copy(ram[at:], s)
		ram[at+uint64(len(s))] = 0
		strs += uint64(len(s)) + 1
		return uint32(at)
	}
	for i, m := range img.Modules {
		p := mods[i]
		copy(ram[p.start:], p.data)
		c := putString(m.Cmdline)
		e := modList + uint64(i)*mbModSize
		binary.LittleEndian.PutUint32(ram[e:], uint32(p.start))
		binary.LittleEndian.PutUint32(ram[e+4:], uint32(p.start)+uint32(len(p.data)))
		binary.LittleEndian.PutUint32(ram[e+8:], c)
		binary.LittleEndian.PutUint32(ram[e+12:], 0)
		info.Modules = append(info.Modules, LoadedModule{Start: uint32(p.start), End: uint32(p.start) + uint32(len(p.data)), Cmdline: m.Cmdline})
	}
	info.Cmdline = img.Path + " " + img.Append
	putString(info.Cmdline)
	strs = loaderName
	putString(BootloaderName)
	return info, nil
}

// writeMultibootInfo writes the memory map at MultibootMmapAddr, the
// information structure at MultibootInfoAddr and the entry GDT.
func writeMultibootInfo(ram []byte, info *BootInfo, cmdAddr, nmods, modList, nameAddr uint32) {
	clear(ram[MultibootMmapAddr:multibootAreaEnd])
	for i, r := range info.MemoryMap {
		e := ram[MultibootMmapAddr+i*mbMmapEntry:]
		binary.LittleEndian.PutUint32(e[0:], mbMmapEntry-4)
		binary.LittleEndian.PutUint64(e[4:], r.Base)
		binary.LittleEndian.PutUint64(e[12:], r.Length)
		binary.LittleEndian.PutUint32(e[20:], r.Type)
	}
	mi := ram[MultibootInfoAddr : MultibootInfoAddr+mbInfoSize]
	binary.LittleEndian.PutUint32(mi[0:], MultibootInfoMem|MultibootInfoBootDevice|MultibootInfoCmdline|
		MultibootInfoMods|MultibootInfoMmap|MultibootInfoLoaderName)
	binary.LittleEndian.PutUint32(mi[4:], info.MemLower)
	binary.LittleEndian.PutUint32(mi[8:], info.MemUpper)
	binary.LittleEndian.PutUint32(mi[12:], mbBootDevice)
	binary.LittleEndian.PutUint32(mi[16:], cmdAddr)
	binary.LittleEndian.PutUint32(mi[20:], nmods)
	binary.LittleEndian.PutUint32(mi[24:], modList)
	binary.LittleEndian.PutUint32(mi[44:], uint32(len(info.MemoryMap)*mbMmapEntry))
	binary.LittleEndian.PutUint32(mi[48:], MultibootMmapAddr)
	binary.LittleEndian.PutUint32(mi[64:], nameAddr)

	gdt := ram[multibootGDTAddr : multibootGDTAddr+multibootGDTLimit+1]
	clear(gdt)
	binary.LittleEndian.PutUint64(gdt[0x08:], 0x00CF9A000000FFFF) // 32-bit code, flat
	binary.LittleEndian.PutUint64(gdt[0x10:], 0x00CF93000000FFFF) // data, flat, accessed
}

// moduleFile is the file name of a module command line ("file args").
func moduleFile(cmdline string) string {
	if i := strings.IndexByte(cmdline, ' '); i >= 0 {
		return cmdline[:i]
	}
	return cmdline
}

func pageAlign(v uint64) uint64 { return (v + pageSize - 1) &^ (pageSize - 1) }

// findMultibootHeader returns the offset of the first 4-byte-aligned
// header with a valid checksum in the first 8 KiB of k.
func findMultibootHeader(k []byte) (int, bool, error) {
	limit := min(len(k), MultibootSearchLimit)
	sawMagic := false
	for i := 0; i+12 <= limit; i += 4 {
		if binary.LittleEndian.Uint32(k[i:]) != MultibootHeaderMagic {
			continue
		}
		flags := binary.LittleEndian.Uint32(k[i+4:])
		sum := binary.LittleEndian.Uint32(k[i+8:])
		if MultibootHeaderMagic+flags+sum != 0 {
			sawMagic = true
			continue
		}
		return i, true, nil
	}
	if sawMagic {
		return 0, false, fmt.Errorf("Multiboot header has a bad checksum (magic+flags+checksum must be 0 mod 2^32)")
	}
	if len(k) < 12 {
		return 0, false, fmt.Errorf("file is truncated (%d bytes): no room for a Multiboot header", len(k))
	}
	return 0, false, nil
}

// aoutSegments reads the header's address fields (flag 16): the file from
// the header's offset minus (header_addr - load_addr) is loaded at
// load_addr up to load_end_addr (0: end of file), zeroed up to bss_end_addr.
func aoutSegments(k []byte, hdr int) ([]segment, uint64, error) {
	if hdr+32 > len(k) {
		return nil, 0, fmt.Errorf("file is truncated: the Multiboot header's address fields at offset %#x run past its end", hdr+12)
	}
	f := func(off int) uint64 { return uint64(binary.LittleEndian.Uint32(k[hdr+off:])) }
	headerAddr, loadAddr, loadEnd, bssEnd, entry := f(12), f(16), f(20), f(24), f(28)
	if headerAddr < loadAddr {
		return nil, 0, fmt.Errorf("header_addr %#x is below load_addr %#x", headerAddr, loadAddr)
	}
	if headerAddr-loadAddr > uint64(hdr) {
		return nil, 0, fmt.Errorf("load_addr %#x would start %#x bytes before the file does", loadAddr, headerAddr-loadAddr-uint64(hdr))
	}
	textOff := uint64(hdr) - (headerAddr - loadAddr)
	var loadSize uint64
	if loadEnd != 0 {
		if loadEnd < loadAddr {
			return nil, 0, fmt.Errorf("load_end_addr %#x is below load_addr %#x", loadEnd, loadAddr)
		}
		loadSize = loadEnd - loadAddr
		if textOff+loadSize > uint64(len(k)) {
			return nil, 0, fmt.Errorf("file is truncated: load_end_addr %#x needs %d bytes from offset %#x, the file has %d", loadEnd, loadSize, textOff, len(k))
		}
	} else {
		loadSize = uint64(len(k)) - textOff
	}
	memsz := loadSize
	if bssEnd != 0 {
		if bssEnd < loadAddr+loadSize {
			return nil, 0, fmt.Errorf("bss_end_addr %#x is below the end of the loaded image %#x", bssEnd, loadAddr+loadSize)
		}
		memsz = bssEnd - loadAddr
	}
	if entry < loadAddr || entry >= loadAddr+memsz {
		return nil, 0, fmt.Errorf("entry_addr %#x is outside the loaded image [%#x, %#x)", entry, loadAddr, loadAddr+memsz)
	}
	return []segment{{paddr: loadAddr, vaddr: loadAddr, data: k[textOff : textOff+loadSize], memsz: memsz, description: "the a.out-kludge image"}}, entry, nil
}

// elfSegments reads the PT_LOAD program headers of an ELF32 or ELF64
// little-endian x86 executable.
func elfSegments(k []byte) ([]segment, uint64, string, error) {
	if len(k) < 16 || string(k[:4]) != "\x7fELF" {
		return nil, 0, "", fmt.Errorf("not an ELF file and the Multiboot header has no a.out-kludge address fields (flag 16)")
	}
	class, data := k[4], k[5]
	if data != 1 {
		return nil, 0, "", fmt.Errorf("ELF data encoding %d is not little-endian", data)
	}
	var (
		entry, phoff        uint64
		phentsize, phnum    uint64
		wantEntSize, ehsize uint64
		format              string
	)
	switch class {
	case 1:
		format, ehsize, wantEntSize = "elf32", 52, 32
	case 2:
		format, ehsize, wantEntSize = "elf64", 64, 56
	default:
		return nil, 0, "", fmt.Errorf("ELF class %d is neither ELF32 nor ELF64", class)
	}
	if uint64(len(k)) < ehsize {
		return nil, 0, "", fmt.Errorf("file is truncated: %d bytes, shorter than the %s header", len(k), format)
	}
	machine := binary.LittleEndian.Uint16(k[18:])
	if machine != elfMachine386 && machine != elfMachineX8664 {
		return nil, 0, "", fmt.Errorf("ELF machine %d is not x86 (3) or x86-64 (62)", machine)
	}
	if class == 1 {
		entry = uint64(binary.LittleEndian.Uint32(k[24:]))
		phoff = uint64(binary.LittleEndian.Uint32(k[28:]))
		phentsize = uint64(binary.LittleEndian.Uint16(k[42:]))
		phnum = uint64(binary.LittleEndian.Uint16(k[44:]))
	} else {
		entry = binary.LittleEndian.Uint64(k[24:])
		phoff = binary.LittleEndian.Uint64(k[32:])
		phentsize = uint64(binary.LittleEndian.Uint16(k[54:]))
		phnum = uint64(binary.LittleEndian.Uint16(k[56:]))
	}
	if phnum == 0 {
		return nil, 0, "", fmt.Errorf("ELF file has no program headers")
	}
	if phentsize != wantEntSize {
		return nil, 0, "", fmt.Errorf("ELF program header size %d, want %d", phentsize, wantEntSize)
	}
	if phoff > uint64(len(k)) || phnum*phentsize > uint64(len(k))-phoff {
		return nil, 0, "", fmt.Errorf("file is truncated: %d program headers at offset %#x run past its end (%d bytes)", phnum, phoff, len(k))
	}
	var segs []segment
	for i := uint64(0); i < phnum; i++ {
		p := k[phoff+i*phentsize:]
		var typ uint32
		var off, vaddr, paddr, filesz, memsz uint64
		if class == 1 {
			typ = binary.LittleEndian.Uint32(p[0:])
			off = uint64(binary.LittleEndian.Uint32(p[4:]))
			vaddr = uint64(binary.LittleEndian.Uint32(p[8:]))
			paddr = uint64(binary.LittleEndian.Uint32(p[12:]))
			filesz = uint64(binary.LittleEndian.Uint32(p[16:]))
			memsz = uint64(binary.LittleEndian.Uint32(p[20:]))
		} else {
			typ = binary.LittleEndian.Uint32(p[0:])
			off = binary.LittleEndian.Uint64(p[8:])
			vaddr = binary.LittleEndian.Uint64(p[16:])
			paddr = binary.LittleEndian.Uint64(p[24:])
			filesz = binary.LittleEndian.Uint64(p[32:])
			memsz = binary.LittleEndian.Uint64(p[40:])
		}
		if typ != elfLoadSegment || memsz == 0 {
			continue
		}
		desc := fmt.Sprintf("segment %d", i)
		if filesz > memsz {
			return nil, 0, "", fmt.Errorf("%s: file size %#x exceeds memory size %#x", desc, filesz, memsz)
		}
		if off > uint64(len(k)) || filesz > uint64(len(k))-off {
			return nil, 0, "", fmt.Errorf("file is truncated: %s needs bytes [%#x, %#x), the file has %d", desc, off, off+filesz, len(k))
		}
		segs = append(segs, segment{paddr: paddr, vaddr: vaddr, data: k[off : off+filesz], memsz: memsz, description: desc})
	}
	if len(segs) == 0 {
		return nil, 0, "", fmt.Errorf("ELF file has no loadable (PT_LOAD) segments")
	}
	// e_entry is a virtual address; a higher-half kernel's entry is
	// translated through the segment that holds it.
	inPhys := false
	for _, s := range segs {
		if entry >= s.paddr && entry-s.paddr < s.memsz {
			inPhys = true
		}
	}
	if !inPhys {
		for _, s := range segs {
			if entry >= s.vaddr && entry-s.vaddr < s.memsz {
				entry = entry - s.vaddr + s.paddr
				break
			}
		}
	}
	return segs, entry, format, nil
}
